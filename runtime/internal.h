/* Internals shared by the runtime's files (not for other modules). */
#ifndef PARE_RUNTIME_INTERNAL_H
#define PARE_RUNTIME_INTERNAL_H
#include <stdbool.h>
#include <sys/types.h>

#include "lib/error.h"
#include "runtime/runtime.h"

/* ---- inroot.c: paths resolved inside a root directory fd, never outside ---- */
/* openat2(rootfd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS); -1 with errno. */
int rt_open_in_root(int rootfd, const char *path, int flags, mode_t mode);
/* openat2 of `path` (leading "/" ignored) below rootfd with the given RESOLVE_* flags; retried on EAGAIN/EINTR. */
int rt_openat2(int rootfd, const char *path, int flags, mode_t mode, unsigned long long resolve);
/* mkdir -p inside the root (symlinks followed, confined to the root); returns an O_PATH fd of the
 * directory or -1 with errno. New directories get `mode` and root:root. */
int rt_mkdir_in_root(int rootfd, const char *path, mode_t mode);
/* An O_PATH fd of `path` inside the root, created (empty regular file 0644, or directory 0755, parents
 * 0755) when missing: the target of a bind mount. want_dir says which kind to create; an existing
 * entry of the other kind is an error (ENOTDIR/EISDIR). */
int rt_mount_target_in_root(int rootfd, const char *path, bool want_dir);
/* "/proc/self/fd/N" for mount(2) on an O_PATH fd. */
/* Staged unpacking (runtime/unpack.c): while the index is built, each regular file's content is
 * written to the staging directory as "LAYER-ORDINAL" (rt_stage_content, a layer_index_content fn
 * with a struct rt_stage as ctx); rt_unpack_staged then renames the files into the tree. */
#define RT_STAGE_NAME_MAX 24
struct rt_stage {
	int dirfd;
	char *buf; /* allocated on first use; the caller frees it */
};
void rt_stage_name(char buf[RT_STAGE_NAME_MAX], uint32_t layer, uint32_t ordinal);
int rt_stage_content(void *ctx, uint32_t layer, uint32_t ordinal, int64_t size, struct layer_reader *r,
		     struct pare_error *err);
int rt_unpack_staged(struct image *img, const struct layer_index *idx, int dirfd, int stagefd,
		     size_t *skipped_devices, struct pare_error *err);

#define RT_FD_PATH_MAX 32
void rt_fd_path(int fd, char buf[RT_FD_PATH_MAX]);

/* ---- user.c ---- */
struct rt_user {
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* supplementary groups (setgroups) */
	size_t n_groups;
	char *home;    /* from passwd, "/" without an entry */
};
/* Resolve "user[:group]" (NULL/"" = root) against rootfd's etc/passwd and etc/group, as runc does. */
int rt_user_resolve(int rootfd, const char *spec, struct rt_user *u, struct pare_error *err);
void rt_user_release(struct rt_user *u);

/* ---- caps.c ---- */
/* Docker's default capability set, for a non-privileged container: reduce the bounding set (call
 * while privileged, before the uid change). */
int rt_caps_drop_bounding(void);
/* After setresuid: for uid 0, effective = permitted = Docker's set; otherwise everything empty
 * (the kernel already cleared them on the uid change). Inheritable and ambient are empty. */
int rt_caps_apply(uid_t uid);
/* In the parent, before the fork of a process that will call rt_caps_apply (which allocates nothing). */
void rt_caps_prepare(void);

/* ---- etcfiles.c: /etc/hosts, /etc/hostname, /etc/resolv.conf in the run's dir ---- */
int rt_etc_files_write(const char *dir, const char *hostname, enum rt_network net, bool hostname_resolves,
		       struct pare_error *err);
/* 12 random hex digits. */
char *rt_random_hostname(void);

/* ---- cgroup.c: the container's pids cgroup ---- */
/* Create a cgroup with pids.max = pids_limit (0: "max"); *out is its directory, or NULL (with 0
 * returned) when pare has no pids controller to write (rootless, or none mounted). */
int rt_cgroup_create(unsigned pids_limit, char **out, struct pare_error *err);
/* Move pid (0: the caller) into the cgroup; -1 with errno. */
int rt_cgroup_add(const char *dir, pid_t pid);
/* SIGKILL what is left in it and remove it. */
void rt_cgroup_remove(const char *dir);
/* Remove the cgroups of pare processes that are gone (SIGKILLed). */
void rt_cgroup_reap_stale(void);

/* ---- net.c ---- */
int rt_loopback_up(void); /* -1 with errno */

/* runtime/privilege.c: when err is EPERM, ENOSYS or EACCES, append what a confined pare lacks (capabilities,
 * seccomp, AppArmor) as docker run options; needs_net_admin: the run has its own network namespace. */
void rt_privilege_hint(struct pare_error *err, bool needs_net_admin);

/* ---- env: Docker's default PATH and the final environment ---- */
#define RT_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* HOSTNAME first, then cfg env (with PATH defaulted), then HOME when absent. New vector. */
char **rt_env_build(char *const *env, const char *hostname, const char *home);
/* env with extra's "K=V" replacing or appended ("K" alone removes K). New vector. */
char **rt_env_merge(char *const *env, char *const *extra);
const char *rt_env_get(char *const *env, const char *key);

