/* Unpack a layer index into an empty directory, safely.
 * Every parent directory is opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV)
 * and every entry is created by its single-component name with O_EXCL/O_NOFOLLOW-style calls, so no
 * entry can create or follow anything outside the directory, whatever the layers contain.
 * Three passes: (1) directories, symlinks, fifos in index order; (2) regular files streamed layer by
 * layer in (layer, ordinal) order, hardlinks linked to the first path of their content; (3) directory
 * metadata, children before parents (a 0555 directory must not block its own unpacking).
 * Staged variant (rt_unpack_staged): the files' content was already written, while the index was
 * built, into a private staging directory under names made of numbers ("LAYER-ORDINAL", by
 * rt_stage_content); pass 2 then renames each into place instead of reading the layers again, so
 * a first unpack reads every layer once, as tar does. */
#include "runtime/internal.h"

#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib/path.h"
#include "lib/xalloc.h"

#define COPY_BUF (1024 * 1024)

struct unpacker {
	struct image *img;
	const struct layer_index *idx;
	int rootfd;
	bool root;          /* running as root: owners and privileged xattrs restored */
	char *parent_path;  /* cache of the last parent directory opened */
	int parent_fd;
	size_t skipped_devices, skipped_other;
	char *buf;
};

static int open_strict(int rootfd, const char *path)
{
	return rt_openat2(rootfd, path, O_PATH | O_DIRECTORY, 0,
			  RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
}

/* An O_PATH fd of directory `dir` (normalised) inside the root, creating missing components (0755,
 * as a tar extractor does for parents a layer did not list). Cached; do not close. -1 with errno. */
static int parent_fd(struct unpacker *u, const char *dir)
{
	if (u->parent_path && !strcmp(u->parent_path, dir))
		return u->parent_fd;
	free(u->parent_path);
	u->parent_path = NULL;
	if (u->parent_fd >= 0)
		close(u->parent_fd);
	u->parent_fd = open_strict(u->rootfd, dir);
	if (u->parent_fd < 0 && errno == ENOENT && strcmp(dir, "/") != 0) {
		cleanup_free char *pp = path_dirname(dir);
		int pfd = parent_fd(u, pp);
		if (pfd < 0)
			return -1;
		if (mkdirat(pfd, path_basename(dir), 0755) < 0 && errno != EEXIST)
			return -1;
		u->parent_fd = open_strict(u->rootfd, dir);
	}
	if (u->parent_fd < 0)
		return -1;
	u->parent_path = xstrdup(dir);
	return u->parent_fd;
}

static bool skip_xattr(const char *name)
{
	/* overlayfs's own attributes would change how our overlay reads the tree. */
	return !strncmp(name, "trusted.overlay.", 16) || !strncmp(name, "user.overlay.", 13);
}

/* Owner, mode, xattrs (security.capability last: chown clears it), times, on an open fd. */
static int restore_meta_fd(struct unpacker *u, int fd, const struct fs_entry *e, struct pare_error *err)
{
	if (u->root && fchown(fd, e->uid, e->gid) < 0)
		return pare_error_errno(err, "setting the owner of '%s'", e->path);
	if (fchmod(fd, e->mode & 07777) < 0)
		return pare_error_errno(err, "setting the mode of '%s'", e->path);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < e->n_xattrs; i++) {
			const struct fs_xattr *x = &e->xattrs[i];
			bool cap = !strcmp(x->name, "security.capability");
			if ((pass == 1) != cap || skip_xattr(x->name))
				continue;
			if (!u->root && strncmp(x->name, "user.", 5) != 0)
				continue;
			if (fsetxattr(fd, x->name, x->value, x->size, 0) < 0) {
				if (cap && u->root)
					return pare_error_errno(err, "restoring the file capabilities of '%s'", e->path);
				pare_debug("pare: not restoring xattr '%s' of '%s': %s\n", x->name, e->path, strerror(errno));
			}
		}
	}
	struct timespec ts[2] = { { e->mtime, e->mtime_nsec }, { e->mtime, e->mtime_nsec } };
	futimens(fd, ts);
	return 0;
}

