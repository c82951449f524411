#include "minifier/content.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/xalloc.h"

#define CONTENT_MAX_MAP ((size_t)4 << 30)

struct content_root {
	int fd;
};

int content_root_open(const char *dir, struct content_root **out, struct pare_error *err)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pare_error_errno(err, "opening '%s'", dir);
	struct content_root *r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	*out = r;
	return 0;
}

void content_root_free(struct content_root *r)
{
	if (!r)
		return;
	close(r->fd);
	free(r);
}

static int open_beneath(struct content_root *r, const char *path, struct pare_error *err)
{
	while (*path == '/')
		path++;
	if (!*path) {
		errno = EISDIR;
		return pare_error_errno(err, "reading '/'");
	}
	struct open_how how = {
		.flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, r->fd, path, &how, sizeof(how));
	if (fd < 0)
		return pare_error_errno(err, "reading '/%s'", path);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return pare_error_set(err, EINVAL, "reading '/%s': not a regular file", path);
	}
	return fd;
}

int content_map(struct content_root *r, const char *path, struct content_map *m, struct pare_error *err)
{
	m->data = NULL;
	m->len = 0;
	cleanup_close int fd = open_beneath(r, path, err);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return pare_error_errno(err, "reading '%s'", path);
	if (st.st_size == 0)
		return 0;
	if ((uint64_t)st.st_size > CONTENT_MAX_MAP)
		return pare_error_set(err, EFBIG, "reading '%s': file too large", path);
	/* Private and writable, so a library that writes into its input cannot reach the file. */
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return pare_error_errno(err, "mapping '%s'", path);
	m->data = p;
	m->len = (size_t)st.st_size;
	return 0;
}

void content_unmap(struct content_map *m)
{
	if (m->data)
		munmap((void *)m->data, m->len);
	m->data = NULL;
	m->len = 0;
}

ssize_t content_read_head(struct content_root *r, const char *path, void *buf, size_t n, struct pare_error *err)
{
	cleanup_close int fd = open_beneath(r, path, err);
	if (fd < 0)
		return -1;
	size_t got = 0;
	while (got < n) {
		ssize_t k = pread(fd, (char *)buf + got, n - got, (off_t)got);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return pare_error_errno(err, "reading '%s'", path);
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}
