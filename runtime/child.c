/* The container side: PID 1's setup after the clone, and the last steps before execve shared with
 * processes started by rt_container_exec_start. Runs between fork and exec: errors go to pare over
 * the sync socket (setup) or to stderr with Docker-like exit statuses (exec). */
#include "runtime/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/xalloc.h"

void rt_child_die(int status, const char *fmt, ...)
{
	char buf[PARE_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	dprintf(STDERR_FILENO, "pare: %s\n", buf);
	_exit(status);
}

int rt_sync_send(int fd, char kind, const char *msg)
{
	char buf[PARE_ERROR_MAX + 1];
	size_t n = msg ? strnlen(msg, PARE_ERROR_MAX) : 0;
	buf[0] = kind;
	if (n)
		memcpy(buf + 1, msg, n);
	ssize_t w;
	do
		w = send(fd, buf, n + 1, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	return w == (ssize_t)(n + 1) ? 0 : -1;
}

int rt_sync_send_fd(int fd, char kind, int passfd)
{
	char k = kind;
	struct iovec iov = { .iov_base = &k, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &passfd, sizeof(int));
	ssize_t w;
	do
		w = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	return w == 1 ? 0 : -1;
}

int rt_sync_recv_fd(int fd, char *msg, size_t size, int *passfd)
{
	char buf[PARE_ERROR_MAX + 1];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	ssize_t r;
	do
		r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); r > 0 && cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
			continue;
		int got;
		memcpy(&got, CMSG_DATA(cm), sizeof(int));
		if (passfd && *passfd < 0)
			*passfd = got;
		else
			close(got); /* not asked for: never leak it */
	}
	if (r <= 0)
		return (int)r;
	if (msg && size) {
		size_t n = (size_t)r - 1 < size - 1 ? (size_t)r - 1 : size - 1;
		memcpy(msg, buf + 1, n);
		msg[n] = '\0';
	}
	return (unsigned char)buf[0];
}

int rt_sync_recv(int fd, char *msg, size_t size)
{
	return rt_sync_recv_fd(fd, msg, size, NULL);
}

static int child_sync_fd = -1;

/* True when pare is gone (its end of the sync socket was closed). */
static bool parent_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP));
}

/* Go's exec.LookPath, as runc uses it: the first PATH entry holding a non-directory with an
 * execute bit, into out (PATH_MAX bytes). false when there is none. No allocation: this runs in the
 * child of a multi-threaded pare. */
static bool look_path(const char *file, char *const *env, char *out)
{
	const char *path = rt_env_get(env, "PATH");
	if (!path)
		path = RT_DEFAULT_PATH + 5;
	for (const char *p = path;;) {
		size_t len = strcspn(p, ":");
		int n = len ? snprintf(out, PATH_MAX, "%.*s/%s", (int)len, p, file) : snprintf(out, PATH_MAX, "./%s", file);
		struct stat st;
		if (n > 0 && n < PATH_MAX && stat(out, &st) == 0 && !S_ISDIR(st.st_mode) && (st.st_mode & 0111))
			return true;
		if (!p[len])
			break;
		p += len + 1;
	}
	return false;
}

void rt_child_exec(char *const *argv, char **env, const struct rt_user *user, const struct rt_hooks *hooks, bool userns)
{
	char found[PATH_MAX];
	const char *path = argv[0];
	if (!strchr(argv[0], '/')) {
		if (!look_path(argv[0], env, found))
			rt_child_die(127, "exec: \"%s\": executable file not found in $PATH", argv[0]);
		path = found;
	}
	/* Nothing of pare's leaks into the container: no fds, no ignored or blocked signals (a pare started
	 * in the background or under nohup must not make the application ignore SIGINT or SIGHUP). */
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (hooks && hooks->child_before_exec && hooks->child_before_exec(hooks->data) < 0)
		rt_child_die(127, "container setup: hook failed");
	if (rt_caps_drop_bounding() < 0)
		rt_child_die(127, "container setup: dropping capabilities: %s", strerror(errno));
	if (!userns && setgroups(user->n_groups, user->groups) < 0)
		rt_child_die(127, "container setup: setgroups: %s", strerror(errno));
	if (setresgid(user->gid, user->gid, user->gid) < 0)
		rt_child_die(127, "container setup: setting gid %u: %s", (unsigned)user->gid, strerror(errno));
	if (setresuid(user->uid, user->uid, user->uid) < 0)
		rt_child_die(127, "container setup: setting uid %u: %s", (unsigned)user->uid, strerror(errno));
	if (rt_caps_apply(user->uid) < 0)
		rt_child_die(127, "container setup: setting capabilities: %s", strerror(errno));
	/* The uid change cleared the parent-death signal: set it again, then make sure pare is alive. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (child_sync_fd >= 0 && parent_gone(child_sync_fd))
		_exit(1);
	execve(path, argv, env);
	int e = errno;
	rt_child_die(e == ENOENT ? 127 : 126, "exec %s: %s", path, strerror(e));
}

static void fail(const struct rt_child_args *a, struct pare_error *err)
{
	rt_privilege_hint(err, a->cfg->network == RT_NETWORK_NONE && !a->userns);
	rt_sync_send(a->sync_fd, RT_SYNC_ERROR, err->msg);
	_exit(1);
}

void rt_child_main(struct rt_child_args *a)
{
	struct pare_error err = { 0 };
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (rt_sync_recv(a->sync_fd, NULL, 0) != RT_SYNC_GO)
		_exit(1); /* pare died or failed before we could start */
	/* Out of pare's session: terminal signals reach the container only through pare's forwarding. */
	setsid();
	umask(022);
	if (rt_setup_mounts(a, &err) < 0)
		fail(a, &err);
	if (sethostname(a->hostname, strlen(a->hostname)) < 0) {
		pare_error_errno(&err, "setting the hostname");
		fail(a, &err);
	}
	if (a->cfg->network == RT_NETWORK_NONE && rt_loopback_up() < 0) {
		pare_error_errno(&err, "bringing up the loopback interface");
		fail(a, &err);
	}
	const char *cwd = a->cfg->cwd ? a->cfg->cwd : "/";
	if (chdir(cwd) < 0) {
		pare_error_errno(&err, "chdir to the working directory '%s'", cwd);
		fail(a, &err);
	}
	/* pare gets the writable layer's tmpfs (--disk-limit) with READY: the only way to it from outside
	 * this mount namespace. */
	int ready = a->layer_fd >= 0 ? rt_sync_send_fd(a->sync_fd, RT_SYNC_READY, a->layer_fd)
				     : rt_sync_send(a->sync_fd, RT_SYNC_READY, NULL);
	if (a->layer_fd >= 0)
		close(a->layer_fd);
	if (ready < 0 || rt_sync_recv(a->sync_fd, NULL, 0) != RT_SYNC_GO)
		_exit(1);
	child_sync_fd = a->sync_fd;
	rt_child_exec(a->cfg->argv, a->env, a->user, a->hooks, a->userns);
}
