/* image_write: the layer, then the documents, then the output (an archive that is both an OCI
 * layout and a docker-archive, or an OCI layout directory), written under a temporary name next to
 * the output and renamed at the end. An archive file gets its layer written in place, at the offset
 * its data has in the archive, and the rest of the archive around it; only standard output needs
 * the layer spooled to a temporary file first. See doc/IMAGE-OUTPUT.md. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/writer_int.h"
#include "lib/interrupt.h"
#include "lib/path.h"
#include "lib/tmp.h"
#include "lib/xalloc.h"

#define OCI_LAYOUT "{\"imageLayoutVersion\":\"1.0.0\"}"

/* One file of the output besides the layer: name and bytes. */
struct doc {
	char *name;
	char *data;
	size_t len;
};

/* Everything the output holds; the layer is a file descriptor to copy from (or already in place). */
struct output {
	struct doc docs[6]; /* config and manifest blobs, index.json, manifest.json, oci-layout */
	size_t n_docs;
	char *layer_name;
	int layer_fd;
	uint64_t layer_off; /* where the layer's bytes start in layer_fd */
	uint64_t layer_size;
};

static void output_release(struct output *o)
{
	for (size_t i = 0; i < o->n_docs; i++) {
		free(o->docs[i].name);
		free(o->docs[i].data);
	}
	free(o->layer_name);
	if (o->layer_fd >= 0)
		close(o->layer_fd);
	memset(o, 0, sizeof(*o));
	o->layer_fd = -1;
}

static void add_doc(struct output *o, char *name, const json_t *doc)
{
	struct doc *d = &o->docs[o->n_docs++];
	d->name = name;
	d->data = writer_json_dump(doc, &d->len);
}

static void add_raw(struct output *o, const char *name, const char *data)
{
	struct doc *d = &o->docs[o->n_docs++];
	d->name = xstrdup(name);
	d->data = xstrdup(data);
	d->len = strlen(data);
}

/* Paths to remove if a signal ends the process mid-write (see image_write_abort); removed in
 * reverse order, so directories are pushed before what they hold. */
#define ABORT_MAX 8
static char abort_paths[ABORT_MAX][PATH_MAX];
static volatile sig_atomic_t n_abort;

static void abort_push(const char *path)
{
	if (n_abort < ABORT_MAX && strlen(path) < PATH_MAX) {
		snprintf(abort_paths[n_abort], PATH_MAX, "%s", path);
		n_abort = n_abort + 1;
	}
}

void image_write_abort(void)
{
	for (int i = n_abort - 1; i >= 0; i--)
		if (unlink(abort_paths[i]) < 0)
			rmdir(abort_paths[i]);
	n_abort = 0;
}

void image_write_result_release(struct image_write_result *res)
{
	free(res->image_id);
	free(res->manifest_digest);
	free(res->diff_id);
	free(res->tag);
	memset(res, 0, sizeof(*res));
}

/* A temporary name next to `output` (same directory, so rename() is atomic): "DIR/.BASE.pare-XXXXXX". */
static char *temp_template(const char *output)
{
	cleanup_free char *copy = xstrdup(output);
	size_t len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	char *slash = strrchr(copy, '/');
	if (!slash)
		return xasprintf(".%s.pare-XXXXXX", copy);
	*slash = '\0';
	return xasprintf("%s/.%s.pare-XXXXXX", slash == copy ? "" : copy, slash + 1);
}

/* ---- archive output ---- */

static int tar_member(struct archive *a, const char *name, mode_t type, int64_t size, struct pare_error *err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_copy_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_size(e, type == AE_IFDIR ? 0 : size);
	archive_entry_set_mtime(e, 0, 0); /* fixed: the archive must not depend on when it was made */
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	int r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r < ARCHIVE_WARN)
		return pare_error_set(err, archive_errno(a) > 0 ? archive_errno(a) : 0, "writing '%s' to the archive: %s",
				      name, archive_error_string(a));
	return 0;
}

static int tar_data(struct archive *a, const char *name, const void *buf, size_t n, struct pare_error *err)
{
	if (archive_write_data(a, buf, n) != (la_ssize_t)n)
		return pare_error_set(err, archive_errno(a) > 0 ? archive_errno(a) : 0, "writing '%s' to the archive: %s",
				      name, archive_error_string(a));
	return 0;
}

