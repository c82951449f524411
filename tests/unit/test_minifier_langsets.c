/* Unit tests for minifier/langsets.c: the same file in the other language directories of a set
 * (MariaDB's errmsg.sys per language), and nothing for directories that only look like one or for
 * locale trees (langtree.c's). The image is a small tree of plain files. */
#include <stdio.h>
#include <stdlib.h>

#include "image/image.h"
#include "image/layer_index.h"
#include "lib/xalloc.h"
#include "minifier/keep.h"
#include "minifier/keep_int.h"
#include "tests/unit/unit.h"
#include "tracer/profile.h"

static const char *const tree[] = {
	"usr/share/mysql/english/errmsg.sys",
	"usr/share/mysql/german/errmsg.sys",
	"usr/share/mysql/french/errmsg.sys",
	"usr/share/mysql/norwegian-ny/errmsg.sys",
	"usr/share/mysql/charsets/Index.xml",
	"usr/share/mysql/charsets/latin2.xml",
	"usr/share/mariadb/english/errmsg.sys",
	"usr/share/mariadb/german/errmsg.sys",
	"usr/share/mariadb/czech/errmsg.sys",
	"usr/share/mariadb/charsets/Index.xml",
	"usr/share/mariadb/fill_help_tables.sql",
	"usr/share/mysql/fill_help_tables.sql",
	"usr/share/locale/de/LC_MESSAGES/app.mo",
	/* Per-language files of a locale tree: langtree.c keeps them when one is used, not this rule. */
	"usr/share/locale/de/intro.txt",
	"usr/share/locale/fr/intro.txt",
	"usr/share/locale/es/intro.txt",
	"usr/share/locale/fr/LC_MESSAGES/x.mo",
	"usr/share/locale/es/LC_MESSAGES/x.mo",
	/* Two languages only: not enough to call it a set. */
	"srv/t/en/page.txt",
	"srv/t/de/page.txt",
	/* Directories named like languages holding different files. */
	"opt/x/it/a.conf",
	"usr/share/locale/locale.alias",
	"usr/share/locale/it/LC_MESSAGES/app2.mo",
	"usr/share/locale/es/LC_MESSAGES/app2.mo",
	"usr/share/locale/fi/LC_MESSAGES/app2.mo",
	"opt/x/is/b.conf",
	"opt/x/id/c.conf",
	NULL,
};

static int build_image(const char *dir)
{
	for (size_t i = 0; tree[i]; i++) {
		cleanup_free char *cmd = xasprintf("mkdir -p \"$(dirname '%s/root/%s')\" && echo x >'%s/root/%s'", dir,
						   tree[i], dir, tree[i]);
		if (system(cmd) != 0)
			return -1;
	}
	cleanup_free char *cmd =
		xasprintf("python3 tests/mkimage.py --format oci-dir --layer '%s/root' '%s/img' >/dev/null", dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

static bool kept(struct layer_index *idx, const char *path)
{
	struct fs_entry *e = layer_index_lookup(idx, path);
	if (!e) {
		printf("# '%s' is not in the index\n", path);
		return false;
	}
	return keep_mark_of(e) != NULL;
}

static bool kept_as_sibling(struct layer_index *idx, const char *path)
{
	struct fs_entry *e = layer_index_lookup(idx, path);
	const struct keep_mark *m = e ? keep_mark_of(e) : NULL;
	return m && m->why == KEEP_SIBLING;
}

TEST(langsets_language_names)
{
	CHECK(keep_is_language_name("german"));
	CHECK(keep_is_language_name("norwegian-ny"));
	CHECK(keep_is_language_name("de"));
	CHECK(keep_is_language_name("pt_BR"));
	CHECK(keep_is_language_name("sr@latin"));
	CHECK(keep_is_language_name("de_DE.UTF-8"));
	CHECK(!keep_is_language_name("js"));
	CHECK(!keep_is_language_name("charsets"));
	CHECK(!keep_is_language_name("C"));
	CHECK(!keep_is_language_name("DE"));
	CHECK(!keep_is_language_name("x"));
	CHECK(!keep_is_language_name(""));
}

TEST(langsets_keep_variants)
{
	const char *dir = unit_tmpdir();
	CHECK_INT(build_image(dir), 0);
	cleanup_free char *path = xasprintf("%s/img", dir);
	struct pare_error err = { 0 };
	struct image *img = NULL;
	struct layer_index *idx = NULL;
	if (image_open(path, NULL, &img, &err) < 0 || layer_index_build(img, &idx, &err) < 0) {
		printf("# %s\n", err.msg);
		CHECK(false);
		return;
	}
	struct profile *p = profile_new();
	profile_add_file(p, "/usr/share/mysql/english/errmsg.sys", PROFILE_OPEN, true);
	profile_add_file(p, "/usr/share/mysql/charsets/Index.xml", PROFILE_OPEN, true);
	profile_add_file(p, "/srv/t/en/page.txt", PROFILE_OPEN, true);
	profile_add_file(p, "/opt/x/it/a.conf", PROFILE_OPEN, true);
	/* English built in: only a data file next to the set is read. */
	profile_add_file(p, "/usr/share/mariadb/charsets/Index.xml", PROFILE_OPEN, true);
	/* glibc's alias file next to the catalogs: no set of one file per language there. */
	profile_add_file(p, "/usr/share/locale/locale.alias", PROFILE_OPEN, true);
	profile_add_file(p, "/usr/share/locale/de/intro.txt", PROFILE_OPEN, true);
	profile_finish(p);
	struct keep_opts o = { 0 };
	struct keep_set *ks = NULL;
	CHECK_INT(keep_set_new(idx, NULL, &o, &ks, &err), 0);
	CHECK_INT(keep_add_profile(ks, p, &err), 0);
	CHECK_INT(keep_apply_rules(ks, &err), 0);
	CHECK_INT(keep_finish(ks, &err), 0);
	/* The server's messages in every language, the one with an unlisted name too. */
	CHECK(kept_as_sibling(idx, "/usr/share/mysql/german/errmsg.sys"));
	CHECK(kept_as_sibling(idx, "/usr/share/mysql/french/errmsg.sys"));
	CHECK(kept_as_sibling(idx, "/usr/share/mysql/norwegian-ny/errmsg.sys"));
	/* Not the rest of the directory. */
	CHECK(!kept(idx, "/usr/share/mysql/charsets/latin2.xml"));
	CHECK(!kept(idx, "/usr/share/mysql/fill_help_tables.sql"));
	/* Not glibc's alias file's neighbours, nor a locale tree's files. */
	CHECK(!kept(idx, "/usr/share/locale/it/LC_MESSAGES/app2.mo"));
	CHECK(!kept(idx, "/usr/share/locale/fr/intro.txt"));
	/* The set next to a data file the program opened, the first language's file too. */
	CHECK(kept_as_sibling(idx, "/usr/share/mariadb/english/errmsg.sys"));
	CHECK(kept_as_sibling(idx, "/usr/share/mariadb/german/errmsg.sys"));
	CHECK(kept_as_sibling(idx, "/usr/share/mariadb/czech/errmsg.sys"));
	CHECK(!kept(idx, "/usr/share/mariadb/fill_help_tables.sql"));
	/* Two languages are no set; directories with language-like names and other files neither. */
	CHECK(!kept(idx, "/srv/t/de/page.txt"));
	CHECK(!kept(idx, "/opt/x/is/b.conf"));
	CHECK(!kept(idx, "/opt/x/id/c.conf"));
	keep_set_free(ks);
	layer_index_free(idx);
	image_free(img);
	profile_free(p);
}
