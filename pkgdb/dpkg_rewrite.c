/* The slim image's dpkg database: the status file lists the packages with at least one kept file
 * (a package kept in part gets a Pare-Partial field and only its kept conffiles), their
 * info/PKG.list and .md5sums name only what is kept, and the gone packages' info files go. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/path.h"
#include "lib/strbuf.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "pkgdb/pkgdb_int.h"


/* A partial package's stanza: Conffiles lines of removed files dropped, the partial field added. */
static void partial_stanza(struct layer_index *idx, const struct pkgdb_pkg *pkg, struct strbuf *out)
{
	const char *p = pkg->stanza;
	bool in_conffiles = false;
	struct strbuf conf = { 0 };
	while (*p) {
		size_t len = strcspn(p, "\n");
		cleanup_free char *line = xstrndup(p, len);
		p += len + (p[len] == '\n');
		if (in_conffiles && (line[0] == ' ' || line[0] == '\t')) {
			char path[LAYER_INDEX_MAX_PATH] = "";
			if (sscanf(line, " %4095s", path) == 1 && pkgdb_path_kept(idx, path)) {
				strbuf_adds(&conf, line);
				strbuf_adds(&conf, "\n");
			}
			continue;
		}
		if (in_conffiles && conf.len) {
			strbuf_adds(out, "Conffiles:\n");
			strbuf_add(out, conf.s, conf.len);
		}
		in_conffiles = false;
		if (!strncasecmp(line, "Conffiles:", 10)) {
			in_conffiles = true;
			conf.len = 0;
			continue;
		}
		strbuf_adds(out, line);
		strbuf_adds(out, "\n");
	}
	if (in_conffiles && conf.len) {
		strbuf_adds(out, "Conffiles:\n");
		strbuf_add(out, conf.s, conf.len);
	}
	strbuf_release(&conf);
	strbuf_addf(out, DPKG_PARTIAL_FIELD ": %zu/%zu files\n", pkg->n_kept, pkg->n_present);
}

struct filter_ctx {
	struct layer_index *idx;
	bool md5sums; /* lines are "md5  relative/path" */
};

/* A line of info/PKG.list, .md5sums or .conffiles stays when its path is kept. */
static void filter_line(void *data, const char *line, struct strbuf *out)
{
	const struct filter_ctx *c = data;
	const char *path = line;
	cleanup_free char *abs = NULL;
	if (c->md5sums) {
		const char *sp = strstr(line, "  ");
		if (!sp)
			return;
		path = abs = xasprintf("/%s", sp + 2);
	}
	if (pkgdb_path_kept(c->idx, path))
		strbuf_addf(out, "%s\n", line);
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
	struct strbuf status = { 0 };
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
			strbuf_adds(&status, pkg->stanza);
			strbuf_adds(&status, "\n");
		} else {
			partial_stanza(db->idx, pkg, &status);
		}
		strbuf_adds(&status, "\n");
		static const char *const exts[] = { "list", "md5sums", "conffiles", NULL };
		for (size_t k = 0; exts[k]; k++) {
			cleanup_free char *info = dpkg_info_path(pkg, exts[k]);
			if (layer_index_lookup(db->idx, info) && keep_path(ks, info, KEEP_PKGDB, "dpkg", err) < 0)
				return -1;
			struct filter_ctx fc = { db->idx, !strcmp(exts[k], "md5sums") };
			if (pkg->state == PKGDB_PARTIAL && pkgdb_rewrite_file(db, &cap, info, filter_line, &fc, err) < 0) {
				strbuf_release(&status);
				return -1;
			}
		}
	}
	pkgdb_add_override(db, &cap, DPKG_STATUS, &status);
	return 0;
}
