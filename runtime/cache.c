/* The unpacked image, cached between runs (see runtime.h and doc/RUNTIME.md, "Rootfs cache").
 * Layout under the cache dir (/var/cache/pare, $XDG_CACHE_HOME/pare or ~/.cache/pare; PARE_CACHE_DIR
 * overrides):
 *   rootfs/<key>             a complete tree (appears only by an atomic rename: the completion marker)
 *   rootfs/<key>.lock        shared lock while a run uses the tree; its mtime is the last use
 *   rootfs/.partial-PID-XXX  an unpack in progress (tree/ + .lock held by the unpacker); a dead
 *                            unpacker's leftovers are removed by the next run */
#include "runtime/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/hash.h"
#include "lib/tmp.h"
#include "lib/xalloc.h"

#define DEFAULT_CACHE_MAX 4

struct rt_rootfs {
	char *dir;      /* the tree */
	int lock_fd;    /* shared lock on <key>.lock, -1 when not cached */
	bool reused;
	char *tmp_dir;  /* uncached: the pare-* dir holding the tree */
};

static int mkdir_p(const char *path, mode_t mode)
{
	cleanup_free char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* A cache base we may use: BASE/rootfs created (0700) or there, a directory, writable and searchable.
 * `private`: it must also be ours and closed to others (a name under a shared $TMPDIR that someone
 * else may have made first). 0, or -1 with errno set. */
static int cache_base_usable(const char *base, bool private)
{
	cleanup_free char *dir = xasprintf("%s/rootfs", base);
	struct stat st;
	if (private) {
		if ((mkdir(base, 0700) < 0 && errno != EEXIST) || lstat(base, &st) < 0)
			return -1;
		if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0077)) {
			errno = EPERM;
			return -1;
		}
	}
	if (mkdir_p(dir, 0700) < 0)
		return -1;
	if (lstat(dir, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return access(dir, W_OK | X_OK);
}

/* Where trees are cached: PARE_CACHE_DIR when set (used as it is); else /var/cache/pare as root,
 * $XDG_CACHE_HOME/pare or ~/.cache/pare otherwise; when that cannot be used (HOME not writable, a
 * service user's HOME=/nonexistent, a read-only /var), a per-user $TMPDIR/pare-cache-UID, with a
 * note. NULL: no cache at all (each run unpacks into its temporary directory). */
static char *cache_base(void)
{
	const char *e = getenv("PARE_CACHE_DIR");
	if (e && e[0] == '/')
		return xstrdup(e);
	cleanup_free char *want = NULL;
	if (geteuid() == 0) {
		want = xstrdup("/var/cache/pare");
	} else if ((e = getenv("XDG_CACHE_HOME")) && e[0] == '/') {
		want = xasprintf("%s/pare", e);
	} else if ((e = getenv("HOME")) && e[0] == '/') {
		want = xasprintf("%s/.cache/pare", e);
	}
	int why = 0;
	if (want) {
		if (cache_base_usable(want, false) == 0)
			return steal_pointer(&want);
		why = errno;
	}
	char *fallback = xasprintf("%s/pare-cache-%u", tmp_base(), (unsigned)geteuid());
	if (cache_base_usable(fallback, true) == 0) {
		if (want)
			pare_info("pare: note: the cache directory '%s/rootfs' cannot be used (%s): caching in '%s'\n",
				  want, strerror(why), fallback);
		return fallback;
	}
	pare_info("pare: note: no usable cache directory ('%s': %s; '%s': %s): the image is unpacked for this run only\n",
		  want ? want : "$HOME/.cache/pare", want ? strerror(why) : "HOME is not set", fallback, strerror(errno));
	free(fallback);
	return NULL;
}

static long cache_max(void)
{
	const char *e = getenv("PARE_ROOTFS_CACHE_MAX");
	if (!e || !*e)
		return DEFAULT_CACHE_MAX;
	char *end;
	long v = strtol(e, &end, 10);
	return (*end || v < 0) ? DEFAULT_CACHE_MAX : v;
}


/* The key: the layers' diff_ids, and whether owners were restored (root or not). NULL: not cacheable. */
static char *cache_key(const struct image *img)
{
	struct sha256 h;
	sha256_init(&h);
	const char *tag = geteuid() == 0 ? "pare-rootfs-1 root\n" : "pare-rootfs-1 user\n";
	sha256_update(&h, tag, strlen(tag));
	for (size_t i = 0; i < img->n_layers; i++) {
		const char *d = img->layers[i].diff_id;
		if (!d || !sha256_digest_valid(d)) {
			sha256_release(&h);
			return NULL;
		}
		sha256_update(&h, d, strlen(d));
		sha256_update(&h, "\n", 1);
	}
	char out[SHA256_DIGEST_STR];
	sha256_final(&h, out);
	return xstrdup(out + 7);
}

/* The directory an image is unpacked into, created; its fd, or -1. */
static int make_tree(const char *tree, struct pare_error *err)
{
	if (mkdir(tree, 0700) < 0)
		return pare_error_errno(err, "creating '%s'", tree);
	int fd = open(tree, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pare_error_errno(err, "opening '%s'", tree);
	fchmod(fd, 0755); /* the image's "/" entry, when it has one, sets its own mode */
	return fd;
}

static int unpack_into(struct image *img, const struct layer_index *idx, const char *tree, struct pare_error *err)
{
	cleanup_close int fd = make_tree(tree, err);
	if (fd < 0)
		return -1;
	size_t devices = 0;
	if (rt_unpack(img, idx, fd, &devices, err) < 0)
		return pare_error_prefix(err, "unpacking the image");
	if (devices)
		pare_info("pare: note: %zu device node%s in the image %s not unpacked (the container gets its own /dev)\n",
			  devices, devices == 1 ? "" : "s", devices == 1 ? "was" : "were");
	return 0;
}

/* Unpack into `tree` (created) with the index built on the way: each regular file's content is
 * staged in `stage` (created; removed by the caller) while every layer is read once, then moved
 * into place. The index is handed out in *idx_out, or freed when idx_out is NULL. */
static int unpack_staged_into(struct image *img, const char *tree, const char *stage, struct layer_index **idx_out,
			      struct pare_error *err)
{
	cleanup_close int fd = make_tree(tree, err);
	if (fd < 0)
		return -1;
	if (mkdir(stage, 0700) < 0)
		return pare_error_errno(err, "creating '%s'", stage);
	cleanup_close int sfd = open(stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return pare_error_errno(err, "opening '%s'", stage);
	struct rt_stage st = { .dirfd = sfd };
	struct layer_index_content content = { rt_stage_content, &st };
	struct layer_index *idx = NULL;
	int ret = layer_index_build_with(img, &content, &idx, err);
	free(st.buf);
	if (ret < 0)
		return -1; /* the index's own message: a bad layer, not an unpacking problem */
	size_t devices = 0;
	if (rt_unpack_staged(img, idx, fd, sfd, &devices, err) < 0) {
		layer_index_free(idx);
		return pare_error_prefix(err, "unpacking the image");
	}
	if (devices)
		pare_info("pare: note: %zu device node%s in the image %s not unpacked (the container gets its own /dev)\n",
			  devices, devices == 1 ? "" : "s", devices == 1 ? "was" : "were");
	if (idx_out)
		*idx_out = idx;
	else
		layer_index_free(idx);
	return 0;
}

/* Remove unpacks whose unpacker died (their lock is free). */
static void reap_partials(const char *dir)
{
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, ".partial-", 9) != 0 && strncmp(de->d_name, ".evict-", 7) != 0)
			continue;
		cleanup_free char *p = xasprintf("%s/%s", dir, de->d_name);
		cleanup_free char *lock = xasprintf("%s/.lock", p);
		cleanup_close int fd = open(lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0)
			continue;
		tmp_remove_tree(p, NULL);
	}
}