static int tar_copy_fd(struct archive *a, const char *name, int fd, uint64_t off, uint64_t size,
		       struct pare_error *err)
{
	if (lseek(fd, (off_t)off, SEEK_SET) < 0)
		return pare_error_errno(err, "rewinding the layer");
	cleanup_free char *buf = xmalloc(256 * 1024);
	uint64_t done = 0;
	while (done < size) {
		if (pare_interrupt_check(err) < 0)
			return -1;
		ssize_t got = read(fd, buf, 256 * 1024);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return pare_error_errno(err, "reading the layer back");
		if (got == 0)
			return pare_error_set(err, 0, "the layer file shrank while being copied");
		if (tar_data(a, name, buf, (size_t)got, err) < 0)
			return -1;
		done += (uint64_t)got;
	}
	return 0;
}

/* The archive: directories, blobs (layer, config, manifest), then index.json, manifest.json, oci-layout. */
/* The archive's sink. A pipe (-o -) whose reader stops reading would block a write for ever, deaf to
 * SIGINT (pare's handler restarts system calls): on a pipe or socket, wait for room with poll and
 * write at most a page, so that an interrupt is seen within a quarter of a second. */
struct fd_sink {
	int fd;
	bool pollable;
};

static la_ssize_t sink_write(struct archive *a, void *data, const void *buf, size_t n)
{
	struct fd_sink *s = data;
	for (;;) {
		if (pare_interrupt_signal) {
			archive_set_error(a, EINTR, "interrupted");
			return -1;
		}
		if (s->pollable) {
			struct pollfd p = { .fd = s->fd, .events = POLLOUT };
			int r = poll(&p, 1, 250);
			if (r == 0 || (r < 0 && errno == EINTR))
				continue;
			if (n > 4096)
				n = 4096; /* fits once poll saw room in a pipe */
		}
		ssize_t w = write(s->fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			archive_set_error(a, errno, "%s", strerror(errno));
			return -1;
		}
		return w;
	}
}

static int archive_write_all(int fd, const struct output *o, struct pare_error *err)
{
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1);
	int ret = -1;
	struct stat st;
	struct fd_sink sink = { .fd = fd, .pollable = fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) };
	if (archive_write_open2(a, &sink, NULL, sink_write, NULL, NULL) != ARCHIVE_OK) {
		pare_error_set(err, 0, "starting the archive: %s", archive_error_string(a));
		goto out;
	}
	if (tar_member(a, "blobs/", AE_IFDIR, 0, err) < 0 || tar_member(a, "blobs/sha256/", AE_IFDIR, 0, err) < 0)
		goto out;
	if (tar_member(a, o->layer_name, AE_IFREG, (int64_t)o->layer_size, err) < 0 ||
	    tar_copy_fd(a, o->layer_name, o->layer_fd, o->layer_off, o->layer_size, err) < 0)
		goto out;
	for (size_t i = 0; i < o->n_docs; i++)
		if (tar_member(a, o->docs[i].name, AE_IFREG, (int64_t)o->docs[i].len, err) < 0 ||
		    tar_data(a, o->docs[i].name, o->docs[i].data, o->docs[i].len, err) < 0)
			goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		pare_error_set(err, archive_errno(a) > 0 ? archive_errno(a) : 0, "finishing the archive: %s",
			       archive_error_string(a));
		goto out;
	}
	ret = 0;
out:
	archive_write_free(a);
	return ret;
}

/* The directory that will hold the output (and its temporary name) must exist and be writable:
 * found out before the layer is written, not after. */
static int check_parent_dir(const char *output, struct pare_error *err)
{
	cleanup_free char *copy = xstrdup(output);
	size_t len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	char *slash = strrchr(copy, '/');
	const char *dir = ".";
	if (slash) {
		slash[slash == copy ? 1 : 0] = '\0';
		dir = copy;
	}
	struct stat st;
	if (stat(dir, &st) < 0)
		return pare_error_errno(err, "output directory '%s'", dir);
	if (!S_ISDIR(st.st_mode))
		return pare_error_set(err, ENOTDIR, "output directory '%s' is not a directory", dir);
	if (access(dir, W_OK | X_OK) < 0)
		return pare_error_errno(err, "output directory '%s'", dir);
	return 0;
}

