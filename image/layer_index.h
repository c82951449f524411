/* The layer index: the image's final filesystem, built by streaming every layer once and applying
 * it as the OCI image-spec says (whiteouts, opaque directories, type replacement, hardlinks
 * within and across layers, symlinks kept verbatim). Memory grows with the number of files. */
#ifndef PARE_LAYER_INDEX_H
#define PARE_LAYER_INDEX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "image/image.h"
#include "lib/error.h"

struct fs_xattr {
	char *name;  /* "security.capability", "user.foo", ... */
	void *value;
	size_t size;
};

struct fs_entry {
	char *path;          /* absolute and normalised: "/", "/usr/bin/env" */
	mode_t mode;         /* type bits (S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO) + permissions incl. setuid/setgid/sticky */
	uid_t uid;
	gid_t gid;
	char *uname, *gname; /* as recorded in the tar, or NULL */
	int64_t mtime;       /* seconds */
	long mtime_nsec;
	int64_t size;        /* regular files: content size */
	char *link_target;   /* symlinks: target, verbatim */
	dev_t rdev;          /* device nodes */
	size_t n_xattrs;
	struct fs_xattr *xattrs;
	/* Where a regular file's content lives: entry number `ordinal` (0-based, counting every tar
	 * entry) of layer `layer`. Entries with the same (layer, ordinal) are hardlinks of each other.
	 * Directories synthesised for a missing parent (0755 root:root) have ordinal UINT32_MAX. */
	uint32_t layer;
	uint32_t ordinal;
	uint32_t nlink;      /* paths in the final index sharing this content (1 when not hardlinked) */
	/* Free for the minifier and writer: a kept mark and a reason/owner pointer. */
	bool keep;
	void *user;
};

struct layer_index_stats {
	uint64_t files;         /* entries in the final filesystem (the root included) */
	uint64_t bytes;         /* content bytes in the final filesystem (hardlinks counted once) */
	uint64_t wasted_bytes;  /* content in layers that is overwritten or deleted by later layers */
	uint64_t wasted_files;
	uint64_t *layer_bytes;  /* per layer: uncompressed content bytes in that layer's tar */
	uint64_t *layer_entries;
};

struct layer_index;

/* Apply every layer (see doc/IMAGE.md for the exact rules and the errors). */
int layer_index_build(struct image *img, struct layer_index **out, struct pare_error *err);

/* A consumer of the regular files' content while the index is built, so that each layer is read
 * once (the unpacker stages the files, runtime/unpack_stage.c). fn is called for every regular-file
 * entry with content (size > 0, not a hardlink), in layer order, and may read that content with
 * layer_reader_read(); it returns 0, or -1 with err set, which ends the build. Nothing it receives
 * is verified until layer_index_build_with() returns 0 (each layer's digests are checked at its
 * end): after a failure the consumer must discard what it made. */
struct layer_index_content {
	int (*fn)(void *ctx, uint32_t layer, uint32_t ordinal, int64_t size, struct layer_reader *r,
		  struct pare_error *err);
	void *ctx;
};
int layer_index_build_with(struct image *img, const struct layer_index_content *content, struct layer_index **out,
			   struct pare_error *err);
void layer_index_free(struct layer_index *idx);

/* Exact lookup of a normalised path, following no symlink. NULL when absent. */
struct fs_entry *layer_index_lookup(const struct layer_index *idx, const char *path);
/* All entries sorted by path (parents before children); valid until the index is freed. */
size_t layer_index_count(const struct layer_index *idx);
struct fs_entry *layer_index_at(const struct layer_index *idx, size_t i);
/* Direct children of a directory, sorted: [*first, *first + *n) in layer_index_at order.
 * The order is (parent directory, name): parents before children, siblings contiguous.
 * Returns -1 (and *n = 0) when `dir` is missing or not a directory. */
int layer_index_children(const struct layer_index *idx, const char *dir, size_t *first, size_t *n);
const struct layer_index_stats *layer_index_stats(const struct layer_index *idx);

/* Resolve `path` inside the image root as the kernel would with RESOLVE_IN_ROOT: every symlink
 * met (in intermediate components, and in the last one unless `nofollow`) is reported through
 * `on_link` (may be NULL) with its own path and verbatim target. *resolved receives the final
 * normalised path (whether or not it exists). Returns 1 when it exists, 0 when it does not,
 * -1 on error (symlink loop: more than 40 links). */
int layer_index_resolve(const struct layer_index *idx, const char *path, bool nofollow, char **resolved,
			void (*on_link)(const struct fs_entry *link, void *data), void *data,
			struct pare_error *err);

/* Limits (documented in doc/LIMITS.md). */
#define LAYER_INDEX_MAX_PATH 4096
#define LAYER_INDEX_MAX_ENTRIES (4 * 1024 * 1024)
#endif
