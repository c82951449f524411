/* The image source: a layout directory, or a tar archive scanned once for its member names.
 * Compressed archives and standard input are first spooled (decompressed) to a temporary file. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/internal.h"
#include "lib/interrupt.h"
#include "lib/path.h"
#include "lib/tmp.h"
#include "lib/xalloc.h"

static uint64_t env_bytes(const char *name, uint64_t def)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *end || n == 0)
		return def;
	return n;
}

uint64_t image_max_layer_bytes(void)
{
	return env_bytes("PARE_MAX_LAYER_BYTES", IMAGE_DEFAULT_MAX_LAYER_BYTES);
}

uint64_t image_max_archive_bytes(void)
{
	return env_bytes("PARE_MAX_ARCHIVE_BYTES", IMAGE_DEFAULT_MAX_ARCHIVE_BYTES);
}

/* ---- libarchive callbacks over a file descriptor with our own offset (pread) ---- */

static la_ssize_t fdr_read(struct archive *a, void *ud, const void **buf)
{
	struct fd_reader *r = ud;
	ssize_t n;
	if (r->use_read)
		n = read(r->fd, r->buf, sizeof(r->buf));
	else
		n = pread(r->fd, r->buf, sizeof(r->buf), r->off);
	while (n < 0 && errno == EINTR)
		n = r->use_read ? read(r->fd, r->buf, sizeof(r->buf)) : pread(r->fd, r->buf, sizeof(r->buf), r->off);
	if (n < 0) {
		archive_set_error(a, errno, "read error");
		return -1;
	}
	r->off += n;
	*buf = r->buf;
	return n;
}

static la_int64_t fdr_skip(struct archive *a, void *ud, la_int64_t n)
{
	(void)a;
	struct fd_reader *r = ud;
	if (r->use_read || n <= 0)
		return 0; /* libarchive then reads through */
	if (r->off + n > r->size)
		n = r->size > r->off ? r->size - r->off : 0;
	r->off += n;
	return n;
}

static la_int64_t fdr_seek(struct archive *a, void *ud, la_int64_t off, int whence)
{
	(void)a;
	struct fd_reader *r = ud;
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? r->off : r->size;
	if (r->use_read || base + off < 0)
		return ARCHIVE_FATAL;
	r->off = base + off;
	return r->off;
}

int fd_reader_open(struct archive *a, struct fd_reader *r)
{
	archive_read_set_callback_data(a, r);
	archive_read_set_read_callback(a, fdr_read);
	if (!r->use_read) {
		archive_read_set_skip_callback(a, fdr_skip);
		archive_read_set_seek_callback(a, fdr_seek);
	}
	return archive_read_open1(a);
}

/* ---- spooling: decompress (or copy) the input into a temporary file ---- */

static bool is_compressed(const unsigned char *m, size_t n)
{
	return (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) ||                          /* gzip */
	       (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) || /* zstd */
	       (n >= 6 && memcmp(m, "\xfd" "7zXZ\0", 6) == 0) ||                   /* xz */
	       (n >= 3 && memcmp(m, "BZh", 3) == 0);                               /* bzip2 */
}

void image_support_filters(struct archive *a)
{
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_none(a);
}

static int spool(struct image_source *s, int in_fd, bool is_pipe, struct pare_error *err)
{
	if (tmp_dir_create(&s->spool_dir, err) < 0)
		return -1;
	cleanup_free char *path = xasprintf("%s/archive.tar", s->spool_dir);
	cleanup_close int out = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	if (out < 0)
		return pare_error_errno(err, "creating '%s'", path);
	struct fd_reader *r = xcalloc(1, sizeof(*r));
	r->fd = in_fd;
	r->use_read = is_pipe;
	r->size = INT64_MAX;
	struct archive *a = archive_read_new();
	image_support_filters(a);
	archive_read_support_format_raw(a);
	archive_read_support_format_empty(a);
	int ret = -1;
	struct archive_entry *e;
	uint64_t total = 0, max = image_max_archive_bytes();
	if (fd_reader_open(a, r) != ARCHIVE_OK) {
		pare_error_set(err, 0, "reading '%s': %s", s->display, archive_error_string(a));
		goto out;
	}
	int h = archive_read_next_header(a, &e);
	if (h == ARCHIVE_EOF) {
		ret = 0;
		goto done;
	}
	if (h != ARCHIVE_OK) {
		pare_error_set(err, 0, "reading '%s': %s", s->display, archive_error_string(a));
		goto out;
	}
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;
		if (pare_interrupt_check(err) < 0)
			goto out;
		int rc = archive_read_data_block(a, &buf, &size, &off);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc != ARCHIVE_OK) {
			pare_error_set(err, 0, "reading '%s': %s", s->display, archive_error_string(a));
			goto out;
		}
		total += size;
		if (total > max) {
			pare_error_set(err, EFBIG, "'%s' decompresses to more than %llu bytes (limit; see PARE_MAX_ARCHIVE_BYTES)",
				       s->display, (unsigned long long)max);
			goto out;
		}
		const char *p = buf;
		while (size) {
			ssize_t w = write(out, p, size);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				pare_error_errno(err, "writing '%s'", path);
				goto out;
			}
			p += w;
			size -= (size_t)w;
		}
	}
	ret = 0;
done:
	s->fd = steal_fd(&out);
	s->file_size = (int64_t)total;
out:
	archive_read_free(a);
	free(r);
	return ret;
}

/* ---- scanning the members of a tar source ---- */

static int member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct src_member *)a)->name, ((const struct src_member *)b)->name);
}

static char *member_name(const char *raw)
{
	char *n = path_normalize_strict(raw);
	if (!n)
		return NULL;
	char *rel = xstrdup(n[1] ? n + 1 : ".");
	free(n);
	return rel;
}