/* Refuse to replace the input or a directory. */
static int check_archive_target(const struct image *img, const char *output, struct pare_error *err)
{
	struct stat out_st, in_st;
	if (stat(output, &out_st) < 0)
		return 0;
	if (S_ISDIR(out_st.st_mode))
		return pare_error_set(err, 0, "output '%s' is a directory", output);
	if (img->input && strcmp(img->input, "-") != 0 && stat(img->input, &in_st) == 0 &&
	    in_st.st_dev == out_st.st_dev && in_st.st_ino == out_st.st_ino)
		return pare_error_set(err, 0, "output '%s' is the input image", output);
	return 0;
}

static int write_archive_file(const struct image *img, const char *output, const struct output *o,
			      struct pare_error *err)
{
	if (check_archive_target(img, output, err) < 0) /* again: it may have changed meanwhile */
		return -1;
	cleanup_free char *tmp = temp_template(output);
	cleanup_close int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return pare_error_errno(err, "creating a temporary file next to '%s'", output);
	abort_push(tmp);
	mode_t mask = umask(0);
	umask(mask);
	int ret = -1;
	if (fchmod(fd, 0666 & ~mask) < 0)
		pare_error_errno(err, "setting the mode of '%s'", tmp);
	else if (archive_write_all(fd, o, err) < 0)
		;
	else if (fsync(fd) < 0)
		pare_error_errno(err, "writing '%s'", tmp);
	else if (pare_interrupt_check(err) < 0) /* interrupted: no output at all */
		;
	else if (rename(tmp, output) < 0)
		pare_error_errno(err, "renaming '%s' to '%s'", tmp, output);
	else
		ret = 0;
	if (ret < 0)
		unlink(tmp);
	return ret;
}

/* ---- archive output, the layer in place ---- */

/* Where the layer's data starts in the archive: after the "blobs/" and "blobs/sha256/" entries and
 * its own header, 512 bytes each (its name, "blobs/sha256/" + 64 hex digits, fits a ustar header;
 * only a layer of 8 GiB or more needs a pax size record, and so a longer header). */
#define IN_PLACE_OFF (3 * 512)

/* libarchive's output for an archive whose layer data is already in the file: bytes go to their
 * offset with pwrite, except those of [skip_from, skip_to), the layer, which are left as they are. */
struct around_sink {
	int fd;
	uint64_t off, skip_from, skip_to;
};

static la_ssize_t around_write(struct archive *a, void *data, const void *buf, size_t n)
{
	struct around_sink *s = data;
	const char *p = buf;
	if (pare_interrupt_signal) {
		archive_set_error(a, EINTR, "interrupted");
		return -1;
	}
	size_t left = n;
	while (left > 0) {
		size_t k = left;
		if (s->off >= s->skip_from && s->off < s->skip_to) {
			k = s->skip_to - s->off < k ? (size_t)(s->skip_to - s->off) : k;
		} else {
			if (s->off < s->skip_from && s->skip_from - s->off < k)
				k = (size_t)(s->skip_from - s->off);
			ssize_t w = pwrite(s->fd, p, k, (off_t)s->off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				archive_set_error(a, errno, "%s", strerror(errno));
				return -1;
			}
			k = (size_t)w;
		}
		s->off += k;
		p += k;
		left -= k;
	}
	return (la_ssize_t)n;
}

/* Write the archive around the layer already at IN_PLACE_OFF in `fd`: libarchive writes every header,
 * the padding and the documents, and is handed zeros for the layer's data, which the sink skips.
 * 1 when the layer's header came out longer than its room (a layer of 8 GiB or more): nothing usable
 * was written then, and the caller copies the layer into a new archive instead. */
