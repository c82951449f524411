/* Siblings: files a program picks by name at run time from a set it has already started using, which
 * one probe run rarely exercises in full (doc/MINIFIER.md, "Siblings"):
 *   - the time zone database: a zone is chosen by data (TZ, a timestamp's zone, a client's SET
 *     TIME ZONE); once a program reads one zone file directly, every zone is kept;
 *   - the modules of a Python package whose __init__.py was loaded (encodings.* by codec name,
 *     email.mime.*, submodules imported inside functions): its own .py files;
 *   - the JavaScript and JSON files of a Node package under node_modules that was loaded (packages
 *     require their own files lazily: iconv-lite's encodings on the first decoded body);
 *   - character set converters (gconv, Ruby's enc/, Perl's Encode) once one was loaded by name;
 *   - the same file in the other language directories of a language set (langsets.c).
 * Only source and data of the set itself: no subpackages that were never entered (they are handled
 * when they are), no nested node_modules. What the kept Python modules import comes with them
 * (pyimports.c). */
#include <string.h>
#include <sys/stat.h>

#include "lib/path.h"
#include "lib/xalloc.h"
#include "minifier/keep_int.h"
#include "minifier/strset.h"

#define SUBTREE_DEPTH 64

/* The directory named "zoneinfo" above path (or path itself), or NULL. */
static char *zoneinfo_root(const char *path)
{
	const char *p = strstr(path, "/zoneinfo");
	while (p && p[9] != '/' && p[9] != '\0')
		p = strstr(p + 1, "/zoneinfo");
	return p ? xstrndup(path, (size_t)(p - path) + 9) : NULL;
}

static void keep_zoneinfo(struct keep_set *ks, const struct profile_file *f, const char *localtime,
			  struct strset *done)
{
	if (!(f->kinds & (PROFILE_OPEN | PROFILE_LISTDIR)))
		return;
	cleanup_free char *root = zoneinfo_root(f->path);
	if (!root)
		return;
	/* glibc reading /etc/localtime's target is the local zone only, not a choice by data. */
	if (localtime && !strcmp(f->path, localtime))
		return;
	const struct fs_entry *e = layer_index_lookup(ks->idx, root);
	if (!e || !S_ISDIR(e->mode) || !strset_add(done, root))
		return;
	cleanup_free char *why = xasprintf("time zone database (%s was read)", f->path);
	keep_path_ex(ks, root, KEEP_F_SUBTREE, KEEP_SIBLING, why, NULL, NULL);
}

/* Files a package ships that nothing reads at run time: documentation and gettext's source catalogs
 * (gettext reads the compiled .mo). */
static bool not_run_time_data(const char *base)
{
	if (path_has_suffix(base, ".py"))
		return false; /* a module, whatever its name */
	static const char *const prefixes[] = { "README", "LICENSE", "LICENCE", "COPYING", "CHANGELOG", "CHANGES",
						"AUTHORS", NULL };
	for (size_t i = 0; prefixes[i]; i++)
		if (!strncmp(base, prefixes[i], strlen(prefixes[i])))
			return true;
	return path_has_suffix(base, ".po") || path_has_suffix(base, ".pot") || path_has_suffix(base, ".pyc");
}

/* The data of a Python package below dir: every file but documentation, in subdirectories too, except
 * subpackages (handled when entered) and bytecode caches. .py files there (a namespace package, a
 * template) are listed in kept for their imports. */
static void keep_python_data(struct keep_set *ks, const char *dir, const char *init, struct strvec *kept, int depth)
{
	size_t first, n;
	if (depth > SUBTREE_DEPTH || layer_index_children(ks->idx, dir, &first, &n) < 0)
		return;
	for (size_t i = first; i < first + n; i++) {
		struct fs_entry *c = layer_index_at(ks->idx, i);
		const char *base = path_basename(c->path);
		if (S_ISDIR(c->mode)) {
			if (strcmp(base, "__pycache__") && !keep_is_python_package(ks, c->path))
				keep_python_data(ks, c->path, init, kept, depth + 1);
		} else if (!c->keep && (S_ISREG(c->mode) || S_ISLNK(c->mode)) && !not_run_time_data(base) &&
			   keep_path_ex(ks, c->path, KEEP_F_AUTO, KEEP_SIBLING, init, NULL, NULL) == 1 &&
			   S_ISREG(c->mode) && path_has_suffix(base, ".py")) {
			strvec_push(kept, c->path);
		}
	}
}

