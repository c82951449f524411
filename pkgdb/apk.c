/* The apk database of an Alpine-layout image (/lib/apk/db/installed), read and rewritten.
 *
 * The file is a list of stanzas separated by blank lines, one "X:value" line each field: P name,
 * V version, A arch, L licence, C the package's checksum; then per directory F (path relative to
 * /), M its owner and mode, and per file in it R (name), a (owner and mode), Z (checksum). apk
 * refuses a database with a field it does not know ("too old to handle installed packages"), so a
 * package kept in part cannot get a field of pare's: it gets apk's own "broken files" flag, f:f
 * (what apk sets when a file could not be installed; `apk fix` reinstalls the package). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/path.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "pkgdb/pkgdb_int.h"

/* "X:value" of a line (a NUL-terminated copy): the field letter, or 0 for a line of another shape. */
static char field_of(const char *line, const char **value)
{
	if (!line[0] || line[1] != ':')
		return 0;
	*value = line + 2;
	return line[0];
}

struct read_ctx {
	struct pkgdb *db;
	size_t cap_pkgs, cap_files, cap_dirs;
	struct pkgdb_pkg *pkg; /* the stanza being read, or NULL after a blank line */
	char *dir;             /* its current F directory ("/usr/bin"), owned */
	struct strbuf stanza;
};

static void end_stanza(struct read_ctx *c)
{
	if (c->pkg) {
		c->pkg->stanza = c->stanza.s ? c->stanza.s : xstrdup("");
		c->stanza = (struct strbuf)STRBUF_INIT;
		if (!c->pkg->name) { /* a stanza without P: is no package (apk would refuse it too) */
			pkgdb_pkg_release(c->pkg);
			c->db->n_pkgs--;
		}
	}
	strbuf_release(&c->stanza);
	free(c->dir);
	c->dir = NULL;
	c->pkg = NULL;
}

static void read_line(void *data, char *line)
{
	struct read_ctx *c = data;
	const char *v;
	char f = field_of(line, &v);
	if (!f) {
		end_stanza(c);
		return;
	}
	if (!c->pkg) {
		c->db->pkgs = xgrow(c->db->pkgs, &c->cap_pkgs, c->db->n_pkgs + 1, sizeof(*c->db->pkgs));
		c->pkg = &c->db->pkgs[c->db->n_pkgs++];
		memset(c->pkg, 0, sizeof(*c->pkg));
		c->cap_files = c->cap_dirs = 0;
	}
	struct pkgdb_pkg *p = c->pkg;
	strbuf_adds(&c->stanza, line);
	strbuf_adds(&c->stanza, "\n");
	char **slot = f == 'P' ? &p->name : f == 'V' ? &p->version : f == 'A' ? &p->arch : f == 'L' ? &p->license
		    : f == 'C' ? &p->id : f == 'o' ? &p->source : NULL;
	if (slot && !*slot) {
		*slot = xstrdup(v);
		return;
	}
	if (f == 'F') {
		free(c->dir);
		c->dir = xasprintf("/%s", v);
		p->dirs = xgrow(p->dirs, &c->cap_dirs, p->n_dirs + 1, sizeof(*p->dirs));
		p->dirs[p->n_dirs++] = xstrdup(c->dir);
	} else if (f == 'R' && c->dir) {
		cleanup_free char *path = path_join(c->dir, v);
		p->files = xgrow(p->files, &c->cap_files, p->n_files + 1, sizeof(*p->files));
		p->files[p->n_files++] = (struct pkgdb_file){ steal_pointer(&path), NULL, NULL };
	}
}

int apk_read(struct pkgdb *db, struct pare_error *err)
{
	struct content_map m = { 0 };
	if (content_map(db->cr, APK_INSTALLED, &m, err) < 0)
		return pare_error_prefix(err, "reading '" APK_INSTALLED "'");
	struct read_ctx c = { .db = db };
	pkgdb_each_line(&m, read_line, &c);
	end_stanza(&c);
	content_unmap(&m);
	for (size_t i = 0; i < db->n_pkgs; i++) {
		struct pkgdb_pkg *p = &db->pkgs[i];
		p->info_name = xstrdup(p->name);
		for (size_t k = 0; k < p->n_files; k++) {
			struct fs_entry *fe = pkgdb_lookup(db->idx, p->files[k].path);
			/* A listed directory (a file name that is a symlink to one) does not count as a file. */
			p->files[k].fe = fe && !S_ISDIR(fe->mode) ? fe : NULL;
		}
	}
	return 0;
}

/* A partial package's stanza: f:f added (merged into its f: line), R lines (with their a: and Z:)
 * of removed files dropped, F blocks of directories the slim image lacks dropped. */
