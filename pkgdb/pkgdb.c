/* Detecting the package manager, deciding each package's state, and the report's part. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/path.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "pkgdb/pkgdb_int.h"

const char *pkgdb_manager_name(enum pkgdb_manager m)
{
	static const char *const names[] = { "none", "dpkg", "apk", "rpm" };
	return m <= PKGDB_RPM ? names[m] : "?";
}

const char *pkgdb_state_name(enum pkgdb_state s)
{
	static const char *const names[] = { "whole", "partial", "removed" };
	return s <= PKGDB_GONE ? names[s] : "?";
}

static void note_link(const struct fs_entry *link, void *data)
{
	if (!link->keep)
		*(bool *)data = false;
}

/* The entry of a listed path, resolved through symlinked directories (the last component itself);
 * *links_kept (when given) is cleared when a symlink met on the way is not kept. */
static struct fs_entry *lookup(struct layer_index *idx, const char *listed, bool *links_kept)
{
	cleanup_free char *norm = path_normalize(listed);
	cleanup_free char *res = NULL;
	if (layer_index_resolve(idx, norm, true, &res, links_kept ? note_link : NULL, links_kept, NULL) != 1)
		return NULL;
	return layer_index_lookup(idx, res);
}

struct fs_entry *pkgdb_lookup(struct layer_index *idx, const char *listed)
{
	return lookup(idx, listed, NULL);
}

bool pkgdb_path_kept(struct layer_index *idx, const char *listed)
{
	if (!strcmp(listed, "/.") || !strcmp(listed, "/"))
		return true;
	bool links_kept = true; /* a directory symlink on the way that the slim image lacks hides the file */
	const struct fs_entry *fe = lookup(idx, listed, &links_kept);
	return fe && fe->keep && links_kept;
}

/* Calls fn for each line of a mapped file (without its newline, NUL-terminated copy). */
void pkgdb_each_line(const struct content_map *m, void (*fn)(void *ctx, char *line), void *ctx)
{
	const char *p = m->data, *end = p ? p + m->len : NULL;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		cleanup_free char *line = xstrndup(p, len);
		fn(ctx, line);
		p += len + 1;
	}
}

void pkgdb_add_override(struct pkgdb *db, size_t *cap, const char *path, struct strbuf *b)
{
	if (!b->s)
		strbuf_adds(b, "");
	db->overrides = xgrow(db->overrides, cap, db->n_overrides + 1, sizeof(*db->overrides));
	db->overrides[db->n_overrides++] = (struct image_write_override){ xstrdup(path), b->s, b->len };
	*b = (struct strbuf)STRBUF_INIT;
}

struct rewrite_ctx {
	pkgdb_line_fn *fn;
	void *data;
	struct strbuf out;
};

static void rewrite_line(void *data, char *line)
{
	struct rewrite_ctx *c = data;
	c->fn(c->data, line, &c->out);
}

int pkgdb_rewrite_file(struct pkgdb *db, size_t *cap, const char *path, pkgdb_line_fn *fn, void *data,
		       struct pare_error *err)
{
	const struct fs_entry *fe = layer_index_lookup(db->idx, path);
	if (!fe || !S_ISREG(fe->mode) || !fe->keep)
		return 0;
	struct content_map m = { 0 };
	if (content_map(db->cr, path, &m, err) < 0)
		return pare_error_prefix(err, "reading '%s'", path);
	struct rewrite_ctx c = { fn, data, STRBUF_INIT };
	pkgdb_each_line(&m, rewrite_line, &c);
	content_unmap(&m);
	pkgdb_add_override(db, cap, path, &c.out);
	return 0;
}

static int override_cmp(const void *a, const void *b)
{
	return strcmp(((const struct image_write_override *)a)->path, ((const struct image_write_override *)b)->path);
}

static bool is_type(struct layer_index *idx, const char *path, mode_t type)
{
	const struct fs_entry *e = layer_index_lookup(idx, path);
	return e && (e->mode & S_IFMT) == type;
}

int pkgdb_open(struct layer_index *idx, const char *rootfs_dir, struct pkgdb **out, struct pare_error *err)
{
	*out = NULL;
	struct pkgdb *db = xcalloc(1, sizeof(*db));
	db->idx = idx;
	if (is_type(idx, DPKG_STATUS, S_IFREG)) {
		db->manager = PKGDB_DPKG;
		db->db_path = DPKG_STATUS;
	} else if (is_type(idx, APK_INSTALLED, S_IFREG)) {
		db->manager = PKGDB_APK;
		db->db_path = APK_INSTALLED;
	} else if (is_type(idx, "/var/lib/rpm", S_IFDIR) || is_type(idx, "/usr/lib/sysimage/rpm", S_IFDIR)) {
		db->manager = PKGDB_RPM;
		db->db_path = is_type(idx, "/var/lib/rpm", S_IFDIR) ? "/var/lib/rpm" : "/usr/lib/sysimage/rpm";
	}
	if (db->manager == PKGDB_DPKG || db->manager == PKGDB_APK) {
		if (content_root_open(rootfs_dir, &db->cr, err) < 0 ||
		    (db->manager == PKGDB_DPKG ? dpkg_read(db, err) : apk_read(db, err)) < 0) {
			pkgdb_free(db);
			return pare_error_prefix(err, "package database");
		}
	}
	*out = db;
	return 0;
}

