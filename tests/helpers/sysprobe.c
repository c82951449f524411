/* sysprobe: for tests/t-seccomp.sh, run inside a container under a seccomp profile (static: needs
 * nothing from the image). Prints one line and exits 0 when the call succeeded, 1 when it failed.
 *   sysprobe plain          writes "ok" (the syscalls of a static program's start, write, exit)
 *   sysprobe call NAME      makes the raw syscall NAME (getcpu, sysinfo, uname), which `plain`
 *                           never makes: "ok" or "refused: <errno name>"                        */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

static long call(const char *name)
{
	unsigned cpu, node;
	struct sysinfo si;
	struct utsname u;
	if (!strcmp(name, "getcpu"))
		return syscall(SYS_getcpu, &cpu, &node, NULL); /* not the vDSO's: a real syscall */
	if (!strcmp(name, "sysinfo"))
		return syscall(SYS_sysinfo, &si);
	if (!strcmp(name, "uname"))
		return syscall(SYS_uname, &u);
	errno = EINVAL;
	return -1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "plain")) {
		printf("ok\n");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "call")) {
		if (call(argv[2]) < 0) {
			printf("refused: %s\n", errno == EPERM ? "EPERM" : errno == ENOSYS ? "ENOSYS" : strerror(errno));
			return 1;
		}
		printf("ok\n");
		return 0;
	}
	fprintf(stderr, "usage: sysprobe plain | call getcpu|sysinfo|uname\n");
	return 2;
}
