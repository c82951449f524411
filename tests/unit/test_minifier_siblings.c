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

/* Runs the keep rules on the profile; returns the index (caller frees it and *ks) or NULL. */
static struct layer_index *run(const char *dir, struct profile *p, struct image **img, struct keep_set **ks)
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
	CHECK_INT(keep_set_new(idx, NULL, &o, ks, &err), 0);
	CHECK_INT(keep_add_profile(*ks, p, &err), 0);
	CHECK_INT(keep_apply_rules(*ks, &err), 0);
	CHECK_INT(keep_finish(*ks, &err), 0);
	return idx;
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
		/* A loaded Python package's modules (not their bytecode); not its data, not unentered subpackages,
		 * not unloaded packages, top-level modules or native extensions. */
		CHECK(kept(idx, "/usr/lib/python3.11/encodings/cp1252.py", true));
		CHECK(kept(idx, "/usr/lib/python3.11/encodings/utf_8.py", true));
		CHECK(!kept(idx, "/usr/lib/python3.11/encodings/__pycache__/cp1252.cpython-311.pyc", false));
		CHECK(!kept(idx, "/usr/lib/python3.11/encodings/README.txt", false));
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
