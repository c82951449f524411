/* Container lifecycle in pare: clone PID 1 into new namespaces, hand it to the hooks, wait, stop, free.
 * Sync with PID 1 over a SOCK_SEQPACKET pair:
 *   pare: clone -> [user namespace maps] -> parent_started hook -> GO
 *   PID 1: mounts, pivot_root, hostname, loopback, chdir -> READY (or ERROR + message, exit)
 *   pare: open /proc/PID/root and the netns -> parent_ready hook -> GO
 *   PID 1: child_before_exec hook -> caps/groups/uid -> execve */
#include "runtime/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/strvec.h"
#include "lib/tmp.h"
#include "lib/xalloc.h"

int rt_status_from_wait(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return 255;
}

static int write_proc_file(pid_t pid, const char *name, const char *data, struct pare_error *err)
{
	cleanup_free char *p = xasprintf("/proc/%d/%s", (int)pid, name);
	cleanup_close int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		return pare_error_errno(err, "writing '%s'", p);
	return 0;
}

/* Single-line maps: the container's user (root unless USER says otherwise) is the caller. */
static int write_id_maps(pid_t pid, const struct rt_user *u, struct pare_error *err)
{
	cleanup_free char *um = xasprintf("%u %u 1\n", (unsigned)u->uid, (unsigned)geteuid());
	cleanup_free char *gm = xasprintf("%u %u 1\n", (unsigned)u->gid, (unsigned)getegid());
	if (write_proc_file(pid, "setgroups", "deny", err) < 0 || write_proc_file(pid, "uid_map", um, err) < 0 ||
	    write_proc_file(pid, "gid_map", gm, err) < 0)
		return pare_error_prefix(err, "setting up the user namespace");
	return 0;
}

/* Wait for the process behind pidfd to exit (stops are skipped); its wait status in *ws.
 * -1 with ECHILD when it was already reaped (by a tracer's loop, say). P_PIDFD: never another process
 * that reused the pid. */
int rt_wait_pidfd(int pidfd, int *ws, bool nohang)
{
	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | __WALL | (nohang ? WNOHANG : 0)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (si.si_pid == 0) {
			errno = EAGAIN;
			return -1; /* WNOHANG: still running */
		}
		*ws = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) : si.si_status | (si.si_code == CLD_DUMPED ? 0x80 : 0);
		return 0;
	}
}

/* Kill and reap a PID 1 that did not make it (it may be ptrace-stopped: SIGKILL ends that). */
static void kill_and_reap(int pidfd)
{
	int ws;
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	rt_wait_pidfd(pidfd, &ws, false);
}

static int make_run_dirs(struct rt_container *c, const struct rt_config *cfg, struct pare_error *err)
{
	/* "layer": the mount point of the writable layer's tmpfs (cfg->disk_limit), holding its own
	 * upper and work; without a limit upper and work are here, on the disk of $TMPDIR. */
	static const char *const sub[] = { "root", "layer", "upper", "work" };
	for (size_t i = 0; i < (cfg->disk_limit ? 2 : 4); i++) {
		cleanup_free char *p = xasprintf("%s/%s", c->dir, sub[i]);
		if (mkdir(p, 0755) < 0)
			return pare_error_errno(err, "creating '%s'", p);
	}
	/* The overlay's root takes its mode from the lowerdir; upper stays private to the run. */
	c->upper = xasprintf("%s/upper", c->dir);
	return 0;
}

static char *choose_hostname(const struct rt_config *cfg)
{
	if (cfg->hostname)
		return xstrdup(cfg->hostname);
	if (cfg->network == RT_NETWORK_HOST) {
		char h[256] = { 0 };
		if (gethostname(h, sizeof(h) - 1) == 0 && h[0])
			return xstrdup(h);
	}
	return rt_random_hostname();
}

/* PID 1 is created by a forked, single-threaded intermediate with clone3(CLONE_PARENT | namespaces):
 * it is still pare's child, but starts as a copy of a process whose glibc malloc and stdio locks are
 * sane, since glibc's fork takes them around the fork (a raw clone3 from a multi-threaded pare, e.g.
 * pare build with its prober thread, could copy a lock held by another thread and deadlock PID 1's
 * setup). A sanitizer's allocator gets no such care (GCC 12's libasan): so the last steps before exec
 * (tracer filter, capabilities, PATH search; rt_child_exec) allocate nothing. Returns PID 1's pid or -1. */
