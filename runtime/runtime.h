/* The runtime: turn an image's layer index into a running container, as `docker run` would.
 * See doc/RUNTIME.md for the design (process model, mounts, users, capabilities, cleanup).
 *
 * Typical use (cli/run.c):
 *   rt_config_from_image(&cfg, img, &opts, err);             the command, env, user... as Docker joins them
 *   rt_rootfs_prepare(img, idx, &rootfs, err);               unpacked tree (cached, read-only lowerdir)
 *   rt_container_start(&cfg, rootfs, &hooks, &c, err);       namespaces, overlay, /proc /dev /sys, exec
 *   rt_container_forward_signals(c);                         SIGINT/SIGTERM/... to PID 1
 *   rt_container_wait(c, &status, err);                      docker-style status (128+N on signal N)
 *   rt_container_free(c); rt_rootfs_free(rootfs);            kills what is left, removes the run's temp dir
 *
 * Process model: pare stays outside; the container's PID 1 is pare's direct child (clone with new
 * mount, PID, UTS, IPC and network namespaces, plus a user namespace when pare is not root). All mounts
 * happen in the child's private mount namespace, so nothing is ever mounted on the host. */
#ifndef PARE_RUNTIME_H
#define PARE_RUNTIME_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "image/image.h"
#include "image/layer_index.h"
#include "lib/error.h"

enum rt_network {
	RT_NETWORK_NONE, /* new network namespace with only a loopback interface, up (default) */
	RT_NETWORK_HOST, /* share the host's network namespace (and its hostname, /etc/hosts, resolv.conf) */
};

/* A bind mount from the host into the container (`-v HOST:CONTAINER[:ro]`). */
struct rt_bind {
	char *source; /* absolute host path (file or directory) */
	char *target; /* absolute path inside the container: created when missing, resolved inside the root */
	bool readonly;
};

/* What to run and how. All strings are owned (rt_config_release frees them). */
struct rt_config {
	char **argv;     /* the command (Entrypoint + Cmd joined); argv[0] without '/' is searched in the
			  * container's PATH as Docker (runc) does */
	char **env;      /* "KEY=VALUE": image Env with -e overrides applied. The runtime adds, as Docker does,
			  * PATH (default value) when absent, HOSTNAME first, and HOME (from the user's passwd
			  * entry, "/" without one) when absent */
	char *cwd;       /* absolute; NULL means "/"; created (root:root 0755) when missing, as Docker does */
	char *user;      /* "name", "uid", "name:group", "uid:gid"... resolved through the image's own
			  * /etc/passwd and /etc/group; NULL or "" = root */
	char *hostname;  /* NULL: 12 random hex digits like a Docker container id (the host's name with
			  * RT_NETWORK_HOST) */
	enum rt_network network;
	/* RT_NETWORK_NONE: /etc/hosts also maps the hostname to 127.0.0.1, as Docker's default bridge
	 * network maps it to the container's address (`docker run --network none` does not). For pare
	 * build, whose analysis must see the start the application has in production. */
	bool hostname_resolves;
	int stop_signal;     /* signal for rt_container_stop and --timeout (default SIGTERM) */
	unsigned timeout;    /* seconds; 0 = none. When it expires: stop_signal, then SIGKILL after stop_grace */
	unsigned stop_grace; /* seconds between stop_signal and SIGKILL (default 10, as `docker stop`) */
	char **volumes;      /* the image's VOLUME paths: created (empty directories) when missing; may be NULL */
	struct rt_bind *binds;
	size_t n_binds;
	/* Size of the container's writable layer in bytes: the overlay's upper directory lives on a tmpfs
	 * of this size (the application gets ENOSPC beyond it; memory is used only for what it writes).
	 * 0 = unlimited: the upper directory is on the disk of $TMPDIR, as Docker's overlay2. */
	unsigned long long disk_limit;
	/* Most processes (and threads) the container may have at once: a cgroup's pids.max (v2, or v1's
	 * pids hierarchy; fork fails with EAGAIN beyond it). 0 = unlimited. Needs root; without a
	 * writable pids cgroup the run goes on unlimited, with a warning. */
	unsigned pids_limit;
};

#define RT_PIDS_LIMIT_DEFAULT 4096

/* The default disk_limit: 2 GiB, or a quarter of the machine's memory when that is less. */
#define RT_DISK_LIMIT_MAX_DEFAULT (2ULL << 30)
unsigned long long rt_disk_limit_default(void);

void rt_config_init(struct rt_config *cfg); /* zero + defaults (SIGTERM, 10 s grace, disk and pids limits) */
void rt_config_release(struct rt_config *cfg);

/* Command-line style overrides applied on top of an image's config (the `pare run` options). */
struct rt_image_options {
	const char *entrypoint; /* --entrypoint: NULL = the image's; "" = none. Either way it clears the Cmd */
	char **args;            /* ARG...: replace the image's Cmd when non-empty (NULL-terminated or NULL) */
	char **env;             /* -e KEY=VALUE, or -e KEY (value from pare's environment; dropped when unset) */
	const char *workdir;    /* -w: must be absolute */
	const char *user;       /* -u USER[:GROUP] */
	const char *hostname;   /* --hostname */
	enum rt_network network;
	unsigned timeout;       /* --timeout seconds (0 = none) */
	int stop_grace;         /* --stop-timeout seconds (-1 = default 10) */
};

