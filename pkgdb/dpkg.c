/* Reading a dpkg database from the unpacked image: /var/lib/dpkg/status (deb822 stanzas) and, per
 * package, info/PKG.list (every path it installed, directories included) and info/PKG.md5sums
 * ("md5  relative/path"). Listed paths are looked up in the layer index through symlinked
 * directories (/bin -> usr/bin on merged-/usr images), the last component not followed. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/path.h"
#include "lib/xalloc.h"
#include "minifier/content.h"
#include "pkgdb/pkgdb_int.h"

/* The value of a one-line field of a stanza (new string), or NULL. */
char *dpkg_field(const char *stanza, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = stanza; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncasecmp(p, name, nl) || p[nl] != ':')
			continue;
		const char *v = p + nl + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t len = strcspn(v, "\n");
		while (len && (v[len - 1] == ' ' || v[len - 1] == '\t' || v[len - 1] == '\r'))
			len--;
		return xstrndup(v, len);
	}
	return NULL;
}

struct list_ctx {
	struct pkgdb *db;
	struct pkgdb_pkg *pkg;
	size_t cap_files, cap_dirs;
};

static void list_line(void *data, char *line)
{
	struct list_ctx *c = data;
	struct pkgdb_pkg *pkg = c->pkg;
	if (line[0] != '/')
		return;
	struct fs_entry *fe = pkgdb_lookup(c->db->idx, line);
	if (fe && S_ISDIR(fe->mode)) {
		pkg->dirs = xgrow(pkg->dirs, &c->cap_dirs, pkg->n_dirs + 1, sizeof(*pkg->dirs));
		pkg->dirs[pkg->n_dirs++] = xstrdup(line);
		return;
	}
	if (!strcmp(line, "/.") || (!fe && line[strlen(line) - 1] == '/'))
		return;
	pkg->files = xgrow(pkg->files, &c->cap_files, pkg->n_files + 1, sizeof(*pkg->files));
	pkg->files[pkg->n_files++] = (struct pkgdb_file){ xstrdup(line), fe, NULL };
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pkgdb_file *)a)->path, ((const struct pkgdb_file *)b)->path);
}

static void md5_line(void *data, char *line)
{
	struct pkgdb_pkg *pkg = data;
	char *sp = strstr(line, "  ");
	if (!sp)
		return;
	*sp = '\0';
	cleanup_free char *path = xasprintf("/%s", sp + 2);
	struct pkgdb_file key = { .path = path };
	struct pkgdb_file *f = bsearch(&key, pkg->files, pkg->n_files, sizeof(*pkg->files), file_cmp);
	if (f && !f->md5)
		f->md5 = xstrdup(line);
}

static bool listed_below(const struct pkgdb_pkg *pkg, const char *dir)
{
	for (size_t i = 0; i < pkg->n_files; i++)
		if (path_has_prefix(pkg->files[i].path, dir) && strcmp(pkg->files[i].path, dir))
			return true;
	for (size_t i = 0; i < pkg->n_dirs; i++)
		if (path_has_prefix(pkg->dirs[i], dir) && strcmp(pkg->dirs[i], dir))
			return true;
	return false;
}

/* A listed symlink with listed paths below it is a directory to dpkg (merged /usr: "/lib" is
 * listed as the directory it was in the package, the image has the symlink lib -> usr/lib). */
static void symlinked_dirs(struct pkgdb_pkg *pkg)
{
	size_t cap = pkg->n_dirs, out = 0;
	for (size_t i = 0; i < pkg->n_files; i++) {
		struct pkgdb_file *f = &pkg->files[i];
		if (f->fe && S_ISLNK(f->fe->mode) && listed_below(pkg, f->path)) {
			pkg->dirs = xgrow(pkg->dirs, &cap, pkg->n_dirs + 1, sizeof(*pkg->dirs));
			pkg->dirs[pkg->n_dirs++] = f->path;
			free(f->md5);
			continue;
		}
		pkg->files[out++] = *f;
	}
	pkg->n_files = out;
}