static pid_t clone_pid1(struct rt_container *c, const struct rt_config *cfg, unsigned long long flags, int sync[2],
			const char *lower, const struct rt_hooks *hooks, struct pare_error *err)
{
	int rep[2];
	if (pipe2(rep, O_CLOEXEC) < 0)
		return pare_error_errno(err, "pipe");
	fflush(NULL);
	pid_t mid = fork();
	if (mid < 0) {
		close(rep[0]);
		close(rep[1]);
		return pare_error_errno(err, "fork");
	}
	if (mid == 0) {
		close(rep[0]);
		close(sync[0]);
		struct clone_args ca = { 0 };
		ca.flags = flags | CLONE_PARENT;
		ca.exit_signal = 0; /* required with CLONE_PARENT: PID 1 inherits ours (SIGCHLD, from fork) */
		pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		/* Docker's default seccomp profile answers clone3 with ENOSYS (so that glibc falls back);
		 * clone takes the same flags here (none above 32 bits, no exit signal: CLONE_PARENT). */
		if (pid < 0 && errno == ENOSYS)
			pid = (pid_t)syscall(SYS_clone, (unsigned long)(flags | CLONE_PARENT), NULL, NULL, NULL, NULL);
		if (pid == 0) {
			close(rep[1]);
			struct rt_child_args a = {
				.cfg = cfg, .hooks = hooks, .run_dir = c->dir, .lower = lower, .hostname = c->hostname,
				.user = &c->user, .env = c->env, .sync_fd = sync[1], .userns = c->userns,
				.layer_fd = -1,
			};
			rt_child_main(&a);
		}
		int report[2] = { pid, pid < 0 ? errno : 0 };
		_exit(write(rep[1], report, sizeof(report)) == (ssize_t)sizeof(report) ? 0 : 1);
	}
	close(rep[1]);
	int report[2] = { -1, EPIPE };
	ssize_t n;
	do
		n = read(rep[0], report, sizeof(report));
	while (n < 0 && errno == EINTR);
	close(rep[0]);
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(report) || report[0] <= 0) {
		errno = report[1];
		pare_error_errno(err, "creating the container's namespaces (clone)");
		rt_privilege_hint(err, cfg->network == RT_NETWORK_NONE && !c->userns);
		return -1;
	}
	pid_t pid = report[0];
	/* Our child now (CLONE_PARENT): nobody else can reap it, so its pid cannot be reused here. */
	c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (c->pidfd < 0) {
		pare_error_errno(err, "pidfd_open");
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
			;
		return -1;
	}
	return pid;
}