/* Fill cfg (rt_config_init'ed by this function) from img's config and the overrides, as `docker run`
 * does: Entrypoint + Cmd joined (neither = error "no command specified"), Env then -e, WorkingDir or -w,
 * User or -u, StopSignal (name like "SIGQUIT" or number), Volumes. */
int rt_config_from_image(struct rt_config *cfg, const struct image *img, const struct rt_image_options *o,
			 struct pare_error *err);
/* Parse a signal given as "SIGTERM", "TERM" or "15"; returns the number or -1. */
int rt_signal_parse(const char *s);

/* ---- The unpacked image: a read-only tree used as the overlay's lowerdir ----
 * Cached under /var/cache/pare/rootfs (root) or $XDG_CACHE_HOME/pare/rootfs, keyed by the layers'
 * diff_ids, so repeated runs of the same image skip unpacking. A tree appears under its key only once
 * complete (atomic rename). Users hold a shared lock; eviction (least recently used beyond
 * PARE_ROOTFS_CACHE_MAX trees, default 4) takes an exclusive one. PARE_ROOTFS_CACHE_MAX=0 disables the
 * cache: the tree is unpacked into a pare-* temp dir and removed by rt_rootfs_free. */
struct rt_rootfs;
/* idx may be NULL: the index is then built (and freed) only when the tree must be unpacked, so a
 * cached image starts without reading its layers. */
int rt_rootfs_prepare(struct image *img, const struct layer_index *idx, struct rt_rootfs **out,
		      struct pare_error *err);
/* Like rt_rootfs_prepare(img, NULL, ...), and hands the layer index out in *idx_out (the caller
 * frees it). When the tree must be unpacked, the index is built while the layers are read for it:
 * every layer is read (and its digests verified) once, the files' content staged and then moved
 * into place (runtime/unpack.c); when it is cached, the index is built on its own. */
int rt_rootfs_prepare_indexed(struct image *img, struct layer_index **idx_out, struct rt_rootfs **out,
			      struct pare_error *err);
/* Unpacked into a pare-* temp dir for this use only, never cached (pare build --verify's slim image:
 * it would evict the trees worth keeping). */
int rt_rootfs_prepare_private(struct image *img, struct rt_rootfs **out, struct pare_error *err);
/* An existing directory used as the lowerdir as it is (never modified nor removed; for tests and for
 * callers that unpacked a tree themselves). */
struct rt_rootfs *rt_rootfs_from_dir(const char *dir);
const char *rt_rootfs_dir(const struct rt_rootfs *r); /* the unpacked tree (read-only by convention) */
bool rt_rootfs_was_cached(const struct rt_rootfs *r);  /* true when this run reused a cached tree */
void rt_rootfs_free(struct rt_rootfs *r);

/* Unpack every entry of idx into the empty directory dirfd (no caching): see runtime/unpack.c.
 * Safe against hostile layers: parents are opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS),
 * the final component is created with O_EXCL/O_NOFOLLOW, so nothing is created or followed outside.
 * As root: owners, modes (setuid/setgid/sticky), xattrs incl. security.capability, mtimes; hardlinks as
 * hardlinks; device nodes skipped (counted in *skipped_devices). Not as root: owners and privileged
 * xattrs are not restored. */
int rt_unpack(struct image *img, const struct layer_index *idx, int dirfd, size_t *skipped_devices,
	      struct pare_error *err);

/* ---- Containers ---- */

/* Hooks for the tracer (all optional; each returns 0 or -1 to abort the start). */
struct rt_hooks {
	/* In pare, right after the clone: PID 1 exists and is blocked before any setup (the tracer seizes
	 * it here). pid is in pare's PID namespace. */
	int (*parent_started)(pid_t pid, void *data);
	/* In pare, after PID 1 finished its setup (mounts, pivot_root, hostname, network) and before it
	 * execs; PID 1 waits for this hook. rt_container_root_fd() is valid here (fanotify marks go on it). */
	int (*parent_ready)(pid_t pid, void *data);
	/* In PID 1 (or the exec'd process) after all setup, still with full privileges (before the bounding
	 * set is reduced, groups/gid/uid are set and capabilities dropped), right before execve. Only
	 * setgroups/setresgid/setresuid/prctl/capset/execve follow it. Returning -1 makes the process exit
	 * 127 with "pare: container setup: hook failed". */
	int (*child_before_exec)(void *data);
	/* If set, replaces the runtime's own wait for PID 1 (the tracer's ptrace loop): must return once
	 * the process `pid` has exited, with its wait status in *wstatus (as waitpid gives it); the
	 * process must be reaped (or reapable: the runtime then reaps it). Returns 0 or -1. */
	int (*parent_wait)(pid_t pid, int *wstatus, void *data);
	void *data;
};

