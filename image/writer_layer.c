/* Writing the one layer: the index's final filesystem as a tar, with original metadata.
 *
 * Order (stable, so the output is byte-identical for the same input):
 *  1. every directory, symlink, device, fifo, and empty regular file, in path order (parents first);
 *  2. the content of regular files, in source order (layer, then entry within it): each tar entry
 *     that holds the content of a written path is copied under the first written path of its
 *     hardlink group, by streaming the source layers once, or read from the unpacked tree
 *     (writer_tree.c) when the caller has one that holds every such file;
 *  3. the other paths of each hardlink group, in path order, as hardlinks to that first path.
 * A path given new content (image_write_override) is written in phase 1 with that content and the
 * entry's metadata, outside any hardlink group.
 * The uncompressed tar is hashed (diff_id) on its way to the compressor, the blob after it. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "image/writer_int.h"
#include "lib/interrupt.h"
#include "lib/path.h"
#include "lib/xalloc.h"

#define COPY_BUF (128 * 1024)

struct lw {
	struct archive *tar;  /* pax writer; its output goes through tar_out() */
	struct archive *comp; /* raw writer with a compression filter, or NULL */
	struct sha256 diff, blob;
	int fd;
	uint64_t blob_bytes;
	int write_errno; /* from the output fd */
	char comp_err[256];
};

static int write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static la_ssize_t comp_out(struct archive *a, void *data, const void *buf, size_t n)
{
	struct lw *lw = data;
	sha256_update(&lw->blob, buf, n);
	if (write_full(lw->fd, buf, n) < 0) {
		lw->write_errno = errno;
		archive_set_error(a, errno, "writing the layer: %s", strerror(errno));
		return -1;
	}
	lw->blob_bytes += n;
	return (la_ssize_t)n;
}

static la_ssize_t tar_out(struct archive *a, void *data, const void *buf, size_t n)
{
	struct lw *lw = data;
	sha256_update(&lw->diff, buf, n);
	if (!lw->comp)
		return comp_out(a, data, buf, n);
	if (archive_write_data(lw->comp, buf, n) != (la_ssize_t)n) {
		snprintf(lw->comp_err, sizeof(lw->comp_err), "%s", archive_error_string(lw->comp) ?: "failed");
		archive_set_error(a, EIO, "compressing the layer: %s", lw->comp_err);
		return -1;
	}
	return (la_ssize_t)n;
}

static int tar_error(struct lw *lw, struct pare_error *err, const char *what)
{
	if (lw->write_errno)
		return pare_error_set(err, lw->write_errno, "writing the layer: %s", strerror(lw->write_errno));
	return pare_error_set(err, 0, "%s: %s", what, archive_error_string(lw->tar) ?: "libarchive error");
}

static int lw_open(struct lw *lw, enum image_compression comp, int fd, struct pare_error *err)
{
	memset(lw, 0, sizeof(*lw));
	lw->fd = fd;
	sha256_init(&lw->diff);
	sha256_init(&lw->blob);
	if (comp != IMAGE_COMP_NONE) {
		lw->comp = archive_write_new();
		archive_write_set_format_raw(lw->comp);
		int r = comp == IMAGE_COMP_GZIP ? archive_write_add_filter_gzip(lw->comp)
						: archive_write_add_filter_zstd(lw->comp);
		if (r != ARCHIVE_OK)
			return pare_error_set(err, 0, "layer compression: %s", archive_error_string(lw->comp));
		/* No name and no time in the gzip header: the output must not depend on the clock. */
		if (comp == IMAGE_COMP_GZIP)
			archive_write_set_filter_option(lw->comp, "gzip", "timestamp", NULL);
		archive_write_set_bytes_in_last_block(lw->comp, 1);
		if (archive_write_open2(lw->comp, lw, NULL, comp_out, NULL, NULL) != ARCHIVE_OK)
			return pare_error_set(err, 0, "layer compression: %s", archive_error_string(lw->comp));
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, "layer.tar");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		r = archive_write_header(lw->comp, e);
		archive_entry_free(e);
		if (r != ARCHIVE_OK)
			return pare_error_set(err, 0, "layer compression: %s", archive_error_string(lw->comp));
	}
	lw->tar = archive_write_new();
	archive_write_set_format_pax_restricted(lw->tar);
	/* Only SCHILY.xattr.* records: what Go's archive/tar (docker, umoci, containers/storage) reads. */
	archive_write_set_format_option(lw->tar, "pax", "xattrheader", "SCHILY");
	archive_write_set_bytes_in_last_block(lw->tar, 1);
	if (archive_write_open2(lw->tar, lw, NULL, tar_out, NULL, NULL) != ARCHIVE_OK)
		return tar_error(lw, err, "starting the layer");
	return 0;
}