static int scan(struct image_source *s, struct pare_error *err)
{
	struct fd_reader r = { .fd = s->fd, .size = s->file_size };
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_empty(a);
	size_t cap = 0;
	int ret = -1;
	if (fd_reader_open(a, &r) != ARCHIVE_OK) {
		pare_error_set(err, 0, "'%s' is not an image archive: %s", s->display, archive_error_string(a));
		goto out;
	}
	for (uint32_t ord = 0;; ord++) {
		struct archive_entry *e;
		int h = archive_read_next_header(a, &e);
		if (h == ARCHIVE_EOF)
			break;
		if (h < ARCHIVE_WARN) {
			pare_error_set(err, 0, "'%s' is not a readable image archive: %s", s->display,
				       archive_error_string(a));
			goto out;
		}
		if (s->n_members >= IMAGE_MAX_MEMBERS) {
			pare_error_set(err, 0, "'%s' has more than %d members", s->display, IMAGE_MAX_MEMBERS);
			goto out;
		}
		const char *raw = archive_entry_pathname(e);
		if (!raw)
			raw = archive_entry_pathname_utf8(e);
		char *name = raw ? member_name(raw) : NULL;
		if (!name)
			continue; /* names escaping the archive are never looked up */
		struct src_member m = { .name = name, .size = archive_entry_size(e), .ordinal = ord };
		const char *hl = archive_entry_hardlink(e);
		mode_t t = archive_entry_filetype(e);
		if (hl) {
			m.type = 'h';
			m.link = member_name(hl);
		} else if (t == AE_IFREG) {
			m.type = 'f';
		} else if (t == AE_IFDIR) {
			m.type = 'd';
		} else if (t == AE_IFLNK) {
			m.type = 'l';
			const char *sl = archive_entry_symlink(e);
			m.link = sl ? xstrdup(sl) : NULL;
		} else {
			m.type = 'o';
		}
		s->members = xgrow(s->members, &cap, s->n_members + 1, sizeof(*s->members));
		s->members[s->n_members++] = m;
	}
	/* Later members of the same name replace earlier ones (tar semantics): keep the last. */
	if (s->n_members) /* members is NULL for an empty archive: qsort and bsearch need an array */
		qsort(s->members, s->n_members, sizeof(*s->members), member_cmp);
	size_t o = 0;
	for (size_t i = 0; i < s->n_members; i++) {
		if (o && strcmp(s->members[o - 1].name, s->members[i].name) == 0) {
			struct src_member *prev = &s->members[o - 1];
			if (prev->ordinal < s->members[i].ordinal) {
				free(prev->name);
				free(prev->link);
				*prev = s->members[i];
			} else {
				free(s->members[i].name);
				free(s->members[i].link);
			}
			continue;
		}
		s->members[o++] = s->members[i];
	}
	s->n_members = o;
	ret = 0;
out:
	archive_read_free(a);
	return ret;
}

static struct src_member *find_member(struct image_source *s, const char *name)
{
	struct src_member key = { .name = (char *)name };
	return s->n_members ? bsearch(&key, s->members, s->n_members, sizeof(*s->members), member_cmp) : NULL;
}

/* Follow symlink and hardlink members (docker writes repeated layers as symlinks) to the member
 * that holds the data. */
struct src_member *source_member(struct image_source *s, const char *name)
{
	cleanup_free char *cur = member_name(name);
	for (int hops = 0; cur && hops < 16; hops++) {
		struct src_member *m = find_member(s, cur);
		if (!m || (m->type != 'l' && m->type != 'h'))
			return m;
		if (!m->link)
			return NULL;
		char *next;
		if (m->type == 'h' || m->link[0] == '/') {
			next = member_name(m->link);
		} else {
			const char *slash = strrchr(cur, '/');
			cleanup_free char *j = slash ? xasprintf("%.*s/%s", (int)(slash - cur), cur, m->link)
						     : xstrdup(m->link);
			next = member_name(j);
		}
		free(cur);
		cur = next;
	}
	return NULL;
}

int source_open(const char *input, struct image_source **out, struct pare_error *err)
{
	struct image_source *s = xcalloc(1, sizeof(*s));
	s->fd = -1;
	s->display = xstrdup(strcmp(input, "-") == 0 ? "standard input" : input);
	bool is_stdin = strcmp(input, "-") == 0;
	cleanup_close int fd = is_stdin ? dup(0) : open(input, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		pare_error_errno(err, "opening '%s'", is_stdin ? "standard input" : input);
		goto fail;
	}
	if (is_stdin && isatty(fd)) {
		pare_error_set(err, 0, "standard input is a terminal, not an image archive");
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		s->is_dir = true;
		s->fd = steal_fd(&fd);
		*out = s;
		return 0;
	}
	unsigned char magic[8] = { 0 };
	ssize_t n = 0;
	if (S_ISREG(st.st_mode))
		n = pread(fd, magic, sizeof(magic), 0);
	if (!S_ISREG(st.st_mode) || is_compressed(magic, n > 0 ? (size_t)n : 0)) {
		if (spool(s, fd, !S_ISREG(st.st_mode), err) < 0)
			goto fail;
	} else {
		s->fd = steal_fd(&fd);
		s->file_size = st.st_size;
	}
	if (scan(s, err) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	source_free(s);
	return -1;
}

void source_free(struct image_source *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	if (s->spool_dir) {
		tmp_remove_tree(s->spool_dir, NULL);
		free(s->spool_dir);
	}
	for (size_t i = 0; i < s->n_members; i++) {
		free(s->members[i].name);
		free(s->members[i].link);
	}
	free(s->members);
	free(s->display);
	free(s);
}
