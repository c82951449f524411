/* The slim image's dpkg database: the status file lists the packages with at least one kept file
 * (a package kept in part gets a Pare-Partial field and only its kept conffiles), their
 * info/PKG.list and .md5sums name only what is kept, and the gone packages' info files go. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/path.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "pkgdb/pkgdb_int.h"

struct buf {
	char *s;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	b->s = xgrow(b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static bool listed_kept(struct layer_index *idx, const char *listed)
{
	if (!strcmp(listed, "/.") || !strcmp(listed, "/"))
		return true;
	const struct fs_entry *fe = dpkg_lookup(idx, listed);
	return fe && fe->keep;
}

/* A partial package's stanza: Conffiles lines of removed files dropped, the partial field added. */
static void partial_stanza(struct layer_index *idx, const struct pkgdb_pkg *pkg, struct buf *out)
{
	const char *p = pkg->stanza;
	bool in_conffiles = false;
	struct buf conf = { 0 };
	while (*p) {
		size_t len = strcspn(p, "\n");
		cleanup_free char *line = xstrndup(p, len);
		p += len + (p[len] == '\n');
		if (in_conffiles && (line[0] == ' ' || line[0] == '\t')) {
			char path[LAYER_INDEX_MAX_PATH] = "";
			if (sscanf(line, " %4095s", path) == 1 && listed_kept(idx, path)) {
				buf_adds(&conf, line);
				buf_adds(&conf, "\n");
			}
			continue;
		}
		if (in_conffiles && conf.len) {
			buf_adds(out, "Conffiles:\n");
			buf_add(out, conf.s, conf.len);
		}
		in_conffiles = false;
		if (!strncasecmp(line, "Conffiles:", 10)) {
			in_conffiles = true;
			conf.len = 0;
			continue;
		}
		buf_adds(out, line);
		buf_adds(out, "\n");
	}
	if (in_conffiles && conf.len) {
		buf_adds(out, "Conffiles:\n");
		buf_add(out, conf.s, conf.len);
	}
	free(conf.s);
	cleanup_free char *field = xasprintf(DPKG_PARTIAL_FIELD ": %zu/%zu files\n", pkg->n_kept, pkg->n_present);
	buf_adds(out, field);
}

struct filter_ctx {
	struct layer_index *idx;
	struct buf out;
	bool md5sums; /* lines are "md5  relative/path" */
};

static void filter_line(void *data, char *line)
{
	struct filter_ctx *c = data;
	const char *path = line;
	cleanup_free char *abs = NULL;
	if (c->md5sums) {
		const char *sp = strstr(line, "  ");
		if (!sp)
			return;
		path = abs = xasprintf("/%s", sp + 2);
	}
	if (!listed_kept(c->idx, path))
		return;
	buf_adds(&c->out, line);
	buf_adds(&c->out, "\n");
}

static void add_override(struct pkgdb *db, size_t *cap, const char *path, struct buf *b)
{
	db->overrides = xgrow(db->overrides, cap, db->n_overrides + 1, sizeof(*db->overrides));
	db->overrides[db->n_overrides++] = (struct image_write_override){ xstrdup(path), b->s, b->len };
	b->s = NULL;
}

static int filter_file(struct pkgdb *db, size_t *cap, const char *path, bool md5sums, struct pare_error *err)
{
	const struct fs_entry *fe = layer_index_lookup(db->idx, path);
	if (!fe || !S_ISREG(fe->mode) || !fe->keep)
		return 0;
	struct content_map m = { 0 };
	if (content_map(db->cr, path, &m, err) < 0)
		return pare_error_prefix(err, "reading '%s'", path);
	struct filter_ctx c = { db->idx, { 0 }, md5sums };
	dpkg_each_line(&m, filter_line, &c);
	content_unmap(&m);
	if (!c.out.s)
		buf_adds(&c.out, "");
	add_override(db, cap, path, &c.out);
	return 0;
}

static int override_cmp(const void *a, const void *b)
{
	return strcmp(((const struct image_write_override *)a)->path, ((const struct image_write_override *)b)->path);
}

/* The info files of a package: info/<info_name>.<ext> for any ext. */
static bool info_file_of(const char *base, const char *info_name)
{
	size_t n = strlen(info_name);
	return !strncmp(base, info_name, n) && base[n] == '.' && !strchr(base + n + 1, '.');
}

int dpkg_rewrite(struct pkgdb *db, struct keep_set *ks, struct pare_error *err)
{
	/* What dpkg needs to read its database, when the image has it. */
	static const char *const always[] = { DPKG_STATUS, DPKG_INFO "/format", DPKG_DIR "/diversions",
					      DPKG_DIR "/statoverride", DPKG_DIR "/arch", DPKG_DIR "/updates", NULL };
	for (size_t i = 0; always[i]; i++)
		if (layer_index_lookup(db->idx, always[i]) && keep_path(ks, always[i], KEEP_PKGDB, "dpkg", err) < 0)
			return -1;
	struct buf status = { 0 };
	size_t cap = 0;
	size_t first = 0, n_children = 0;
	layer_index_children(db->idx, DPKG_INFO, &first, &n_children);
	for (size_t i = 0; i < db->n_pkgs; i++) {
		struct pkgdb_pkg *pkg = &db->pkgs[i];
		if (pkg->state == PKGDB_GONE) {
			for (size_t k = first; k < first + n_children; k++) {
				struct fs_entry *e = layer_index_at(db->idx, k);
				if (info_file_of(path_basename(e->path), pkg->info_name))
					e->keep = false;
			}
			continue;
		}
		if (pkg->state == PKGDB_WHOLE) {
			buf_adds(&status, pkg->stanza);
			buf_adds(&status, "\n");
		} else {
			partial_stanza(db->idx, pkg, &status);
		}
		buf_adds(&status, "\n");
		static const char *const exts[] = { "list", "md5sums", "conffiles", NULL };
		for (size_t k = 0; exts[k]; k++) {
			cleanup_free char *info = dpkg_info_path(pkg, exts[k]);
			if (layer_index_lookup(db->idx, info) && keep_path(ks, info, KEEP_PKGDB, "dpkg", err) < 0)
				return -1;
			if (pkg->state == PKGDB_PARTIAL &&
			    filter_file(db, &cap, info, !strcmp(exts[k], "md5sums"), err) < 0) {
				free(status.s);
				return -1;
			}
		}
	}
	if (!status.s)
		buf_adds(&status, "");
	add_override(db, &cap, DPKG_STATUS, &status);
	qsort(db->overrides, db->n_overrides, sizeof(*db->overrides), override_cmp);
	return 0;
}