/* Symlinks and fifos: by name under their parent, never following. */
static int restore_meta_at(struct unpacker *u, int pfd, const char *name, const struct fs_entry *e,
			   struct pare_error *err)
{
	if (u->root && fchownat(pfd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return pare_error_errno(err, "setting the owner of '%s'", e->path);
	if (S_ISFIFO(e->mode) && fchmodat(pfd, name, e->mode & 07777, 0) < 0)
		return pare_error_errno(err, "setting the mode of '%s'", e->path);
	struct timespec ts[2] = { { e->mtime, e->mtime_nsec }, { e->mtime, e->mtime_nsec } };
	utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

/* Pass 1 for one entry. */
static int create_entry(struct unpacker *u, const struct fs_entry *e, struct pare_error *err)
{
	if (!strcmp(e->path, "/"))
		return 0;
	if (S_ISCHR(e->mode) || S_ISBLK(e->mode)) {
		u->skipped_devices++;
		return 0;
	}
	if (S_ISREG(e->mode))
		return 0; /* pass 2 */
	cleanup_free char *dir = path_dirname(e->path);
	const char *name = path_basename(e->path);
	int pfd = parent_fd(u, dir);
	if (pfd < 0) {
		if (errno == ELOOP || errno == ENOTDIR || errno == EXDEV) {
			/* Below a symlink or a non-directory: unreachable in the final filesystem. */
			pare_debug("pare: skipping '%s': its parent is not a directory\n", e->path);
			u->skipped_other++;
			return 0;
		}
		return pare_error_errno(err, "opening the parent of '%s'", e->path);
	}
	if (S_ISDIR(e->mode)) {
		if (mkdirat(pfd, name, 0700) < 0 && errno != EEXIST)
			return pare_error_errno(err, "creating directory '%s'", e->path);
		return 0; /* metadata in pass 3 */
	}
	if (S_ISLNK(e->mode)) {
		if (symlinkat(e->link_target ? e->link_target : "", pfd, name) < 0)
			return pare_error_errno(err, "creating symlink '%s'", e->path);
	} else if (S_ISFIFO(e->mode)) {
		if (mknodat(pfd, name, S_IFIFO | 0600, 0) < 0)
			return pare_error_errno(err, "creating fifo '%s'", e->path);
	} else {
		pare_debug("pare: skipping '%s': unsupported file type\n", e->path);
		u->skipped_other++;
		return 0;
	}
	return restore_meta_at(u, pfd, name, e, err);
}

static int cmp_content(const void *a, const void *b)
{
	const struct fs_entry *x = *(const struct fs_entry *const *)a, *y = *(const struct fs_entry *const *)b;
	if (x->layer != y->layer)
		return x->layer < y->layer ? -1 : 1;
	if (x->ordinal != y->ordinal)
		return x->ordinal < y->ordinal ? -1 : 1;
	return strcmp(x->path, y->path);
}

void rt_stage_name(char buf[RT_STAGE_NAME_MAX], uint32_t layer, uint32_t ordinal)
{
	snprintf(buf, RT_STAGE_NAME_MAX, "%u-%u", (unsigned)layer, (unsigned)ordinal);
}

int rt_stage_content(void *ctx, uint32_t layer, uint32_t ordinal, int64_t size, struct layer_reader *r,
		     struct pare_error *err)
{
	struct rt_stage *st = ctx;
	(void)size;
	char name[RT_STAGE_NAME_MAX];
	rt_stage_name(name, layer, ordinal);
	if (!st->buf)
		st->buf = xmalloc(COPY_BUF);
	cleanup_close int fd = openat(st->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return pare_error_errno(err, "staging entry %u of layer %u", (unsigned)ordinal, (unsigned)layer + 1);
	for (;;) {
		ssize_t got = layer_reader_read(r, st->buf, COPY_BUF, err);
		if (got < 0)
			return -1;
		if (got == 0)
			return 0;
		for (ssize_t off = 0; off < got;) {
			ssize_t w = write(fd, st->buf + off, (size_t)(got - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return pare_error_errno(err, "staging entry %u of layer %u", (unsigned)ordinal, (unsigned)layer + 1);
			off += w;
		}
	}
}

/* A staged file's owner, mode, xattrs, times, by its name in the staging directory (ours). */
static int restore_meta_staged(struct unpacker *u, int stagefd, const char *sname, const struct fs_entry *e,
			       struct pare_error *err)
{
	if (e->n_xattrs) { /* xattrs need an fd */
		cleanup_close int fd = openat(stagefd, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			return restore_meta_fd(u, fd, e, err);
	} else if ((!u->root || fchownat(stagefd, sname, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) == 0) &&
		   fchmodat(stagefd, sname, e->mode & 07777, 0) == 0) {
		struct timespec ts[2] = { { e->mtime, e->mtime_nsec }, { e->mtime, e->mtime_nsec } };
		utimensat(stagefd, sname, ts, AT_SYMLINK_NOFOLLOW);
		return 0;
	}
	if (errno == ENOENT)
		return pare_error_set(err, 0, "'%s' is missing from its layer", e->path);
	return pare_error_errno(err, "setting the owner and mode of '%s'", e->path);
}

/* Pass 2 from the staging directory, one content: files[0] gets the staged file (its metadata set,
 * then renamed into place, never over an existing name), the others are hardlinked to it. An
 * empty file was not staged: it is created. */
static int place_content(struct unpacker *u, int stagefd, struct fs_entry **files, size_t n, struct pare_error *err)
{
	const struct fs_entry *first = NULL;
	cleanup_free char *first_dir = NULL;
	char sname[RT_STAGE_NAME_MAX];
	rt_stage_name(sname, files[0]->layer, files[0]->ordinal);
	for (size_t i = 0; i < n; i++) {
		const struct fs_entry *e = files[i];
		cleanup_free char *dir = path_dirname(e->path);
		int pfd = parent_fd(u, dir);
		if (pfd < 0) {
			if (errno == ELOOP || errno == ENOTDIR || errno == EXDEV) {
				u->skipped_other++;
				continue;
			}
			return pare_error_errno(err, "opening the parent of '%s'", e->path);
		}
		const char *name = path_basename(e->path);
		if (first) {
			cleanup_close int fpfd = open_strict(u->rootfd, first_dir);
			if (fpfd < 0 || linkat(fpfd, path_basename(first->path), pfd, name, 0) < 0)
				return pare_error_errno(err, "linking '%s' to '%s'", e->path, first->path);
			continue;
		}
		if (e->size == 0) {
			cleanup_close int fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd < 0)
				return pare_error_errno(err, "creating '%s'", e->path);
			if (restore_meta_fd(u, fd, e, err) < 0)
				return -1;
		} else {
			if (restore_meta_staged(u, stagefd, sname, e, err) < 0)
				return -1;
			if (renameat2(stagefd, sname, pfd, name, RENAME_NOREPLACE) < 0)
				return pare_error_errno(err, "creating '%s'", e->path);
		}
		first = e;
		first_dir = steal_pointer(&dir);
	}
	return 0;
}

/* Pass 2, one content: create files[0] with the reader's current data, hardlink the others. */
static int write_content(struct unpacker *u, struct layer_reader *r, struct fs_entry **files, size_t n,
			 struct pare_error *err)
{
	const struct fs_entry *first = NULL;
	cleanup_free char *first_dir = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct fs_entry *e = files[i];
		cleanup_free char *dir = path_dirname(e->path);
		int pfd = parent_fd(u, dir);
		if (pfd < 0) {
			if (errno == ELOOP || errno == ENOTDIR || errno == EXDEV) {
				u->skipped_other++;
				continue;
			}
			return pare_error_errno(err, "opening the parent of '%s'", e->path);
		}
		const char *name = path_basename(e->path);
		if (first) {
			/* first's parent may no longer be the cached one: reopen it. */
			cleanup_close int fpfd = open_strict(u->rootfd, first_dir);
			if (fpfd < 0 || linkat(fpfd, path_basename(first->path), pfd, name, 0) < 0)
				return pare_error_errno(err, "linking '%s' to '%s'", e->path, first->path);
			continue;
		}
		cleanup_close int fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return pare_error_errno(err, "creating '%s'", e->path);
		for (;;) {
			ssize_t got = layer_reader_read(r, u->buf, COPY_BUF, err);
			if (got < 0)
				return pare_error_prefix(err, "reading '%s'", e->path);
			if (got == 0)
				break;
			for (ssize_t off = 0; off < got;) {
				ssize_t w = write(fd, u->buf + off, (size_t)(got - off));
				if (w < 0 && errno == EINTR)
					continue;
				if (w < 0)
					return pare_error_errno(err, "writing '%s'", e->path);
				off += w;
			}
		}
		if (restore_meta_fd(u, fd, e, err) < 0)
			return -1;
		first = e;
		first_dir = steal_pointer(&dir);
	}
	return 0;
}

static int unpack_layer(struct unpacker *u, size_t layer, struct fs_entry **files, size_t n, struct pare_error *err)
{
	struct layer_reader *r = NULL;
	if (layer_reader_open(u->img, layer, &r, err) < 0)
		return -1;
	size_t i = 0;
	uint32_t ordinal = 0;
	int ret = 0;
	for (;; ordinal++) {
		struct archive_entry *ae;
		int got = layer_reader_next(r, &ae, err);
		if (got < 0) {
			ret = -1;
			break;
		}
		if (got == 0)
			break; /* read to the end: the layer's digest is verified */
		size_t j = i;
		while (j < n && files[j]->ordinal == ordinal)
			j++;
		if (j > i && write_content(u, r, files + i, j - i, err) < 0) {
			ret = -1;
			break;
		}
		i = j;
	}
	if (ret == 0 && i < n)
		ret = pare_error_set(err, 0, "'%s' is missing from its layer", files[i]->path);
	layer_reader_free(r);
	if (ret < 0)
		pare_error_prefix(err, "layer %zu", layer + 1);
	return ret;
}

/* Pass 3: directory owners, modes, xattrs, times, deepest first. */
static int finish_dirs(struct unpacker *u, struct pare_error *err)
{
	size_t count = layer_index_count(u->idx);
	for (size_t k = count; k-- > 0;) {
		const struct fs_entry *e = layer_index_at(u->idx, k);
		if (!S_ISDIR(e->mode))
			continue;
		cleanup_close int fd = -1;
		if (!strcmp(e->path, "/")) {
			fd = openat(u->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		} else {
			cleanup_free char *dir = path_dirname(e->path);
			cleanup_close int pfd = open_strict(u->rootfd, dir);
			if (pfd < 0)
				continue; /* skipped in pass 1 */
			fd = openat(pfd, path_basename(e->path), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0)
			return pare_error_errno(err, "opening directory '%s'", e->path);
		if (restore_meta_fd(u, fd, e, err) < 0)
			return -1;
	}
	return 0;
}

static int unpack(struct image *img, const struct layer_index *idx, int dirfd, int stagefd, size_t *skipped_devices,
		  struct pare_error *err)
{
	struct unpacker u = { .img = img, .idx = idx, .rootfd = dirfd, .root = geteuid() == 0, .parent_fd = -1 };
	size_t count = layer_index_count(idx), n_files = 0;
	cleanup_free struct fs_entry **files = xcalloc(count ? count : 1, sizeof(*files));
	int ret = 0;
	for (size_t k = 0; k < count && ret == 0; k++) {
		struct fs_entry *e = layer_index_at(idx, k);
		if (S_ISREG(e->mode))
			files[n_files++] = e;
		ret = create_entry(&u, e, err);
	}
	if (ret == 0) {
		qsort(files, n_files, sizeof(*files), cmp_content);
		u.buf = xmalloc(COPY_BUF);
		for (size_t i = 0; i < n_files && ret == 0;) {
			size_t j = i;
			if (stagefd >= 0) { /* one content at a time */
				while (j < n_files && files[j]->layer == files[i]->layer && files[j]->ordinal == files[i]->ordinal)
					j++;
				ret = place_content(&u, stagefd, files + i, j - i, err);
			} else { /* one layer at a time */
				while (j < n_files && files[j]->layer == files[i]->layer)
					j++;
				ret = unpack_layer(&u, files[i]->layer, files + i, j - i, err);
			}
			i = j;
		}
	}
	if (ret == 0)
		ret = finish_dirs(&u, err);
	if (u.parent_fd >= 0)
		close(u.parent_fd);
	free(u.parent_path);
	free(u.buf);
	if (skipped_devices)
		*skipped_devices = u.skipped_devices;
	if (u.skipped_other)
		pare_debug("pare: %zu entries below non-directories were not unpacked\n", u.skipped_other);
	return ret;
}

int rt_unpack(struct image *img, const struct layer_index *idx, int dirfd, size_t *skipped_devices,
	      struct pare_error *err)
{
	return unpack(img, idx, dirfd, -1, skipped_devices, err);
}

int rt_unpack_staged(struct image *img, const struct layer_index *idx, int dirfd, int stagefd,
		     size_t *skipped_devices, struct pare_error *err)
{
	return unpack(img, idx, dirfd, stagefd, skipped_devices, err);
}
