/* Building the layer index: stream each layer once, collect its entries' metadata, apply it once
 * its digests are verified; then sort (parents first, each directory's children contiguous),
 * count hardlinks and compute the statistics. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image/index_internal.h"
#include "image/internal.h"
#include "lib/path.h"
#include "lib/xalloc.h"

static struct layer_index *index_new(size_t n_layers)
{
	struct layer_index *idx = xcalloc(1, sizeof(*idx));
	idx->nbuckets = 1024;
	idx->buckets = xcalloc(idx->nbuckets, sizeof(*idx->buckets));
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	idx->seed = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)idx;
	idx->n_layers = n_layers;
	idx->stats.layer_bytes = xcalloc(n_layers + 1, sizeof(uint64_t));
	idx->stats.layer_entries = xcalloc(n_layers + 1, sizeof(uint64_t));
	struct node *root = xcalloc(1, sizeof(*root));
	root->e.path = xstrdup("/");
	root->e.mode = S_IFDIR | 0755;
	root->e.ordinal = UINT32_MAX;
	root->e.nlink = 1;
	idx->root = root;
	index_insert_root(idx);
	return idx;
}

static void free_tree(struct node *n)
{
	/* Iterative: deep trees must not exhaust the stack. */
	while (n) {
		if (n->child) {
			n = n->child;
			continue;
		}
		struct node *up = n->parent, *next = n->next;
		if (up && up->child == n)
			up->child = next;
		index_entry_release(&n->e);
		free(n);
		n = next ? next : up;
	}
}

void layer_index_free(struct layer_index *idx)
{
	if (!idx)
		return;
	free_tree(idx->root);
	free(idx->buckets);
	free(idx->sorted);
	free(idx->stats.layer_bytes);
	free(idx->stats.layer_entries);
	free(idx);
}

static int read_layer(struct layer_index *idx, struct image *img, size_t layer, const struct layer_index_content *content,
		      struct pare_error *err)
{
	struct layer_reader *r;
	if (layer_reader_open(img, layer, &r, err) < 0)
		return -1;
	struct pending *p = NULL;
	size_t n = 0, cap = 0;
	int ret = -1;
	for (uint32_t ord = 0;; ord++) {
		struct archive_entry *ae;
		int rc = layer_reader_next(r, &ae, err);
		if (rc < 0)
			goto out;
		if (rc == 0)
			break;
		if (ord >= LAYER_INDEX_MAX_ENTRIES) {
			pare_error_set(err, 0, "layer %zu has more than %d entries (limit)", layer, LAYER_INDEX_MAX_ENTRIES);
			goto out;
		}
		idx->stats.layer_entries[layer]++;
		p = xgrow(p, &cap, n + 1, sizeof(*p));
		if (index_pending_from_entry(ae, layer, ord, &p[n], err) < 0) {
			index_pending_release(&p[n]);
			goto out;
		}
		if (!p[n].kind)
			continue;
		if (p[n].kind == 'e' && S_ISREG(p[n].meta.mode)) {
			idx->stats.layer_bytes[layer] += (uint64_t)p[n].meta.size;
			/* Declared sizes count too: a sparse entry expands to its full size when written. */
			if (idx->stats.layer_bytes[layer] > image_max_layer_bytes()) {
				pare_error_set(err, EFBIG, "layer %zu: its files declare more than %llu bytes (limit; see PARE_MAX_LAYER_BYTES)",
					       layer, (unsigned long long)image_max_layer_bytes());
				n++;
				goto out;
			}
			idx->content_bytes += (uint64_t)p[n].meta.size;
			idx->content_entries++;
			if (content && p[n].meta.size > 0 &&
			    content->fn(content->ctx, (uint32_t)layer, ord, p[n].meta.size, r, err) < 0) {
				n++;
				goto out;
			}
		}
		n++;
	}
	ret = index_apply_layer(idx, layer, p, n, err);
out:
	for (size_t i = 0; i < n; i++)
		index_pending_release(&p[i]);
	free(p);
	layer_reader_free(r);
	return ret;
}

/* Parents first and each directory's children contiguous: order by (directory, name), where the
 * directory part compares with '/' below every other byte. */
