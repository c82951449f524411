/* Internals of the layer index (image/layer_index.c, index_apply.c, index_entry.c, resolve.c). */
#ifndef PARE_INDEX_INTERNAL_H
#define PARE_INDEX_INTERNAL_H
#include "image/layer_index.h"

struct node {
	struct fs_entry e; /* first: a struct fs_entry * of the index is a struct node * */
	struct node *parent, *child, *next, *prev; /* the tree; children unordered until finalised */
	struct node *hnext;                         /* hash chain */
	uint64_t hash;
	size_t cfirst, cn; /* direct children in the sorted array, once finalised */
};

struct layer_index {
	struct node **buckets;
	size_t nbuckets, count;
	uint64_t seed;
	struct node *root;
	struct fs_entry **sorted;
	size_t n_sorted;
	size_t n_layers;
	struct layer_index_stats stats;
	uint64_t content_entries, content_bytes; /* regular-file contents written by all layers */
};

/* One tar entry of the layer being applied, before it is applied. */
struct pending {
	char kind;    /* 'e' entry, 'h' hardlink, 'w' whiteout, 'o' opaque directory */
	char *path;   /* normalised; for 'w' the path to delete, for 'o' the directory */
	char *target; /* 'h': normalised path of the original */
	struct fs_entry meta;
};

void index_insert_root(struct layer_index *idx);
struct node *index_find(const struct layer_index *idx, const char *path);
void index_entry_release(struct fs_entry *e);
void index_entry_copy_meta(struct fs_entry *dst, const struct fs_entry *src);
/* Turn a tar entry into a pending record (kind 0: ignored). */
struct archive_entry;
int index_pending_from_entry(struct archive_entry *ae, size_t layer, uint32_t ordinal, struct pending *p,
			     struct pare_error *err);
void index_pending_release(struct pending *p);
/* Apply one verified layer's records, as the image-spec says: deletions first, then entries in order. */
int index_apply_layer(struct layer_index *idx, size_t layer, struct pending *p, size_t n, struct pare_error *err);
/* Resolution core shared with the build: see layer_index_resolve(). */
int index_resolve(const struct layer_index *idx, const char *path, bool nofollow, char **resolved,
		  void (*on_link)(const struct fs_entry *link, void *data), void *data, struct pare_error *err);
#endif
