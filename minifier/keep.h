/* Deciding what a slim image keeps, and why (doc/MINIFIER.md).
 *
 *   keep_set_new(idx, rootfs_dir, &opts, &ks, err);   the index to mark, the unpacked tree to read
 *   keep_add_profile(ks, profile, err);               what the traced run touched
 *   keep_apply_rules(ks, err);                        entrypoint, always-kept files, --include-*
 *   keep_finish(ks, err);                             ELF deps and #! interpreters (recursively),
 *                                                     --exclude, then every kept path's parents
 * Marks fs_entry.keep on the index (the writer's only_kept) and points fs_entry.user at a
 * struct keep_mark with the reason. Everything is resolved in the image's layer index, never on
 * the host; file contents are read from the unpacked tree (minifier/content.h). */
#ifndef PARE_MINIFIER_KEEP_H
#define PARE_MINIFIER_KEEP_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "image/layer_index.h"
#include "lib/error.h"
#include "tracer/profile.h"

/* Why an entry is kept, in order of precedence (a stronger reason replaces a weaker one). */
enum keep_why {
	KEEP_ENTRYPOINT, /* the image's entrypoint executable (never excluded) */
	KEEP_TRACED,     /* the profile shows it as used: detail = kinds ("open,exec") */
	KEEP_INCLUDE,    /* an --include-* option: detail = "include-path:/x" ... */
	KEEP_ALWAYS,     /* always kept: /etc/passwd, CA bundle, /tmp, WorkingDir, volumes, home */
	KEEP_INTERP,     /* PT_INTERP or #! interpreter of detail */
	KEEP_ELF_DEP,    /* DT_NEEDED of detail */
	KEEP_HWCAPS,     /* a glibc-hwcaps (or legacy hwcap subdirectory) variant of detail */
	KEEP_SIBLING,    /* same data set or package as a used file: a zone, a package's module (siblings.c) */
	KEEP_PYIMPORT,   /* imported at module level by detail, a kept Python module (pyimports.c) */
	KEEP_PKGDEP,     /* a Node package that the package.json in detail depends on (nodedeps.c) */
	KEEP_PKGMETA,    /* a Python distribution's or Node package's metadata; detail = a kept file of it (langmeta.c) */
	KEEP_PKGDB,      /* the package database of what is kept (pkgdb/): detail = the manager */
	KEEP_SYMLINK,    /* a symlink met on the way to detail */
	KEEP_PARENT,     /* a parent directory of detail */
	KEEP_WHY_COUNT
};

struct keep_mark {
	enum keep_why why;
	char *detail;
	bool analyzed; /* contents looked at (ELF/#!) */
	bool derived;  /* kept only as a parent directory of other kept paths (recomputed after --exclude) */
};

struct keep_opts {
	char **env;          /* the image's Env ("KEY=VALUE"): PATH and LD_LIBRARY_PATH; may be NULL */
	const char *user;    /* the image's User ("", "name", "uid[:gid]") */
	const char *workdir; /* the image's WorkingDir, or NULL */
	char **volumes;      /* VOLUME paths, or NULL */
	char **command;      /* what the image runs (Entrypoint + Cmd); argv[0] is kept and never excluded */
	bool no_certs;       /* --include-certs=off */
	bool include_shell, include_zoneinfo, include_locales;
	char **include_paths; /* subtrees */
	char **include_bins;  /* files, with their ELF dependencies */
	char **include_exes;  /* names searched on the image's PATH */
	char **excludes;      /* globs (fnmatch without FNM_PATHNAME; a match on a directory excludes its subtree) */
};

struct keep_set;

int keep_set_new(struct layer_index *idx, const char *rootfs_dir, const struct keep_opts *opts,
		 struct keep_set **out, struct pare_error *err);
/* Clears fs_entry.user of the marked entries (keep bits stay) and frees everything. */
void keep_set_free(struct keep_set *ks);

int keep_add_profile(struct keep_set *ks, const struct profile *p, struct pare_error *err);
int keep_apply_rules(struct keep_set *ks, struct pare_error *err);
int keep_finish(struct keep_set *ks, struct pare_error *err);

/* Keep one path (symlinks on the way, its target, parents). Returns 1 when it exists, 0 when not. */
int keep_path(struct keep_set *ks, const char *path, enum keep_why why, const char *detail, struct pare_error *err);

const char *keep_why_name(enum keep_why why);
/* The reason an entry is kept, or NULL when it is not kept by this set. */
const struct keep_mark *keep_mark_of(const struct fs_entry *e);

struct keep_totals {
	uint64_t kept_files, kept_bytes;       /* bytes: regular file contents, hardlinks counted once */
	uint64_t removed_files, removed_bytes;
};
void keep_totals(const struct keep_set *ks, struct keep_totals *t);
/* Things a user should know (a library not found, an addition refused because of a negative lookup). */
char *const *keep_warnings(const struct keep_set *ks);
/* The warnings among them that say the slim image may lack something the application uses (programs
 * next to the ones it ran that no probe ran): worth showing without --report. */
char *const *keep_alerts(const struct keep_set *ks);

/* {"kept": [{"path", "type", "size", "reason", "of"}...], "removed": [{"path", "size"}...],
 *  "warnings": [...], "totals": {...}}: the minifier's part of `pare build --report`. */
json_t *keep_report_json(const struct keep_set *ks);
#endif
