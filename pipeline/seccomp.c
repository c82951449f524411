/* pare build --seccomp-profile: Docker's seccomp profile from the syscall census (doc/SECURITY.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/json_file.h"
#include "lib/xalloc.h"
#include "pipeline/pipeline.h"
#include "tracer/census.h"

/* What runc (1.1, Docker 20.10's) does in the container's init after it applied the profile and
 * before the entrypoint's execve: without no_new_privileges it applies the profile before
 * finalizeNamespace (seen with strace -f on `runc run`), so these are the capability, user and fd
 * setup steps, the exec fifo, and what Go's runtime may do in that thread meanwhile. The census
 * cannot see them: pare's own runtime starts the analysed container. */
static const struct {
	const char *name;
	const char *why;
} runtime_syscalls[] = {
	{ "capget", "runc: reads the capability sets before changing them" },
	{ "capset", "runc: sets the container's capabilities" },
	{ "prctl", "runc: PR_CAPBSET_DROP for the bounding set, PR_SET_KEEPCAPS around setuid" },
	{ "setgroups", "runc: the user's supplementary groups" },
	{ "setgid", "runc: the container's group" },
	{ "setuid", "runc: the container's user" },
	{ "fchown", "runc: gives stdio to the container's user (fixStdioPermissions)" },
	{ "openat", "runc: /proc/self/fd, /proc/self/status, /etc/passwd, /etc/group, the exec fifo" },
	{ "read", "runc: reads /proc/self/status, /etc/passwd, /proc/self/setgroups" },
	{ "write", "runc: writes to the exec fifo that `docker start` waits on (and its error pipe)" },
	{ "close", "runc: closes what it opened and the fds the container must not inherit" },
	{ "fcntl", "runc: marks its own fds close-on-exec" },
	{ "fstat", "runc: Go's os.Open" },
	{ "fstatfs", "runc: checks that /proc/self/fd is on procfs" },
	{ "newfstatat", "runc: stats /dev/null and stdio (fixStdioPermissions) and the entrypoint" },
	{ "getdents64", "runc: lists /proc/self/fd" },
	{ "faccessat2", "runc: exec.LookPath checks that the entrypoint is executable" },
	{ "faccessat", "runc: the same on kernels without faccessat2" },
	{ "chdir", "runc: the container's working directory" },
	{ "getcwd", "runc: Go's os package" },
	{ "getpid", "runc: Go's runtime (signals to itself)" },
	{ "getppid", "runc: checks that its parent is alive (parent-death signal)" },
	{ "epoll_ctl", "runc: Go registers each opened fd with its poller (EPERM for files is expected)" },
	{ "epoll_pwait", "runc: Go's poller" },
	{ "futex", "runc: Go's runtime wakes and parks threads" },
	{ "rt_sigreturn", "runc: Go's preemption signal (SIGURG) can land on this thread" },
	{ "rt_sigprocmask", "runc: Go's runtime, around signals and new threads" },
	{ "sigaltstack", "runc: Go's runtime, on a new thread" },
	{ "mmap", "runc: Go's allocator" },
	{ "munmap", "runc: Go's allocator" },
	{ "madvise", "runc: Go's garbage collector returns memory" },
	{ "nanosleep", "runc: Go's runtime sleeps in spin loops" },
	{ "sched_yield", "runc: Go's runtime yields in spin loops" },
	{ "clone", "runc: a Go thread started from this one inherits the profile" },
	{ "gettid", "runc: Go's runtime, on a new thread" },
	{ "tgkill", "runc: Go's runtime preempts a thread with a signal" },
	{ "exit", "runc: a Go thread ends" },
	{ "exit_group", "runc: exits when a setup step failed" },
	{ "execve", "runc: starts the entrypoint" },
};

static int arch_abis(const char *architecture, struct pare_error *err)
{
	if (!architecture || !strcmp(architecture, "amd64"))
		return 0;
	return pare_error_set(err, 0, "--seccomp-profile: the census knows the x86 ABIs only, not '%s'", architecture);
}

static bool has_name(json_t *names, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v)
		if (!strcmp(json_string_value(v), name))
			return true;
	return false;
}

/* The profile as Docker's JSON; *n_syscalls receives the number of names allowed. */
static json_t *seccomp_json(const struct profile *p, size_t *n_syscalls)
{
	json_t *arches = json_array(), *names = json_array(), *rules = json_array();
	for (int a = 0; a < PROFILE_CENSUS_ABIS; a++) {
		size_t n;
		char **v = census_names(&p->census, (enum census_abi)a, &n);
		/* x86_64 always: runc itself runs there. */
		if (n || a == CENSUS_X86_64)
			json_array_append_new(arches, json_string(census_abi_scmp_name((enum census_abi)a)));
		for (size_t i = 0; i < n; i++) {
			/* io_uring_setup failed with ENOSYS during the analysis (the tracer refuses it): below. */
			if (strcmp(v[i], "io_uring_setup") && !has_name(names, v[i]))
				json_array_append_new(names, json_string(v[i]));
			free(v[i]);
		}
		free(v);
	}
	*n_syscalls = json_array_size(names);
	json_array_append_new(rules, json_pack("{s:o, s:s, s:s}", "names", names, "action", "SCMP_ACT_ALLOW",
						"comment", "seen by pare's census during the analysis"));
	for (size_t i = 0; i < sizeof(runtime_syscalls) / sizeof(runtime_syscalls[0]); i++) {
		if (has_name(names, runtime_syscalls[i].name))
			continue;
		json_array_append_new(rules, json_pack("{s:[s], s:s, s:s}", "names", runtime_syscalls[i].name, "action",
							"SCMP_ACT_ALLOW", "comment", runtime_syscalls[i].why));
		(*n_syscalls)++;
	}
	/* As during the analysis: the application took its fallback for a kernel without io_uring. */
	json_array_append_new(rules, json_pack("{s:[s], s:s, s:i, s:s}", "names", "io_uring_setup", "action",
						"SCMP_ACT_ERRNO", "errnoRet", ENOSYS, "comment",
						"ENOSYS as during the analysis (pare's tracer refuses io_uring)"));
	return json_pack("{s:s, s:i, s:o, s:o}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet", EPERM,
			 "architectures", arches, "syscalls", rules);
}

int pipeline_write_seccomp_profile(const struct profile *p, const char *architecture, const char *file,
				   size_t *n_syscalls, struct pare_error *err)
{
	if (arch_abis(architecture, err) < 0)
		return -1;
	if (!p->census.complete)
		return pare_error_set(err, 0, "--seccomp-profile: the analysis took no syscall census");
	json_t *root = seccomp_json(p, n_syscalls);
	int r = json_write_atomic(file, root, JSON_INDENT(2) | JSON_PRESERVE_ORDER, err);
	json_decref(root);
	return r;
}