void pkgdb_pkg_release(struct pkgdb_pkg *p)
{
	free(p->name);
	free(p->version);
	free(p->arch);
	free(p->source);
	free(p->license);
	free(p->id);
	free(p->stanza);
	free(p->info_name);
	for (size_t k = 0; k < p->n_files; k++) {
		free(p->files[k].path);
		free(p->files[k].md5);
	}
	free(p->files);
	for (size_t k = 0; k < p->n_dirs; k++)
		free(p->dirs[k]);
	free(p->dirs);
	memset(p, 0, sizeof(*p));
}

void pkgdb_free(struct pkgdb *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n_pkgs; i++)
		pkgdb_pkg_release(&db->pkgs[i]);
	free(db->pkgs);
	for (size_t i = 0; i < db->n_overrides; i++) {
		free((char *)db->overrides[i].path);
		free((void *)db->overrides[i].data);
	}
	free(db->overrides);
	if (db->cr)
		content_root_free(db->cr);
	free(db);
}

/* Content bytes of the regular files under the database's directory, kept only or all, with the
 * rewritten files at their new size. */
static uint64_t db_bytes(const struct pkgdb *db, const char *dir, bool kept_only)
{
	uint64_t sum = 0;
	size_t n = layer_index_count(db->idx);
	for (size_t i = 0; i < n; i++) {
		const struct fs_entry *e = layer_index_at(db->idx, i);
		if (!S_ISREG(e->mode) || !path_has_prefix(e->path, dir) || (kept_only && !e->keep))
			continue;
		uint64_t size = (uint64_t)e->size;
		for (size_t k = 0; kept_only && k < db->n_overrides; k++)
			if (!strcmp(db->overrides[k].path, e->path))
				size = db->overrides[k].size;
		sum += size;
	}
	return sum;
}

int pkgdb_decide(struct pkgdb *db, struct keep_set *ks, struct pare_error *err)
{
	if (db->manager != PKGDB_DPKG && db->manager != PKGDB_APK)
		return 0;
	for (size_t i = 0; i < db->n_pkgs; i++) {
		struct pkgdb_pkg *pkg = &db->pkgs[i];
		pkg->n_present = pkg->n_kept = 0;
		pkg->kept_bytes = 0;
		for (size_t k = 0; k < pkg->n_files; k++) {
			const struct fs_entry *fe = pkg->files[k].fe;
			if (!fe)
				continue;
			pkg->n_present++;
			if (pkgdb_path_kept(db->idx, pkg->files[k].path)) {
				pkg->n_kept++;
				if (S_ISREG(fe->mode))
					pkg->kept_bytes += (uint64_t)fe->size;
			}
		}
		pkg->state = !pkg->n_kept ? PKGDB_GONE : pkg->n_kept == pkg->n_present ? PKGDB_WHOLE : PKGDB_PARTIAL;
	}
	const char *dir = db->manager == PKGDB_DPKG ? DPKG_DIR : APK_DB_DIR;
	db->db_bytes_before = db_bytes(db, dir, true);
	if ((db->manager == PKGDB_DPKG ? dpkg_rewrite(db, ks, err) : apk_rewrite(db, ks, err)) < 0)
		return pare_error_prefix(err, "package database");
	qsort(db->overrides, db->n_overrides, sizeof(*db->overrides), override_cmp);
	db->db_bytes_after = db_bytes(db, dir, true);
	return 0;
}

void pkgdb_counts(const struct pkgdb *db, size_t counts[3])
{
	counts[0] = counts[1] = counts[2] = 0;
	for (size_t i = 0; i < db->n_pkgs; i++)
		counts[db->pkgs[i].state]++;
}

json_t *pkgdb_report_json(const struct pkgdb *db)
{
	json_t *lists[3] = { json_array(), json_array(), json_array() };
	for (size_t i = 0; i < db->n_pkgs; i++) {
		const struct pkgdb_pkg *p = &db->pkgs[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "name", p->name, "version", p->version ? p->version : "",
				      "arch", p->arch ? p->arch : "", "files", (json_int_t)p->n_present);
		if (p->state == PKGDB_PARTIAL)
			json_object_set_new(o, "kept", json_integer((json_int_t)p->n_kept));
		json_array_append_new(lists[p->state], o);
	}
	json_t *r = json_pack("{s:s, s:o, s:o, s:o}", "manager", pkgdb_manager_name(db->manager), "whole", lists[0],
			      "partial", lists[1], "removed", lists[2]);
	if (db->db_path)
		json_object_set_new(r, "database", json_string(db->db_path));
	if (db->manager == PKGDB_DPKG || db->manager == PKGDB_APK)
		json_object_set_new(r, "bytes",
				    json_pack("{s:I, s:I}", "kept_before", (json_int_t)db->db_bytes_before, "written",
					      (json_int_t)db->db_bytes_after));
	else if (db->manager != PKGDB_NONE)
		json_object_set_new(r, "note", json_string("not rewritten: kept as the minifier decided"));
	return r;
}