static int lw_close(struct lw *lw, struct writer_layer *out, struct pare_error *err)
{
	if (archive_write_close(lw->tar) != ARCHIVE_OK)
		return tar_error(lw, err, "finishing the layer");
	if (lw->comp && archive_write_close(lw->comp) != ARCHIVE_OK) {
		if (lw->write_errno)
			return pare_error_set(err, lw->write_errno, "writing the layer: %s", strerror(lw->write_errno));
		return pare_error_set(err, 0, "compressing the layer: %s", archive_error_string(lw->comp));
	}
	sha256_final(&lw->diff, out->diff_id);
	if (lw->comp)
		sha256_final(&lw->blob, out->digest);
	else
		memcpy(out->digest, out->diff_id, sizeof(out->digest));
	out->size = lw->blob_bytes;
	return 0;
}

static void lw_release(struct lw *lw)
{
	if (lw->tar)
		archive_write_free(lw->tar);
	if (lw->comp)
		archive_write_free(lw->comp);
	sha256_release(&lw->diff);
	sha256_release(&lw->blob);
	lw->tar = lw->comp = NULL;
}

/* Tar member name of an index path: relative, directories with a trailing '/', the root "./". */
static char *member_name(const struct fs_entry *fe)
{
	if (!strcmp(fe->path, "/"))
		return xstrdup("./");
	return xasprintf("%s%s", fe->path + 1, S_ISDIR(fe->mode) ? "/" : "");
}

static struct archive_entry *entry_new(const struct fs_entry *fe)
{
	struct archive_entry *e = archive_entry_new();
	cleanup_free char *name = member_name(fe);
	archive_entry_copy_pathname(e, name);
	archive_entry_set_mode(e, fe->mode);
	archive_entry_set_uid(e, fe->uid);
	archive_entry_set_gid(e, fe->gid);
	if (fe->uname)
		archive_entry_copy_uname(e, fe->uname);
	if (fe->gname)
		archive_entry_copy_gname(e, fe->gname);
	archive_entry_set_mtime(e, fe->mtime, 0); /* whole seconds, as docker writes layers */
	if (S_ISLNK(fe->mode))
		archive_entry_copy_symlink(e, fe->link_target ? fe->link_target : "");
	if (S_ISCHR(fe->mode) || S_ISBLK(fe->mode)) {
		archive_entry_set_rdevmajor(e, major(fe->rdev));
		archive_entry_set_rdevminor(e, minor(fe->rdev));
	}
	for (size_t i = 0; i < fe->n_xattrs; i++)
		archive_entry_xattr_add_entry(e, fe->xattrs[i].name, fe->xattrs[i].value, fe->xattrs[i].size);
	archive_entry_set_size(e, S_ISREG(fe->mode) ? fe->size : 0);
	return e;
}

static int write_header(struct lw *lw, struct archive_entry *e, const struct fs_entry *fe, struct pare_error *err)
{
	int r = archive_write_header(lw->tar, e);
	archive_entry_free(e);
	if (r < ARCHIVE_WARN) {
		tar_error(lw, err, "writing the layer");
		return pare_error_prefix(err, "'%s'", fe->path);
	}
	return 0;
}

/* A regular file's content place; entries sharing it are one hardlink group. */
struct content {
	uint32_t layer, ordinal;
	size_t idx; /* position in the index (path order) */
};