/* A shared lock on `path`, on the file that is at that path once locked (an evictor unlinks lock files
 * of removed trees while holding them exclusively: a lock on an unlinked file protects nothing). */
static int lock_shared(const char *path, int *out)
{
	for (int tries = 0; tries < 100; tries++) {
		int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return -1;
		struct stat a, b;
		if (flock(fd, LOCK_SH) < 0 || fstat(fd, &a) < 0) {
			close(fd);
			return -1;
		}
		if (stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			*out = fd;
			return 0;
		}
		close(fd);
	}
	errno = EAGAIN;
	return -1;
}

struct lru {
	char *name;
	struct timespec used;
};

static int cmp_lru(const void *a, const void *b)
{
	const struct lru *x = a, *y = b;
	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	return x->used.tv_nsec < y->used.tv_nsec ? -1 : x->used.tv_nsec > y->used.tv_nsec;
}

/* Keep at most `max` trees: evict the least recently used ones nobody is using. */
static void evict(const char *dir, const char *keep, long max)
{
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *de;
	struct lru *v = NULL;
	size_t n = 0, cap = 0;
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len == 69 && !strcmp(de->d_name + 64, ".lock") && strspn(de->d_name, "0123456789abcdef") == 64 &&
		    strncmp(de->d_name, keep, 64) != 0) {
			/* The lock of a tree that is gone (evicted, or an unpack that failed): remove it when idle. */
			cleanup_free char *tree = xstrndup(de->d_name, 64);
			cleanup_free char *tpath = xasprintf("%s/%s", dir, tree);
			cleanup_free char *lpath = xasprintf("%s/%s", dir, de->d_name);
			struct stat tst;
			cleanup_close int fd = -1;
			if (lstat(tpath, &tst) < 0 && errno == ENOENT &&
			    (fd = open(lpath, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
				unlink(lpath);
			continue;
		}
		if (len != 64 || strspn(de->d_name, "0123456789abcdef") != 64 || !strcmp(de->d_name, keep))
			continue;
		cleanup_free char *lock = xasprintf("%s/%s.lock", dir, de->d_name);
		struct stat st;
		if (stat(lock, &st) < 0)
			memset(&st, 0, sizeof(st));
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		v[n].name = xstrdup(de->d_name);
		v[n].used = st.st_mtim;
		n++;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_lru);
	/* `keep` counts as one of the max. */
	for (size_t i = 0; i < n; i++) {
		if ((long)(n - i) + 1 > max) {
			cleanup_free char *lock = xasprintf("%s/%s.lock", dir, v[i].name);
			cleanup_close int fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
				cleanup_free char *tree = xasprintf("%s/%s", dir, v[i].name);
				cleanup_free char *gone = xasprintf("%s/.evict-%s-%d", dir, v[i].name, (int)getpid());
				if (rename(tree, gone) == 0) {
					pare_debug("pare: evicting cached rootfs %s\n", v[i].name);
					unlink(lock); /* still held: a new user re-creates it (see lock_shared) */
					tmp_remove_tree(gone, NULL);
				}
			}
		}
		free(v[i].name);
	}
	free(v);
}