static bool basename_is(const char *path, const char *name)
{
	return !strcmp(path_basename(path), name);
}

/* Character set converters are loaded by name (iconv_open, Ruby's String#encode, Perl's
 * Encode::decode), the name often coming from data (a client's charset). Once a program loaded one
 * beyond those its runtime loads at start-up, every converter of that set is kept: glibc's gconv
 * modules (the directory with its configuration), Ruby's enc/ with enc/trans/ (not for encdb.so and
 * transdb.so alone), Perl's Encode tables (lib/Encode/ and lib/auto/Encode/; not for Encode.so). */
static void keep_converters(struct keep_set *ks, const struct profile_file *f, struct strset *done)
{
	if (!(f->kinds & PROFILE_OPEN) || !path_has_suffix(f->path, ".so"))
		return;
	const char *base = path_basename(f->path);
	cleanup_free char *dir = path_dirname(f->path);
	cleanup_free char *up = path_dirname(dir);
	cleanup_free char *up2 = path_dirname(up);
	struct strvec sets = STRVEC_INIT;
	if (basename_is(dir, "gconv")) {
		strvec_push(&sets, dir);
	} else if (strstr(f->path, "/ruby/") && strcmp(base, "encdb.so") && strcmp(base, "transdb.so") &&
		   (basename_is(dir, "enc") || (basename_is(dir, "trans") && basename_is(up, "enc")))) {
		strvec_push(&sets, basename_is(dir, "enc") ? dir : up);
	} else if (basename_is(up, "Encode") && basename_is(up2, "auto")) {
		cleanup_free char *lib = path_dirname(up2);
		strvec_push(&sets, up);
		strvec_pushf(&sets, "%s/Encode", strcmp(lib, "/") ? lib : "");
	}
	for (size_t i = 0; i < sets.n; i++) {
		const struct fs_entry *e = layer_index_lookup(ks->idx, sets.v[i]);
		if (!e || !S_ISDIR(e->mode) || !strset_add(done, sets.v[i]))
			continue;
		cleanup_free char *why = xasprintf("character set converters (%s was loaded)", f->path);
		keep_path_ex(ks, sets.v[i], KEEP_F_SUBTREE, KEEP_SIBLING, why, NULL, NULL);
	}
	strvec_release(&sets);
}

/* Python: D/__init__.py used -> the .py files of D and its data (templates, message catalogs, static
 * files and resources a package opens by name: importlib.resources, Django's templates, Jinja's
 * loaders). Not their __pycache__ bytecode: Python compiles a module that has none (a little slower,
 * once per process), and the source is what it needs. */
static void keep_python_package(struct keep_set *ks, const char *init, struct strset *done, struct strvec *kept)
{
	cleanup_free char *dir = path_dirname(init);
	if (strset_add(done, dir))
		keep_python_data(ks, dir, init, kept, 0);
}

static void keep_node_files(struct keep_set *ks, const char *dir, enum keep_why why, const char *of, int depth)
{
	size_t first, n;
	if (depth > SUBTREE_DEPTH || layer_index_children(ks->idx, dir, &first, &n) < 0)
		return;
	for (size_t i = first; i < first + n; i++) {
		struct fs_entry *c = layer_index_at(ks->idx, i);
		const char *base = path_basename(c->path);
		if (S_ISDIR(c->mode)) {
			if (strcmp(base, "node_modules"))
				keep_node_files(ks, c->path, why, of, depth + 1);
		} else if (!c->keep && S_ISREG(c->mode) &&
			   (path_has_suffix(base, ".js") || path_has_suffix(base, ".cjs") || path_has_suffix(base, ".mjs") ||
			    path_has_suffix(base, ".json"))) {
			keep_path_ex(ks, c->path, KEEP_F_AUTO, why, of, NULL, NULL);
		}
	}
}

