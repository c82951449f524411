/* The rules beyond the trace: the entrypoint, files every image needs, and the --include-* options. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/path.h"
#include "lib/xalloc.h"
#include "minifier/keep_int.h"
#include "minifier/strset.h"

static const char *const always_files[] = { "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/ld.so.cache",
					    "/tmp", "/var/tmp", NULL };

/* Where distributions put the CA bundle (Debian/Ubuntu/Alpine, Fedora/RHEL, openSUSE, others). */
static const char *const ca_bundles[] = { "/etc/ssl/certs/ca-certificates.crt",
					  "/etc/pki/tls/certs/ca-bundle.crt",
					  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
					  "/etc/ssl/ca-bundle.pem",
					  "/etc/ssl/cert.pem",
					  "/etc/pki/tls/cacert.pem",
					  "/etc/ssl/certs/ca-bundle.crt",
					  NULL };

/* --include-shell: a shell and the utilities people reach for when they exec into a container. */
static const char *const shell_tools[] = { "sh",    "bash", "ls",	"cat",	"cp",	   "mv",      "rm",
					   "mkdir", "rmdir", "ln",	"chmod", "chown",   "echo",    "env",
					   "grep",  "sed",  "sleep",	"test", "[",	   "true",    "false",
					   "head",  "tail", "sort",	"uniq", "wc",	   "find",    "xargs",
					   "id",    "pwd",  "touch",	"tr",	"cut",	   "dirname", "basename",
					   "readlink", "date", "uname", "ps",	"kill",	   "which",   "printf",
					   "expr",  "awk",  "less",	"more", "hostname", "stat",   "du",
					   "df",    "tee",  NULL };

static const char *const zoneinfo_paths[] = { "/usr/share/zoneinfo", "/etc/localtime", "/etc/timezone", NULL };
static const char *const locale_paths[] = { "/usr/lib/locale", "/usr/share/locale", "/usr/share/i18n",
					    "/etc/default/locale", "/etc/locale.alias", "/etc/locale.gen",
					    "/usr/lib/gconv", "/usr/lib64/gconv", NULL };

static bool exists(struct keep_set *ks, const char *path)
{
	cleanup_free char *res = NULL;
	return layer_index_resolve(ks->idx, path, false, &res, NULL, NULL, NULL) == 1;
}