/* Before the clone: user, hostname, environment, the run's dir and its /etc files. */
static int prepare(struct rt_container *c, const struct rt_config *cfg, const struct rt_rootfs *rootfs,
		   struct pare_error *err)
{
	if (!cfg->argv || !cfg->argv[0])
		return pare_error_set(err, 0, "no command specified");
	rt_caps_prepare();
	cleanup_close int lowerfd = open(rt_rootfs_dir(rootfs), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (lowerfd < 0)
		return pare_error_errno(err, "opening '%s'", rt_rootfs_dir(rootfs));
	if (rt_user_resolve(lowerfd, cfg->user, &c->user, err) < 0)
		return -1;
	if (c->userns && c->user.n_groups) {
		pare_debug("pare: rootless: supplementary groups are not set (setgroups is denied)\n");
		c->user.n_groups = 0;
	}
	c->hostname = choose_hostname(cfg);
	c->env = rt_env_build(cfg->env, c->hostname, c->user.home);
	if (tmp_dir_create(&c->dir, err) < 0 || make_run_dirs(c, cfg, err) < 0 ||
	    rt_etc_files_write(c->dir, c->hostname, cfg->network, cfg->hostname_resolves, err) < 0)
		return -1;
	return 0;
}

/* The clone and the two sync rounds with PID 1 (see the top of this file). */
static int launch(struct rt_container *c, const struct rt_config *cfg, const struct rt_rootfs *rootfs,
		  struct pare_error *err)
{
	int sync[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0)
		return pare_error_errno(err, "socketpair");
	unsigned long long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
	if (cfg->network == RT_NETWORK_NONE)
		flags |= CLONE_NEWNET;
	if (c->userns)
		flags |= CLONE_NEWUSER;
	c->pid = clone_pid1(c, cfg, flags, sync, rt_rootfs_dir(rootfs), c->hooks, err);
	close(sync[1]);
	/* Kept open while the container runs: PID 1 checks it is still there right before execve. */
	int sfd = c->sync_fd = sync[0];
	if (c->pid < 0)
		return -1;
	if (c->userns && write_id_maps(c->pid, &c->user, err) < 0)
		return -1;
	/* PID 1 waits for GO: it is in its cgroup before it can fork. A machine without a writable pids
	 * cgroup runs the container unlimited, as Docker does by default. */
	struct pare_error cerr = { 0 };
	if (rt_cgroup_create(cfg->pids_limit, &c->cgroup, &cerr) == 0 && c->cgroup &&
	    rt_cgroup_add(c->cgroup, c->pid) < 0)
		pare_error_errno(&cerr, "moving the container into '%s'", c->cgroup);
	if (cfg->pids_limit && (cerr.msg[0] || (!c->cgroup && !c->userns)))
		pare_info("pare: warning: no pids limit for the container: %s\n",
			  cerr.msg[0] ? cerr.msg : "no writable pids cgroup");
	const struct rt_hooks *h = c->hooks;
	if (h && h->parent_started && h->parent_started(c->pid, h->data) < 0)
		return pare_error_set(err, 0, "the tracer could not attach to the container");
	if (rt_sync_send(sfd, RT_SYNC_GO, NULL) < 0)
		return pare_error_errno(err, "starting the container");
	char msg[PARE_ERROR_MAX];
	int kind = rt_sync_recv_fd(sfd, msg, sizeof(msg), &c->layer_fd);
	if (kind == RT_SYNC_ERROR)
		return pare_error_set(err, 0, "container setup: %s", msg);
	/* With --disk-limit the layer's tmpfs comes with READY, unless a rootless run fell back to the
	 * disk (runtime/mounts.c): then upper is in the run's directory as without a limit. */
	if (kind != RT_SYNC_READY)
		return pare_error_set(err, 0, "container setup: the container's first process died");
	if (c->layer_fd >= 0) {
		free(c->upper);
		c->upper = xasprintf("/proc/self/fd/%d/upper", c->layer_fd);
	}
	cleanup_free char *root = xasprintf("/proc/%d/root", (int)c->pid);
	c->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->root_fd < 0)
		return pare_error_errno(err, "opening '%s'", root);
	if (cfg->network == RT_NETWORK_NONE) {
		cleanup_free char *ns = xasprintf("/proc/%d/ns/net", (int)c->pid);
		c->netns_fd = open(ns, O_RDONLY | O_CLOEXEC);
		if (c->netns_fd < 0)
			return pare_error_errno(err, "opening '%s'", ns);
		/* Rootless: pare cannot enter a network namespace of the container's user namespace. */
		if (c->userns && rt_sockets_start(c->pidfd, CLONE_NEWUSER | CLONE_NEWNET, &c->sockets, err) < 0)
			return pare_error_prefix(err, "the container's network");
	}
	if (h && h->parent_ready && h->parent_ready(c->pid, h->data) < 0)
		return pare_error_set(err, 0, "the tracer could not watch the container");
	if (rt_sync_send(sfd, RT_SYNC_GO, NULL) < 0)
		return pare_error_errno(err, "starting the container");
	if (c->timeout && rt_timeout_arm(c, err) < 0)
		return -1;
	return 0;
}

