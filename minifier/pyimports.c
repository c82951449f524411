/* What the Python modules kept as siblings import when they are imported (doc/MINIFIER.md, "Siblings").
 * A sibling module is kept because the application may import it later; it only works then if what it
 * imports at module level is there too: encodings/shift_jis.py needs the extension module _codecs_jp, an
 * app's lazily imported reports.py needs csv and with it _csv. So the module-level imports of every
 * sibling are resolved against the directories Python imported from, and what they name is kept (.py
 * source, package __init__.py files, extension modules with their ELF dependencies), transitively. */
#include <string.h>
#include <sys/stat.h>

#include "lib/path.h"
#include "lib/xalloc.h"
#include "minifier/keep_int.h"
#include "minifier/pyscan.h"

struct pyimports {
	struct keep_set *ks;
	struct strvec roots; /* directories that are on sys.path as far as the trace shows */
	struct strvec queue; /* modules whose imports are still to be read */
	struct strset queued;
	const char *importer; /* the module being read */
};

bool keep_is_python_package(const struct keep_set *ks, const char *dir)
{
	cleanup_free char *init = path_join(dir, "__init__.py");
	return keep_index_is(ks, init, S_IFREG);
}

/* "name.cpython-311-x86_64-linux-gnu.so", "name.abi3.so", "name.so": an extension module named name. */
static bool extension_of(const char *base, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(base, name, n) && base[n] == '.' && path_has_suffix(base, ".so");
}

/* A directory holding modules, packages or extension modules that is not a package itself. */
static bool python_dir(struct keep_set *ks, const char *dir)
{
	size_t first, n;
	if (keep_is_python_package(ks, dir) || layer_index_children(ks->idx, dir, &first, &n) < 0)
		return false;
	for (size_t i = first; i < first + n; i++) {
		const struct fs_entry *c = layer_index_at(ks->idx, i);
		const char *base = path_basename(c->path);
		if (S_ISREG(c->mode) &&
		    (path_has_suffix(base, ".py") || strstr(base, ".cpython-") || path_has_suffix(base, ".abi3.so")))
			return true;
		if (S_ISDIR(c->mode) && keep_is_python_package(ks, c->path))
			return true;
	}
	return false;
}

/* The sys.path entry a module file was imported from: the directory above its top package. */
static char *module_root(struct keep_set *ks, const char *file)
{
	char *dir = path_dirname(file);
	if (!strcmp(path_basename(dir), "__pycache__")) {
		char *up = path_dirname(dir);
		free(dir);
		dir = up;
	}
	while (strcmp(dir, "/") && keep_is_python_package(ks, dir)) {
		char *up = path_dirname(dir);
		free(dir);
		dir = up;
	}
	return dir;
}

static bool module_file(const char *path)
{
	const char *base = path_basename(path);
	return path_has_suffix(base, ".py") || path_has_suffix(base, ".pyc") ||
	       (path_has_suffix(base, ".so") && (strstr(base, ".cpython-") || path_has_suffix(base, ".abi3.so")));
}

/* The names CPython gives the sys.path entries it sets up itself: lib/pythonX.Y, its lib-dynload, and
 * the site directories (Debian's dist-packages). */
static bool site_dir_name(const char *base)
{
	return !strcmp(base, "site-packages") || !strcmp(base, "dist-packages") || !strcmp(base, "lib-dynload") ||
	       (!strncmp(base, "python", 6) && base[6] >= '0' && base[6] <= '9');
}

static void add_root(struct pyimports *pi, struct strset *seen, const char *dir)
{
	if (strset_add(seen, dir))
		strvec_push(&pi->roots, dir);
}

/* sys.path as far as the trace shows it: the directories the traced run imported modules from, the
 * standard and site directories it searched (listed) without importing from them, and the directory above
 * the top package of each module to read (an app's source root). */
static void find_roots(struct pyimports *pi)
{
	struct strset seen = STRSET_INIT;
	const struct profile *p = pi->ks->profile;
	for (size_t i = 0; i < p->n_files; i++) {
		const struct profile_file *f = &p->files[i];
		const char *base = path_basename(f->path);
		if (module_file(f->path) && keep_index_is(pi->ks, f->path, S_IFREG)) {
			cleanup_free char *root = module_root(pi->ks, f->path);
			add_root(pi, &seen, root);
		} else if ((f->kinds & PROFILE_LISTDIR) && site_dir_name(base) && keep_index_is(pi->ks, f->path, S_IFDIR) &&
			   python_dir(pi->ks, f->path)) {
			add_root(pi, &seen, f->path);
		}
	}
	for (size_t i = 0; i < pi->queue.n; i++) {
		cleanup_free char *root = module_root(pi->ks, pi->queue.v[i]);
		add_root(pi, &seen, root);
	}
	strset_release(&seen);
}

/* A module already kept was used by the traced run (its imports were traced with it) or is queued. */
static void keep_module_file(struct pyimports *pi, const char *path)
{
	const struct fs_entry *e = layer_index_lookup(pi->ks->idx, path);
	bool was_kept = e && e->keep;
	if (keep_path_ex(pi->ks, path, KEEP_F_AUTO, KEEP_PYIMPORT, pi->importer, NULL, NULL) == 1 && !was_kept &&
	    path_has_suffix(path, ".py") && strset_add(&pi->queued, path))
		strvec_push(&pi->queue, path);
}

/* The files of the module `name` directly below dir, as FileFinder looks for it: a package
 * (name/__init__.py), else an extension module and name.py (both kept when both exist: the extension wins
 * in Python), else a namespace package directory (PEP 420, returned as the directory itself). Returns a
 * new NULL-terminated list, or NULL when there is no such module. */
