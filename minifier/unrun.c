/* Programs the slim image loses without anyone noticing: the siblings of a program the application
 * ran, in a directory of its own (CGI scripts, hooks, libexec helpers), that no probe ran. */
#include <string.h>
#include <sys/stat.h>

#include "lib/path.h"
#include "lib/xalloc.h"
#include "minifier/keep_int.h"

#define NAMES_SHOWN 3

/* Shared objects carry execute bits too, and ld.so is executed by the kernel: not programs. */
static bool shared_object(const char *name)
{
	const char *so = strstr(name, ".so");
	return so && (so[3] == '\0' || so[3] == '.');
}

/* A directory on the image's PATH is a toolbox shared by everything: dropping its unused tools is
 * what slimming is for. Compared after symlinks (/bin -> usr/bin). */
static bool on_path(struct keep_set *ks, const char *dir)
{
	for (char **d = ks->path_dirs; d && *d; d++) {
		cleanup_free char *res = NULL;
		if ((*d)[0] == '/' && layer_index_resolve(ks->idx, *d, false, &res, NULL, NULL, NULL) == 1 &&
		    !strcmp(res, dir))
			return true;
	}
	return false;
}

static void check_dir(struct keep_set *ks, const char *dir, const char *ran)
{
	size_t first, n, missing = 0;
	if (layer_index_children(ks->idx, dir, &first, &n) < 0)
		return;
	struct strvec names = STRVEC_INIT;
	for (size_t i = first; i < first + n; i++) {
		const struct fs_entry *c = layer_index_at(ks->idx, i);
		const char *name = path_basename(c->path);
		if (c->keep || !S_ISREG(c->mode) || !(c->mode & 0111) || shared_object(name))
			continue;
		if (missing++ < NAMES_SHOWN)
			strvec_push(&names, name);
	}
	if (missing) {
		cleanup_free char *list = xstrdup("");
		for (size_t i = 0; i < names.n; i++) {
			char *l = xasprintf("%s%s%s", list, i ? ", " : "", names.v[i]);
			free(list);
			list = l;
		}
		keep_alert(ks,
			   "the application ran '%s' from '%s', but no probe ran the %zu other program%s there (%s%s): "
			   "the slim image does not have %s; probe %s (--http-probe-cmd, --exec) or keep the directory "
			   "(--include-path %s)",
			   ran, dir, missing, missing == 1 ? "" : "s", list, missing > NAMES_SHOWN ? ", ..." : "",
			   missing == 1 ? "it" : "them", missing == 1 ? "it" : "them", dir);
	}
	strvec_release(&names);
}

void keep_check_unrun(struct keep_set *ks)
{
	const struct profile *p = ks->profile;
	struct strset dirs = STRSET_INIT;
	for (size_t i = 0; p && i < p->n_files; i++) {
		const struct profile_file *f = &p->files[i];
		const struct fs_entry *e = f->exists && (f->kinds & PROFILE_EXEC) ? layer_index_lookup(ks->idx, f->path) : NULL;
		if (!e || !e->keep || !S_ISREG(e->mode) || shared_object(path_basename(f->path)))
			continue;
		cleanup_free char *dir = path_dirname(f->path);
		if (!strset_add(&dirs, dir) || on_path(ks, dir))
			continue;
		check_dir(ks, dir, path_basename(f->path));
	}
	strset_release(&dirs);
}