static int prepare_uncached(struct image *img, const struct layer_index *idx, struct layer_index **idx_out,
			    struct rt_rootfs *r, struct pare_error *err)
{
	if (tmp_dir_create(&r->tmp_dir, err) < 0)
		return -1;
	r->dir = xasprintf("%s/rootfs", r->tmp_dir);
	if (idx)
		return unpack_into(img, idx, r->dir, err);
	cleanup_free char *stage = xasprintf("%s/stage", r->tmp_dir);
	int ret = unpack_staged_into(img, r->dir, stage, idx_out, err);
	tmp_remove_tree(stage, NULL);
	return ret;
}

static int prepare_cached(struct image *img, const struct layer_index *idx, struct layer_index **idx_out,
			  const char *base, const char *key, struct rt_rootfs *r, struct pare_error *err)
{
	cleanup_free char *dir = xasprintf("%s/rootfs", base);
	if (mkdir_p(dir, 0700) < 0)
		return pare_error_errno(err, "creating the cache directory '%s'", dir);
	reap_partials(dir);
	cleanup_free char *lock = xasprintf("%s/%s.lock", dir, key);
	if (lock_shared(lock, &r->lock_fd) < 0)
		return pare_error_errno(err, "locking '%s'", lock);
	futimens(r->lock_fd, NULL); /* last use, for eviction */
	r->dir = xasprintf("%s/%s", dir, key);
	struct stat st;
	if (lstat(r->dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		r->reused = true;
		pare_debug("pare: reusing the unpacked image in '%s'\n", r->dir);
		evict(dir, key, cache_max());
		if (!idx && idx_out && layer_index_build(img, idx_out, err) < 0)
			return -1;
		return 0;
	}
	/* Unpack into a private partial dir, then rename the tree into place (the completion marker). */
	cleanup_free char *partial = xasprintf("%s/.partial-%d-XXXXXX", dir, (int)getpid());
	if (!mkdtemp(partial))
		return pare_error_errno(err, "creating a directory in '%s'", dir);
	cleanup_free char *plock = xasprintf("%s/.lock", partial);
	cleanup_close int pfd = open(plock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (pfd < 0 || flock(pfd, LOCK_EX) < 0) {
		pare_error_errno(err, "locking '%s'", plock);
		tmp_remove_tree(partial, NULL);
		return -1;
	}
	cleanup_free char *tree = xasprintf("%s/tree", partial);
	cleanup_free char *stage = xasprintf("%s/stage", partial);
	/* Without an index from the caller it is built while the layers are read for the unpack. */
	struct layer_index *made = NULL;
	int ret = idx ? unpack_into(img, idx, tree, err) : unpack_staged_into(img, tree, stage, &made, err);
	if (ret == 0 && rename(tree, r->dir) < 0 && errno != EEXIST && errno != ENOTEMPTY)
		ret = pare_error_errno(err, "moving the unpacked image to '%s'", r->dir);
	tmp_remove_tree(partial, NULL); /* also what is left when another run finished first */
	if (ret == 0)
		evict(dir, key, cache_max());
	if (ret == 0 && made && idx_out)
		*idx_out = steal_pointer(&made);
	layer_index_free(made);
	return ret;
}

/* A failed or interrupted unpack leaves no tree: remove its <key>.lock too, unless another run holds it. */
static void drop_unused_lock(const char *base, const char *key, struct rt_rootfs *r)
{
	struct stat st;
	if (r->lock_fd < 0 || r->reused || (r->dir && lstat(r->dir, &st) == 0) ||
	    flock(r->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return;
	cleanup_free char *lock = xasprintf("%s/rootfs/%s.lock", base, key);
	unlink(lock);
}

static int prepare(struct image *img, const struct layer_index *idx, struct layer_index **idx_out,
		   bool cache, struct rt_rootfs **out, struct pare_error *err)
{
	struct rt_rootfs *r = xcalloc(1, sizeof(*r));
	r->lock_fd = -1;
	cleanup_free char *base = cache && cache_max() > 0 ? cache_base() : NULL;
	cleanup_free char *key = base ? cache_key(img) : NULL;
	int ret = key ? prepare_cached(img, idx, idx_out, base, key, r, err) : prepare_uncached(img, idx, idx_out, r, err);
	if (ret < 0 && key)
		drop_unused_lock(base, key, r);
	if (ret < 0) {
		rt_rootfs_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

int rt_rootfs_prepare(struct image *img, const struct layer_index *idx, struct rt_rootfs **out,
		      struct pare_error *err)
{
	return prepare(img, idx, NULL, true, out, err);
}

int rt_rootfs_prepare_private(struct image *img, struct rt_rootfs **out, struct pare_error *err)
{
	return prepare(img, NULL, NULL, false, out, err);
}

int rt_rootfs_prepare_indexed(struct image *img, struct layer_index **idx_out, struct rt_rootfs **out,
			      struct pare_error *err)
{
	*idx_out = NULL;
	if (prepare(img, NULL, idx_out, true, out, err) < 0) {
		layer_index_free(*idx_out);
		*idx_out = NULL;
		return -1;
	}
	return 0;
}

struct rt_rootfs *rt_rootfs_from_dir(const char *dir)
{
	struct rt_rootfs *r = xcalloc(1, sizeof(*r));
	r->lock_fd = -1;
	r->dir = xstrdup(dir);
	r->reused = true;
	return r;
}

const char *rt_rootfs_dir(const struct rt_rootfs *r)
{
	return r->dir;
}

bool rt_rootfs_was_cached(const struct rt_rootfs *r)
{
	return r->reused;
}

void rt_rootfs_free(struct rt_rootfs *r)
{
	if (!r)
		return;
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	if (r->tmp_dir)
		tmp_remove_tree(r->tmp_dir, NULL);
	free(r->tmp_dir);
	free(r->dir);
	free(r);
}