static int archive_write_around(int fd, const struct output *o, struct pare_error *err)
{
	static const char zeros[64 * 1024];
	struct around_sink sink = { .fd = fd };
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_per_block(a, 0); /* unblocked: the sink sees each write at once */
	int ret = -1;
	if (archive_write_open2(a, &sink, NULL, around_write, NULL, NULL) != ARCHIVE_OK) {
		pare_error_set(err, 0, "starting the archive: %s", archive_error_string(a));
		goto out;
	}
	if (tar_member(a, "blobs/", AE_IFDIR, 0, err) < 0 || tar_member(a, "blobs/sha256/", AE_IFDIR, 0, err) < 0 ||
	    tar_member(a, o->layer_name, AE_IFREG, (int64_t)o->layer_size, err) < 0)
		goto out;
	if (sink.off != IN_PLACE_OFF) {
		ret = 1;
		goto out;
	}
	sink.skip_from = IN_PLACE_OFF;
	sink.skip_to = IN_PLACE_OFF + o->layer_size;
	for (uint64_t left = o->layer_size; left > 0;) {
		size_t k = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);
		if (tar_data(a, o->layer_name, zeros, k, err) < 0)
			goto out;
		left -= k;
	}
	for (size_t i = 0; i < o->n_docs; i++)
		if (tar_member(a, o->docs[i].name, AE_IFREG, (int64_t)o->docs[i].len, err) < 0 ||
		    tar_data(a, o->docs[i].name, o->docs[i].data, o->docs[i].len, err) < 0)
			goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		pare_error_set(err, archive_errno(a) > 0 ? archive_errno(a) : 0, "finishing the archive: %s",
			       archive_error_string(a));
		goto out;
	}
	ret = ftruncate(fd, (off_t)sink.off) < 0 ? pare_error_errno(err, "finishing the archive") : 0;
out:
	if (ret != 0)
		archive_write_fail(a); /* no end-of-archive written on the way out */
	archive_write_free(a);
	return ret;
}

/* The in-place archive at `tmp` (the layer already in it) completed and renamed to `output`
 * (*renamed set), or, for a layer too large for its room, copied into a new archive (`tmp` left). */
static int finish_in_place(const struct image *img, const char *output, const char *tmp, const struct output *o,
			   bool *renamed, struct pare_error *err)
{
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(o->layer_fd, 0666 & ~mask) < 0)
		return pare_error_errno(err, "setting the mode of '%s'", tmp);
	int r = archive_write_around(o->layer_fd, o, err);
	if (r < 0)
		return -1;
	if (r > 0) /* the layer is not where its header ends: copy it into a new archive */
		return write_archive_file(img, output, o, err);
	if (check_archive_target(img, output, err) < 0) /* again: it may have changed meanwhile */
		return -1;
	if (fsync(o->layer_fd) < 0)
		return pare_error_errno(err, "writing '%s'", tmp);
	if (pare_interrupt_check(err) < 0) /* interrupted: no output at all */
		return -1;
	if (rename(tmp, output) < 0)
		return pare_error_errno(err, "renaming '%s' to '%s'", tmp, output);
	*renamed = true;
	return 0;
}

/* ---- OCI directory output ---- */

static int write_file_at(int dirfd, const char *name, const void *data, size_t len, struct pare_error *err)
{
	cleanup_close int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return pare_error_errno(err, "creating '%s'", name);
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return pare_error_errno(err, "writing '%s'", name);
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int check_oci_dir_target(const char *output, struct pare_error *err)
{
	cleanup_dir DIR *d = opendir(output);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		if (errno == ENOTDIR)
			return pare_error_set(err, ENOTDIR, "output '%s' exists and is not a directory", output);
		return pare_error_errno(err, "opening '%s'", output);
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			return pare_error_set(err, ENOTEMPTY, "output directory '%s' exists and is not empty", output);
	return 0;
}

/* Fill the temporary directory, then rename it to `output` (which must not exist, or be empty). */
static int write_oci_dir(const char *tmpdir, const char *output, const char *layer_tmp, const struct output *o,
			 struct pare_error *err)
{
	cleanup_close int dirfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return pare_error_errno(err, "opening '%s'", tmpdir);
	if (renameat(dirfd, layer_tmp, dirfd, o->layer_name) < 0)
		return pare_error_errno(err, "renaming the layer in '%s'", tmpdir);
	for (size_t i = 0; i < o->n_docs; i++)
		if (write_file_at(dirfd, o->docs[i].name, o->docs[i].data, o->docs[i].len, err) < 0)
			return pare_error_prefix(err, "in '%s'", tmpdir);
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(dirfd, 0777 & ~mask) < 0)
		return pare_error_errno(err, "finishing '%s'", tmpdir);
	if (pare_interrupt_check(err) < 0)
		return -1;
	if (rename(tmpdir, output) < 0) {
		if (errno == ENOTEMPTY || errno == EEXIST)
			return pare_error_set(err, errno, "output directory '%s' exists and is not empty", output);
		if (errno == ENOTDIR)
			return pare_error_set(err, errno, "output '%s' exists and is not a directory", output);
		return pare_error_errno(err, "renaming '%s' to '%s'", tmpdir, output);
	}
	return 0;
}