static int content_cmp(const void *a, const void *b)
{
	const struct content *x = a, *y = b;
	if (x->layer != y->layer)
		return x->layer < y->layer ? -1 : 1;
	if (x->ordinal != y->ordinal)
		return x->ordinal < y->ordinal ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool same_content(const struct content *a, const struct content *b)
{
	return a->layer == b->layer && a->ordinal == b->ordinal;
}

struct entry_pos {
	const struct fs_entry *fe;
	size_t i;
};

static int entry_pos_cmp(const void *a, const void *b)
{
	const struct entry_pos *x = a, *y = b;
	return x->fe < y->fe ? -1 : x->fe > y->fe;
}

/* Which entries to write: all, or the kept ones plus the root and every directory above a kept
 * entry (the minifier marks those too; this does not rely on it, and leaves the marks alone). */
static bool *select_entries(struct layer_index *idx, bool only_kept)
{
	size_t n = layer_index_count(idx);
	bool *sel = xcalloc(n ? n : 1, sizeof(bool));
	for (size_t i = 0; i < n; i++) {
		const struct fs_entry *fe = layer_index_at(idx, i);
		sel[i] = !only_kept || fe->keep || !strcmp(fe->path, "/");
	}
	if (!only_kept)
		return sel;
	/* Positions of entries, to turn a lookup's result into an index into sel. */
	cleanup_free struct entry_pos *pos = xcalloc(n ? n : 1, sizeof(*pos));
	for (size_t i = 0; i < n; i++)
		pos[i] = (struct entry_pos){ layer_index_at(idx, i), i };
	qsort(pos, n, sizeof(*pos), entry_pos_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct fs_entry *fe = layer_index_at(idx, i);
		if (!fe->keep)
			continue;
		cleanup_free char *dir = path_dirname(fe->path);
		for (;;) {
			struct entry_pos key = { layer_index_lookup(idx, dir), 0 };
			struct entry_pos *p = key.fe ? bsearch(&key, pos, n, sizeof(*pos), entry_pos_cmp) : NULL;
			if (!p || sel[p->i])
				break; /* a selected directory's own parents are (or will be) selected in its turn */
			sel[p->i] = true;
			if (!strcmp(dir, "/"))
				break;
			char *up = path_dirname(dir);
			free(dir);
			dir = up;
		}
	}
	return sel;
}

/* Copy the current source entry's content into the tar under `fe`'s name. */
static int copy_content(struct lw *lw, struct layer_reader *r, const struct fs_entry *fe,
			struct archive_entry *src, char *buf, struct pare_error *err)
{
	if (archive_entry_size_is_set(src) && archive_entry_size(src) != fe->size)
		return pare_error_set(err, 0, "'%s': the layer entry holds %lld bytes, the index %lld", fe->path,
				      (long long)archive_entry_size(src), (long long)fe->size);
	if (write_header(lw, entry_new(fe), fe, err) < 0)
		return -1;
	int64_t done = 0;
	for (;;) {
		ssize_t got = layer_reader_read(r, buf, COPY_BUF, err);
		if (got < 0)
			return pare_error_prefix(err, "reading '%s'", fe->path);
		if (got == 0)
			break;
		if (done + got > fe->size)
			return pare_error_set(err, 0, "'%s': more content than its size %lld", fe->path,
					      (long long)fe->size);
		if (archive_write_data(lw->tar, buf, (size_t)got) != got) {
			tar_error(lw, err, "writing the layer");
			return pare_error_prefix(err, "'%s'", fe->path);
		}
		done += got;
	}
	if (done != fe->size)
		return pare_error_set(err, 0, "'%s': %lld bytes of content, expected %lld", fe->path, (long long)done,
				      (long long)fe->size);
	return 0;
}

/* Phase 2 from an unpacked tree: the same entries in the same order, read from files. */
static int write_contents_tree(struct lw *lw, int rootfd, struct layer_index *idx, const struct content *leaders,
			       size_t n_leaders, uint64_t *bytes, struct pare_error *err)
{
	cleanup_free char *buf = xmalloc(COPY_BUF);
	for (size_t k = 0; k < n_leaders; k++) {
		if (pare_interrupt_check(err) < 0)
			return -1;
		const struct fs_entry *fe = layer_index_at(idx, leaders[k].idx);
		cleanup_close int fd = writer_tree_open(rootfd, fe, false);
		if (fd < 0)
			return pare_error_errno(err, "'%s' in the unpacked image changed while being written", fe->path);
		if (write_header(lw, entry_new(fe), fe, err) < 0)
			return -1;
		int64_t done = 0;
		while (done < fe->size) {
			ssize_t got = read(fd, buf, COPY_BUF);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0)
				return pare_error_errno(err, "reading '%s' from the unpacked image", fe->path);
			if (got == 0 || done + got > fe->size)
				return pare_error_set(err, 0, "'%s' in the unpacked image changed while being written", fe->path);
			if (archive_write_data(lw->tar, buf, (size_t)got) != got) {
				tar_error(lw, err, "writing the layer");
				return pare_error_prefix(err, "'%s'", fe->path);
			}
			done += got;
		}
		*bytes += (uint64_t)fe->size;
	}
	return 0;
}

