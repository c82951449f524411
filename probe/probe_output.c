/* A probe command's output, hashed while it is passed on (probe/probe_output.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "probe/probe_http_int.h"
#include "probe/probe_output.h"

struct probe_output {
	int rfd, wfd, forward_fd;
	pthread_t thread;
	atomic_int ended;          /* the command has exited */
	atomic_uint_fast64_t ended_ms;
	struct sha256 hash;
};

static void forward(int fd, const char *buf, size_t n)
{
	while (fd >= 0 && n) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

static void *reader_main(void *arg)
{
	struct probe_output *o = arg;
	char buf[16384];
	for (;;) {
		struct pollfd p = { .fd = o->rfd, .events = POLLIN };
		int r = poll(&p, 1, 100);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0) {
			ssize_t n = read(o->rfd, buf, sizeof(buf));
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				break; /* every writer is gone */
			if (n > 0) {
				sha256_update(&o->hash, buf, (size_t)n);
				forward(o->forward_fd, buf, (size_t)n);
			}
		}
		if (atomic_load(&o->ended) && (r == 0 || probe_now_ms() - atomic_load(&o->ended_ms) >= PROBE_OUTPUT_DRAIN_MS))
			break;
	}
	return NULL;
}

int probe_output_start(int forward_fd, struct probe_output **out, struct pare_error *err)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return pare_error_errno(err, "creating a pipe for a probe command's output");
	struct probe_output *o = xcalloc(1, sizeof(*o));
	o->rfd = fds[0];
	o->wfd = fds[1];
	o->forward_fd = forward_fd;
	sha256_init(&o->hash);
	int e = pthread_create(&o->thread, NULL, reader_main, o);
	if (e) {
		close(o->rfd);
		close(o->wfd);
		sha256_release(&o->hash);
		free(o);
		errno = e;
		return pare_error_errno(err, "starting the output reader thread");
	}
	*out = o;
	return 0;
}

int probe_output_writer(const struct probe_output *o)
{
	return o->wfd;
}

void probe_output_close_writer(struct probe_output *o)
{
	if (o->wfd >= 0)
		close(o->wfd);
	o->wfd = -1;
}

void probe_output_finish(struct probe_output *o, char digest[SHA256_DIGEST_STR], uint64_t *bytes)
{
	probe_output_close_writer(o);
	atomic_store(&o->ended_ms, probe_now_ms());
	atomic_store(&o->ended, 1);
	pthread_join(o->thread, NULL);
	close(o->rfd);
	*bytes = o->hash.bytes;
	sha256_final(&o->hash, digest);
	free(o);
}
