/* `docker exec`: run another command in the running container.
 * pare forks a helper H that joins PID 1's namespaces (setns on its pidfd: user, mount, UTS, IPC,
 * network, and PID for its children); H forks G, which is inside the container's PID namespace and
 * waits on the sync socket; pare runs parent_started(G); G then does what PID 1 does before exec
 * (hook, caps, groups, uid, execve). H reports G's pid, waits for it and exits with its docker-style
 * status, so pare can wait for H without ptrace knowledge. */
#include "runtime/internal.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/xalloc.h"

__attribute__((noreturn)) static void helper_main(struct rt_container *c, char *const *argv, char **env,
						  const struct rt_hooks *hooks, int sfd, pid_t pare)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != pare)
		_exit(1);
	if (c->cgroup && rt_cgroup_add(c->cgroup, 0) < 0) { /* under the container's limit too */
		rt_sync_send(sfd, RT_SYNC_ERROR, "joining the container's cgroup failed");
		_exit(1);
	}
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
	if (c->network == RT_NETWORK_NONE)
		flags |= CLONE_NEWNET;
	if (c->userns)
		flags |= CLONE_NEWUSER;
	if (setns(c->pidfd, flags) < 0) {
		rt_sync_send(sfd, RT_SYNC_ERROR, "joining the container's namespaces failed");
		_exit(1);
	}
	if (chdir(c->cwd) < 0 && chdir("/") < 0) {
		rt_sync_send(sfd, RT_SYNC_ERROR, "chdir in the container failed");
		_exit(1);
	}
	pid_t self = getpid();
	pid_t g = fork();
	if (g < 0) {
		rt_sync_send(sfd, RT_SYNC_ERROR, "fork in the container failed");
		_exit(1);
	}
	if (g == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != self && getppid() != 0)
			_exit(1);
		if (rt_sync_recv(sfd, NULL, 0) != RT_SYNC_GO)
			_exit(1);
		setsid();
		rt_child_exec(argv, env, &c->user, hooks, c->userns);
	}
	char msg[32];
	snprintf(msg, sizeof(msg), "%d", (int)g);
	rt_sync_send(sfd, RT_SYNC_READY, msg);
	close(sfd);
	int ws;
	while (waitpid(g, &ws, 0) < 0)
		if (errno != EINTR)
			_exit(255);
	int st = rt_status_from_wait(ws);
	_exit(st > 255 ? 255 : st);
}

int rt_container_exec_start(struct rt_container *c, char *const *argv, char *const *env_extra,
			    const struct rt_hooks *hooks, pid_t *pid, struct pare_error *err)
{
	if (!argv || !argv[0])
		return pare_error_set(err, 0, "exec: no command given");
	if (c->reaped)
		return pare_error_set(err, 0, "exec: the container is not running");
	cleanup_strv char **env = rt_env_merge(c->env, env_extra);
	rt_caps_prepare();
	int sync[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0)
		return pare_error_errno(err, "socketpair");
	pid_t pare = getpid();
	fflush(NULL);
	pid_t h = fork();
	if (h < 0) {
		close(sync[0]);
		close(sync[1]);
		return pare_error_errno(err, "fork");
	}
	if (h == 0) {
		close(sync[0]);
		helper_main(c, argv, env, hooks, sync[1], pare);
	}
	close(sync[1]);
	cleanup_close int sfd = sync[0];
	/* Our child: it cannot be reaped before this, so the pidfd is the helper's. */
	int hfd = (int)syscall(SYS_pidfd_open, h, 0);
	if (hfd < 0) {
		pare_error_errno(err, "pidfd_open");
		kill(h, SIGKILL);
		while (waitpid(h, NULL, 0) < 0 && errno == EINTR)
			;
		return -1;
	}
	c->helpers = xrealloc(c->helpers, (c->n_helpers + 1) * sizeof(*c->helpers));
	c->helper_fds = xrealloc(c->helper_fds, (c->n_helpers + 1) * sizeof(*c->helper_fds));
	c->helpers[c->n_helpers] = h;
	c->helper_fds[c->n_helpers++] = hfd;
	char msg[PARE_ERROR_MAX];
	int kind = rt_sync_recv(sfd, msg, sizeof(msg));
	if (kind != RT_SYNC_READY) {
		pare_error_set(err, 0, "exec: %s", kind == RT_SYNC_ERROR ? msg : "the helper process died");
		goto fail;
	}
	pid_t g = (pid_t)strtol(msg, NULL, 10);
	if (g <= 0) {
		pare_error_set(err, 0, "exec: bad pid from the helper");
		goto fail;
	}
	if (hooks && hooks->parent_started && hooks->parent_started(g, hooks->data) < 0) {
		pare_error_set(err, 0, "exec: the tracer could not attach to the process");
		goto fail;
	}
	if (rt_sync_send(sfd, RT_SYNC_GO, NULL) < 0) {
		pare_error_errno(err, "exec: starting the process");
		goto fail;
	}
	*pid = g;
	return 0;
fail:
	syscall(SYS_pidfd_send_signal, hfd, SIGKILL, NULL, 0);
	int ws;
	rt_wait_pidfd(hfd, &ws, false);
	close(hfd);
	c->n_helpers--;
	return -1;
}