static char **module_files(struct keep_set *ks, const char *dir, const char *name)
{
	struct strvec found = STRVEC_INIT;
	cleanup_free char *sub = path_join(dir, name);
	cleanup_free char *init = path_join(sub, "__init__.py");
	if (keep_index_is(ks, sub, S_IFDIR) && keep_index_is(ks, init, S_IFREG)) {
		strvec_push(&found, init);
		return strvec_detach(&found);
	}
	cleanup_free char *py = xasprintf("%s.py", sub);
	if (keep_index_is(ks, py, S_IFREG))
		strvec_push(&found, py);
	size_t first, n;
	if (layer_index_children(ks->idx, dir, &first, &n) == 0)
		for (size_t i = first; i < first + n; i++) {
			const struct fs_entry *c = layer_index_at(ks->idx, i);
			if (S_ISREG(c->mode) && extension_of(path_basename(c->path), name))
				strvec_push(&found, c->path);
		}
	if (!found.n && keep_index_is(ks, sub, S_IFDIR))
		strvec_push(&found, sub);
	return found.n ? strvec_detach(&found) : NULL;
}

/* Resolves the dotted module below base; keeps its files and its packages' __init__.py when the whole
 * name resolves there. Returns whether it did. */
static bool resolve_below(struct pyimports *pi, const char *base, const char *module)
{
	cleanup_strv char **parts = NULL;
	struct strvec sv = STRVEC_INIT;
	for (const char *p = module; *p;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n == 0)
			break;
		char *part = xstrndup(p, n);
		strvec_push_nodup(&sv, part);
		p = dot ? dot + 1 : p + n;
	}
	parts = strvec_detach(&sv);
	if (!parts[0])
		return false;
	struct strvec files = STRVEC_INIT;
	cleanup_free char *dir = xstrdup(base);
	bool ok = true;
	for (size_t k = 0; parts[k] && ok; k++) {
		if (!strcmp(parts[k], "..") || !strcmp(parts[k], "."))
			ok = false;
		cleanup_strv char **v = ok ? module_files(pi->ks, dir, parts[k]) : NULL;
		if (!v) {
			ok = false;
			break;
		}
		for (size_t j = 0; v[j]; j++)
			strvec_push(&files, v[j]);
		char *next = path_join(dir, parts[k]);
		free(dir);
		dir = next;
		/* Below a plain module or an extension module there is nothing more to import. */
		if (parts[k + 1] && !keep_index_is(pi->ks, dir, S_IFDIR))
			ok = false;
	}
	if (ok)
		for (size_t j = 0; j < files.n; j++)
			if (!keep_index_is(pi->ks, files.v[j], S_IFDIR))
				keep_module_file(pi, files.v[j]);
	strvec_release(&files);
	return ok;
}

static void on_import(unsigned level, const char *module, bool optional, void *data)
{
	struct pyimports *pi = data;
	(void)optional; /* an attribute rather than a module simply does not resolve */
	if (!*module)
		return;
	if (level > 0) {
		cleanup_free char *base = path_dirname(pi->importer);
		for (unsigned i = 1; i < level && strcmp(base, "/"); i++) {
			char *up = path_dirname(base);
			free(base);
			base = up;
		}
		resolve_below(pi, base, module);
		return;
	}
	for (size_t i = 0; i < pi->roots.n; i++)
		resolve_below(pi, pi->roots.v[i], module);
}

/* Standard modules that CPython's own C code imports by name on first use, so no Python source names
 * them: a run that never called time.strptime() or datetime.strptime() never imported _strptime, and
 * the slim image's first date parsing failed with "No module named '_strptime'" (Django's admin saving
 * a date). Checked with `python3 -X importtime`. */
static const struct {
	const char *module, *why;
} interpreter_imports[] = {
	{ "_strptime", "the interpreter (time.strptime and datetime.strptime import it on first use)" },
};

/* Keeps the interpreter's own lazy imports in the standard library directories (lib/pythonX.Y) on the
 * traced sys.path. */
static void keep_interpreter_imports(struct pyimports *pi)
{
	size_t n_roots = pi->roots.n;
	for (size_t i = 0; i < n_roots; i++) {
		const char *base = path_basename(pi->roots.v[i]);
		if (strncmp(base, "python", 6) || base[6] < '0' || base[6] > '9')
			continue;
		for (size_t k = 0; k < sizeof(interpreter_imports) / sizeof(interpreter_imports[0]); k++) {
			pi->importer = interpreter_imports[k].why;
			resolve_below(pi, pi->roots.v[i], interpreter_imports[k].module);
		}
	}
}

void keep_python_imports(struct keep_set *ks, struct strvec *modules)
{
	if (!ks->content || !ks->profile)
		return;
	struct pyimports pi = { .ks = ks, .roots = STRVEC_INIT, .queue = STRVEC_INIT, .queued = STRSET_INIT };
	for (size_t i = 0; i < modules->n; i++)
		if (strset_add(&pi.queued, modules->v[i]))
			strvec_push(&pi.queue, modules->v[i]);
	find_roots(&pi);
	keep_interpreter_imports(&pi);
	for (size_t i = 0; i < pi.queue.n; i++) {
		struct content_map m = { 0 };
		struct pare_error err = { 0 };
		if (content_map(ks->content, pi.queue.v[i], &m, &err) < 0)
			continue;                                     /* unreadable: nothing to learn from it */
		cleanup_free char *importer = xstrdup(pi.queue.v[i]); /* the queue grows meanwhile */
		pi.importer = importer;
		py_scan_imports(m.data, m.len, on_import, &pi);
		content_unmap(&m);
	}
	strvec_release(&pi.roots);
	strvec_release(&pi.queue);
	strset_release(&pi.queued);
}
