/* pare xray: the config, the history matched to layers, totals and the largest files.
 * The flags (caches, build tools, root, ...) are in image/xray_rules.c. */
#include "image/xray.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/strvec.h"
#include "lib/xalloc.h"

static const char *json_str(json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static char **strv_or_empty(char **v)
{
	return v ? v : xcalloc(1, sizeof(char *));
}

/* Walk the history: every step not marked empty_layer made the next layer, in order
 * (image-spec: "empty_layer ... history entries that do not correspond to a layer"). */
static void match_history(const struct image *img, struct xray_report *r)
{
	json_t *hist = json_object_get(img->config, "history");
	size_t n = json_is_array(hist) ? json_array_size(hist) : 0;
	size_t next_layer = 0;

	r->steps = xcalloc(n ? n : 1, sizeof(*r->steps));
	for (size_t i = 0; i < n; i++) {
		json_t *h = json_array_get(hist, i);
		struct xray_step *s = &r->steps[r->n_steps++];
		json_t *empty = json_is_object(h) ? json_object_get(h, "empty_layer") : NULL;
		s->created_by = json_str(h, "created_by");
		s->created = json_str(h, "created");
		s->comment = json_str(h, "comment");
		s->empty_layer = json_is_true(empty);
		s->layer = -1;
		if (s->empty_layer)
			continue;
		if (next_layer < r->n_layers) {
			s->layer = (long)next_layer;
			r->layers[next_layer].step = (long)i;
			next_layer++;
		} else {
			r->unmatched_steps++;
		}
	}
	/* With no history at all every layer lacks a step; with too little, the last ones do. */
	r->layers_without_step = r->n_layers - next_layer;
}

static void collect_config(const struct image *img, struct xray_report *r)
{
	json_t *cfg = json_object_get(img->config, "config");
	char **env = image_config_strv(img, "Env");

	r->architecture = json_str(img->config, "architecture");
	r->os = json_str(img->config, "os");
	r->created = json_str(img->config, "created");
	r->user = json_str(cfg, "User");
	r->workdir = json_str(cfg, "WorkingDir");
	r->stop_signal = json_str(cfg, "StopSignal");
	r->entrypoint = strv_or_empty(image_config_strv(img, "Entrypoint"));
	r->cmd = strv_or_empty(image_config_strv(img, "Cmd"));
	r->ports = strv_or_empty(image_config_keys(img, "ExposedPorts"));
	r->volumes = strv_or_empty(image_config_keys(img, "Volumes"));
	r->env_count = env ? strv_len(env) : 0;
	strv_free(env);
}

/* Biggest first; equal sizes by content location then path, so hardlinks sit side by side. */
static int cmp_size_desc(const void *a, const void *b)
{
	const struct fs_entry *x = *(const struct fs_entry *const *)a, *y = *(const struct fs_entry *const *)b;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	if (x->layer != y->layer)
		return x->layer < y->layer ? -1 : 1;
	if (x->ordinal != y->ordinal)
		return x->ordinal < y->ordinal ? -1 : 1;
	return strcmp(x->path, y->path);
}

static void collect_files(const struct layer_index *idx, size_t top, struct xray_report *r)
{
	size_t n = layer_index_count(idx), nreg = 0;
	cleanup_free const struct fs_entry **reg = xcalloc(n ? n : 1, sizeof(*reg));

	for (size_t i = 0; i < n; i++) {
		const struct fs_entry *e = layer_index_at(idx, i);
		if (!strcmp(e->path, "/"))
			continue; /* the root is not content of the image */
		r->entries++;
		if (S_ISREG(e->mode)) {
			r->regular++;
			reg[nreg++] = e;
		} else if (S_ISDIR(e->mode)) {
			r->dirs++;
		} else if (S_ISLNK(e->mode)) {
			r->symlinks++;
		} else {
			r->others++;
		}
	}
	qsort(reg, nreg, sizeof(*reg), cmp_size_desc);
	r->largest = xcalloc(top ? top : 1, sizeof(*r->largest));
	for (size_t i = 0; i < nreg; i++) {
		bool same = i > 0 && reg[i]->layer == reg[i - 1]->layer && reg[i]->ordinal == reg[i - 1]->ordinal;
		if (same) {
			r->hardlinks++; /* a further name of content already counted */
			continue;
		}
		if (r->n_largest < top && reg[i]->size > 0)
			r->largest[r->n_largest++].entry = reg[i];
	}
}

static int analyze(const struct image *img, const struct layer_index *idx, size_t top, bool slim,
		   struct xray_report **out, struct pare_error *err)
{
	const struct layer_index_stats *st = layer_index_stats(idx);
	struct xray_report *r = xcalloc(1, sizeof(*r));

	if (!json_is_object(img->config)) {
		free(r);
		return pare_error_set(err, 0, "image config is not a JSON object");
	}
	collect_config(img, r);
	r->n_layers = img->n_layers;
	r->layers = xcalloc(r->n_layers ? r->n_layers : 1, sizeof(*r->layers));
	for (size_t i = 0; i < r->n_layers; i++) {
		struct xray_layer *l = &r->layers[i];
		l->layer = &img->layers[i];
		l->step = -1;
		l->content_bytes = st->layer_bytes ? st->layer_bytes[i] : 0;
		l->entries = st->layer_entries ? st->layer_entries[i] : 0;
		if (l->layer->size > 0)
			r->stored_bytes += (uint64_t)l->layer->size;
		r->content_bytes += l->content_bytes;
	}
	match_history(img, r);
	collect_files(idx, top, r);
	r->slim = slim;
	r->bytes = st->bytes;
	r->wasted_bytes = st->wasted_bytes;
	r->wasted_files = st->wasted_files;
	xray_flags_collect(img, idx, r);
	*out = r;
	return 0;
}

int xray_analyze(const struct image *img, const struct layer_index *idx, size_t top, struct xray_report **out,
		 struct pare_error *err)
{
	return analyze(img, idx, top, false, out, err);
}

int xray_analyze_slim(const struct image *img, const struct layer_index *idx, size_t top, struct xray_report **out,
		      struct pare_error *err)
{
	return analyze(img, idx, top, true, out, err);
}

void xray_report_free(struct xray_report *r)
{
	if (!r)
		return;
	strv_free(r->entrypoint);
	strv_free(r->cmd);
	strv_free(r->ports);
	strv_free(r->volumes);
	free(r->steps);
	free(r->layers);
	free(r->largest);
	for (size_t i = 0; i < r->n_flags; i++) {
		free(r->flags[i].detail);
		strv_free(r->flags[i].paths);
	}
	free(r->flags);
	free(r);
}

const char *xray_flag_kind_name(enum xray_flag_kind kind)
{
	switch (kind) {
	case XRAY_CACHE:
		return "cache";
	case XRAY_BUILD_TOOL:
		return "build-tool";
	case XRAY_BLOAT:
		return "bloat";
	case XRAY_SECURITY:
		return "security";
	case XRAY_PROVENANCE:
		return "provenance";
	}
	return "other";
}
