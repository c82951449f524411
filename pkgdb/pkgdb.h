/* The slim image's package database (doc/MINIFIER.md, "Package database"): after the minifier has
 * decided, each package of the image's package manager is kept whole, kept in part or gone, and
 * the database is rewritten to say so, so that dpkg -l / -S / --verify and scanners tell the truth.
 *
 *   pkgdb_open(idx, rootfs, &db, err);       detect the manager, read its database (dpkg: status,
 *                                            info/PKG.list, .md5sums) from the unpacked tree
 *   pkgdb_decide(db, ks, err);               from fs_entry.keep: each package's state; keeps the
 *                                            database files of the kept packages, drops the others'
 *   pkgdb_overrides(db, &n);                 the rewritten files, for image_write_opts.overrides
 *   pkgdb_report_json(db);                   the report's "packages" part
 * dpkg and apk; rpm databases are detected and left as the minifier decided (reported). */
#ifndef PARE_PKGDB_H
#define PARE_PKGDB_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "image/layer_index.h"
#include "image/writer.h"
#include "lib/error.h"
#include "minifier/content.h"
#include "minifier/keep.h"

enum pkgdb_manager { PKGDB_NONE, PKGDB_DPKG, PKGDB_APK, PKGDB_RPM };
enum pkgdb_state { PKGDB_WHOLE, PKGDB_PARTIAL, PKGDB_GONE };

/* One file a package lists, as listed ("/bin/ls"), and where it is in the index (resolved through
 * symlinked directories, "/usr/bin/ls"), or NULL when the image lacks it. */
struct pkgdb_file {
	char *path;
	struct fs_entry *fe;
	char *md5; /* from .md5sums, or NULL */
};

struct pkgdb_pkg {
	char *name, *version, *arch, *source; /* apk: source is the origin (o:) */
	char *license;     /* apk: L: as the package says it; dpkg: NULL (the copyright file has it) */
	char *id;          /* apk: the package's checksum (C:), the key of the triggers file */
	char *stanza;      /* the status (apk: installed) stanza as read, without its blank line */
	char *info_name;   /* "name" or "name:arch" (Multi-Arch: same): info/<info_name>.list */
	struct pkgdb_file *files; /* regular files, symlinks... (not directories) */
	size_t n_files;
	char **dirs;       /* directories it lists, as listed */
	size_t n_dirs;
	size_t n_present;  /* files present in the image */
	size_t n_kept;     /* of them, kept */
	uint64_t kept_bytes;
	enum pkgdb_state state;
};

struct pkgdb {
	enum pkgdb_manager manager;
	const char *db_path; /* "/var/lib/dpkg/status", "/lib/apk/db/installed", "/var/lib/rpm" */
	struct layer_index *idx;
	struct content_root *cr; /* the unpacked tree the database is read from */
	struct pkgdb_pkg *pkgs;
	size_t n_pkgs;
	struct image_write_override *overrides; /* sorted by path; data owned here */
	size_t n_overrides;
	uint64_t db_bytes_before, db_bytes_after; /* the database files in the image and in the slim one */
};

const char *pkgdb_manager_name(enum pkgdb_manager m);
const char *pkgdb_state_name(enum pkgdb_state s);

/* Reads the database of the image in idx (file contents from rootfs_dir). *out is set even when
 * the image has none (manager PKGDB_NONE). Fails on an unreadable or malformed database. */
int pkgdb_open(struct layer_index *idx, const char *rootfs_dir, struct pkgdb **out, struct pare_error *err);
void pkgdb_free(struct pkgdb *db);

/* After keep_finish: decides each package, marks the database files to keep (through ks, reason
 * KEEP_PKGDB) and unmarks the gone packages' info files; prepares the rewritten files. */
int pkgdb_decide(struct pkgdb *db, struct keep_set *ks, struct pare_error *err);

/* Counts per state. */
void pkgdb_counts(const struct pkgdb *db, size_t counts[3]);
/* {"manager", "database", "whole": [{name, version, arch, files}], "partial": [{..., kept}],
 *  "removed": [...], "bytes": {before, after}}. */
json_t *pkgdb_report_json(const struct pkgdb *db);
#endif