/* Whether the tree holds every leader's content (opened without following symlinks, the size right). */
static bool tree_has_all(int rootfd, struct layer_index *idx, const struct content *leaders, size_t n_leaders)
{
	if (rootfd < 0)
		return false;
	for (size_t k = 0; k < n_leaders; k++) {
		const struct fs_entry *fe = layer_index_at(idx, leaders[k].idx);
		int fd = writer_tree_open(rootfd, fe, true);
		if (fd < 0) {
			pare_debug("pare: '%s' is not as indexed in the unpacked image (%s): streaming the layers\n", fe->path,
				   strerror(errno));
			return false;
		}
		close(fd);
	}
	return true;
}

/* Phase 2: one pass over each source layer that holds content to write. `leaders` are the first
 * written path of each group with content, sorted by (layer, ordinal). */
static int write_contents(struct lw *lw, struct image *img, struct layer_index *idx, const struct content *leaders,
			  size_t n_leaders, uint64_t *bytes, struct pare_error *err)
{
	cleanup_free char *buf = xmalloc(COPY_BUF);
	size_t next = 0;
	while (next < n_leaders) {
		uint32_t layer = leaders[next].layer;
		if (layer >= img->n_layers)
			return pare_error_set(err, 0, "'%s': content in layer %u, the image has %zu",
					      layer_index_at(idx, leaders[next].idx)->path, layer + 1, img->n_layers);
		struct layer_reader *r = NULL;
		if (layer_reader_open(img, layer, &r, err) < 0)
			return pare_error_prefix(err, "layer %u", layer + 1);
		uint32_t ordinal = 0;
		int ret = 0;
		for (;;) {
			struct archive_entry *e = NULL;
			int got = layer_reader_next(r, &e, err);
			if (got < 0) {
				ret = pare_error_prefix(err, "layer %u", layer + 1);
				break;
			}
			if (got == 0)
				break;
			if (next < n_leaders && leaders[next].layer == layer && leaders[next].ordinal == ordinal) {
				const struct fs_entry *fe = layer_index_at(idx, leaders[next].idx);
				if (copy_content(lw, r, fe, e, buf, err) < 0) {
					ret = -1;
					break;
				}
				*bytes += (uint64_t)fe->size;
				next++;
			}
			ordinal++;
		}
		layer_reader_free(r);
		if (ret < 0)
			return -1;
		if (next < n_leaders && leaders[next].layer == layer)
			return pare_error_set(err, 0, "'%s': its content (entry %u of layer %u) was not found",
					      layer_index_at(idx, leaders[next].idx)->path, leaders[next].ordinal, layer + 1);
	}
	return 0;
}

static int override_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct image_write_override *)elem)->path);
}

/* Per index entry, its override or NULL; an override of a missing, unwritten or non-regular entry
 * is an error (the caller meant to write it). */
static const struct image_write_override **find_overrides(struct layer_index *idx, const bool *sel,
							   const struct image_write_override *ov, size_t n_ov,
							   struct pare_error *err)
{
	size_t n = layer_index_count(idx), found = 0;
	const struct image_write_override **of = xcalloc(n ? n : 1, sizeof(*of));
	for (size_t i = 0; i < n && n_ov; i++) {
		const struct fs_entry *fe = layer_index_at(idx, i);
		of[i] = bsearch(fe->path, ov, n_ov, sizeof(*ov), override_cmp);
		if (!of[i])
			continue;
		if (!sel[i] || !S_ISREG(fe->mode)) {
			free(of);
			return pare_error_set(err, 0, "'%s': new content for an entry that is not a written file", fe->path),
			       NULL;
		}
		found++;
	}
	if (found != n_ov) {
		free(of);
		return pare_error_set(err, 0, "new content for %zu path(s) not in the image", n_ov - found), NULL;
	}
	return of;
}

