/* Finding Python distributions and Node packages in the layer index, with their files. */
#include "minifier/langpkg.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "lib/path.h"
#include "lib/xalloc.h"

struct fe_list {
	struct fs_entry ***v;
	size_t *n, cap;
};

static void fe_add(struct fe_list *l, struct fs_entry *e)
{
	*l->v = xgrow(*l->v, &l->cap, *l->n + 1, sizeof(**l->v));
	(*l->v)[(*l->n)++] = e;
}

static bool is_file(const struct fs_entry *e)
{
	return e && !S_ISDIR(e->mode);
}

/* The value of a header of an RFC 822 style metadata file (METADATA, PKG-INFO), or NULL. */
static char *header_field(const char *data, size_t len, const char *name)
{
	size_t nl = strlen(name);
	const char *p = data, *end = data + len;
	while (p < end && *p != '\n' && *p != '\r') {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t ll = eol ? (size_t)(eol - p) : (size_t)(end - p);
		if (ll > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (v < p + ll && (*v == ' ' || *v == '\t'))
				v++;
			size_t vl = (size_t)(p + ll - v);
			while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\r'))
				vl--;
			return vl ? xstrndup(v, vl) : NULL;
		}
		p += ll + 1;
	}
	return NULL;
}

/* A listing of installed paths, one a line (RECORD: "path,hash,size", CSV; installed-files.txt:
 * "path"), relative to base. */
static void add_listing(struct layer_index *idx, struct content_root *cr, struct langpkg *p, const char *file,
			const char *base, bool csv, struct fe_list *l)
{
	struct content_map m = { 0 };
	struct pare_error e2 = { 0 };
	if (!is_file(layer_index_lookup(idx, file)) || content_map(cr, file, &m, &e2) < 0)
		return;
	const char *s = m.data, *end = s ? s + m.len : NULL;
	while (s && s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		size_t ll = eol ? (size_t)(eol - s) : (size_t)(end - s);
		cleanup_free char *line = xstrndup(s, ll);
		s += ll + 1;
		char *path = line;
		if (csv && path[0] == '"') { /* a quoted field: "a,b.py" (doubled quotes are not expected in paths) */
			path++;
			char *q = strchr(path, '"');
			if (q)
				*q = '\0';
		} else {
			path[strcspn(path, csv ? ",\r" : "\r")] = '\0';
		}
		if (!*path)
			continue;
		cleanup_free char *abs = path_join(base, path);
		struct fs_entry *fe = layer_index_lookup(idx, abs);
		if (is_file(fe) && !path_has_prefix(fe->path, p->meta))
			fe_add(l, fe);
	}
	content_unmap(&m);
}

/* site/NAME/... , site/NAME.py, site/NAME.*.so */
static void add_top_level(struct layer_index *idx, const char *site, const char *name, struct fe_list *l)
{
	cleanup_free char *dir = xasprintf("%s/%s", site, name);
	size_t n = layer_index_count(idx), nl = strlen(name);
	for (size_t i = 0; i < n; i++) {
		struct fs_entry *e = layer_index_at(idx, i);
		if (!is_file(e))
			continue;
		if (path_has_prefix(e->path, dir)) {
			fe_add(l, e);
			continue;
		}
		const char *b = path_basename(e->path);
		cleanup_free char *parent = path_dirname(e->path);
		if (!strcmp(parent, site) && !strncmp(b, name, nl) && b[nl] == '.' &&
		    (!strcmp(b + nl, ".py") || path_has_suffix(b, ".so")))
			fe_add(l, e);
	}
}

static void add_meta_files(struct layer_index *idx, struct langpkg *p)
{
	struct fe_list l = { &p->meta_files, &p->n_meta, 0 };
	struct fs_entry *me = layer_index_lookup(idx, p->meta);
	if (me && !S_ISDIR(me->mode)) {
		fe_add(&l, me);
		return;
	}
	size_t n = layer_index_count(idx);
	for (size_t i = 0; i < n; i++) {
		struct fs_entry *e = layer_index_at(idx, i);
		if (is_file(e) && path_has_prefix(e->path, p->meta))
			fe_add(&l, e);
	}
}

