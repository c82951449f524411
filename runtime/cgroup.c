/* The container's cgroup: a pids limit (a fork bomb in the application must not take the host down)
 * and a handle to kill every process of the container. cgroup v2 (the pids controller in the unified
 * hierarchy at /sys/fs/cgroup) or v1 (the pids hierarchy at /sys/fs/cgroup/pids, as on hybrid systems).
 * Each container gets <hierarchy>/pare/<pid>-<starttime>-<n>, named after pare's process, so a later
 * pare can tell a cgroup whose owner was SIGKILLed from a live one (a reused pid has another start
 * time) and remove it (rt_cgroup_reap_stale). Only as root: a rootless pare has no cgroup to write. */
#include "runtime/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/xalloc.h"

#define CG_V2 "/sys/fs/cgroup"
#define CG_V1 "/sys/fs/cgroup/pids"

/* The directory under which pare makes its cgroups, or NULL when there is no usable pids controller. */
static const char *cgroup_base(bool *v2)
{
	char buf[512] = { 0 };
	cleanup_close int fd = open(CG_V2 "/cgroup.controllers", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		for (char *p = n > 0 ? strstr(buf, "pids") : NULL; p; p = NULL)
			if ((p == buf || p[-1] == ' ') && (p[4] == ' ' || p[4] == '\n' || !p[4])) {
				*v2 = true;
				return CG_V2 "/pare";
			}
	}
	if (access(CG_V1 "/cgroup.procs", W_OK) == 0) {
		*v2 = false;
		return CG_V1 "/pare";
	}
	return NULL;
}

static int write_file(const char *dir, const char *name, const char *data)
{
	char p[PATH_MAX]; /* no allocation: rt_cgroup_add runs in the exec helper, a child of a threaded pare */
	if (snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, data, strlen(data));
	int e = errno;
	close(fd);
	errno = e;
	return w == (ssize_t)strlen(data) ? 0 : -1;
}

/* Field 22 of /proc/PID/stat: the process's start time, 0 when it does not exist. */
static unsigned long long start_time(pid_t pid)
{
	char p[64], buf[1024];
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *s = strrchr(buf, ')'); /* comm may hold spaces */
	if (!s)
		return 0;
	/* After ")": field 3 (state) onwards, separated by single spaces. */
	char *tok = s + 2;
	for (int field = 3; field < 22 && tok; field++)
		if ((tok = strchr(tok, ' ')))
			tok++;
	return tok ? strtoull(tok, NULL, 10) : 0;
}

/* Kill whatever is in the cgroup and remove it; 0 when it is gone. */
static int cgroup_destroy(const char *dir, bool v2)
{
	for (int tries = 0; tries < 200; tries++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -1;
		if (v2 && write_file(dir, "cgroup.kill", "1") == 0) {
			/* the kernel kills them all, new forks included */
		} else {
			cleanup_free char *procs = xasprintf("%s/cgroup.procs", dir);
			cleanup_file FILE *f = fopen(procs, "re");
			int pid;
			while (f && fscanf(f, "%d", &pid) == 1)
				if (pid > 0)
					kill(pid, SIGKILL);
		}
		struct timespec ts = { 0, 5 * 1000 * 1000 }; /* dying tasks leave the cgroup shortly */
		nanosleep(&ts, NULL);
	}
	return -1;
}

int rt_cgroup_create(unsigned pids_limit, char **out, struct pare_error *err)
{
	*out = NULL;
	bool v2;
	const char *base = geteuid() == 0 ? cgroup_base(&v2) : NULL;
	if (!base) {
		pare_debug("pare: no writable pids cgroup: the container's processes are not limited\n");
		return 0;
	}
	if (mkdir(base, 0755) < 0 && errno != EEXIST)
		return pare_error_errno(err, "creating the cgroup '%s'", base);
	if (v2 && (write_file(CG_V2, "cgroup.subtree_control", "+pids") < 0 ||
		   write_file(base, "cgroup.subtree_control", "+pids") < 0))
		return pare_error_errno(err, "enabling the pids controller under '%s'", base);
	static unsigned counter;
	char *dir = xasprintf("%s/%d-%llu-%u", base, (int)getpid(), start_time(getpid()), counter++);
	if (mkdir(dir, 0755) < 0) {
		pare_error_errno(err, "creating the cgroup '%s'", dir);
		free(dir);
		return -1;
	}
	char limit[32];
	if (pids_limit)
		snprintf(limit, sizeof(limit), "%u", pids_limit);
	else
		snprintf(limit, sizeof(limit), "max");
	if (write_file(dir, "pids.max", limit) < 0) {
		pare_error_errno(err, "setting pids.max in '%s'", dir);
		rmdir(dir);
		free(dir);
		return -1;
	}
	*out = dir;
	return 0;
}

int rt_cgroup_add(const char *dir, pid_t pid)
{
	char s[16];
	snprintf(s, sizeof(s), "%d", (int)pid);
	return write_file(dir, "cgroup.procs", s);
}

void rt_cgroup_remove(const char *dir)
{
	bool v2 = strncmp(dir, CG_V1 "/", strlen(CG_V1) + 1) != 0;
	if (cgroup_destroy(dir, v2) < 0)
		pare_debug("pare: removing the cgroup '%s': %s\n", dir, strerror(errno));
}

void rt_cgroup_reap_stale(void)
{
	bool v2;
	const char *base = geteuid() == 0 ? cgroup_base(&v2) : NULL;
	cleanup_dir DIR *d = base ? opendir(base) : NULL;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		int pid;
		unsigned long long t;
		unsigned n;
		char tail;
		if (sscanf(de->d_name, "%d-%llu-%u%c", &pid, &t, &n, &tail) != 3 || pid <= 0)
			continue;
		if (start_time(pid) == t)
			continue; /* its pare still runs */
		cleanup_free char *dir = xasprintf("%s/%s", base, de->d_name);
		cgroup_destroy(dir, v2);
	}
}
