/* The tracer's lifecycle: attaching, running the loop, and tracing a command on the host. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "tracer/filter.h"
#include "tracer/loop.h"
#include "tracer/tracer_int.h"

#define PID_BITMAP_BITS (1u << 22) /* pid_max can not exceed 4194304 */
#define SPIN_US_DEFAULT 50

/* PARE_TRACER_SPIN_US (microseconds, 0 = never poll) is for measuring; see doc/TRACER.md. */
/* CPU time of this process (every thread: the loop and the fanotify reader), in microseconds. */
static uint64_t own_cpu_us(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static long spin_us(void)
{
	const char *v = getenv("PARE_TRACER_SPIN_US");
	char *end;
	long n = v && *v ? strtol(v, &end, 10) : -1;
	return n >= 0 && n <= 100000 && *end == '\0' ? n : SPIN_US_DEFAULT;
}

struct tracer *tracer_new(const struct tracer_options *opts)
{
	struct tracer *t = xcalloc(1, sizeof(*t));
	t->opts = *opts;
	t->profile = profile_new();
	t->profile->image = opts->image ? xstrdup(opts->image) : NULL;
	t->profile->census.complete = opts->census;
	t->filter = tracer_filter_new(opts->census, &t->filter_err);
	t->self = getpid();
	t->res.rootfd = -1;
	t->seen = xcalloc(PID_BITMAP_BITS / 8, 1);
	clock_gettime(CLOCK_MONOTONIC, &t->start);
	t->spin_us = spin_us();
	t->loadavg_fd = t->spin_us ? open("/proc/loadavg", O_RDONLY | O_CLOEXEC) : -1;
	t->ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	t->start_cpu_us = own_cpu_us();
	return t;
}

void tracer_free(struct tracer *t)
{
	if (!t)
		return;
	fan_stop(t);
	if (t->loadavg_fd >= 0)
		close(t->loadavg_fd);
	if (t->res_ready)
		resolver_release(&t->res);
	jail_release_all(t);
	tracee_table_release(&t->tracees);
	strmap_release(&t->recorded, NULL);
	for (size_t i = 0; i < t->n_deferred; i++) {
		free(t->deferred[i].root);
		free(t->deferred[i].abs);
	}
	free(t->deferred);
	profile_free(t->profile);
	tracer_filter_free(t->filter);
	free(t->seen);
	free(t->blind);
	free(t);
}

struct profile *tracer_profile(struct tracer *t)
{
	return t->profile;
}

const char *tracer_blind(const struct tracer *t)
{
	return t->blind;
}

struct profile *tracer_steal_profile(struct tracer *t)
{
	struct profile *p = t->profile;
	t->profile = profile_new();
	t->profile->census.complete = t->opts.census;
	return p;
}

struct tracee *tracer_note_tracee(struct tracer *t, pid_t tid)
{
	struct tracee *te = tracee_find(&t->tracees, tid);
	if (te)
		return te;
	if ((unsigned)tid < PID_BITMAP_BITS)
		t->seen[(unsigned)tid / 8] |= (uint8_t)(1u << ((unsigned)tid % 8));
	t->profile->stats.processes++;
	return tracee_get(&t->tracees, tid);
}

bool tracer_seen(const struct tracer *t, pid_t tid)
{
	return (unsigned)tid < PID_BITMAP_BITS && (t->seen[(unsigned)tid / 8] & (1u << ((unsigned)tid % 8)));
}

int tracer_child_setup(const struct tracer *t, struct pare_error *err)
{
	if (!t->filter) {
		*err = t->filter_err;
		return -1;
	}
	return tracer_filter_load(t->filter, err);
}

int tracer_seize(struct tracer *t, pid_t pid, struct pare_error *err)
{
	long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		    PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD;
	if (ptrace(PTRACE_SEIZE, pid, 0, (void *)opts) < 0)
		return pare_error_errno(err, "ptrace: attaching to process %d", (int)pid);
	t->main_pid = pid;
	tracer_note_tracee(t, pid);
	return 0;
}

int tracer_run(struct tracer *t, int *status, struct pare_error *err)
{
	(void)err;
	static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGALRM };
	struct sigaction sa = { .sa_handler = loop_on_signal }, old[4];
	sigemptyset(&sa.sa_mask); /* no SA_RESTART: waitpid must return to forward them */
	for (int i = 0; t->opts.own_signals && i < 4; i++)
		sigaction(forwarded[i], &sa, &old[i]);
	loop_run(t);
	for (int i = 0; t->opts.own_signals && i < 4; i++)
		sigaction(forwarded[i], &old[i], NULL);
	fan_stop(t);

	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	struct profile_stats *st = &t->profile->stats;
	st->duration_ms = (uint64_t)((end.tv_sec - t->start.tv_sec) * 1000 + (end.tv_nsec - t->start.tv_nsec) / 1000000);
	uint64_t cpu = own_cpu_us();
	st->tracer_cpu_ms = cpu > t->start_cpu_us ? (cpu - t->start_cpu_us) / 1000 : 0;
	int s = t->main_status;
	st->exit_status = WIFEXITED(s) ? WEXITSTATUS(s) : WIFSIGNALED(s) ? 128 + WTERMSIG(s) : 1;
	if (status)
		*status = s;
	return 0;
}

int tracer_trace_command(char *const argv[], const struct tracer_options *opts, struct profile **out,
			 int *status, struct pare_error *err)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return pare_error_errno(err, "pipe");
	struct tracer_options o = *opts;
	o.own_signals = true;
	struct tracer *t = tracer_new(&o); /* before the fork: the child only loads its filter */
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		tracer_free(t);
		return pare_error_errno(err, "fork");
	}
	if (pid == 0) {
		/* Wait, stopped, until the tracer has seized us; then filter and exec. */
		close(pipefd[0]);
		raise(SIGSTOP);
		struct pare_error cerr = { 0 };
		if (tracer_child_setup(t, &cerr) < 0) {
			if (write(pipefd[1], cerr.msg, strlen(cerr.msg)) < 0)
				_exit(126);
			_exit(126);
		}
		execvp(argv[0], argv);
		int e = errno;
		_exit(e == ENOENT ? 127 : 126);
	}
	close(pipefd[1]);
	int st;
	if (waitpid(pid, &st, WUNTRACED | __WNOTHREAD) != pid || !WIFSTOPPED(st)) {
		close(pipefd[0]);
		tracer_free(t);
		return pare_error_set(err, 0, "the traced child did not start");
	}
	if (tracer_seize(t, pid, err) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		tracer_free(t);
		close(pipefd[0]);
		return -1;
	}
	kill(pid, SIGCONT);
	int r = tracer_run(t, status, err);
	char msg[PARE_ERROR_MAX];
	ssize_t n = read(pipefd[0], msg, sizeof(msg) - 1);
	close(pipefd[0]);
	if (n > 0) {
		msg[n] = '\0';
		tracer_free(t);
		return pare_error_set(err, 0, "%s", msg);
	}
	if (r == 0)
		*out = tracer_steal_profile(t);
	tracer_free(t);
	return r;
}
