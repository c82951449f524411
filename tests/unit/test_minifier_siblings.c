/* Unit tests for minifier/siblings.c: the rest of a time zone database, Python package or Node
 * package a program used part of. The image is a small tree of plain files (no ELF). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "image/image.h"
#include "image/layer_index.h"
#include "lib/xalloc.h"
#include "minifier/keep.h"
#include "tests/unit/unit.h"
#include "tracer/profile.h"

static const char *const tree[] = {
	"usr/share/zoneinfo/Etc/UTC",
	"usr/share/zoneinfo/Europe/Paris",
	"usr/share/zoneinfo/Asia/Tokyo",
	"usr/share/zoneinfo/tzdata.zi",
	"opt/tz/zoneinfo/Etc/UTC",
	"opt/tz/zoneinfo/America/New_York",
	"usr/lib/python3.11/encodings/__init__.py",
	"usr/lib/python3.11/encodings/utf_8.py",
	"usr/lib/python3.11/encodings/cp1252.py",
	"usr/lib/python3.11/encodings/__pycache__/__init__.cpython-311.pyc",
	"usr/lib/python3.11/encodings/__pycache__/cp1252.cpython-311.pyc",
	"usr/lib/python3.11/encodings/README.txt",
	"usr/lib/python3.11/encodings/aliases.dat",
	"usr/lib/python3.11/encodings/templates/forms/text.html",
	"usr/lib/python3.11/encodings/locale/fr/LC_MESSAGES/enc.po",
	"usr/lib/python3.11/encodings/sub/__init__.py",
	"usr/lib/python3.11/encodings/sub/templates/x.html",
	"usr/lib/python3.11/email/__init__.py",
	"usr/lib/python3.11/email/mime/__init__.py",
	"usr/lib/python3.11/email/mime/text.py",
	"usr/lib/python3.11/unused/__init__.py",
	"usr/lib/python3.11/unused/mod.py",
	"usr/lib/python3.11/lazy.py",
	"usr/lib/python3.11/lib-dynload/_ext.cpython-311-x86_64-linux-gnu.so",
	"app/node_modules/iconv-lite/package.json",
	"app/node_modules/iconv-lite/lib/index.js",
	"app/node_modules/iconv-lite/encodings/index.js",
	"app/node_modules/iconv-lite/encodings/tables/big5.json",
	"app/node_modules/iconv-lite/README.md",
	"app/node_modules/iconv-lite/node_modules/dep/package.json",
	"app/node_modules/iconv-lite/node_modules/dep/index.js",
	"app/node_modules/@scope/pkg/package.json",
	"app/node_modules/@scope/pkg/index.js",
	"app/node_modules/@scope/pkg/lazy.js",
	"app/node_modules/@scope/other/package.json",
	"app/node_modules/@scope/other/index.js",
	"app/node_modules/.package-lock.json",
	NULL,
};

static int build_image(const char *dir)
{
	cleanup_free char *root = xasprintf("%s/root", dir);
	for (size_t i = 0; tree[i]; i++) {
		cleanup_free char *cmd = xasprintf("mkdir -p \"$(dirname '%s/%s')\" && echo x >'%s/%s'", root, tree[i],
						   root, tree[i]);
		if (system(cmd) != 0)
			return -1;
	}
	cleanup_free char *cmd = xasprintf("ln -s /usr/share/zoneinfo/Etc/UTC '%s/etc/localtime' 2>/dev/null || "
					   "{ mkdir -p '%s/etc' && ln -s /usr/share/zoneinfo/Etc/UTC '%s/etc/localtime'; } && "
					   "python3 tests/mkimage.py --format oci-dir --layer '%s' '%s/img' >/dev/null",
					   root, root, root, root, dir);
	return system(cmd) == 0 ? 0 : -1;
}

static bool kept(struct layer_index *idx, const char *path, bool want_sibling)
{
	struct fs_entry *e = layer_index_lookup(idx, path);
	if (!e) {
		printf("# '%s' is not in the index\n", path);
		return false;
	}
	const struct keep_mark *m = keep_mark_of(e);
	if (m && want_sibling && m->why != KEEP_SIBLING)
		printf("# '%s' kept as %s\n", path, keep_why_name(m->why));
	return m && (!want_sibling || m->why == KEEP_SIBLING);
}

/* Runs the keep rules on the profile, reading contents from root (NULL: none); returns the index
 * (caller frees it and *ks) or NULL. */