/* ---- child.c: the container side ---- */
struct rt_child_args {
	const struct rt_config *cfg;
	const struct rt_hooks *hooks;
	const char *run_dir;   /* pare-* temp dir */
	const char *lower;     /* unpacked tree */
	const char *hostname;
	const struct rt_user *user;
	char **env;            /* final environment */
	int sync_fd;           /* SOCK_SEQPACKET to pare */
	bool userns;
	int layer_fd;          /* set by rt_setup_mounts: O_PATH fd of the writable layer's tmpfs, or -1 */
};
/* mounts.c: the container's filesystem, ending with pivot_root (in PID 1). */
int rt_setup_mounts(struct rt_child_args *a, struct pare_error *err);
/* Runs in PID 1 after the clone; never returns. */
__attribute__((noreturn)) void rt_child_main(struct rt_child_args *a);

/* The part common to PID 1 and exec'd processes: from "setup done" to execve. Looks argv[0] up in
 * env's PATH, runs the hook, sets groups/gid/uid/caps, execs. Never returns (exit 127/126 with a
 * message on failure). */
__attribute__((noreturn)) void rt_child_exec(char *const *argv, char **env, const struct rt_user *user,
					     const struct rt_hooks *hooks, bool userns);
/* Write "pare: container setup: <msg>" to stderr and _exit(status). For the child only. */
__attribute__((noreturn, format(printf, 2, 3))) void rt_child_die(int status, const char *fmt, ...);

/* ---- sync messages between pare and PID 1 (SOCK_SEQPACKET) ---- */
#define RT_SYNC_GO 'g'     /* pare -> child: continue */
#define RT_SYNC_READY 'r'  /* child -> pare: setup done, waiting for GO */
#define RT_SYNC_ERROR 'e'  /* child -> pare: 'e' + message, then the child exits */
int rt_sync_send(int fd, char kind, const char *msg);
/* Receives one message; returns its kind, 0 on EOF, -1 on error; msg (may be NULL) gets the text. */
int rt_sync_recv(int fd, char *msg, size_t size);
/* A message carrying an fd (SCM_RIGHTS), and its receiving side: *passfd (-1 before) gets the fd,
 * close-on-exec; an fd nobody asked for is closed. */
int rt_sync_send_fd(int fd, char kind, int passfd);
int rt_sync_recv_fd(int fd, char *msg, size_t size, int *passfd);

/* ---- sockets.c: the socket factory (sockets made in a network namespace pare cannot enter) ---- */
struct rt_sockets;
/* Fork a helper that joins the namespaces nstypes (CLONE_NEWUSER | CLONE_NEWNET...) of the process
 * behind target_pidfd and makes sockets there on request; one socket is made before this returns. */
int rt_sockets_start(int target_pidfd, int nstypes, struct rt_sockets **out, struct pare_error *err);
/* A socket as socket(2) makes it, created in the helper's namespaces; close-on-exec in pare (the
 * other type flags, SOCK_NONBLOCK, are kept). -1 with errno (ECONNRESET: the helper is gone).
 * Thread-safe. */
int rt_sockets_make(struct rt_sockets *f, int domain, int type, int protocol);
/* Close pare's end, kill and reap the helper. NULL is fine. */
void rt_sockets_free(struct rt_sockets *f);

/* ---- container.c internals used by exec_in.c ---- */
struct rt_container {
	pid_t pid;
	int pidfd;
	int root_fd;
	int netns_fd;
	struct rt_sockets *sockets; /* userns with its own network: the socket factory; else NULL */
	int sync_fd;
	bool userns;
	bool reaped;
	int wstatus;
	char *dir;        /* pare-* temp dir */
	char *upper;      /* the overlay's upperdir as pare reaches it */
	int layer_fd;     /* the writable layer's tmpfs (cfg->disk_limit), from PID 1; -1 without */
	char *cgroup;     /* the container's cgroup directory, or NULL */
	char *hostname;
	char **env;       /* final environment of PID 1 */
	char *cwd;
	struct rt_user user;
	const struct rt_hooks *hooks;
	struct rt_hooks hooks_copy;
	enum rt_network network;
	int stop_signal;
	unsigned timeout, stop_grace;
	volatile int timed_out;
	bool forwarding;  /* rt_container_forward_signals installed its handlers */
	void *timer;      /* timer_t when a timeout is armed */
	bool has_timer;
	pid_t *helpers;   /* exec_in helper processes (to kill on free) */
	int *helper_fds;  /* their pidfds (a helper reaped by someone else is never confused with a new pid) */
	size_t n_helpers;
};
/* Wait for the process behind pidfd to exit; -1 with ECHILD when someone else reaped it, EAGAIN when
 * nohang and it still runs. */
int rt_wait_pidfd(int pidfd, int *ws, bool nohang);
/* Status as docker run gives it: exit code, or 128+N for signal N. */
int rt_status_from_wait(int wstatus);
/* Timeout timer and signal forwarding (signals.c). */
int rt_timeout_arm(struct rt_container *c, struct pare_error *err);
void rt_timeout_disarm(struct rt_container *c);
void rt_signals_restore(struct rt_container *c);
/* Whether pid has a handler for sig (async-signal-safe). */
bool rt_pid_catches(pid_t pid, int sig);
#endif