/* "Flask-2.2.2.dist-info" -> "flask"; "zope.interface" -> "zope_interface" (a module name guess). */
static char *module_guess(const char *dist)
{
	char *s = xstrdup(dist);
	for (char *c = s; *c; c++)
		*c = (*c == '-' || *c == '.') ? '_' : (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	return s;
}

static bool python_dist(struct layer_index *idx, struct content_root *cr, const struct fs_entry *e,
			struct langpkg *p)
{
	const char *b = path_basename(e->path);
	bool dist_info = path_has_suffix(b, ".dist-info");
	bool egg_dir = S_ISDIR(e->mode) && path_has_suffix(b, ".egg-info");
	cleanup_free char *site = path_dirname(e->path);
	cleanup_free char *metafile = dist_info ? xasprintf("%s/METADATA", e->path)
				      : egg_dir ? xasprintf("%s/PKG-INFO", e->path)
						: xstrdup(e->path);
	struct content_map m = { 0 };
	struct pare_error e2 = { 0 };
	if (!is_file(layer_index_lookup(idx, metafile)) || content_map(cr, metafile, &m, &e2) < 0)
		return false;
	char *name = m.len ? header_field(m.data, m.len, "Name") : NULL;
	p->kind = LANGPKG_PYTHON;
	p->name = name;
	p->version = m.len ? header_field(m.data, m.len, "Version") : NULL;
	p->license = m.len ? header_field(m.data, m.len, "License-Expression") : NULL;
	if (!p->license && m.len)
		p->license = header_field(m.data, m.len, "License");
	content_unmap(&m);
	if (!p->name)
		return false;
	if (!p->version)
		p->version = xstrdup("");
	if (p->license && (!strcasecmp(p->license, "UNKNOWN") || strchr(p->license, '\n'))) {
		free(p->license);
		p->license = NULL;
	}
	p->meta = xstrdup(e->path);
	struct fe_list l = { &p->files, &p->n_files, 0 };
	cleanup_free char *record = xasprintf("%s/%s", e->path, dist_info ? "RECORD" : "installed-files.txt");
	add_listing(idx, cr, p, record, dist_info ? site : e->path, dist_info, &l);
	if (!p->n_files) {
		cleanup_free char *tl = xasprintf("%s/top_level.txt", e->path);
		struct content_map t = { 0 };
		if (S_ISDIR(e->mode) && is_file(layer_index_lookup(idx, tl)) && content_map(cr, tl, &t, &e2) == 0 && t.len) {
			cleanup_free char *names = xstrndup(t.data, t.len);
			content_unmap(&t);
			for (char *save = NULL, *tok = strtok_r(names, "\r\n", &save); tok; tok = strtok_r(NULL, "\r\n", &save))
				if (*tok && !strchr(tok, '/'))
					add_top_level(idx, site, tok, &l);
		} else {
			content_unmap(&t);
			cleanup_free char *guess = module_guess(p->name);
			add_top_level(idx, site, guess, &l);
		}
	}
	add_meta_files(idx, p);
	return true;
}

static bool node_package(struct layer_index *idx, struct content_root *cr, const struct fs_entry *e,
			 struct langpkg *p)
{
	struct content_map m = { 0 };
	struct pare_error e2 = { 0 };
	if (content_map(cr, e->path, &m, &e2) < 0 || !m.len) {
		content_unmap(&m);
		return false;
	}
	json_error_t jerr;
	json_t *root = json_loadb(m.data, m.len, 0, &jerr);
	content_unmap(&m);
	const char *name = json_string_value(json_object_get(root, "name"));
	if (!name) {
		json_decref(root);
		return false;
	}
	const char *version = json_string_value(json_object_get(root, "version"));
	json_t *lic = json_object_get(root, "license");
	const char *license = json_is_string(lic) ? json_string_value(lic)
						: json_string_value(json_object_get(lic, "type"));
	p->kind = LANGPKG_NODE;
	p->name = xstrdup(name);
	p->version = xstrdup(version ? version : "");
	p->license = license && *license ? xstrdup(license) : NULL;
	json_decref(root);
	p->meta = xstrdup(e->path);
	cleanup_free char *dir = path_dirname(e->path);
	cleanup_free char *nested = xasprintf("%s/node_modules", dir);
	struct fe_list l = { &p->files, &p->n_files, 0 };
	size_t n = layer_index_count(idx);
	for (size_t i = 0; i < n; i++) {
		struct fs_entry *f = layer_index_at(idx, i);
		if (is_file(f) && f != e && path_has_prefix(f->path, dir) && !path_has_prefix(f->path, nested))
			fe_add(&l, f);
	}
	add_meta_files(idx, p);
	return true;
}

static void langpkg_release(struct langpkg *p)
{
	free(p->name);
	free(p->version);
	free(p->license);
	free(p->meta);
	free(p->files);
	free(p->meta_files);
}

/* dir is node_modules/NAME or node_modules/@SCOPE/NAME. */
static bool node_package_dir(const char *dir)
{
	cleanup_free char *up = path_dirname(dir);
	if (!strcmp(path_basename(up), "node_modules"))
		return path_basename(dir)[0] != '.' && path_basename(dir)[0] != '@';
	cleanup_free char *up2 = path_dirname(up);
	return path_basename(up)[0] == '@' && !strcmp(path_basename(up2), "node_modules");
}

int langpkg_scan(struct layer_index *idx, struct content_root *cr, struct langpkg **out, size_t *n_out,
		 struct pare_error *err)
{
	(void)err;
	struct langpkg *v = NULL;
	size_t n = 0, cap = 0, count = layer_index_count(idx);
	for (size_t i = 0; i < count; i++) {
		const struct fs_entry *e = layer_index_at(idx, i);
		const char *b = path_basename(e->path);
		cleanup_free char *parent = path_dirname(e->path);
		const char *pb = path_basename(parent);
		bool site = !strcmp(pb, "site-packages") || !strcmp(pb, "dist-packages");
		struct langpkg p = { 0 };
		bool found = false;
		if (site && ((S_ISDIR(e->mode) && path_has_suffix(b, ".dist-info")) || path_has_suffix(b, ".egg-info")) &&
		    (S_ISDIR(e->mode) || S_ISREG(e->mode)))
			found = python_dist(idx, cr, e, &p);
		else if (S_ISREG(e->mode) && !strcmp(b, "package.json") && node_package_dir(parent))
			found = node_package(idx, cr, e, &p);
		if (!found) {
			langpkg_release(&p);
			continue;
		}
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		v[n++] = p;
	}
	*out = v;
	*n_out = n;
	return 0;
}

void langpkg_free(struct langpkg *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		langpkg_release(&v[i]);
	free(v);
}

bool langpkg_used(const struct langpkg *p)
{
	for (size_t i = 0; i < p->n_files; i++)
		if (p->files[i]->keep)
			return true;
	return false;
}

const char *langpkg_purl_type(enum langpkg_kind k)
{
	return k == LANGPKG_PYTHON ? "pypi" : "npm";
}