static struct layer_index *run_in(const char *dir, const char *root, struct profile *p, struct image **img,
				  struct keep_set **ks)
{
	struct pare_error err = { 0 };
	cleanup_free char *path = xasprintf("%s/img", dir);
	struct layer_index *idx = NULL;
	if (image_open(path, NULL, img, &err) < 0 || layer_index_build(*img, &idx, &err) < 0) {
		printf("# %s\n", err.msg);
		return NULL;
	}
	profile_finish(p);
	struct keep_opts o = { 0 };
	CHECK_INT(keep_set_new(idx, root, &o, ks, &err), 0);
	CHECK_INT(keep_add_profile(*ks, p, &err), 0);
	CHECK_INT(keep_apply_rules(*ks, &err), 0);
	CHECK_INT(keep_finish(*ks, &err), 0);
	return idx;
}

static struct layer_index *run(const char *dir, struct profile *p, struct image **img, struct keep_set **ks)
{
	return run_in(dir, NULL, p, img, ks);
}

TEST(siblings_zoneinfo_python_node)
{
	const char *dir = unit_tmpdir();
	CHECK_INT(build_image(dir), 0);
	struct profile *p = profile_new();
	profile_add_file(p, "/usr/share/zoneinfo/Europe/Paris", PROFILE_OPEN, true);
	profile_add_file(p, "/opt/tz/zoneinfo/Etc/UTC", PROFILE_OPEN, true);
	profile_add_file(p, "/usr/lib/python3.11/encodings/__init__.py", PROFILE_STAT, true);
	profile_add_file(p, "/usr/lib/python3.11/encodings/__pycache__/__init__.cpython-311.pyc", PROFILE_OPEN, true);
	profile_add_file(p, "/usr/lib/python3.11/email/__init__.py", PROFILE_OPEN, true);
	profile_add_file(p, "/app/node_modules/iconv-lite/package.json", PROFILE_OPEN, true);
	profile_add_file(p, "/app/node_modules/iconv-lite/lib/index.js", PROFILE_OPEN, true);
	profile_add_file(p, "/app/node_modules/@scope/pkg/index.js", PROFILE_OPEN, true);
	profile_add_file(p, "/app/node_modules/@scope/other/package.json", PROFILE_STAT, true);
	struct image *img = NULL;
	struct keep_set *ks = NULL;
	struct layer_index *idx = run(dir, p, &img, &ks);
	CHECK(idx != NULL);
	if (idx) {
		/* Every zone of a database a zone was read from. */
		CHECK(kept(idx, "/usr/share/zoneinfo/Asia/Tokyo", true));
		CHECK(kept(idx, "/usr/share/zoneinfo/tzdata.zi", true));
		CHECK(kept(idx, "/opt/tz/zoneinfo/America/New_York", true));
		/* A loaded Python package's modules (not their bytecode); not its documentation, not unentered subpackages,
		 * not unloaded packages, top-level modules or native extensions. */
		CHECK(kept(idx, "/usr/lib/python3.11/encodings/cp1252.py", true));
		CHECK(kept(idx, "/usr/lib/python3.11/encodings/utf_8.py", true));
		CHECK(!kept(idx, "/usr/lib/python3.11/encodings/__pycache__/cp1252.cpython-311.pyc", false));
		CHECK(!kept(idx, "/usr/lib/python3.11/encodings/README.txt", false));
		/* Its data, in subdirectories too (templates, resources), not gettext's source catalogs, not
		 * the data of a subpackage never entered. */
		CHECK(kept(idx, "/usr/lib/python3.11/encodings/aliases.dat", true));
		CHECK(kept(idx, "/usr/lib/python3.11/encodings/templates/forms/text.html", true));
		CHECK(!kept(idx, "/usr/lib/python3.11/encodings/locale/fr/LC_MESSAGES/enc.po", false));
		CHECK(!kept(idx, "/usr/lib/python3.11/encodings/sub/templates/x.html", false));
		CHECK(!kept(idx, "/usr/lib/python3.11/encodings/sub/__init__.py", false));
		CHECK(!kept(idx, "/usr/lib/python3.11/email/mime/text.py", false));
		CHECK(!kept(idx, "/usr/lib/python3.11/unused/mod.py", false));
		CHECK(!kept(idx, "/usr/lib/python3.11/lazy.py", false));
		CHECK(!kept(idx, "/usr/lib/python3.11/lib-dynload/_ext.cpython-311-x86_64-linux-gnu.so", false));
		/* A loaded Node package's JavaScript and JSON, in subdirectories too; not its nested
		 * node_modules, not a package only stat'ed, not node_modules' own files. */
		CHECK(kept(idx, "/app/node_modules/iconv-lite/encodings/index.js", true));
		CHECK(kept(idx, "/app/node_modules/iconv-lite/encodings/tables/big5.json", true));
		CHECK(!kept(idx, "/app/node_modules/iconv-lite/README.md", false));
		CHECK(!kept(idx, "/app/node_modules/iconv-lite/node_modules/dep/index.js", false));
		CHECK(kept(idx, "/app/node_modules/@scope/pkg/lazy.js", true));
		CHECK(!kept(idx, "/app/node_modules/@scope/other/index.js", false));
		CHECK(!kept(idx, "/app/node_modules/.package-lock.json", false));
	}
	keep_set_free(ks);
	layer_index_free(idx);
	image_free(img);
	profile_free(p);

	/* The local zone read through /etc/localtime alone is not a choice by data. */
	p = profile_new();
	profile_add_file(p, "/usr/share/zoneinfo/Etc/UTC", PROFILE_OPEN, true);
	profile_add_symlink(p, "/etc/localtime", "/usr/share/zoneinfo/Etc/UTC");
	img = NULL;
	ks = NULL;
	idx = run(dir, p, &img, &ks);
	CHECK(idx != NULL);
	if (idx) {
		CHECK(kept(idx, "/usr/share/zoneinfo/Etc/UTC", false));
		CHECK(!kept(idx, "/usr/share/zoneinfo/Europe/Paris", false));
	}
	keep_set_free(ks);
	layer_index_free(idx);
	image_free(img);
	profile_free(p);
}

