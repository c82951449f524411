/* Static helper for tests/t-run.sh, copied into tiny images: behaviours busybox cannot show.
 *   rtprobe segv          crash with SIGSEGV (a fault: delivered even to a PID namespace's init)
 *   rtprobe caps          print the capability lines of /proc/self/status
 *   rtprobe sigign        print the signals ignored at start (must be none: nothing inherited from pare) */
#include <signal.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "segv")) {
		volatile int *p = (volatile int *)0;
		return *p;
	}
	if (!strcmp(argv[1], "caps")) {
		FILE *f = fopen("/proc/self/status", "r");
		char line[256];
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "Cap", 3))
				fputs(line, stdout);
		return f ? 0 : 1;
	}
	if (!strcmp(argv[1], "sigign")) {
		for (int s = 1; s < NSIG; s++) {
			struct sigaction sa;
			if (sigaction(s, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
				printf("ignored %d\n", s);
		}
		sigset_t set;
		sigprocmask(SIG_SETMASK, NULL, &set);
		for (int s = 1; s < NSIG; s++)
			if (sigismember(&set, s) == 1)
				printf("blocked %d\n", s);
		return 0;
	}
	return 2;
}