/* The home directory of the image's user, from the image's own /etc/passwd. */
static char *home_of(struct keep_set *ks, const char *user)
{
	cleanup_free char *name = xstrdup(user && *user ? user : "0");
	char *colon = strchr(name, ':');
	if (colon)
		*colon = '\0';
	if (!*name)
		return xstrdup("/root");
	char *end;
	long uid = strtol(name, &end, 10);
	bool numeric = *end == '\0';
	cleanup_free char *res = NULL;
	struct content_map m;
	if (!ks->content || layer_index_resolve(ks->idx, "/etc/passwd", false, &res, NULL, NULL, NULL) != 1 ||
	    content_map(ks->content, res, &m, NULL) < 0)
		return numeric && uid == 0 ? xstrdup("/root") : NULL;
	cleanup_free char *text = xstrndup(m.data ? m.data : "", m.len);
	content_unmap(&m);
	char *home = NULL;
	for (char *line = text, *next; line && *line && !home; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* name:passwd:uid:gid:gecos:home:shell */
		char *f[7] = { 0 };
		char *p = line;
		int k = 0;
		for (; k < 7 && p; k++) {
			f[k] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (k < 6)
			continue;
		bool match = numeric ? (strtol(f[2], &end, 10) == uid && *end == '\0' && *f[2]) : !strcmp(f[0], name);
		if (match && f[5][0] == '/')
			home = xstrdup(f[5]);
	}
	if (!home && numeric && uid == 0)
		home = xstrdup("/root");
	return home;
}

static void include_exe(struct keep_set *ks, const char *name, const char *rule, bool warn)
{
	cleanup_free char *found = NULL;
	if (keep_search_path(ks, name, &found) == 1 && keep_path_ex(ks, found, 0, KEEP_INCLUDE, rule, NULL, NULL) == 1)
		return;
	if (warn)
		keep_warn(ks, "%s: '%s' was not found on the image's PATH", rule, name);
}

static void include_gconv(struct keep_set *ks)
{
	size_t first, n;
	if (layer_index_children(ks->idx, "/usr/lib", &first, &n) < 0)
		return;
	for (size_t i = first; i < first + n; i++) {
		const struct fs_entry *c = layer_index_at(ks->idx, i);
		if (!S_ISDIR(c->mode))
			continue;
		cleanup_free char *g = path_join(c->path, "gconv");
		if (exists(ks, g))
			keep_path_ex(ks, g, KEEP_F_SUBTREE, KEEP_INCLUDE, "include-locales", NULL, NULL);
	}
}

/* Merged /usr: the root's links to directories (/bin -> usr/bin, /sbin, /lib, /lib64...) cost a few
 * bytes, and #!/bin/sh, `docker exec CONTAINER /bin/sh`, a script's /bin/PROG and every /bin path a
 * package lists go through them, whether or not the analysis did: kept always (with the directory
 * they name, not its contents). */
static void keep_root_dir_links(struct keep_set *ks, struct pare_error *err)
{
	size_t first, n;
	if (layer_index_children(ks->idx, "/", &first, &n) < 0)
		return;
	for (size_t i = first; i < first + n; i++) {
		const struct fs_entry *c = layer_index_at(ks->idx, i);
		if (!S_ISLNK(c->mode))
			continue;
		cleanup_free char *res = NULL;
		const struct fs_entry *t = layer_index_resolve(ks->idx, c->path, false, &res, NULL, NULL, NULL) == 1
						   ? layer_index_lookup(ks->idx, res)
						   : NULL;
		if (t && S_ISDIR(t->mode))
			keep_path_ex(ks, c->path, 0, KEEP_ALWAYS, "merged-/usr link", NULL, err);
	}
}

int keep_apply_rules(struct keep_set *ks, struct pare_error *err)
{
	const struct keep_opts *o = &ks->opts;
	/* The entrypoint: found as the runtime finds it, protected from --exclude. */
	if (o->command && o->command[0]) {
		cleanup_free char *found = NULL;
		char *res = NULL;
		if (keep_search_path(ks, o->command[0], &found) == 1 &&
		    keep_path_ex(ks, found, 0, KEEP_ENTRYPOINT, o->command[0], &res, err) == 1) {
			free(ks->entry_path_owned);
			ks->entry_path = ks->entry_path_owned = res;
		} else {
			keep_warn(ks, "the entrypoint '%s' was not found in the image", o->command[0]);
		}
	}
	for (size_t i = 0; always_files[i]; i++)
		keep_path_ex(ks, always_files[i], 0, KEEP_ALWAYS, NULL, NULL, err);
	keep_root_dir_links(ks, err);
	if (!o->no_certs)
		for (size_t i = 0; ca_bundles[i]; i++)
			keep_path_ex(ks, ca_bundles[i], 0, KEEP_ALWAYS, "ca-certificates", NULL, err);
	if (o->workdir && *o->workdir)
		keep_path_ex(ks, o->workdir, 0, KEEP_ALWAYS, "WorkingDir", NULL, err);
	for (char **v = o->volumes; v && *v; v++)
		keep_path_ex(ks, *v, 0, KEEP_ALWAYS, "VOLUME", NULL, err);
	cleanup_free char *home = home_of(ks, o->user);
	if (home)
		keep_path_ex(ks, home, 0, KEEP_ALWAYS, "home directory", NULL, err);

	for (char **p = o->include_paths; p && *p; p++) {
		cleanup_free char *rule = xasprintf("include-path:%s", *p);
		if (keep_path_ex(ks, *p, KEEP_F_SUBTREE, KEEP_INCLUDE, rule, NULL, err) != 1)
			keep_warn(ks, "--include-path '%s' does not exist in the image", *p);
	}
	for (char **p = o->include_bins; p && *p; p++) {
		cleanup_free char *rule = xasprintf("include-bin:%s", *p);
		if (keep_path_ex(ks, *p, 0, KEEP_INCLUDE, rule, NULL, err) != 1)
			keep_warn(ks, "--include-bin '%s' does not exist in the image", *p);
	}
	for (char **p = o->include_exes; p && *p; p++) {
		cleanup_free char *rule = xasprintf("include-exe:%s", *p);
		include_exe(ks, *p, rule, true);
	}
	if (o->include_shell) {
		for (size_t i = 0; shell_tools[i]; i++)
			include_exe(ks, shell_tools[i], "include-shell", i == 0);
	}
	if (o->include_zoneinfo)
		for (size_t i = 0; zoneinfo_paths[i]; i++)
			keep_path_ex(ks, zoneinfo_paths[i], KEEP_F_SUBTREE, KEEP_INCLUDE, "include-zoneinfo", NULL, err);
	if (o->include_locales) {
		for (size_t i = 0; locale_paths[i]; i++)
			keep_path_ex(ks, locale_paths[i], KEEP_F_SUBTREE, KEEP_INCLUDE, "include-locales", NULL, err);
		include_gconv(ks);
	}
	return 0;
}

/* The services named in the image's /etc/nsswitch.conf ("files", "dns", "systemd"...). */
static void nss_services(struct keep_set *ks, struct strvec *out)
{
	cleanup_free char *res = NULL;
	struct content_map m;
	if (!ks->content || layer_index_resolve(ks->idx, "/etc/nsswitch.conf", false, &res, NULL, NULL, NULL) != 1 ||
	    content_map(ks->content, res, &m, NULL) < 0)
		return;
	cleanup_free char *text = xstrndup(m.data ? m.data : "", m.len);
	content_unmap(&m);
	struct strset seen = STRSET_INIT;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		bool in_action = false;
		for (char *p = colon + 1; *p;) {
			while (*p == ' ' || *p == '\t')
				p++;
			char *e = p;
			while (*e && *e != ' ' && *e != '\t')
				e++;
			if (e == p)
				break;
			cleanup_free char *word = xstrndup(p, (size_t)(e - p));
			/* "[NOTFOUND=return]" actions are not services. */
			if (word[0] == '[')
				in_action = true;
			if (!in_action && strset_add(&seen, word))
				strvec_push(out, word);
			if (strchr(word, ']'))
				in_action = false;
			p = e;
		}
	}
	strset_release(&seen);
}