/* Python modules with contents, for the imports of kept siblings (minifier/pyimports.c). */
static const char *const py_tree[][2] = {
	{ "usr/lib/python3.11/encodings/__init__.py", "import codecs\n" },
	{ "usr/lib/python3.11/encodings/utf_8.py", "import codecs\n" },
	{ "usr/lib/python3.11/encodings/shift_jis.py", "import _codecs_jp, codecs\nimport _multibytecodec as mbc\n" },
	{ "usr/lib/python3.11/encodings/cp1252.py",
	  "from . import utf_8\nif TYPE_CHECKING:\n    import typing_only\ndef f():\n    import lazy_in_function\n" },
	{ "usr/lib/python3.11/codecs.py", "import builtins\n" },
	{ "usr/lib/python3.11/_strptime.py", "import calendar\n" },
	{ "usr/lib/python3.11/calendar.py", "" },
	{ "srv/other/_strptime.py", "" },
	{ "usr/lib/python3.11/typing_only.py", "" },
	{ "usr/lib/python3.11/lazy_in_function.py", "" },
	{ "usr/lib/python3.11/csv.py", "import re, _csv\nfrom io import StringIO\n" },
	{ "usr/lib/python3.11/re/__init__.py", "from . import _parser\n" },
	{ "usr/lib/python3.11/re/_parser.py", "" },
	{ "usr/lib/python3.11/re/_unused.py", "" },
	{ "usr/lib/python3.11/json/__init__.py", "from .decoder import JSONDecoder\n" },
	{ "usr/lib/python3.11/json/decoder.py", "" },
	{ "usr/lib/python3.11/json/tool.py", "" },
	{ "usr/lib/python3.11/lib-dynload/_codecs_jp.cpython-311-x86_64-linux-gnu.so", "" },
	{ "usr/lib/python3.11/lib-dynload/_multibytecodec.cpython-311-x86_64-linux-gnu.so", "" },
	{ "usr/lib/python3.11/lib-dynload/_csv.cpython-311-x86_64-linux-gnu.so", "" },
	{ "usr/lib/python3.11/lib-dynload/_unused.cpython-311-x86_64-linux-gnu.so", "" },
	{ "app/server.py", "import pkg\n" },
	{ "app/pkg/__init__.py", "" },
	{ "app/pkg/reports.py", "import csv\nfrom .util import helper\nfrom pkg import models\n" },
	{ "app/pkg/util.py", "import json\n" },
	{ "app/pkg/models.py", "" },
	{ "srv/other/csv.py", "" }, /* listed, but not a directory Python imported from */
	{ NULL, NULL },
};