/* The helper whose child is pid (helpers are recorded in order; G's parent is H). */
static ssize_t helper_of(struct rt_container *c, pid_t g)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)g);
	FILE *f = fopen(path, "re");
	int ppid = -1;
	if (f) {
		/* pid (comm) state ppid: comm may hold spaces and parens, so scan from the last ')'. */
		char buf[1024];
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		char *p = strrchr(buf, ')');
		if (p)
			sscanf(p + 1, " %*c %d", &ppid);
		fclose(f);
	}
	for (size_t i = 0; i < c->n_helpers; i++)
		if (c->helpers[i] == ppid)
			return (ssize_t)i;
	return c->n_helpers ? (ssize_t)c->n_helpers - 1 : -1;
}

int rt_container_exec_wait(struct rt_container *c, pid_t pid, const struct rt_hooks *hooks, int *status,
			   struct pare_error *err)
{
	ssize_t hi = helper_of(c, pid);
	if (hi < 0)
		return pare_error_set(err, 0, "exec: unknown process %d", (int)pid);
	pid_t h = c->helpers[hi];
	int ws = 0, hs = 0;
	bool have_ws = false;
	if (hooks && hooks->parent_wait) {
		if (hooks->parent_wait(pid, &ws, hooks->data) < 0)
			return pare_error_prefix(err, "waiting for the exec'd process");
		have_ws = true;
	}
	(void)h;
	bool have_hs = rt_wait_pidfd(c->helper_fds[hi], &hs, false) == 0;
	if (!have_hs && errno != ECHILD)
		return pare_error_errno(err, "waiting for the exec helper");
	close(c->helper_fds[hi]);
	size_t rest = c->n_helpers - (size_t)hi - 1;
	memmove(&c->helpers[hi], &c->helpers[hi + 1], rest * sizeof(*c->helpers));
	memmove(&c->helper_fds[hi], &c->helper_fds[hi + 1], rest * sizeof(*c->helper_fds));
	c->n_helpers--;
	if (!have_hs && !have_ws)
		return pare_error_set(err, 0, "exec: the process's status was taken by another waiter");
	if (have_ws && (WIFEXITED(ws) || WIFSIGNALED(ws) || !have_hs))
		*status = rt_status_from_wait(ws);
	else
		*status = WIFEXITED(hs) ? WEXITSTATUS(hs) : rt_status_from_wait(hs);
	return 0;
}

int rt_container_exec_in(struct rt_container *c, char *const *argv, const struct rt_hooks *hooks, int *status,
			 struct pare_error *err)
{
	pid_t pid;
	if (rt_container_exec_start(c, argv, NULL, hooks, &pid, err) < 0)
		return -1;
	return rt_container_exec_wait(c, pid, hooks, status, err);
}
