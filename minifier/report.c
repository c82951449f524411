/* The minifier's part of the build report: every kept path with its reason, every removed one. */
#include <sys/stat.h>

#include "minifier/keep_int.h"

static const char *type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "symlink";
	case S_IFCHR: return "char";
	case S_IFBLK: return "block";
	case S_IFIFO: return "fifo";
	default: return "other";
	}
}

json_t *keep_report_json(const struct keep_set *ks)
{
	json_t *kept = json_array(), *removed = json_array(), *warnings = json_array();
	size_t n = layer_index_count(ks->idx);
	for (size_t i = 0; i < n; i++) {
		const struct fs_entry *e = layer_index_at(ks->idx, i);
		const struct keep_mark *m = keep_mark_of(e);
		if (e->keep) {
			json_t *o = json_pack("{s:s, s:s}", "path", e->path, "type", type_name(e->mode));
			if (S_ISREG(e->mode))
				json_object_set_new(o, "size", json_integer(e->size));
			if (S_ISLNK(e->mode) && e->link_target)
				json_object_set_new(o, "target", json_string(e->link_target));
			json_object_set_new(o, "reason", json_string(m ? keep_why_name(m->why) : "kept"));
			if (m && m->detail) {
				/* "traced:open,exec"-style kinds go under "kinds", the others name what needed it. */
				json_object_set_new(o, m->why == KEEP_TRACED ? "kinds" : "of", json_string(m->detail));
			}
			json_array_append_new(kept, o);
		} else {
			json_t *o = json_pack("{s:s, s:s}", "path", e->path, "type", type_name(e->mode));
			if (S_ISREG(e->mode))
				json_object_set_new(o, "size", json_integer(e->size));
			json_array_append_new(removed, o);
		}
	}
	for (char *const *w = keep_warnings(ks); *w; w++)
		json_array_append_new(warnings, json_string(*w));
	struct keep_totals t;
	keep_totals(ks, &t);
	json_t *totals = json_pack("{s:I, s:I, s:I, s:I}", "kept_files", (json_int_t)t.kept_files, "kept_bytes",
				   (json_int_t)t.kept_bytes, "removed_files", (json_int_t)t.removed_files,
				   "removed_bytes", (json_int_t)t.removed_bytes);
	return json_pack("{s:o, s:o, s:o, s:o}", "totals", totals, "kept", kept, "removed", removed, "warnings",
			 warnings);
}
