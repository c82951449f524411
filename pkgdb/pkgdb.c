/* Detecting the package manager, deciding each package's state, and the report's part. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/path.h"
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
	} else if (is_type(idx, "/lib/apk/db/installed", S_IFREG)) {
		db->manager = PKGDB_APK;
		db->db_path = "/lib/apk/db/installed";
	} else if (is_type(idx, "/var/lib/rpm", S_IFDIR) || is_type(idx, "/usr/lib/sysimage/rpm", S_IFDIR)) {
		db->manager = PKGDB_RPM;
		db->db_path = is_type(idx, "/var/lib/rpm", S_IFDIR) ? "/var/lib/rpm" : "/usr/lib/sysimage/rpm";
	}
	if (db->manager == PKGDB_DPKG) {
		if (content_root_open(rootfs_dir, &db->cr, err) < 0 || dpkg_read(db, err) < 0) {
			pkgdb_free(db);
			return pare_error_prefix(err, "package database");
		}
	}
	*out = db;
	return 0;
}

void pkgdb_free(struct pkgdb *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n_pkgs; i++) {
		struct pkgdb_pkg *p = &db->pkgs[i];
		free(p->name);
		free(p->version);
		free(p->arch);
		free(p->source);
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
	}
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
	if (db->manager != PKGDB_DPKG)
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
			if (fe->keep) {
				pkg->n_kept++;
				if (S_ISREG(fe->mode))
					pkg->kept_bytes += (uint64_t)fe->size;
			}
		}
		pkg->state = !pkg->n_kept ? PKGDB_GONE : pkg->n_kept == pkg->n_present ? PKGDB_WHOLE : PKGDB_PARTIAL;
	}
	db->db_bytes_before = db_bytes(db, DPKG_DIR, true);
	if (dpkg_rewrite(db, ks, err) < 0)
		return pare_error_prefix(err, "package database");
	db->db_bytes_after = db_bytes(db, DPKG_DIR, true);
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
	if (db->manager == PKGDB_DPKG)
		json_object_set_new(r, "bytes",
				    json_pack("{s:I, s:I}", "kept_before", (json_int_t)db->db_bytes_before, "written",
					      (json_int_t)db->db_bytes_after));
	else if (db->manager != PKGDB_NONE)
		json_object_set_new(r, "note", json_string("not rewritten: kept as the minifier decided"));
	return r;
}
