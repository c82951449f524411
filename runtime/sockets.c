/* The socket factory: sockets made inside a network namespace that pare cannot enter.
 *
 * A rootless container's network namespace belongs to its user namespace; entering it (setns
 * CLONE_NEWNET) needs CAP_SYS_ADMIN there, which pare only gets by joining that user namespace, and a
 * multi-threaded process cannot join one. So a helper forked when the container starts (single-threaded
 * from then on) joins the user namespace (as its owner it has every capability there) and the network
 * namespace through PID 1's pidfd, and serves requests over a SOCK_SEQPACKET pair:
 *   pare -> helper: { domain, type, protocol }
 *   helper -> pare: { errno } with the new socket (SCM_RIGHTS) when errno is 0
 * A socket stays in the namespace it was created in, so pare's threads connect from there while
 * themselves staying in pare's namespace. After the fork the helper makes only async-signal-safe calls
 * (pare is multi-threaded); it exits when pare closes its end or PID 1 exits, and dies with pare
 * (PR_SET_PDEATHSIG). */
#include "runtime/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <pthread.h>
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

struct rt_sockets {
	pid_t pid;
	int pidfd;
	int fd;              /* pare's end of the pair */
	pthread_mutex_t mu;  /* one request and its answer at a time */
};

struct sock_request {
	int domain, type, protocol;
};

#define HELPER_FD 3
#define TARGET_FD 4

static void helper_reply(int fd, int err, int sock)
{
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof(err) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (sock >= 0) {
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &sock, sizeof(int));
	}
	while (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* The helper, right after fork: async-signal-safe calls only. */
__attribute__((noreturn)) static void helper_main(int target_pidfd, int nstypes, int fd, pid_t pare)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != pare)
		_exit(1);
	/* pare's handlers (signal forwarding to PID 1, the interrupt flag) are not the helper's: a
	 * terminal's SIGINT reaches the whole process group, and pare ends the helper itself. */
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM };
	struct sigaction ign;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &ign, NULL);
	if (setns(target_pidfd, nstypes) < 0)
		_exit(2);
	/* Hold nothing of pare's but the pair (a pipe end held here would keep its reader waiting). */
	if ((fd != HELPER_FD && dup2(fd, HELPER_FD) < 0) || dup2(target_pidfd, TARGET_FD) < 0)
		_exit(3);
	syscall(SYS_close_range, TARGET_FD + 1U, ~0U, 0U);
	int null = open("/dev/null", O_RDWR);
	for (int i = 0; null >= 0 && i < 3; i++)
		if (null != i)
			dup2(null, i);
	if (null > 2)
		close(null);
	for (;;) {
		/* Gone with the container's PID 1 too: a tracer's loop in the thread that forked the helper
		 * waits for all of that thread's children. */
		struct pollfd pf[2] = { { HELPER_FD, POLLIN, 0 }, { TARGET_FD, POLLIN, 0 } };
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(4);
		}
		if (pf[1].revents)
			_exit(0);
		struct sock_request rq;
		ssize_t n = recv(HELPER_FD, &rq, sizeof(rq), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(rq))
			_exit(0); /* pare closed its end (or sent garbage) */
		int s = socket(rq.domain, rq.type | SOCK_CLOEXEC, rq.protocol);
		helper_reply(HELPER_FD, s < 0 ? errno : 0, s);
		if (s >= 0)
			close(s);
	}
}

int rt_sockets_start(int target_pidfd, int nstypes, struct rt_sockets **out, struct pare_error *err)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return pare_error_errno(err, "socketpair");
	pid_t pare = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(sp[0]);
		close(sp[1]);
		return pare_error_errno(err, "starting the socket helper (fork)");
	}
	if (pid == 0)
		helper_main(target_pidfd, nstypes, sp[1], pare);
	close(sp[1]);
	struct rt_sockets *f = xcalloc(1, sizeof(*f));
	f->pid = pid;
	f->fd = sp[0];
	pthread_mutex_init(&f->mu, NULL);
	f->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (f->pidfd < 0) {
		pare_error_errno(err, "pidfd_open");
		kill(pid, SIGKILL);
		rt_sockets_free(f);
		return -1;
	}
	/* One socket now: a helper that could not join the namespaces fails the start, not the first probe. */
	int s = rt_sockets_make(f, AF_UNIX, SOCK_STREAM, 0);
	if (s < 0) {
		pare_error_errno(err, "starting the socket helper");
		rt_sockets_free(f);
		return -1;
	}
	close(s);
	*out = f;
	return 0;
}

int rt_sockets_make(struct rt_sockets *f, int domain, int type, int protocol)
{
	struct sock_request rq = { domain, type, protocol };
	int answer = EPIPE, got = -1;
	struct iovec iov = { .iov_base = &answer, .iov_len = sizeof(answer) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	pthread_mutex_lock(&f->mu);
	ssize_t n, w;
	do
		w = send(f->fd, &rq, sizeof(rq), MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	n = w;
	if (w == (ssize_t)sizeof(rq)) {
		do
			n = recvmsg(f->fd, &mh, MSG_CMSG_CLOEXEC);
		while (n < 0 && errno == EINTR);
	}
	pthread_mutex_unlock(&f->mu);
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); w == (ssize_t)sizeof(rq) && n > 0 && cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
			continue;
		int fd;
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		if (got < 0)
			got = fd;
		else
			close(fd);
	}
	if (n != (ssize_t)sizeof(answer) || answer != 0 || got < 0) {
		if (got >= 0)
			close(got);
		/* The helper is gone (EOF) or refused: its errno, or ECONNRESET when it died. */
		int e = n < 0 ? errno : ECONNRESET;
		errno = n == (ssize_t)sizeof(answer) && answer ? answer : e;
		return -1;
	}
	return got;
}

void rt_sockets_free(struct rt_sockets *f)
{
	if (!f)
		return;
	close(f->fd); /* the helper sees EOF and exits */
	if (f->pidfd >= 0) {
		int ws;
		syscall(SYS_pidfd_send_signal, f->pidfd, SIGKILL, NULL, 0);
		rt_wait_pidfd(f->pidfd, &ws, false); /* ECHILD: a tracer's waitpid(-1) reaped it */
		close(f->pidfd);
	} else {
		while (waitpid(f->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	pthread_mutex_destroy(&f->mu);
	free(f);
}