static void partial_stanza(struct layer_index *idx, const struct pkgdb_pkg *pkg, struct strbuf *out)
{
	char flags[16] = "f";
	for (const char *p = pkg->stanza; *p;) { /* the flags the package had already */
		size_t len = strcspn(p, "\n");
		if (len > 2 && !strncmp(p, "f:", 2))
			for (size_t i = 2; i < len && strlen(flags) + 1 < sizeof(flags); i++)
				if (!strchr(flags, p[i]))
					strncat(flags, p + i, 1);
		p += len + (p[len] == '\n');
	}
	bool flags_out = false, drop_dir = false, drop_file = false;
	cleanup_free char *dir = NULL;
	for (const char *p = pkg->stanza; *p;) {
		size_t len = strcspn(p, "\n");
		cleanup_free char *line = xstrndup(p, len);
		p += len + (p[len] == '\n');
		const char *v = "";
		char f = field_of(line, &v);
		if (f == 'f')
			continue;
		if (f == 'F' && !flags_out) {
			strbuf_addf(out, "f:%s\n", flags);
			flags_out = true;
		}
		if (f == 'F') {
			free(dir);
			dir = xasprintf("/%s", v);
			drop_file = false;
			/* The directory stays listed when the slim image has it (it holds kept files then). */
			drop_dir = !(v[0] == '\0' || pkgdb_path_kept(idx, dir));
		} else if (f == 'R' && dir) {
			cleanup_free char *path = path_join(dir, v);
			drop_file = !pkgdb_path_kept(idx, path);
		}
		bool of_dir = f == 'F' || f == 'M' || f == 'R' || f == 'a' || f == 'Z';
		bool of_file = f == 'R' || f == 'a' || f == 'Z';
		if ((drop_dir && of_dir) || (drop_file && of_file))
			continue;
		strbuf_addf(out, "%s\n", line);
	}
	if (!flags_out)
		strbuf_addf(out, "f:%s\n", flags);
}

/* /lib/apk/db/triggers: "PKG-CHECKSUM DIR..." lines; a gone package's line goes. */
static bool gone_id(const struct pkgdb *db, const char *id, size_t n)
{
	for (size_t i = 0; i < db->n_pkgs; i++)
		if (db->pkgs[i].state == PKGDB_GONE && db->pkgs[i].id && strlen(db->pkgs[i].id) == n &&
		    !strncmp(db->pkgs[i].id, id, n))
			return true;
	return false;
}

/* /etc/apk/world: "name", "name>=1.2", "name@tag"... a gone package's constraint goes. */
static bool gone_name(const struct pkgdb *db, const char *name, size_t n)
{
	for (size_t i = 0; i < db->n_pkgs; i++)
		if (db->pkgs[i].state == PKGDB_GONE && strlen(db->pkgs[i].name) == n && !strncmp(db->pkgs[i].name, name, n))
			return true;
	return false;
}

static void world_line(void *data, const char *line, struct strbuf *out)
{
	const struct pkgdb *db = data;
	size_t start = out->len;
	for (const char *w = line; *w;) { /* world may hold its constraints on one line, space-separated */
		size_t len = strcspn(w, " \t");
		size_t name = strcspn(w, "<>=~@ \t");
		if (len && !gone_name(db, w, name < len ? name : len)) {
			if (out->len > start)
				strbuf_adds(out, " ");
			strbuf_add(out, w, len);
		}
		w += len;
		w += strspn(w, " \t");
	}
	if (out->len > start)
		strbuf_adds(out, "\n");
}

static void triggers_line(void *data, const char *line, struct strbuf *out)
{
	if (!gone_id(data, line, strcspn(line, " ")))
		strbuf_addf(out, "%s\n", line);
}

int apk_rewrite(struct pkgdb *db, struct keep_set *ks, struct pare_error *err)
{
	/* What apk needs to read its database and know what was asked for, when the image has it. */
	static const char *const always[] = { APK_INSTALLED, APK_DB_DIR "/triggers", APK_DB_DIR "/scripts.tar",
					      "/etc/apk/world", "/etc/apk/arch", "/etc/apk/repositories", NULL };
	for (size_t i = 0; always[i]; i++)
		if (layer_index_lookup(db->idx, always[i]) && keep_path(ks, always[i], KEEP_PKGDB, "apk", err) < 0)
			return -1;
	struct strbuf installed = STRBUF_INIT;
	for (size_t i = 0; i < db->n_pkgs; i++) {
		const struct pkgdb_pkg *pkg = &db->pkgs[i];
		if (pkg->state == PKGDB_WHOLE)
			strbuf_adds(&installed, pkg->stanza);
		else if (pkg->state == PKGDB_PARTIAL)
			partial_stanza(db->idx, pkg, &installed);
		else
			continue;
		strbuf_adds(&installed, "\n");
	}
	size_t cap = 0;
	pkgdb_add_override(db, &cap, APK_INSTALLED, &installed);
	if (pkgdb_rewrite_file(db, &cap, APK_DB_DIR "/triggers", triggers_line, db, err) < 0 ||
	    pkgdb_rewrite_file(db, &cap, "/etc/apk/world", world_line, db, err) < 0)
		return -1;
	return 0;
}