/* info/NAME.EXT for a package: "name:arch" first when the file exists, else "name". */
char *dpkg_info_path(const struct pkgdb_pkg *pkg, const char *ext)
{
	return xasprintf(DPKG_INFO "/%s.%s", pkg->info_name, ext);
}

static int read_pkg_files(struct pkgdb *db, struct content_root *cr, struct pkgdb_pkg *pkg, struct pare_error *err)
{
	cleanup_free char *qualified = xasprintf("%s:%s", pkg->name, pkg->arch ? pkg->arch : "");
	cleanup_free char *qlist = xasprintf(DPKG_INFO "/%s.list", qualified);
	pkg->info_name = xstrdup(layer_index_lookup(db->idx, qlist) ? qualified : pkg->name);
	cleanup_free char *list = dpkg_info_path(pkg, "list");
	const struct fs_entry *le = layer_index_lookup(db->idx, list);
	if (!le || !S_ISREG(le->mode))
		return 0; /* a package without files (or only its config files left) */
	struct content_map m = { 0 };
	if (content_map(cr, list, &m, err) < 0)
		return pare_error_prefix(err, "reading '%s'", list);
	struct list_ctx c = { db, pkg, 0, 0 };
	pkgdb_each_line(&m, list_line, &c);
	content_unmap(&m);
	symlinked_dirs(pkg);
	qsort(pkg->files, pkg->n_files, sizeof(*pkg->files), file_cmp);
	cleanup_free char *sums = dpkg_info_path(pkg, "md5sums");
	const struct fs_entry *se = layer_index_lookup(db->idx, sums);
	if (!se || !S_ISREG(se->mode))
		return 0;
	if (content_map(cr, sums, &m, err) < 0)
		return pare_error_prefix(err, "reading '%s'", sums);
	pkgdb_each_line(&m, md5_line, pkg);
	content_unmap(&m);
	return 0;
}

static void add_stanza(struct pkgdb *db, size_t *cap, const char *s, size_t len)
{
	cleanup_free char *stanza = xstrndup(s, len);
	cleanup_free char *name = dpkg_field(stanza, "Package");
	if (!name)
		return;
	db->pkgs = xgrow(db->pkgs, cap, db->n_pkgs + 1, sizeof(*db->pkgs));
	struct pkgdb_pkg *p = &db->pkgs[db->n_pkgs++];
	memset(p, 0, sizeof(*p));
	p->name = steal_pointer(&name);
	p->version = dpkg_field(stanza, "Version");
	p->arch = dpkg_field(stanza, "Architecture");
	p->source = dpkg_field(stanza, "Source");
	if (p->source)
		p->source[strcspn(p->source, " ")] = '\0'; /* "src (version)" */
	p->stanza = steal_pointer(&stanza);
}

int dpkg_read(struct pkgdb *db, struct pare_error *err)
{
	struct content_root *cr = db->cr;
	struct content_map m = { 0 };
	if (content_map(cr, DPKG_STATUS, &m, err) < 0)
		return pare_error_prefix(err, "reading '" DPKG_STATUS "'");
	/* Stanzas are separated by blank lines. */
	const char *p = m.data, *end = p ? p + m.len : NULL;
	size_t cap = 0;
	while (p && p < end) {
		while (p < end && *p == '\n')
			p++;
		const char *s = p;
		while (p < end && !(*p == '\n' && (p + 1 == end || p[1] == '\n')))
			p++;
		if (p > s)
			add_stanza(db, &cap, s, (size_t)(p - s));
		if (p < end)
			p++;
	}
	content_unmap(&m);
	int ret = 0;
	for (size_t i = 0; i < db->n_pkgs && ret == 0; i++)
		ret = read_pkg_files(db, cr, &db->pkgs[i], err);
	return ret;
}
