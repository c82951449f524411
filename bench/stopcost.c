/* The floor under any stop-per-syscall tracer on this machine: what one seccomp stop costs when the
 * tracer does nothing but resume the tracee. A child stats a file N times, untraced, then under a
 * seccomp filter returning SCMP_ACT_TRACE for that syscall with a tracer that only PTRACE_CONTs:
 * once sleeping in waitpid between stops, once polling waitpid (as pare's tracer does in bursts).
 * Prints "untraced_us sleeping_us polling_us" per call. Used by bench/tracer.sh. */
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CALLS 20000

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static double stat_loop(void)
{
	struct stat st;
	double t0 = now_us();
	for (int i = 0; i < CALLS; i++)
		fstatat(AT_FDCWD, "/", &st, AT_SYMLINK_NOFOLLOW);
	return (now_us() - t0) / CALLS;
}

/* The child: stop until the tracer is attached, filter, measure, report the time through the pipe. */
static void child(int out)
{
	raise(SIGSTOP);
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SCMP_SYS(newfstatat), 0) < 0 || seccomp_load(ctx) < 0)
		_exit(1);
	double us = stat_loop();
	_exit(write(out, &us, sizeof(us)) == sizeof(us) ? 0 : 1);
}

static double traced(int poll_us)
{
	int fds[2];
	if (pipe(fds) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		child(fds[1]);
	}
	close(fds[1]);
	int status;
	if (waitpid(pid, &status, WUNTRACED) != pid ||
	    ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	kill(pid, SIGCONT);
	for (;;) {
		pid_t w = 0;
		double t0 = now_us();
		while (poll_us && w == 0 && now_us() - t0 < poll_us)
			w = waitpid(pid, &status, __WALL | WNOHANG);
		if (w == 0)
			w = waitpid(pid, &status, __WALL);
		if (w < 0 || WIFEXITED(status) || WIFSIGNALED(status))
			break;
		int sig = WSTOPSIG(status);
		if ((status >> 8) == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8)) || sig == SIGTRAP || sig == SIGSTOP ||
		    sig == SIGCONT)
			sig = 0;
		ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig);
	}
	double us = -1;
	if (read(fds[0], &us, sizeof(us)) != sizeof(us))
		us = -1;
	close(fds[0]);
	return us;
}

int main(void)
{
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	double base = stat_loop(), sleeping = traced(0), polling = traced(50);
	if (sleeping < 0 || polling < 0) {
		fprintf(stderr, "stopcost: tracing failed\n");
		return 1;
	}
	printf("%.2f %.2f %.2f\n", base, sleeping, polling);
	return 0;
}