static int write_override(struct lw *lw, const struct fs_entry *fe, const struct image_write_override *ov,
			  struct pare_error *err)
{
	struct archive_entry *e = entry_new(fe);
	archive_entry_set_size(e, (la_int64_t)ov->size);
	if (write_header(lw, e, fe, err) < 0)
		return -1;
	if (ov->size && archive_write_data(lw->tar, ov->data, ov->size) != (la_ssize_t)ov->size) {
		tar_error(lw, err, "writing the layer");
		return pare_error_prefix(err, "'%s'", fe->path);
	}
	return 0;
}

int writer_layer_write(struct image *img, struct layer_index *idx, bool only_kept, enum image_compression comp,
		       int content_dirfd, const struct image_write_override *ov, size_t n_ov, int fd,
		       struct writer_layer *out, struct pare_error *err)
{
	memset(out, 0, sizeof(*out));
	size_t n = layer_index_count(idx);
	cleanup_free bool *sel = select_entries(idx, only_kept);
	cleanup_free const struct image_write_override **ov_of = find_overrides(idx, sel, ov, n_ov, err);
	if (!ov_of)
		return -1;

	/* Group regular files by content; the first path (in path order) of each group is its leader. */
	cleanup_free struct content *regs = xcalloc(n ? n : 1, sizeof(*regs));
	size_t n_regs = 0;
	for (size_t i = 0; i < n; i++) {
		struct fs_entry *fe = layer_index_at(idx, i);
		if (sel[i] && S_ISREG(fe->mode) && !ov_of[i])
			regs[n_regs++] = (struct content){ fe->layer, fe->ordinal, i };
	}
	qsort(regs, n_regs, sizeof(*regs), content_cmp);
	cleanup_free size_t *leader_of = xcalloc(n ? n : 1, sizeof(size_t)); /* index -> its leader's index */
	cleanup_free struct content *leaders = xcalloc(n_regs ? n_regs : 1, sizeof(*leaders));
	size_t n_leaders = 0;
	for (size_t k = 0; k < n_regs; k++) {
		bool first = k == 0 || !same_content(&regs[k - 1], &regs[k]);
		size_t lead = first ? regs[k].idx : leader_of[regs[k - 1].idx];
		leader_of[regs[k].idx] = lead;
		if (first && layer_index_at(idx, lead)->size > 0)
			leaders[n_leaders++] = regs[k];
	}

	struct lw lw;
	int ret = lw_open(&lw, comp, fd, err);
	if (ret < 0)
		goto out;
	/* 1: everything without content, in path order. */
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct fs_entry *fe = layer_index_at(idx, i);
		if (sel[i] && ov_of[i]) {
			ret = write_override(&lw, fe, ov_of[i], err);
			out->entries++;
			out->content_bytes += ov_of[i]->size;
			continue;
		}
		if (!sel[i] || (S_ISREG(fe->mode) && (fe->size > 0 || leader_of[i] != i)))
			continue;
		ret = write_header(&lw, entry_new(fe), fe, err);
		out->entries++;
	}
	/* 2: contents, in source order. */
	if (ret == 0 && tree_has_all(content_dirfd, idx, leaders, n_leaders))
		ret = write_contents_tree(&lw, content_dirfd, idx, leaders, n_leaders, &out->content_bytes, err);
	else if (ret == 0)
		ret = write_contents(&lw, img, idx, leaders, n_leaders, &out->content_bytes, err);
	out->entries += n_leaders;
	/* 3: the other paths of each group, in path order. */
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct fs_entry *fe = layer_index_at(idx, i);
		if (!sel[i] || !S_ISREG(fe->mode) || ov_of[i] || leader_of[i] == i)
			continue;
		struct archive_entry *e = entry_new(fe);
		cleanup_free char *target = member_name(layer_index_at(idx, leader_of[i]));
		archive_entry_copy_hardlink(e, target);
		archive_entry_set_size(e, 0);
		ret = write_header(&lw, e, fe, err);
		out->entries++;
	}
	if (ret == 0)
		ret = lw_close(&lw, out, err);
	lw_release(&lw);
out:
	return ret;
}
