/* fanotify: a FAN_MARK_FILESYSTEM mark on the container root's own superblock reports every open and
 * exec by any process in it, including the kernel's opens of interpreters that no syscall shows.
 * A thread reads the events (the loop blocks in waitpid); the loop drains them between stops and
 * keeps those of traced processes. Queue overflows are counted in the profile's stats. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "tracer/tracer_int.h"

struct fan_event {
	pid_t pid;
	unsigned kind;
	char *path;
};

struct fan {
	int fd, stopfd;
	pthread_t thread;
	pthread_mutex_t mu;
	struct fan_event *q;
	size_t n, cap;
	atomic_int pending;
	uint64_t events, overflows;
};

static void push(struct fan *f, pid_t pid, unsigned kind, char *path)
{
	pthread_mutex_lock(&f->mu);
	f->q = xgrow(f->q, &f->cap, f->n + 1, sizeof(*f->q));
	f->q[f->n++] = (struct fan_event){ pid, kind, path };
	atomic_store(&f->pending, 1);
	pthread_mutex_unlock(&f->mu);
}

/* Read what is queued; false when the fd has nothing more (EAGAIN) or failed. */
static bool read_events(struct fan *f)
{
	char buf[32768] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	ssize_t len = read(f->fd, buf, sizeof(buf));
	if (len <= 0)
		return false;
	struct fanotify_event_metadata *m = (struct fanotify_event_metadata *)buf;
	for (; FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) {
		if (m->vers != FANOTIFY_METADATA_VERSION)
			continue;
		pthread_mutex_lock(&f->mu);
		f->events++;
		if (m->mask & FAN_Q_OVERFLOW)
			f->overflows++;
		pthread_mutex_unlock(&f->mu);
		if (m->fd < 0)
			continue;
		char proc[64], path[PATH_MAX];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", m->fd);
		ssize_t n = readlink(proc, path, sizeof(path) - 1);
		close(m->fd);
		if (n <= 0)
			continue;
		path[n] = '\0';
		push(f, m->pid, (m->mask & FAN_OPEN_EXEC) ? PROFILE_EXEC : PROFILE_OPEN, xstrdup(path));
	}
	return true;
}

static void *reader(void *arg)
{
	struct fan *f = arg;
	for (;;) {
		struct pollfd pfd[2] = { { f->fd, POLLIN, 0 }, { f->stopfd, POLLIN, 0 } };
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN)
			read_events(f);
		if (pfd[1].revents & POLLIN) {
			while (read_events(f))
				;
			break;
		}
	}
	return NULL;
}

int fan_start(struct tracer *t, struct pare_error *err)
{
	int fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE,
			       O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NONBLOCK | O_NOATIME);
	if (fd < 0 && errno == EPERM) /* O_NOATIME needs to own the file or CAP_FOWNER */
		fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE,
				   O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return pare_error_errno(err, "fanotify_init");
	if (fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN | FAN_OPEN_EXEC, t->res.rootfd, ".") < 0) {
		close(fd);
		return pare_error_errno(err, "fanotify_mark on the container's filesystem");
	}
	struct fan *f = xcalloc(1, sizeof(*f));
	f->fd = fd;
	f->stopfd = eventfd(0, EFD_CLOEXEC);
	pthread_mutex_init(&f->mu, NULL);
	if (f->stopfd < 0 || pthread_create(&f->thread, NULL, reader, f) != 0) {
		if (f->stopfd >= 0)
			close(f->stopfd);
		close(fd);
		free(f);
		return pare_error_set(err, 0, "starting the fanotify reader");
	}
	t->fan = f;
	profile_add_sensor(t->profile, "fanotify");
	return 0;
}

bool fan_pending(struct tracer *t)
{
	return atomic_load(&t->fan->pending) != 0;
}

void fan_drain(struct tracer *t)
{
	struct fan *f = t->fan;
	pthread_mutex_lock(&f->mu);
	struct fan_event *q = f->q;
	size_t n = f->n;
	f->q = NULL;
	f->n = f->cap = 0;
	atomic_store(&f->pending, 0);
	t->profile->stats.fanotify_events = f->events;
	t->profile->stats.fanotify_overflows = f->overflows;
	pthread_mutex_unlock(&f->mu);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(q[i].path);
		bool deleted = len > 10 && !strcmp(q[i].path + len - 10, " (deleted)");
		cleanup_free char *path = deleted ? NULL : resolver_map(&t->res, q[i].path);
		if (path && tracer_seen(t, q[i].pid))
			profile_add_file(t->profile, path, q[i].kind, true);
		free(q[i].path);
	}
	free(q);
}

void fan_stop(struct tracer *t)
{
	struct fan *f = t->fan;
	if (!f)
		return;
	uint64_t one = 1;
	while (write(f->stopfd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	pthread_join(f->thread, NULL);
	fan_drain(t);
	close(f->fd);
	close(f->stopfd);
	pthread_mutex_destroy(&f->mu);
	free(f);
	t->fan = NULL;
}
