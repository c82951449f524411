/* Applying one layer to the index, as the OCI image-spec says: whiteouts and opaque markers hide
 * what lower layers put there (never what this layer adds), then entries are added in tar order.
 * A directory over a directory keeps the children; anything else replaces the whole subtree.
 * Parent directories that are symlinks are followed inside the root (as docker and umoci do);
 * missing parents are synthesised (0755 root:root). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image/index_internal.h"
#include "lib/path.h"
#include "lib/xalloc.h"

static uint64_t hash_path(const struct layer_index *idx, const char *s)
{
	uint64_t h = 1469598103934665603ULL ^ idx->seed;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

struct node *index_find(const struct layer_index *idx, const char *path)
{
	uint64_t h = hash_path(idx, path);
	for (struct node *n = idx->buckets[h & (idx->nbuckets - 1)]; n; n = n->hnext)
		if (n->hash == h && strcmp(n->e.path, path) == 0)
			return n;
	return NULL;
}

void index_insert_root(struct layer_index *idx)
{
	struct node *r = idx->root;
	r->hash = hash_path(idx, r->e.path);
	r->hnext = idx->buckets[r->hash & (idx->nbuckets - 1)];
	idx->buckets[r->hash & (idx->nbuckets - 1)] = r;
	idx->count = 1;
}

static void rehash(struct layer_index *idx)
{
	size_t nb = idx->nbuckets * 2;
	struct node **b = xcalloc(nb, sizeof(*b));
	for (size_t i = 0; i < idx->nbuckets; i++) {
		struct node *n = idx->buckets[i], *next;
		for (; n; n = next) {
			next = n->hnext;
			n->hnext = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(idx->buckets);
	idx->buckets = b;
	idx->nbuckets = nb;
}

static void unhash(struct layer_index *idx, struct node *n)
{
	struct node **pp = &idx->buckets[n->hash & (idx->nbuckets - 1)];
	while (*pp && *pp != n)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = n->hnext;
}

static void unlink_child(struct node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else if (n->parent)
		n->parent->child = n->next;
	if (n->next)
		n->next->prev = n->prev;
	n->prev = n->next = NULL;
}

static void remove_subtree(struct layer_index *idx, struct node *n)
{
	while (n->child)
		remove_subtree(idx, n->child);
	unlink_child(n);
	unhash(idx, n);
	index_entry_release(&n->e);
	free(n);
	idx->count--;
}

static int add_node(struct layer_index *idx, struct node *parent, struct fs_entry *meta, char *path,
		    struct node **out, struct pare_error *err)
{
	if (idx->count >= LAYER_INDEX_MAX_ENTRIES)
		return pare_error_set(err, 0, "the image has more than %d files (limit)", LAYER_INDEX_MAX_ENTRIES);
	if (idx->count * 2 >= idx->nbuckets)
		rehash(idx);
	struct node *n = xcalloc(1, sizeof(*n));
	n->e = *meta;
	memset(meta, 0, sizeof(*meta));
	n->e.path = path;
	n->hash = hash_path(idx, path);
	n->hnext = idx->buckets[n->hash & (idx->nbuckets - 1)];
	idx->buckets[n->hash & (idx->nbuckets - 1)] = n;
	n->parent = parent;
	n->next = parent->child;
	if (parent->child)
		parent->child->prev = n;
	parent->child = n;
	idx->count++;
	*out = n;
	return 0;
}

/* Make every missing directory of the normalised `dir`; *out is its node. */
static int make_dirs(struct layer_index *idx, const char *dir, size_t layer, struct node **out,
		     struct pare_error *err)
{
	struct node *cur = idx->root;
	const char *p = dir;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t end = e ? (size_t)(e - dir) : strlen(dir);
		char *sub = xstrndup(dir, end);
		struct node *n = index_find(idx, sub);
		if (n && !S_ISDIR(n->e.mode)) {
			pare_error_set(err, 0, "layer %zu: '%s' is not a directory but has entries below it", layer, sub);
			free(sub);
			return -1;
		}
		if (!n) {
			struct fs_entry m = { .mode = S_IFDIR | 0755, .layer = (uint32_t)layer, .ordinal = UINT32_MAX, .nlink = 1 };
			if (add_node(idx, cur, &m, sub, &n, err) < 0) {
				free(sub);
				return -1;
			}
		} else {
			free(sub);
		}
		cur = n;
		p = dir + end;
	}
	*out = cur;
	return 0;
}

/* Where an entry named `path` lands: its parent resolved inside the root (symlinks followed),
 * created when missing. *final is the path it gets. */
