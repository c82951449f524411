/* Streaming one blob (or JSON file) out of an image source: a member of the tar, read in place
 * through libarchive, or a file below the layout directory, opened with RESOLVE_BENEATH. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "image/internal.h"
#include "lib/interrupt.h"
#include "lib/path.h"
#include "lib/xalloc.h"

struct blob_stream {
	char *name;
	/* tar source */
	struct archive *a;
	struct fd_reader *r;
	/* directory source */
	int fd;
	char *buf;
};

static int open_beneath(int dirfd, const char *name)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	return fd;
}

/* A relative, normalised name, or NULL when it would leave the source. */
static char *rel_name(const char *name)
{
	char *n = path_normalize_strict(name);
	if (!n)
		return NULL;
	char *rel = xstrdup(n[1] ? n + 1 : ".");
	free(n);
	return rel;
}

bool source_has(struct image_source *s, const char *name)
{
	if (!s->is_dir)
		return source_member(s, name) != NULL;
	cleanup_free char *rel = rel_name(name);
	if (!rel)
		return false;
	cleanup_close int fd = open_beneath(s->fd, rel);
	return fd >= 0;
}

int blob_stream_open(struct image_source *s, const char *name, struct blob_stream **out, struct pare_error *err)
{
	cleanup_free char *rel = rel_name(name);
	if (!rel)
		return pare_error_set(err, 0, "'%s' points outside the image", name);
	struct blob_stream *b = xcalloc(1, sizeof(*b));
	b->fd = -1;
	b->name = xstrdup(rel);
	if (s->is_dir) {
		b->fd = open_beneath(s->fd, rel);
		struct stat st;
		if (b->fd < 0) {
			if (errno == EXDEV || errno == ELOOP)
				pare_error_set(err, errno, "'%s' in '%s' leads outside the image directory", rel, s->display);
			else if (errno == ENOENT)
				pare_error_set(err, errno, "'%s' is missing from '%s'", rel, s->display);
			else
				pare_error_errno(err, "opening '%s' in '%s'", rel, s->display);
			goto fail;
		}
		if (fstat(b->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			pare_error_set(err, 0, "'%s' in '%s' is not a regular file", rel, s->display);
			goto fail;
		}
		b->buf = xmalloc(64 * 1024);
		*out = b;
		return 0;
	}
	struct src_member *m = source_member(s, rel);
	if (!m) {
		pare_error_set(err, ENOENT, "'%s' is missing from '%s'", rel, s->display);
		goto fail;
	}
	if (m->type != 'f') {
		pare_error_set(err, 0, "'%s' in '%s' is not a regular file", rel, s->display);
		goto fail;
	}
	b->r = xcalloc(1, sizeof(*b->r));
	b->r->fd = s->fd;
	b->r->size = s->file_size;
	b->a = archive_read_new();
	archive_read_support_format_tar(b->a);
	archive_read_support_format_gnutar(b->a);
	if (fd_reader_open(b->a, b->r) != ARCHIVE_OK) {
		pare_error_set(err, 0, "reading '%s': %s", s->display, archive_error_string(b->a));
		goto fail;
	}
	for (uint32_t ord = 0;; ord++) {
		struct archive_entry *e;
		int h = archive_read_next_header(b->a, &e);
		if (h == ARCHIVE_EOF || h < ARCHIVE_WARN) {
			pare_error_set(err, 0, "reading '%s' from '%s': %s", rel, s->display,
				       h == ARCHIVE_EOF ? "archive changed while reading" : archive_error_string(b->a));
			goto fail;
		}
		if (ord == m->ordinal)
			break;
	}
	*out = b;
	return 0;
fail:
	blob_stream_free(b);
	return -1;
}

ssize_t blob_stream_read(struct blob_stream *b, const void **buf, struct pare_error *err)
{
	/* Every layer and config read passes here: where a SIGINT stops the reading, unpacking and
	 * writing of images (lib/interrupt.h). */
	if (pare_interrupt_check(err) < 0)
		return -1;
	if (b->fd >= 0) {
		ssize_t n;
		do
			n = read(b->fd, b->buf, 64 * 1024);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return pare_error_errno(err, "reading '%s'", b->name);
		*buf = b->buf;
		return n;
	}
	for (;;) {
		size_t size;
		la_int64_t off;
		int rc = archive_read_data_block(b->a, buf, &size, &off);
		if (rc == ARCHIVE_EOF)
			return 0;
		if (rc < ARCHIVE_WARN)
			return pare_error_set(err, 0, "reading '%s': %s", b->name, archive_error_string(b->a));
		if (size)
			return (ssize_t)size;
	}
}

void blob_stream_free(struct blob_stream *b)
{
	if (!b)
		return;
	if (b->a)
		archive_read_free(b->a);
	free(b->r);
	if (b->fd >= 0)
		close(b->fd);
	free(b->buf);
	free(b->name);
	free(b);
}

int source_read_all(struct image_source *s, const char *name, size_t max, char **out, size_t *len,
		    struct pare_error *err)
{
	struct blob_stream *b;
	if (blob_stream_open(s, name, &b, err) < 0)
		return -1;
	size_t n = 0, cap = 0;
	char *data = NULL;
	int ret = 0;
	for (;;) {
		const void *chunk;
		ssize_t got = blob_stream_read(b, &chunk, err);
		if (got < 0) {
			ret = -1;
			break;
		}
		if (got == 0)
			break;
		if (n + (size_t)got > max) {
			ret = pare_error_set(err, EFBIG, "'%s' is larger than %zu bytes", name, max);
			break;
		}
		data = xgrow(data, &cap, n + (size_t)got + 1, 1);
		memcpy(data + n, chunk, (size_t)got);
		n += (size_t)got;
	}
	blob_stream_free(b);
	if (ret < 0) {
		free(data);
		return -1;
	}
	if (!data)
		data = xcalloc(1, 1);
	data[n] = '\0';
	*out = data;
	*len = n;
	return 0;
}

int source_read_json(struct image_source *s, const char *name, const char *what, const char *want_digest,
		     int64_t want_size, json_t **out, char digest[SHA256_DIGEST_STR], struct pare_error *err)
{
	cleanup_free char *data = NULL;
	size_t len;
	if (source_read_all(s, name, IMAGE_MAX_JSON_BYTES, &data, &len, err) < 0)
		return pare_error_prefix(err, "reading %s", what);
	sha256_buffer(data, len, digest);
	if (want_digest && strcmp(want_digest, digest) != 0)
		return pare_error_set(err, 0, "%s '%s' does not match its digest (got %s)", what, want_digest, digest);
	if (want_size >= 0 && (int64_t)len != want_size)
		return pare_error_set(err, 0, "%s '%s' is %zu bytes, its descriptor says %lld", what,
				      want_digest ? want_digest : name, len, (long long)want_size);
	json_error_t jerr;
	json_t *j = json_loadb(data, len, 0, &jerr);
	if (!j)
		return pare_error_set(err, 0, "%s is not valid JSON: %s (line %d)", what, jerr.text, jerr.line);
	*out = j;
	return 0;
}