static int build_tree_image(const char *dir, const char *const (*files)[2])
{
	for (size_t i = 0; files[i][0]; i++) {
		cleanup_free char *path = xasprintf("%s/root/%s", dir, files[i][0]);
		cleanup_free char *mk = xasprintf("mkdir -p \"$(dirname '%s')\"", path);
		if (system(mk) != 0)
			return -1;
		cleanup_file FILE *f = fopen(path, "w");
		if (!f || fputs(files[i][1], f) < 0)
			return -1;
	}
	cleanup_free char *cmd = xasprintf("python3 tests/mkimage.py --format oci-dir --layer '%s/root' '%s/img' >/dev/null",
					   dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* run_in with the contents of dir/root; on failure frees p and returns NULL. */
static struct layer_index *run_with_contents(const char *dir, struct profile *p, struct image **img,
					     struct keep_set **ks)
{
	cleanup_free char *root = xasprintf("%s/root", dir);
	struct layer_index *idx = run_in(dir, root, p, img, ks);
	CHECK(idx != NULL);
	if (!idx)
		profile_free(p);
	return idx;
}

static void release(struct keep_set *ks, struct layer_index *idx, struct image *img, struct profile *p)
{
	keep_set_free(ks);
	layer_index_free(idx);
	image_free(img);
	profile_free(p);
}

static bool kept_as(struct layer_index *idx, const char *path, enum keep_why why)
{
	struct fs_entry *e = layer_index_lookup(idx, path);
	const struct keep_mark *m = e ? keep_mark_of(e) : NULL;
	if (m && m->why != why)
		printf("# '%s' kept as %s\n", path, keep_why_name(m->why));
	return m && m->why == why;
}

TEST(siblings_python_imports)
{
	const char *dir = unit_tmpdir();
	CHECK_INT(build_tree_image(dir, py_tree), 0);
	struct profile *p = profile_new();
	profile_add_file(p, "/usr/lib/python3.11", PROFILE_LISTDIR, true);
	profile_add_file(p, "/usr/lib/python3.11/lib-dynload", PROFILE_LISTDIR, true);
	profile_add_file(p, "/srv/other", PROFILE_LISTDIR, true);
	profile_add_file(p, "/app", PROFILE_LISTDIR, true);
	profile_add_file(p, "/app/server.py", PROFILE_OPEN, true);
	profile_add_file(p, "/app/pkg/__init__.py", PROFILE_OPEN, true);
	profile_add_file(p, "/usr/lib/python3.11/encodings/__init__.py", PROFILE_OPEN, true);
	struct image *img = NULL;
	struct keep_set *ks = NULL;
	struct layer_index *idx = run_with_contents(dir, p, &img, &ks);
	if (!idx)
		return;
	/* A sibling codec works only with the extension modules it imports. */
	CHECK(kept_as(idx, "/usr/lib/python3.11/encodings/shift_jis.py", KEEP_SIBLING));
	CHECK(kept_as(idx, "/usr/lib/python3.11/lib-dynload/_codecs_jp.cpython-311-x86_64-linux-gnu.so", KEEP_PYIMPORT));
	CHECK(kept_as(idx, "/usr/lib/python3.11/lib-dynload/_multibytecodec.cpython-311-x86_64-linux-gnu.so",
		      KEEP_PYIMPORT));
	CHECK(kept_as(idx, "/usr/lib/python3.11/codecs.py", KEEP_PYIMPORT));
	CHECK(!kept_as(idx, "/usr/lib/python3.11/lib-dynload/_unused.cpython-311-x86_64-linux-gnu.so", KEEP_PYIMPORT));
	/* Not what runs only in a function or for a type checker. */
	CHECK(!kept_as(idx, "/usr/lib/python3.11/typing_only.py", KEEP_PYIMPORT));
	CHECK(!kept_as(idx, "/usr/lib/python3.11/lazy_in_function.py", KEEP_PYIMPORT));
	/* An app's sibling module: a stdlib module and what it imports, transitively (a package's
	 * __init__.py and, through its relative import, a submodule; not the package's other modules). */
	CHECK(kept_as(idx, "/app/pkg/reports.py", KEEP_SIBLING));
	CHECK(kept_as(idx, "/usr/lib/python3.11/csv.py", KEEP_PYIMPORT));
	CHECK(kept_as(idx, "/usr/lib/python3.11/lib-dynload/_csv.cpython-311-x86_64-linux-gnu.so", KEEP_PYIMPORT));
	CHECK(kept_as(idx, "/usr/lib/python3.11/re/__init__.py", KEEP_PYIMPORT));
	CHECK(kept_as(idx, "/usr/lib/python3.11/re/_parser.py", KEEP_PYIMPORT));
	CHECK(!kept_as(idx, "/usr/lib/python3.11/re/_unused.py", KEEP_PYIMPORT));
	CHECK(kept_as(idx, "/usr/lib/python3.11/json/__init__.py", KEEP_PYIMPORT));
	CHECK(kept_as(idx, "/usr/lib/python3.11/json/decoder.py", KEEP_PYIMPORT));
	CHECK(!kept_as(idx, "/usr/lib/python3.11/json/tool.py", KEEP_PYIMPORT));
	CHECK(kept_as(idx, "/app/pkg/models.py", KEEP_SIBLING));
	CHECK(!kept_as(idx, "/srv/other/csv.py", KEEP_PYIMPORT));
	/* What the interpreter's C code imports on first use (datetime.strptime), with its imports; only
	 * in the standard library directory. */
	CHECK(kept_as(idx, "/usr/lib/python3.11/_strptime.py", KEEP_PYIMPORT));
	CHECK(kept_as(idx, "/usr/lib/python3.11/calendar.py", KEEP_PYIMPORT));
	CHECK(!kept_as(idx, "/srv/other/_strptime.py", KEEP_PYIMPORT));
	release(ks, idx, img, p);
}

/* Node packages with their package.json files (minifier/nodedeps.c). */
static const char *const node_tree[][2] = {
	{ "app/package.json", "{\"dependencies\": {\"express\": \"^4\", \"lazy-driver\": \"1\", \"@scope/views\": \"1\","
			      " \"missing\": \"1\", \"../evil\": \"1\"}, \"devDependencies\": {\"jest\": \"1\"}}" },
	{ "app/server.js", "require('express')\n" },
	{ "app/node_modules/express/package.json", "{\"dependencies\": {\"accepts\": \"1\"}}" },
	{ "app/node_modules/express/index.js", "" },
	{ "app/node_modules/accepts/package.json", "{}" },
	{ "app/node_modules/accepts/index.js", "" },
	{ "app/node_modules/lazy-driver/package.json", "{\"optionalDependencies\": {\"native\": \"1\"}}" },
	{ "app/node_modules/lazy-driver/lib/index.js", "" },
	{ "app/node_modules/lazy-driver/node_modules/native/package.json", "not json" },
	{ "app/node_modules/lazy-driver/node_modules/native/index.js", "" },
	{ "app/node_modules/native/package.json", "{}" }, /* shadowed by lazy-driver's own copy */
	{ "app/node_modules/native/index.js", "" },
	{ "app/node_modules/@scope/views/package.json", "{}" },
	{ "app/node_modules/@scope/views/index.js", "" },
	{ "app/node_modules/jest/package.json", "{}" },
	{ "app/node_modules/jest/index.js", "" },
	{ "app/node_modules/unrelated/package.json", "{}" },
	{ "app/node_modules/unrelated/index.js", "" },
	{ "evil/package.json", "{}" },
	{ "evil/index.js", "" },
	{ NULL, NULL },
};

TEST(siblings_node_dependencies)
{
	const char *dir = unit_tmpdir();
	CHECK_INT(build_tree_image(dir, node_tree), 0);
	struct profile *p = profile_new();
	profile_add_file(p, "/app/server.js", PROFILE_OPEN, true);
	profile_add_file(p, "/app/node_modules/express/package.json", PROFILE_OPEN, true);
	profile_add_file(p, "/app/node_modules/express/index.js", PROFILE_OPEN, true);
	struct image *img = NULL;
	struct keep_set *ks = NULL;
	struct layer_index *idx = run_with_contents(dir, p, &img, &ks);
	if (!idx)
		return;
	/* The app's runtime dependencies and theirs, found as require() finds them (a package's own
	 * node_modules first); not devDependencies, not packages nothing depends on, no path tricks. */
	CHECK(kept_as(idx, "/app/node_modules/accepts/index.js", KEEP_PKGDEP));
	CHECK(kept_as(idx, "/app/node_modules/lazy-driver/lib/index.js", KEEP_PKGDEP));
	CHECK(kept_as(idx, "/app/node_modules/lazy-driver/node_modules/native/index.js", KEEP_PKGDEP));
	CHECK(!kept_as(idx, "/app/node_modules/native/index.js", KEEP_PKGDEP));
	CHECK(kept_as(idx, "/app/node_modules/@scope/views/index.js", KEEP_PKGDEP));
	CHECK(!kept_as(idx, "/app/node_modules/jest/index.js", KEEP_PKGDEP));
	CHECK(!kept_as(idx, "/app/node_modules/unrelated/index.js", KEEP_PKGDEP));
	CHECK(!kept_as(idx, "/evil/index.js", KEEP_PKGDEP));
	release(ks, idx, img, p);
}

/* Locale trees: a catalog or per-language module used in one language (minifier/langtree.c). */
static const char *const lang_tree[][2] = {
	{ "usr/share/locale/de/LC_MESSAGES/app.mo", "" },
	{ "usr/share/locale/fr/LC_MESSAGES/app.mo", "" },
	{ "usr/share/locale/fr/LC_MESSAGES/other.mo", "" },
	{ "usr/share/locale/pt_BR/LC_MESSAGES/app.mo", "" },
	{ "usr/share/locale/locale.alias", "" },
	{ "usr/lib/python3/django/conf/locale/__init__.py", "" },
	{ "usr/lib/python3/django/conf/locale/de/__init__.py", "" },
	{ "usr/lib/python3/django/conf/locale/de/formats.py", "" },
	{ "usr/lib/python3/django/conf/locale/de/LC_MESSAGES/django.mo", "" },
	{ "usr/lib/python3/django/conf/locale/de/LC_MESSAGES/django.po", "" },
	{ "usr/lib/python3/django/conf/locale/fr/__init__.py", "" },
	{ "usr/lib/python3/django/conf/locale/fr/formats.py", "from django.conf.locale.de import formats\n" },
	{ "usr/lib/python3/django/conf/locale/fr/extra.py", "" },
	{ "usr/lib/python3/django/conf/locale/fr/LC_MESSAGES/django.mo", "" },
	{ "usr/lib/python3/django/conf/locale/fr/LC_MESSAGES/django.po", "" },
	{ "usr/lib/python3/django/conf/locale/fr/LC_MESSAGES/djangojs.mo", "" },
	{ "srv/notlocale/de/formats.py", "" },
	{ "srv/notlocale/fr/formats.py", "" },
	{ "usr/lib/locale/C.utf8/LC_MESSAGES/SYS_LC_MESSAGES", "" },
	{ "usr/lib/locale/C.utf8/LC_CTYPE", "" },
	{ "usr/lib/locale/de_DE.utf8/LC_MESSAGES/SYS_LC_MESSAGES", "" },
	{ "usr/lib/locale/de_DE.utf8/LC_CTYPE", "" },
	{ NULL, NULL },
};

TEST(siblings_language_trees)
{
	const char *dir = unit_tmpdir();
	CHECK_INT(build_tree_image(dir, lang_tree), 0);
	struct profile *p = profile_new();
	profile_add_file(p, "/usr/share/locale/de/LC_MESSAGES/app.mo", PROFILE_OPEN, true);
	profile_add_file(p, "/usr/lib/python3/django/conf/locale/de/LC_MESSAGES/django.mo", PROFILE_OPEN, true);
	profile_add_file(p, "/usr/lib/python3/django/conf/locale/de/formats.py", PROFILE_OPEN, true);
	profile_add_file(p, "/srv/notlocale/de/formats.py", PROFILE_OPEN, true);
	profile_add_file(p, "/usr/lib/locale/C.utf8/LC_CTYPE", PROFILE_OPEN, true);
	struct image *img = NULL;
	struct keep_set *ks = NULL;
	struct layer_index *idx = run_with_contents(dir, p, &img, &ks);
	if (!idx)
		return;
	/* The same catalog in every language of the tree; not other domains, not source catalogs. */
	CHECK(kept_as(idx, "/usr/share/locale/fr/LC_MESSAGES/app.mo", KEEP_SIBLING));
	CHECK(kept_as(idx, "/usr/share/locale/pt_BR/LC_MESSAGES/app.mo", KEEP_SIBLING));
	CHECK(!kept_as(idx, "/usr/share/locale/fr/LC_MESSAGES/other.mo", KEEP_SIBLING));
	CHECK(!kept_as(idx, "/usr/share/locale/locale.alias", KEEP_SIBLING));
	CHECK(kept_as(idx, "/usr/lib/python3/django/conf/locale/fr/LC_MESSAGES/django.mo", KEEP_SIBLING));
	CHECK(!kept_as(idx, "/usr/lib/python3/django/conf/locale/fr/LC_MESSAGES/djangojs.mo", KEEP_SIBLING));
	CHECK(!kept_as(idx, "/usr/lib/python3/django/conf/locale/fr/LC_MESSAGES/django.po", KEEP_SIBLING));
	/* A per-language Python module in every language, with what it imports; not the language's
	 * other modules. */
	CHECK(kept_as(idx, "/usr/lib/python3/django/conf/locale/fr/formats.py", KEEP_SIBLING));
	CHECK(!kept_as(idx, "/usr/lib/python3/django/conf/locale/fr/extra.py", KEEP_SIBLING));
	/* Not a locale tree (no LC_MESSAGES); compiled locales are not catalogs. */
	CHECK(!kept_as(idx, "/srv/notlocale/fr/formats.py", KEEP_SIBLING));
	CHECK(!kept_as(idx, "/usr/lib/locale/de_DE.utf8/LC_CTYPE", KEEP_SIBLING));
	release(ks, idx, img, p);
}

/* Character set converters (keep_converters). */
static const char *const conv_tree[][2] = {
	{ "usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache", "" },
	{ "usr/lib/x86_64-linux-gnu/gconv/gconv-modules.d/gconv-modules-extra.conf", "" },
	{ "usr/lib/x86_64-linux-gnu/gconv/ISO8859-1.so", "" },
	{ "usr/lib/x86_64-linux-gnu/gconv/SJIS.so", "" },
	{ "usr/lib/x86_64-linux-gnu/ruby/3.1.0/enc/encdb.so", "" },
	{ "usr/lib/x86_64-linux-gnu/ruby/3.1.0/enc/utf_16le.so", "" },
	{ "usr/lib/x86_64-linux-gnu/ruby/3.1.0/enc/shift_jis.so", "" },
	{ "usr/lib/x86_64-linux-gnu/ruby/3.1.0/enc/trans/transdb.so", "" },
	{ "usr/lib/x86_64-linux-gnu/ruby/3.1.0/enc/trans/japanese_sjis.so", "" },
	{ "usr/lib/x86_64-linux-gnu/perl/5.36.0/Encode.pm", "" },
	{ "usr/lib/x86_64-linux-gnu/perl/5.36.0/Encode/JP.pm", "" },
	{ "usr/lib/x86_64-linux-gnu/perl/5.36.0/auto/Encode/Encode.so", "" },
	{ "usr/lib/x86_64-linux-gnu/perl/5.36.0/auto/Encode/Unicode/Unicode.so", "" },
	{ "usr/lib/x86_64-linux-gnu/perl/5.36.0/auto/Encode/JP/JP.so", "" },
	{ NULL, NULL },
};

static struct layer_index *run_opened(const char *dir, const char *const *opened, struct image **img,
				      struct keep_set **ks, struct profile **p)
{
	*p = profile_new();
	for (size_t i = 0; opened[i]; i++)
		profile_add_file(*p, opened[i], PROFILE_OPEN | PROFILE_STAT, true);
	return run_with_contents(dir, *p, img, ks);
}

TEST(siblings_charset_converters)
{
	const char *dir = unit_tmpdir();
	CHECK_INT(build_tree_image(dir, conv_tree), 0);
	/* What runtimes load at start: the gconv cache, Ruby's databases, Perl's Encode.so. */
	static const char *const start[] = {
		"/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache",
		"/usr/lib/x86_64-linux-gnu/ruby/3.1.0/enc/encdb.so",
		"/usr/lib/x86_64-linux-gnu/ruby/3.1.0/enc/trans/transdb.so",
		"/usr/lib/x86_64-linux-gnu/perl/5.36.0/Encode.pm",
		"/usr/lib/x86_64-linux-gnu/perl/5.36.0/auto/Encode/Encode.so",
		NULL,
	};
	struct image *img = NULL;
	struct keep_set *ks = NULL;
	struct profile *p = NULL;
	struct layer_index *idx = run_opened(dir, start, &img, &ks, &p);
	if (!idx)
		return;
	CHECK(!kept_as(idx, "/usr/lib/x86_64-linux-gnu/gconv/SJIS.so", KEEP_SIBLING));
	CHECK(!kept_as(idx, "/usr/lib/x86_64-linux-gnu/ruby/3.1.0/enc/shift_jis.so", KEEP_SIBLING));
	CHECK(!kept_as(idx, "/usr/lib/x86_64-linux-gnu/perl/5.36.0/auto/Encode/JP/JP.so", KEEP_SIBLING));
	release(ks, idx, img, p);

	/* One converter loaded by name: the whole set. */
	static const char *const used[] = {
		"/usr/lib/x86_64-linux-gnu/gconv/ISO8859-1.so",
		"/usr/lib/x86_64-linux-gnu/ruby/3.1.0/enc/utf_16le.so",
		"/usr/lib/x86_64-linux-gnu/perl/5.36.0/auto/Encode/Unicode/Unicode.so",
		NULL,
	};
	idx = run_opened(dir, used, &img, &ks, &p);
	if (!idx)
		return;
	CHECK(kept_as(idx, "/usr/lib/x86_64-linux-gnu/gconv/SJIS.so", KEEP_SIBLING));
	CHECK(kept_as(idx, "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.d/gconv-modules-extra.conf", KEEP_SIBLING));
	CHECK(kept_as(idx, "/usr/lib/x86_64-linux-gnu/ruby/3.1.0/enc/shift_jis.so", KEEP_SIBLING));
	CHECK(kept_as(idx, "/usr/lib/x86_64-linux-gnu/ruby/3.1.0/enc/trans/japanese_sjis.so", KEEP_SIBLING));
	CHECK(kept_as(idx, "/usr/lib/x86_64-linux-gnu/perl/5.36.0/auto/Encode/JP/JP.so", KEEP_SIBLING));
	CHECK(kept_as(idx, "/usr/lib/x86_64-linux-gnu/perl/5.36.0/Encode/JP.pm", KEEP_SIBLING));
	release(ks, idx, img, p);
}