/* ---- the whole ---- */

static int build_docs(struct image *img, const struct image_write_opts *opts, const struct image_tag *tag,
		      const struct writer_layer *layer, struct output *o, struct image_write_result *res)
{
	json_t *cfg = writer_config(opts->config ? opts->config : img->config, layer->diff_id, opts->created_by);
	size_t cfg_len;
	char *cfg_data = writer_json_dump(cfg, &cfg_len);
	json_decref(cfg);
	char cfg_digest[SHA256_DIGEST_STR];
	sha256_buffer(cfg_data, cfg_len, cfg_digest);
	o->docs[o->n_docs++] = (struct doc){ writer_blob_name(cfg_digest), cfg_data, cfg_len };

	json_t *manifest = writer_oci_manifest(cfg_digest, cfg_len, layer, opts->compression);
	size_t mf_len;
	char *mf_data = writer_json_dump(manifest, &mf_len);
	json_decref(manifest);
	char mf_digest[SHA256_DIGEST_STR];
	sha256_buffer(mf_data, mf_len, mf_digest);
	o->docs[o->n_docs++] = (struct doc){ writer_blob_name(mf_digest), mf_data, mf_len };

	json_t *index = writer_oci_index(mf_digest, mf_len, tag);
	add_doc(o, xstrdup("index.json"), index);
	json_decref(index);
	if (opts->format == IMAGE_WRITE_ARCHIVE) {
		json_t *dm = writer_docker_manifest(cfg_digest, layer->digest, tag);
		add_doc(o, xstrdup("manifest.json"), dm);
		json_decref(dm);
	}
	add_raw(o, "oci-layout", OCI_LAYOUT);

	res->image_id = xstrdup(cfg_digest);
	res->manifest_digest = xstrdup(mf_digest);
	res->diff_id = xstrdup(layer->diff_id);
	res->tag = xstrdup(tag->familiar);
	res->layer_size = layer->size;
	res->entries = layer->entries;
	res->content_bytes = layer->content_bytes;
	return 0;
}

int image_write_local(struct image *img, struct layer_index *idx, const struct image_write_opts *opts,
		      struct pare_error *err)
{
	if (!opts->output || !*opts->output)
		return pare_error_set(err, 0, "no output given");
	bool to_stdout = !strcmp(opts->output, "-");
	/* An output that exists and is neither a regular file nor a directory (/dev/null, /dev/stdout, a
	 * FIFO, a terminal) is written to as it is, like standard output: a file renamed over it would
	 * replace it (`-o /dev/null` as root replaced the machine's /dev/null with a regular file). */
	cleanup_close int device_fd = -1;
	struct stat out_st;
	if (!to_stdout && opts->format == IMAGE_WRITE_ARCHIVE && stat(opts->output, &out_st) == 0 &&
	    !S_ISREG(out_st.st_mode) && !S_ISDIR(out_st.st_mode)) {
		device_fd = open(opts->output, O_WRONLY | O_CLOEXEC);
		if (device_fd < 0)
			return pare_error_errno(err, "opening the output '%s'", opts->output);
	}
	if (to_stdout && opts->format != IMAGE_WRITE_ARCHIVE)
		return pare_error_set(err, 0, "an OCI directory cannot be written to standard output");

	if (opts->format == IMAGE_WRITE_OCI_DIR ? check_oci_dir_target(opts->output, err) < 0
	    : !to_stdout && check_archive_target(img, opts->output, err) < 0)
		return -1;
	if (!to_stdout && check_parent_dir(opts->output, err) < 0)
		return -1;

	struct image_tag tag;
	cleanup_free char *default_tag = opts->tag ? NULL : image_tag_default(img, "");
	if (image_tag_parse(opts->tag ? opts->tag : default_tag, &tag, err) < 0)
		return -1;