void keep_node_package(struct keep_set *ks, const char *dir, enum keep_why why, const char *of)
{
	keep_node_files(ks, dir, why, of, 0);
}

/* The application's own package: the nearest directory above a script (not below node_modules) that
 * has a package.json, or NULL. */
static char *node_app_package(struct keep_set *ks, const char *script)
{
	char *dir = path_dirname(script);
	for (;;) {
		cleanup_free char *manifest = path_join(dir, "package.json");
		if (keep_index_is(ks, manifest, S_IFREG))
			return dir;
		if (!strcmp(dir, "/")) {
			free(dir);
			return NULL;
		}
		char *up = path_dirname(dir);
		free(dir);
		dir = up;
	}
}

/* Node: the package directory of a file below node_modules ("node_modules/x", "node_modules/@s/x"). */
static char *node_package(const char *path)
{
	const char *nm = NULL;
	for (const char *p = strstr(path, "/node_modules/"); p; p = strstr(p + 1, "/node_modules/"))
		nm = p;
	if (!nm)
		return NULL;
	const char *name = nm + strlen("/node_modules/");
	const char *end = strchr(name, '/');
	if (end && name[0] == '@')
		end = strchr(end + 1, '/');
	if (!end || end == name)
		return NULL; /* a file directly in node_modules (.package-lock.json): no package */
	return xstrndup(path, (size_t)(end - path));
}

void keep_siblings(struct keep_set *ks)
{
	const struct profile *p = ks->profile;
	if (!p)
		return;
	cleanup_free char *localtime = NULL;
	if (layer_index_resolve(ks->idx, "/etc/localtime", false, &localtime, NULL, NULL, NULL) != 1) {
		free(localtime);
		localtime = NULL;
	}
	struct strset done = STRSET_INIT;
	struct strvec modules = STRVEC_INIT; /* Python modules kept here: their imports come next */
	struct strvec node_pkgs = STRVEC_INIT; /* Node packages used (and the app's own): their dependencies next */
	for (size_t i = 0; i < p->n_files; i++) {
		const struct profile_file *f = &p->files[i];
		keep_zoneinfo(ks, f, localtime, &done);
		if (!keep_index_is(ks, f->path, S_IFREG))
			continue;
		keep_converters(ks, f, &done);
		keep_language_variants(ks, f, &done);
		if (!strcmp(path_basename(f->path), "__init__.py")) {
			keep_python_package(ks, f->path, &done, &modules);
			continue;
		}
		if (!(f->kinds & (PROFILE_OPEN | PROFILE_EXEC)))
			continue;
		cleanup_free char *pkg = node_package(f->path);
		if (pkg && strset_add(&done, pkg)) {
			cleanup_free char *manifest = path_join(pkg, "package.json");
			if (keep_index_is(ks, manifest, S_IFREG)) {
				keep_node_files(ks, pkg, KEEP_SIBLING, f->path, 0);
				strvec_push(&node_pkgs, pkg);
			}
		} else if (!pkg && (path_has_suffix(f->path, ".js") || path_has_suffix(f->path, ".cjs") ||
				    path_has_suffix(f->path, ".mjs"))) {
			cleanup_free char *app = node_app_package(ks, f->path);
			if (app && strset_add(&done, app))
				strvec_push(&node_pkgs, app);
		}
	}
	keep_language_siblings(ks, &modules);
	keep_node_dependencies(ks, &node_pkgs, &done);
	strvec_release(&node_pkgs);
	strset_release(&done);
	keep_python_imports(ks, &modules);
	strvec_release(&modules);
}