struct rt_container;

/* Start the container: a pare-* temp dir holds the overlay's upperdir/workdir, /etc/hosts, hostname
 * and resolv.conf; PID 1 runs cfg->argv. Returns once PID 1 has passed all setup and been told to
 * exec (setup failures are returned here; exec failures show as exit status 127/126 with a message
 * printed by the container process, like Docker's runtime). */
int rt_container_start(const struct rt_config *cfg, const struct rt_rootfs *rootfs, const struct rt_hooks *hooks,
		       struct rt_container **out, struct pare_error *err);
pid_t rt_container_pid(const struct rt_container *c);   /* PID 1, in pare's PID namespace */
int rt_container_pidfd(const struct rt_container *c);   /* pidfd of PID 1 (owned by c) */
/* O_PATH fd of the container's root directory (its own overlayfs superblock: a fanotify
 * FAN_MARK_FILESYSTEM on it sees every open in the container). Owned by c. */
int rt_container_root_fd(const struct rt_container *c);
/* fd of the container's network namespace (owned by c); -1 with RT_NETWORK_HOST. */
int rt_container_netns_fd(const struct rt_container *c);
/* The container's network, for a client in pare (the HTTP prober, the port wait): in a thread of its
 * own, call rt_container_enter_netns once, then get every socket from rt_container_socket. As root the
 * thread enters the namespace (setns) and sockets are plain socket(2) calls; rootless, where pare cannot
 * enter it, the thread stays where it is and the sockets come from a helper inside the namespace
 * (runtime/sockets.c). With RT_NETWORK_HOST neither does anything special. */
int rt_container_enter_netns(const struct rt_container *c, struct pare_error *err);
/* A socket (as socket(2) makes it; close-on-exec) of the container's network namespace, from any thread
 * that called rt_container_enter_netns. -1 with errno. Thread-safe. */
int rt_container_socket(const struct rt_container *c, int domain, int type, int protocol);
/* What the application wrote, as a path valid in pare's process while c lives (with a disk limit it
 * is "/proc/self/fd/N/upper": the tmpfs is mounted only in the container's mount namespace). */
const char *rt_container_upperdir(const struct rt_container *c);
const char *rt_container_hostname(const struct rt_container *c);
const char *rt_container_dir(const struct rt_container *c);      /* the run's pare-* temp dir */

/* Wait for PID 1 to exit (through hooks->parent_wait when set) and give its status as docker run
 * does: the exit code, or 128+N when killed by signal N. A pending --timeout is enforced meanwhile.
 * Safe to call again after it returned (gives the same status). */
int rt_container_wait(struct rt_container *c, int *status, struct pare_error *err);
/* Send a signal to PID 1 (through its pidfd). PID 1 only receives signals it handles, except SIGKILL
 * (kernel rule for a PID namespace's init, as under Docker). */
int rt_container_kill(struct rt_container *c, int sig);
/* `docker stop`: stop_signal, then SIGKILL if PID 1 has not exited after grace seconds. Does not reap
 * (the waiter does). Returns 0 once PID 1 has exited. When PID 1 has no handler for stop_signal the
 * kernel drops it (init rule), so SIGKILL follows at once (same outcome as Docker, without the wait);
 * --timeout does the same. */
int rt_container_stop(struct rt_container *c, unsigned grace);
bool rt_container_timed_out(const struct rt_container *c); /* --timeout expired and the stop was sent */
/* Install handlers in pare that forward SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to PID 1
 * (as docker run's sig-proxy). The third SIGINT/SIGTERM sends SIGKILL (PID 1 may ignore them). One
 * container at a time; rt_container_free restores the previous handlers. */
void rt_container_forward_signals(struct rt_container *c);

/* Run another command inside the running container (`docker exec`): same namespaces (setns through
 * PID 1's pidfd), same root, user, groups, capabilities, environment (plus env_extra, may be NULL) and
 * working directory, with the same hooks semantics (parent_started gets the new process's pid; its
 * child_before_exec runs in it). The process is a child of a small helper that stays in pare's PID
 * namespace. *pid is the new process (in pare's PID namespace). */
int rt_container_exec_start(struct rt_container *c, char *const *argv, char *const *env_extra,
			    const struct rt_hooks *hooks, pid_t *pid, struct pare_error *err);
/* Wait for a process started by rt_container_exec_start; *status as rt_container_wait gives it. */
int rt_container_exec_wait(struct rt_container *c, pid_t pid, const struct rt_hooks *hooks, int *status,
			   struct pare_error *err);
/* Both of the above. */
int rt_container_exec_in(struct rt_container *c, char *const *argv, const struct rt_hooks *hooks, int *status,
			 struct pare_error *err);

/* SIGKILL whatever still runs, reap it, drop the mounts (they die with the mount namespace) and remove
 * the run's temp dir. NULL is fine. */
void rt_container_free(struct rt_container *c);
#endif
