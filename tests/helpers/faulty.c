/* faulty: a misbehaving application for pare's fault tests (tests/t-faults.sh), static.
 *   faulty fill PATH           write zeros to PATH until the write fails; print "fill: N bytes, <error>"
 *                              and exit 0 when the error was ENOSPC (then sleep if FAULTY_WAIT is set)
 *   faulty spawn N             fork N children that each sleep for an hour (argv[0] of each is
 *                              "faulty-child"); print "spawned N" once all exist, then sleep forever
 *                              (exit 0 instead when FAULTY_EXIT is set)
 *   faulty bomb                fork children that sleep, until fork fails (5000 at most); print "bomb: N forks, <error>"
 *                              and exit 0 when the error was EAGAIN (a pids limit), 1 otherwise
 * Every mode ignores SIGTERM, as a careless application might. Extra arguments are ignored: tests pass
 * a marker to find their processes by (the children keep the argv). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static void child_sleep(void)
{
	prctl(PR_SET_NAME, "faulty-child");
	for (;;)
		pause();
}

static int fill(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		printf("fill: open %s: %s\n", path, strerror(errno));
		return 1;
	}
	static char buf[1 << 16];
	unsigned long long n = 0;
	ssize_t w;
	while ((w = write(fd, buf, sizeof(buf))) > 0)
		n += (unsigned long long)w;
	int e = errno;
	printf("fill: %llu bytes, %s\n", n, w == 0 ? "short write" : strerror(e));
	fflush(stdout);
	if (getenv("FAULTY_WAIT"))
		for (;;)
			pause();
	return e == ENOSPC ? 0 : 1;
}

static int spawn(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0) {
			printf("spawn: fork %ld: %s\n", i, strerror(errno));
			return 1;
		}
		if (p == 0)
			child_sleep();
	}
	printf("spawned %ld\n", n);
	fflush(stdout);
	if (getenv("FAULTY_EXIT"))
		return 0; /* PID 1 leaves its children behind: the kernel kills them */
	for (;;)
		pause();
}

static int bomb(void)
{
	unsigned long n = 0;
	for (;;) {
		pid_t p = fork();
		if (p < 0) {
			int e = errno;
			printf("bomb: %lu forks, %s\n", n, strerror(e));
			fflush(stdout);
			return e == EAGAIN ? 0 : 1;
		}
		if (p == 0)
			child_sleep();
		n++;
		if (n >= 5000) { /* a safety net for a machine without a limit */
			printf("bomb: %lu forks, no limit\n", n);
			return 1;
		}
	}
}

int main(int argc, char **argv)
{
	signal(SIGTERM, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && !strcmp(argv[1], "fill"))
		return fill(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "spawn"))
		return spawn(atol(argv[2]));
	if (argc >= 2 && !strcmp(argv[1], "bomb"))
		return bomb();
	fprintf(stderr, "usage: faulty fill PATH | spawn N | bomb\n");
	return 2;
}