int rt_container_start(const struct rt_config *cfg, const struct rt_rootfs *rootfs, const struct rt_hooks *hooks,
		       struct rt_container **out, struct pare_error *err)
{
	tmp_reap_stale();
	rt_cgroup_reap_stale();
	struct rt_container *c = xcalloc(1, sizeof(*c));
	c->pidfd = c->root_fd = c->netns_fd = c->sync_fd = c->layer_fd = -1;
	c->pid = -1;
	c->userns = geteuid() != 0;
	c->stop_signal = cfg->stop_signal > 0 ? cfg->stop_signal : SIGTERM;
	c->timeout = cfg->timeout;
	c->stop_grace = cfg->stop_grace;
	c->network = cfg->network;
	c->cwd = xstrdup(cfg->cwd ? cfg->cwd : "/");
	if (hooks) {
		c->hooks_copy = *hooks;
		c->hooks = &c->hooks_copy;
	}
	if (prepare(c, cfg, rootfs, err) < 0 || launch(c, cfg, rootfs, err) < 0) {
		if (c->pidfd >= 0) {
			kill_and_reap(c->pidfd);
			c->reaped = true;
		}
		rt_container_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

pid_t rt_container_pid(const struct rt_container *c)
{
	return c->pid;
}

int rt_container_pidfd(const struct rt_container *c)
{
	return c->pidfd;
}

int rt_container_root_fd(const struct rt_container *c)
{
	return c->root_fd;
}

int rt_container_netns_fd(const struct rt_container *c)
{
	return c->netns_fd;
}

int rt_container_enter_netns(const struct rt_container *c, struct pare_error *err)
{
	if (c->netns_fd < 0 || c->sockets)
		return 0; /* the host's network, or sockets from the factory */
	if (setns(c->netns_fd, CLONE_NEWNET) < 0)
		return pare_error_errno(err, "entering the container's network namespace");
	return 0;
}

int rt_container_socket(const struct rt_container *c, int domain, int type, int protocol)
{
	if (c->sockets)
		return rt_sockets_make(c->sockets, domain, type, protocol);
	return socket(domain, type | SOCK_CLOEXEC, protocol);
}

const char *rt_container_upperdir(const struct rt_container *c)
{
	return c->upper;
}

const char *rt_container_hostname(const struct rt_container *c)
{
	return c->hostname;
}

const char *rt_container_dir(const struct rt_container *c)
{
	return c->dir;
}

bool rt_container_timed_out(const struct rt_container *c)
{
	return c->timed_out;
}

int rt_container_kill(struct rt_container *c, int sig)
{
	if (c->reaped)
		return 0;
	return (int)syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0);
}

int rt_container_wait(struct rt_container *c, int *status, struct pare_error *err)
{
	if (!c->reaped) {
		int ws = 0;
		const struct rt_hooks *h = c->hooks;
		if (h && h->parent_wait) {
			if (h->parent_wait(c->pid, &ws, h->data) < 0)
				return pare_error_prefix(err, "waiting for the container");
			/* Reap it if the hook did not (ECHILD: it did). */
			int ws2;
			if (rt_wait_pidfd(c->pidfd, &ws2, true) == 0)
				ws = ws2;
		} else if (rt_wait_pidfd(c->pidfd, &ws, false) < 0) {
			return pare_error_errno(err, "waiting for the container");
		}
		c->reaped = true;
		c->wstatus = ws;
		rt_timeout_disarm(c);
	}
	*status = rt_status_from_wait(c->wstatus);
	return 0;
}

int rt_container_stop(struct rt_container *c, unsigned grace)
{
	if (c->reaped)
		return 0;
	struct pollfd p = { .fd = c->pidfd, .events = POLLIN };
	if (poll(&p, 1, 0) > 0)
		return 0; /* already exited */
	/* PID 1 never sees a signal it has no handler for: then SIGKILL at once. */
	if (!rt_pid_catches(c->pid, c->stop_signal))
		grace = 0;
	rt_container_kill(c, c->stop_signal);
	int r;
	do
		r = poll(&p, 1, (int)(grace > 2000000 ? 2000000000 : grace * 1000));
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		rt_container_kill(c, SIGKILL);
		do
			r = poll(&p, 1, -1);
		while (r < 0 && errno == EINTR);
	}
	return r > 0 ? 0 : -1;
}

void rt_container_free(struct rt_container *c)
{
	if (!c)
		return;
	rt_timeout_disarm(c);
	rt_signals_restore(c);
	for (size_t i = 0; i < c->n_helpers; i++) {
		int ws;
		syscall(SYS_pidfd_send_signal, c->helper_fds[i], SIGKILL, NULL, 0);
		rt_wait_pidfd(c->helper_fds[i], &ws, false);
		close(c->helper_fds[i]);
	}
	free(c->helpers);
	free(c->helper_fds);
	rt_sockets_free(c->sockets);
	if (c->pidfd >= 0 && !c->reaped)
		kill_and_reap(c->pidfd);
	if (c->cgroup) /* empty now (PID 1's death ended its namespace), or killed here */
		rt_cgroup_remove(c->cgroup);
	free(c->cgroup);
	/* Mounts live in PID 1's mount namespace, gone with its last process; the fds below keep the
	 * overlay and the network namespace alive, so close them before removing the run's dir. */
	if (c->root_fd >= 0)
		close(c->root_fd);
	if (c->netns_fd >= 0)
		close(c->netns_fd);
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->sync_fd >= 0)
		close(c->sync_fd);
	if (c->layer_fd >= 0)
		close(c->layer_fd); /* the last reference to the tmpfs: its memory is freed */
	if (c->dir) {
		struct pare_error e = { 0 };
		if (tmp_remove_tree(c->dir, &e) < 0)
			pare_debug("pare: %s\n", e.msg);
	}
	free(c->dir);
	free(c->upper);
	free(c->hostname);
	free(c->cwd);
	strv_free(c->env);
	rt_user_release(&c->user);
	free(c);
}
