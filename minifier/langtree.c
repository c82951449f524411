/* Language siblings (doc/MINIFIER.md, "Siblings"): a locale tree is a directory L whose subdirectories
 * are languages, each with an LC_MESSAGES directory (/usr/share/locale/de/LC_MESSAGES,
 * django/conf/locale/fr/LC_MESSAGES). The language is chosen by data (a client's Accept-Language,
 * a user's setting, LANG given to `docker run`), and a program that loaded one language's catalog
 * loads another's the same way. So a gettext catalog L/LANG/LC_MESSAGES/DOMAIN.mo that was used
 * keeps DOMAIN.mo of every language of L, and a Python module L/LANG/NAME.py (Django's per-language
 * formats) keeps NAME.py of every language: the same relative path, nothing else of the tree. */
#include <string.h>
#include <sys/stat.h>

#include "lib/path.h"
#include "lib/xalloc.h"
#include "minifier/keep_int.h"
#include "minifier/strset.h"

static bool is_language_dir(struct keep_set *ks, const char *dir)
{
	cleanup_free char *m = path_join(dir, "LC_MESSAGES");
	return keep_index_is(ks, m, S_IFDIR);
}

/* Splits path into its locale tree (*tree) and the path below the language directory (*rest):
 * TREE/LANG/LC_MESSAGES/NAME.mo or TREE/LANG/NAME.py. False when path is neither. */
static bool split_language_path(struct keep_set *ks, const char *path, char **tree, char **rest)
{
	cleanup_free char *lang = NULL;
	if (path_has_suffix(path, ".mo")) {
		cleanup_free char *msgs = path_dirname(path);
		if (strcmp(path_basename(msgs), "LC_MESSAGES"))
			return false;
		lang = path_dirname(msgs);
	} else if (path_has_suffix(path, ".py")) {
		lang = path_dirname(path);
		if (!is_language_dir(ks, lang))
			return false;
	} else {
		return false;
	}
	if (!strcmp(lang, "/"))
		return false;
	*tree = path_dirname(lang);
	*rest = xstrdup(path + strlen(lang) + 1);
	return true;
}

static void keep_in_every_language(struct keep_set *ks, const char *tree, const char *rest, const char *of,
				   struct strvec *modules)
{
	size_t first, n;
	if (layer_index_children(ks->idx, tree, &first, &n) < 0)
		return;
	for (size_t i = first; i < first + n; i++) {
		struct fs_entry *c = layer_index_at(ks->idx, i);
		if (!S_ISDIR(c->mode) || !is_language_dir(ks, c->path))
			continue;
		cleanup_free char *path = path_join(c->path, rest);
		const struct fs_entry *e = layer_index_lookup(ks->idx, path);
		if (!e || !S_ISREG(e->mode) || e->keep)
			continue;
		if (keep_path_ex(ks, path, KEEP_F_AUTO, KEEP_SIBLING, of, NULL, NULL) == 1 && path_has_suffix(path, ".py"))
			strvec_push(modules, path);
	}
}

void keep_language_siblings(struct keep_set *ks, struct strvec *modules)
{
	const struct profile *p = ks->profile;
	struct strset done = STRSET_INIT;
	for (size_t i = 0; i < p->n_files; i++) {
		const struct profile_file *f = &p->files[i];
		const struct fs_entry *e = layer_index_lookup(ks->idx, f->path);
		if (!e || !S_ISREG(e->mode))
			continue;
		cleanup_free char *tree = NULL, *rest = NULL;
		if (!split_language_path(ks, f->path, &tree, &rest))
			continue;
		cleanup_free char *key = xasprintf("%s\n%s", tree, rest);
		if (strset_add(&done, key))
			keep_in_every_language(ks, tree, rest, f->path, modules);
	}
	strset_release(&done);
}