void keep_glibc_companions(struct keep_set *ks)
{
	struct strvec dirs = STRVEC_INIT;
	struct strset seen = STRSET_INIT;
	size_t n = layer_index_count(ks->idx);
	for (size_t i = 0; i < n; i++) {
		const struct fs_entry *e = layer_index_at(ks->idx, i);
		if (!e->keep || strcmp(path_basename(e->path), "libc.so.6"))
			continue;
		cleanup_free char *dir = path_dirname(e->path);
		if (strset_add(&seen, dir))
			strvec_push(&dirs, dir);
	}
	strset_release(&seen);
	if (!dirs.n)
		return;
	struct strvec services = STRVEC_INIT;
	nss_services(ks, &services);
	for (size_t d = 0; d < dirs.n; d++) {
		for (size_t i = 0; i < services.n; i++) {
			cleanup_free char *lib = xasprintf("%s/libnss_%s.so.2", dirs.v[d], services.v[i]);
			if (exists(ks, lib))
				keep_path_ex(ks, lib, KEEP_F_AUTO, KEEP_ALWAYS, "nss module (/etc/nsswitch.conf)", NULL, NULL);
		}
		cleanup_free char *gcc = xasprintf("%s/libgcc_s.so.1", dirs.v[d]);
		if (exists(ks, gcc))
			keep_path_ex(ks, gcc, KEEP_F_AUTO, KEEP_ALWAYS, "loaded by glibc at run time (pthread_cancel, backtrace)",
				     NULL, NULL);
	}
	strvec_release(&services);
	strvec_release(&dirs);
}