static int place(struct layer_index *idx, const char *path, size_t layer, bool create, struct node **parent,
		 char **final, struct pare_error *err)
{
	cleanup_free char *dir = path_dirname(path);
	struct node *d = index_find(idx, dir);
	if (d && S_ISDIR(d->e.mode)) {
		*parent = d;
		*final = xstrdup(path);
		return 0;
	}
	cleanup_free char *rdir = NULL;
	int r = index_resolve(idx, dir, false, &rdir, NULL, NULL, err);
	if (r < 0)
		return pare_error_prefix(err, "layer %zu: resolving the directory of '%s'", layer, path);
	if (strlen(rdir) + strlen(path_basename(path)) + 1 > LAYER_INDEX_MAX_PATH)
		return pare_error_set(err, 0, "layer %zu: '%.60s...' resolves to a path longer than %d bytes", layer,
				      path, LAYER_INDEX_MAX_PATH);
	d = index_find(idx, rdir);
	if (d && !S_ISDIR(d->e.mode))
		return pare_error_set(err, 0, "layer %zu: '%s' lies below '%s', which is not a directory", layer, path,
				      d->e.path);
	if (!d) {
		if (!create) {
			*parent = NULL;
			*final = NULL;
			return 0;
		}
		if (make_dirs(idx, rdir, layer, &d, err) < 0)
			return -1;
	}
	*parent = d;
	const char *base = path_basename(path);
	*final = strcmp(rdir, "/") == 0 ? xasprintf("/%s", base) : xasprintf("%s/%s", rdir, base);
	return 0;
}

static int apply_delete(struct layer_index *idx, size_t layer, struct pending *p, struct pare_error *err)
{
	struct node *parent;
	cleanup_free char *final = NULL;
	if (p->kind == 'o') {
		cleanup_free char *dir = NULL;
		if (index_resolve(idx, p->path, false, &dir, NULL, NULL, err) < 0)
			return pare_error_prefix(err, "layer %zu: opaque directory '%s'", layer, p->path);
		struct node *d = index_find(idx, dir);
		if (d && S_ISDIR(d->e.mode))
			while (d->child)
				remove_subtree(idx, d->child);
		/* The marker lives in the directory: the layer has it, if only empty. */
		if (!d && make_dirs(idx, dir, layer, &d, err) < 0)
			return -1;
		return 0;
	}
	/* A whiteout below something that is not a directory hides nothing. */
	struct pare_error ignored;
	if (place(idx, p->path, layer, false, &parent, &final, &ignored) < 0)
		return 0;
	struct node *n = final ? index_find(idx, final) : NULL;
	if (n && n != idx->root)
		remove_subtree(idx, n);
	return 0;
}

static int apply_entry(struct layer_index *idx, size_t layer, struct pending *p, struct pare_error *err)
{
	if (strcmp(p->path, "/") == 0) { /* the root's own metadata */
		struct fs_entry *r = &idx->root->e;
		char *path = steal_pointer(&r->path);
		index_entry_release(r);
		*r = p->meta;
		memset(&p->meta, 0, sizeof(p->meta));
		r->path = path;
		return 0;
	}
	if (p->kind == 'h') {
		cleanup_free char *tfinal = NULL;
		struct node *tparent;
		if (place(idx, p->target, layer, false, &tparent, &tfinal, err) < 0)
			return -1;
		struct node *t = tfinal ? index_find(idx, tfinal) : NULL;
		if (!t)
			return pare_error_set(err, 0, "layer %zu: hardlink '%s' points to '%s', which does not exist", layer,
					      p->path, p->target);
		if (S_ISDIR(t->e.mode))
			return pare_error_set(err, 0, "layer %zu: hardlink '%s' points to the directory '%s'", layer,
					      p->path, p->target);
		index_entry_release(&p->meta);
		index_entry_copy_meta(&p->meta, &t->e);
	}
	struct node *parent, *n;
	char *final;
	if (place(idx, p->path, layer, true, &parent, &final, err) < 0)
		return -1;
	struct node *old = index_find(idx, final);
	if (old && S_ISDIR(old->e.mode) && S_ISDIR(p->meta.mode)) {
		char *path = steal_pointer(&old->e.path);
		index_entry_release(&old->e);
		old->e = p->meta;
		memset(&p->meta, 0, sizeof(p->meta));
		old->e.path = path;
		free(final);
		return 0;
	}
	if (old) {
		if (old == parent || path_has_prefix(parent->e.path, final)) {
			free(final);
			return pare_error_set(err, 0, "layer %zu: entry '%s' would replace its own parent", layer, p->path);
		}
		remove_subtree(idx, old);
	}
	if (add_node(idx, parent, &p->meta, final, &n, err) < 0) {
		free(final);
		return -1;
	}
	return 0;
}

int index_apply_layer(struct layer_index *idx, size_t layer, struct pending *p, size_t n, struct pare_error *err)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i].kind == 'w' || p[i].kind == 'o') && apply_delete(idx, layer, &p[i], err) < 0)
			return -1;
	for (size_t i = 0; i < n; i++)
		if ((p[i].kind == 'e' || p[i].kind == 'h') && apply_entry(idx, layer, &p[i], err) < 0)
			return -1;
	return 0;
}