	struct output o = { .layer_fd = -1 };
	struct image_write_result res = { 0 };
	bool in_place = opts->format == IMAGE_WRITE_ARCHIVE && !to_stdout && device_fd < 0;
	cleanup_free char *out_tmp = NULL; /* in place: the output's temporary name, while it exists */
	cleanup_free char *tmpdir = NULL;  /* stdout: pare's own temp dir; oci-dir: next to the output */
	cleanup_free char *layer_tmp = NULL;
	cleanup_free char *layer_path = NULL; /* before the first goto: its cleanup runs at "out" */
	cleanup_close int content_fd = -1;
	int ret = -1;
	if (opts->format == IMAGE_WRITE_OCI_DIR) {
		tmpdir = temp_template(opts->output);
		if (!mkdtemp(tmpdir)) {
			pare_error_errno(err, "creating a temporary directory next to '%s'", opts->output);
			free(steal_pointer(&tmpdir));
			goto out;
		}
		cleanup_free char *blobs = xasprintf("%s/blobs", tmpdir);
		cleanup_free char *sha = xasprintf("%s/blobs/sha256", tmpdir);
		abort_push(tmpdir);
		abort_push(blobs);
		abort_push(sha);
		if (mkdir(blobs, 0755) < 0 || mkdir(sha, 0755) < 0) {
			pare_error_errno(err, "creating '%s'", sha);
			goto out;
		}
		layer_tmp = xstrdup("blobs/sha256/.layer.tmp");
	} else if (!in_place) {
		if (tmp_dir_create(&tmpdir, err) < 0)
			goto out;
		layer_tmp = xstrdup("layer.tmp");
		cleanup_free char *lock = xasprintf("%s/.pare-lock", tmpdir);
		abort_push(tmpdir);
		abort_push(lock);
	}
	if (in_place) {
		/* The output's temporary file, the layer written at the offset its data has in the archive. */
		if (check_archive_target(img, opts->output, err) < 0)
			goto out;
		out_tmp = temp_template(opts->output);
		o.layer_fd = mkostemp(out_tmp, O_CLOEXEC);
		if (o.layer_fd < 0) {
			pare_error_errno(err, "creating a temporary file next to '%s'", opts->output);
			free(steal_pointer(&out_tmp));
			goto out;
		}
		abort_push(out_tmp);
		o.layer_off = IN_PLACE_OFF;
		if (lseek(o.layer_fd, IN_PLACE_OFF, SEEK_SET) < 0) {
			pare_error_errno(err, "writing '%s'", out_tmp);
			goto out;
		}
	} else {
		layer_path = xasprintf("%s/%s", tmpdir, layer_tmp);
		abort_push(layer_path);
		o.layer_fd = open(layer_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (o.layer_fd < 0) {
			pare_error_errno(err, "creating '%s'", layer_path);
			goto out;
		}
	}
	if (opts->content_dir) {
		content_fd = open(opts->content_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (content_fd < 0) {
			pare_error_errno(err, "opening the unpacked image '%s'", opts->content_dir);
			goto out;
		}
	}
	struct writer_layer layer;
	if (writer_layer_write(img, idx, opts->only_kept, opts->compression, content_fd, opts->overrides,
			       opts->n_overrides, o.layer_fd, &layer, err) < 0)
		goto out;
	o.layer_name = writer_blob_name(layer.digest);
	o.layer_size = layer.size;
	build_docs(img, opts, &tag, &layer, &o, &res);

	if (opts->format == IMAGE_WRITE_OCI_DIR) {
		ret = write_oci_dir(tmpdir, opts->output, layer_tmp, &o, err);
		if (ret == 0)
			free(steal_pointer(&tmpdir)); /* it is the output now */
	} else if (to_stdout || device_fd >= 0) {
		ret = archive_write_all(to_stdout ? STDOUT_FILENO : device_fd, &o, err);
	} else {
		bool renamed = false;
		ret = finish_in_place(img, opts->output, out_tmp, &o, &renamed, err);
		if (renamed)
			free(steal_pointer(&out_tmp)); /* it is the output now */
	}
out:
	if (out_tmp)
		unlink(out_tmp);
	if (tmpdir)
		tmp_remove_tree(tmpdir, NULL);
	n_abort = 0;
	output_release(&o);
	image_tag_release(&tag);
	if (ret == 0 && opts->result)
		*opts->result = res;
	else
		image_write_result_release(&res);
	return ret;
}
