/* Internals shared by keep.c, resolve.c, rules.c and report.c. */
#ifndef PARE_MINIFIER_KEEP_INT_H
#define PARE_MINIFIER_KEEP_INT_H
#include "lib/strvec.h"
#include "minifier/content.h"
#include "minifier/keep.h"
#include "minifier/ldcache.h"
#include "minifier/strset.h"

struct keep_set {
	struct layer_index *idx;
	struct content_root *content; /* NULL: contents cannot be read (no ELF/#! analysis) */
	const struct profile *profile;
	struct keep_opts opts;        /* borrowed strings */
	char **path_dirs;             /* the image's PATH, split */
	char **ld_library_path;       /* the image's LD_LIBRARY_PATH, split (empty items are ".") */
	struct ldcache cache;
	bool cache_loaded, cache_tried;
	struct strset analyzed;       /* "object\nrpath-chain" keys already resolved */
	struct strset analyzed_objects; /* objects resolved at least once (with their loaders' context) */
	struct strset warned;
	struct strset sonames;        /* DT_SONAME of every ELF object analysed */
	struct strvec unresolved;     /* "library\nneeder" not found by the library search */
	struct fs_entry **queue;      /* kept regular files whose contents still need a look */
	size_t n_queue, cap_queue;
	struct keep_mark **marks;     /* everything allocated, for keep_set_free */
	size_t n_marks, cap_marks;
	struct strvec warnings;
	struct strvec alerts;         /* the warnings that say the slim image may miss something used */
	const char *entry_path;       /* resolved entrypoint (protected from --exclude) */
	char *entry_path_owned;
};

/* Flags for keep_path_ex. */
#define KEEP_F_NOFOLLOW 1u  /* keep the last component itself when it is a symlink, not its target */
#define KEEP_F_AUTO 2u      /* an automatic addition: refused when the traced run saw the path missing */
#define KEEP_F_ANCESTOR 4u  /* when the path does not exist, keep its deepest existing ancestor */
#define KEEP_F_SUBTREE 8u   /* a directory: keep everything below it too */

int keep_path_ex(struct keep_set *ks, const char *path, unsigned flags, enum keep_why why, const char *detail,
		 char **resolved, struct pare_error *err);
void keep_mark_entry(struct keep_set *ks, struct fs_entry *e, enum keep_why why, const char *detail);
void keep_warn(struct keep_set *ks, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A warning that is also an alert (keep_alerts). */
void keep_alert(struct keep_set *ks, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool keep_path_forbidden(const char *path);
/* The index has path as an entry of this type (S_IFREG, S_IFDIR...). */
bool keep_index_is(const struct keep_set *ks, const char *path, mode_t type);
/* The value of KEY in the image's Env, or NULL. */
const char *keep_env(const struct keep_set *ks, const char *key);
/* Search NAME on the image's PATH as execvp would; *found receives the path (new string). */
int keep_search_path(struct keep_set *ks, const char *name, char **found);

/* rules.c: what glibc loads at run time without a DT_NEEDED when a kept program needs it (NSS
 * modules named in /etc/nsswitch.conf, libgcc_s for pthread_cancel and backtraces). */
void keep_glibc_companions(struct keep_set *ks);

/* unrun.c: alerts for programs next to the ones the application ran that no probe ran. */
void keep_check_unrun(struct keep_set *ks);

/* siblings.c: the rest of a time zone database, Python package or Node package a program used part
 * of (files it picks by name at run time). Needs the profile. */
void keep_siblings(struct keep_set *ks);
/* langtree.c: a message catalog (or per-language Python module) used in one language of a locale
 * tree, kept in every language of that tree; the .py files kept are added to modules. */
void keep_language_siblings(struct keep_set *ks, struct strvec *modules);
/* langsets.c: a file used directly in a directory named for a language (D/L/NAME) whose D holds
 * NAME in other language directories too (MariaDB's errmsg.sys), or a data file opened next to such
 * a set: keeps NAME in each. done holds the "D\nNAME" sets (and "D\n") already handled. */
void keep_language_variants(struct keep_set *ks, const struct profile_file *f, struct strset *done);
/* langsets.c: NAME is an ISO 639-1 code or an English language name, optionally followed by
 * _TERRITORY, -VARIANT, @SCRIPT or .CODESET. */
bool keep_is_language_name(const char *name);
/* pyimports.c: keeps what the Python modules listed (index paths of .py files just kept) import at
 * module level, and what those import, transitively. Needs the profile and the contents. */
void keep_python_imports(struct keep_set *ks, struct strvec *modules);
/* dir holds an __init__.py (a regular package). */
bool keep_is_python_package(const struct keep_set *ks, const char *dir);
/* siblings.c: the JavaScript and JSON files of the Node package in dir (not its nested node_modules). */
void keep_node_package(struct keep_set *ks, const char *dir, enum keep_why why, const char *of);
/* nodedeps.c: keeps the packages that the packages in pkgs (directories with a package.json) depend
 * on, found as require() finds them, transitively; pkgs grows, done holds the packages already kept. */
void keep_node_dependencies(struct keep_set *ks, struct strvec *pkgs, struct strset *done);

/* langmeta.c: the metadata (dist-info, egg-info, package.json) of every Python distribution and Node
 * package with a kept file (minifier/langpkg.h), kept with reason KEEP_PKGMETA. Needs the contents. */
int keep_language_metadata(struct keep_set *ks, struct pare_error *err);

/* resolve.c: look at a kept regular file's contents (ELF deps, PT_INTERP, #!) and keep what it needs. */
int resolve_analyze(struct keep_set *ks, struct fs_entry *e, struct pare_error *err);
void resolve_release(struct keep_set *ks);
/* Warnings for the libraries not found, except those a kept object provides by its DT_SONAME (ld.so
 * reuses an object already loaded, e.g. dlopened by path, whose soname matches). After the queue. */
void resolve_warn_unresolved(struct keep_set *ks);
#endif