static int entry_cmp(const void *a, const void *b)
{
	const char *pa = (*(struct fs_entry *const *)a)->path, *pb = (*(struct fs_entry *const *)b)->path;
	bool ra = !pa[1], rb = !pb[1];
	if (ra || rb)
		return ra == rb ? 0 : ra ? -1 : 1;
	const char *sa = strrchr(pa, '/'), *sb = strrchr(pb, '/');
	size_t la = (size_t)(sa - pa), lb = (size_t)(sb - pb);
	size_t m = la < lb ? la : lb;
	for (size_t i = 0; i < m; i++) {
		unsigned ca = (unsigned char)pa[i], cb = (unsigned char)pb[i];
		if (ca == '/')
			ca = 0;
		if (cb == '/')
			cb = 0;
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(sa + 1, sb + 1);
}

static int link_cmp(const void *a, const void *b)
{
	const struct fs_entry *x = *(struct fs_entry *const *)a, *y = *(struct fs_entry *const *)b;
	if (x->layer != y->layer)
		return x->layer < y->layer ? -1 : 1;
	if (x->ordinal != y->ordinal)
		return x->ordinal < y->ordinal ? -1 : 1;
	return 0;
}

static void finalize(struct layer_index *idx)
{
	idx->sorted = xcalloc(idx->count, sizeof(*idx->sorted));
	size_t k = 0;
	for (size_t b = 0; b < idx->nbuckets; b++)
		for (struct node *n = idx->buckets[b]; n; n = n->hnext)
			idx->sorted[k++] = &n->e;
	idx->n_sorted = k;
	qsort(idx->sorted, k, sizeof(*idx->sorted), entry_cmp);
	for (size_t i = 0; i < k; i++) {
		struct node *n = (struct node *)idx->sorted[i];
		n->cn = 0;
		if (n->parent) {
			if (n->parent->cn == 0)
				n->parent->cfirst = i;
			n->parent->cn++;
		}
	}
	/* Hardlinks: entries sharing (layer, ordinal); content counted once. */
	struct fs_entry **links = xcalloc(k ? k : 1, sizeof(*links));
	size_t nl = 0;
	for (size_t i = 0; i < k; i++)
		if (!S_ISDIR(idx->sorted[i]->mode) && idx->sorted[i]->ordinal != UINT32_MAX)
			links[nl++] = idx->sorted[i];
	qsort(links, nl, sizeof(*links), link_cmp);
	uint64_t bytes = 0, contents = 0;
	for (size_t i = 0; i < nl;) {
		size_t j = i + 1;
		while (j < nl && link_cmp(&links[i], &links[j]) == 0)
			j++;
		for (size_t q = i; q < j; q++)
			links[q]->nlink = (uint32_t)(j - i);
		if (S_ISREG(links[i]->mode)) {
			bytes += (uint64_t)links[i]->size;
			contents++;
		}
		i = j;
	}
	free(links);
	idx->stats.files = k;
	idx->stats.bytes = bytes;
	idx->stats.wasted_bytes = idx->content_bytes > bytes ? idx->content_bytes - bytes : 0;
	idx->stats.wasted_files = idx->content_entries > contents ? idx->content_entries - contents : 0;
}

int layer_index_build(struct image *img, struct layer_index **out, struct pare_error *err)
{
	return layer_index_build_with(img, NULL, out, err);
}

int layer_index_build_with(struct image *img, const struct layer_index_content *content, struct layer_index **out,
			   struct pare_error *err)
{
	struct layer_index *idx = index_new(img->n_layers);
	for (size_t i = 0; i < img->n_layers; i++) {
		if (read_layer(idx, img, i, content, err) < 0) {
			layer_index_free(idx);
			image_error_clean(err);
			return -1;
		}
	}
	finalize(idx);
	*out = idx;
	return 0;
}

/* Already "/", or "/a/b" without empty, "." or ".." components. */
static bool is_normal(const char *path)
{
	if (path[0] != '/')
		return false;
	if (!path[1])
		return true;
	for (const char *p = path; *p == '/';) {
		const char *c = p + 1, *e = strchrnul(c, '/');
		size_t n = (size_t)(e - c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		p = e;
	}
	return true;
}

struct fs_entry *layer_index_lookup(const struct layer_index *idx, const char *path)
{
	if (!is_normal(path)) {
		cleanup_free char *n = path_normalize(path);
		struct node *node = index_find(idx, n);
		return node ? &node->e : NULL;
	}
	struct node *node = index_find(idx, path);
	return node ? &node->e : NULL;
}

size_t layer_index_count(const struct layer_index *idx)
{
	return idx->n_sorted;
}

struct fs_entry *layer_index_at(const struct layer_index *idx, size_t i)
{
	return i < idx->n_sorted ? idx->sorted[i] : NULL;
}

int layer_index_children(const struct layer_index *idx, const char *dir, size_t *first, size_t *n)
{
	struct fs_entry *e = layer_index_lookup(idx, dir);
	if (!e || !S_ISDIR(e->mode)) {
		*first = *n = 0;
		return -1;
	}
	struct node *node = (struct node *)e;
	*first = node->cfirst;
	*n = node->cn;
	return 0;
}

const struct layer_index_stats *layer_index_stats(const struct layer_index *idx)
{
	return &idx->stats;
}
