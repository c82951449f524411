/* pare xray --slim-report: what a pare build --report says the build removes (doc/XRAY.md), read
 * with jansson and laid over the image's layer index (fs_entry.keep). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/xray.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"

static int get_count(json_t *obj, const char *key, uint64_t *out, const char *name, struct pare_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return pare_error_set(err, 0, "'%s' is not a pare build report: totals.%s is not a count", name, key);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int slim_from_json(json_t *root, const char *name, struct xray_slim *out, struct pare_error *err)
{
	json_t *totals = json_object_get(root, "totals"), *removed = json_object_get(root, "removed");
	if (!json_is_object(root) || !json_is_object(totals) || !json_is_array(removed))
		return pare_error_set(err, 0, "'%s' is not a pare build report: no totals and removed list", name);
	if (get_count(totals, "kept_files", &out->kept_files, name, err) < 0 ||
	    get_count(totals, "kept_bytes", &out->kept_bytes, name, err) < 0 ||
	    get_count(totals, "removed_files", &out->removed_files, name, err) < 0 ||
	    get_count(totals, "removed_bytes", &out->removed_bytes, name, err) < 0)
		return -1;
	struct strvec sv = STRVEC_INIT;
	size_t i;
	json_t *e;
	json_array_foreach(removed, i, e) {
		json_t *p = json_object_get(e, "path");
		const char *path = json_is_string(p) ? json_string_value(p) : NULL;
		if (!path || path[0] != '/' || strlen(path) != json_string_length(p)) {
			strvec_release(&sv);
			return pare_error_set(err, 0, "'%s' is not a pare build report: removed entry %zu has no absolute path",
					      name, i);
		}
		strvec_push(&sv, path);
	}
	out->removed = strvec_detach(&sv);
	return 0;
}

int xray_slim_parse(const char *text, size_t len, const char *name, struct xray_slim *out, struct pare_error *err)
{
	json_error_t je;
	memset(out, 0, sizeof(*out));
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return pare_error_set(err, 0, "'%s' is not JSON: %s (line %d)", name, je.text, je.line);
	int rc = slim_from_json(root, name, out, err);
	json_decref(root);
	return rc;
}

int xray_slim_load(const char *file, struct xray_slim *out, struct pare_error *err)
{
	json_error_t je;
	memset(out, 0, sizeof(*out));
	json_t *root = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (je.position == 0 && je.line <= 0)
			return pare_error_set(err, errno, "cannot read the slim report '%s'", file);
		return pare_error_set(err, 0, "'%s' is not JSON: %s (line %d)", file, je.text, je.line);
	}
	int rc = slim_from_json(root, file, out, err);
	json_decref(root);
	return rc;
}

void xray_slim_release(struct xray_slim *s)
{
	strv_free(s->removed);
	s->removed = NULL;
}

int xray_slim_apply(const struct xray_slim *s, struct layer_index *idx, struct pare_error *err)
{
	size_t n = layer_index_count(idx);
	for (size_t i = 0; i < n; i++)
		layer_index_at(idx, i)->keep = true;
	for (char *const *p = s->removed; p && *p; p++) {
		struct fs_entry *e = layer_index_lookup(idx, *p);
		if (!e)
			return pare_error_set(err, 0, "the slim report removes '%s', which is not in the image: it is a report of "
						      "another image", *p);
		e->keep = false;
	}
	return 0;
}
