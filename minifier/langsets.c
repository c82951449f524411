/* Language variants (doc/MINIFIER.md, "Siblings"): a data file directly in a directory named for a
 * language, D/L/NAME (MariaDB's /usr/share/mysql/german/errmsg.sys), is one of a set the program
 * picks from by data: a client's `SET lc_messages = 'de_DE'` or `SET lc_time_names = 'de_DE'` makes
 * MariaDB load german/errmsg.sys at that moment (its English messages are built in, so a run in
 * English reads none), and without it the statement fails. D is such a set when it holds NAME in at
 * least three directories with language names; then NAME is kept in every directory of D that has
 * it (also those the tables below lack: "norwegian-ny"). The set is kept when the program used one
 * of its files (open or stat), or opened a data file next to it, in D or a directory of D
 * (/usr/share/mysql/charsets/Index.xml). Locale trees (language directories with LC_MESSAGES:
 * gettext catalogs, Django's per-language modules) are langtree.c's. */
#include <ctype.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/path.h"
#include "lib/xalloc.h"
#include "minifier/keep_int.h"
#include "minifier/strset.h"

#define LANG_MIN_OTHERS 2 /* other language directories with the same file: three languages in all */

/* ISO 639-1 codes (gettext, most catalogs: de, pt_BR, sr@latin) and English names (MySQL and
 * MariaDB: german, norwegian-ny). */
static const char *const lang_codes =
	" aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da"
	" de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz"
	" ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln"
	" lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi"
	" pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti"
	" tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu ";
static const char *const lang_names[] = {
	"afrikaans", "albanian", "arabic", "armenian", "basque", "belarusian", "bengali", "bosnian",
	"brazilian", "bulgarian", "catalan", "chinese", "croatian", "czech", "danish", "dutch", "english",
	"esperanto", "estonian", "finnish", "french", "galician", "georgian", "german", "greek", "gujarati",
	"hebrew", "hindi", "hungarian", "icelandic", "indonesian", "irish", "italian", "japanese", "kannada",
	"kazakh", "korean", "latvian", "lithuanian", "macedonian", "malay", "malayalam", "marathi",
	"mongolian", "norwegian", "persian", "polish", "portuguese", "punjabi", "romanian", "russian",
	"serbian", "slovak", "slovenian", "spanish", "swahili", "swedish", "tamil", "telugu", "thai",
	"turkish", "ukrainian", "urdu", "uzbek", "vietnamese", "welsh", NULL,
};

/* A directory name for a language: a code or an English name, with an optional territory, script,
 * variant or codeset after '_', '-', '@' or '.' (pt_BR, sr@latin, de_DE.UTF-8, norwegian-ny). */
bool keep_is_language_name(const char *name)
{
	size_t n = strcspn(name, "_-@.");
	if (n < 2 || n > 16)
		return false;
	char base[20];
	for (size_t i = 0; i < n; i++) {
		if (!islower((unsigned char)name[i]))
			return false;
		base[i] = name[i];
	}
	base[n] = '\0';
	if (n == 2) {
		char code[5] = { ' ', base[0], base[1], ' ', '\0' };
		return strstr(lang_codes, code) != NULL;
	}
	for (size_t i = 0; lang_names[i]; i++)
		if (!strcmp(base, lang_names[i]))
			return true;
	return false;
}

static bool regular_at(struct keep_set *ks, const char *dir, const char *name, const char *rest)
{
	cleanup_free char *p = xasprintf("%s/%s/%s", strcmp(dir, "/") ? dir : "", name, rest);
	return keep_index_is(ks, p, S_IFREG);
}

/* Keeps REST under every directory of dir when dir is a language set (see above); lang is the
 * language directory the program used, not counted among the others. */
static void keep_variants(struct keep_set *ks, const char *dir, const char *lang, const char *rest,
			  const char *used)
{
	size_t first, n, others = 0;
	cleanup_free char *tree = xasprintf("%s/%s/LC_MESSAGES", strcmp(dir, "/") ? dir : "", lang);
	const struct fs_entry *lc = layer_index_lookup(ks->idx, tree);
	if ((lc && S_ISDIR(lc->mode)) || layer_index_children(ks->idx, dir, &first, &n) < 0)
		return;
	for (size_t i = first; i < first + n && others < LANG_MIN_OTHERS; i++) {
		const struct fs_entry *c = layer_index_at(ks->idx, i);
		const char *base = path_basename(c->path);
		if (S_ISDIR(c->mode) && strcmp(base, lang) && keep_is_language_name(base) &&
		    regular_at(ks, dir, base, rest))
			others++;
	}
	if (others < LANG_MIN_OTHERS)
		return;
	cleanup_free char *why = xasprintf("language variants (%s was read)", used);
	for (size_t i = first; i < first + n; i++) {
		const struct fs_entry *c = layer_index_at(ks->idx, i);
		const char *base = path_basename(c->path);
		if (!S_ISDIR(c->mode) || !regular_at(ks, dir, base, rest))
			continue;
		cleanup_free char *p = xasprintf("%s/%s", c->path, rest);
		keep_path_ex(ks, p, KEEP_F_AUTO, KEEP_SIBLING, why, NULL, NULL);
	}
}

/* dir's language sets of one file per language (dir/L/NAME), kept when dir has one: for a data file
 * opened in dir's subtree. */
static void keep_sets_in(struct keep_set *ks, const char *dir, const char *used, struct strset *done)
{
	cleanup_free char *key = xasprintf("%s\n", dir);
	if (!strset_add(done, key))
		return;
	size_t first, n;
	if (layer_index_children(ks->idx, dir, &first, &n) < 0)
		return;
	for (size_t i = first; i < first + n; i++) {
		const struct fs_entry *c = layer_index_at(ks->idx, i);
		if (!S_ISDIR(c->mode) || !keep_is_language_name(path_basename(c->path)))
			continue;
		/* The first language directory names the candidate files. */
		size_t f0, nf;
		if (layer_index_children(ks->idx, c->path, &f0, &nf) < 0)
			return;
		for (size_t j = f0; j < f0 + nf; j++) {
			const struct fs_entry *e = layer_index_at(ks->idx, j);
			if (!S_ISREG(e->mode))
				continue;
			const char *name = path_basename(e->path);
			cleanup_free char *k = xasprintf("%s\n%s", dir, name);
			if (strset_add(done, k))
				keep_variants(ks, dir, path_basename(c->path), name, used);
		}
		return;
	}
}

void keep_language_variants(struct keep_set *ks, const struct profile_file *f, struct strset *done)
{
	if (!(f->kinds & (PROFILE_OPEN | PROFILE_STAT)) || f->path[0] != '/')
		return;
	/* A member: the file's directory has a language name. */
	cleanup_free char *d1 = path_dirname(f->path);
	cleanup_free char *d2 = path_dirname(d1);
	const char *lang = path_basename(d1);
	if (keep_is_language_name(lang)) {
		const char *name = path_basename(f->path);
		cleanup_free char *key = xasprintf("%s\n%s", d2, name);
		if (strcmp(d1, d2) && strset_add(done, key))
			keep_variants(ks, d2, lang, name, f->path);
		return;
	}
	/* A data file of the program's own opened next to sets: its directory and the one above. */
	if (!(f->kinds & PROFILE_OPEN))
		return;
	keep_sets_in(ks, d1, f->path, done);
	if (strcmp(d2, d1))
		keep_sets_in(ks, d2, f->path, done);
}
