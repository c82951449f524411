/* The layer index: OCI image-spec layer application on images built by tests/mkimage.py. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "image/layer_index.h"
#include "lib/xalloc.h"
#include "tests/unit/image_fixture.h"
#include "tests/unit/unit.h"

struct built {
	struct image *img;
	struct layer_index *idx;
	struct pare_error err;
};

/* Build an oci-archive with the given "layers" JSON array and index it; rc of layer_index_build. */
static int build(struct built *b, const char *layers)
{
	memset(b, 0, sizeof(*b));
	cleanup_free char *spec = xasprintf("{\"format\": \"oci-archive\", \"layers\": %s}", layers);
	cleanup_free char *path = fixture_image(spec, "idx");
	if (!path)
		return -2;
	if (image_open(path, NULL, &b->img, &b->err) < 0)
		return -1;
	return layer_index_build(b->img, &b->idx, &b->err);
}

static void done(struct built *b)
{
	layer_index_free(b->idx);
	image_free(b->img);
}

#define L(...) "{\"entries\": [" __VA_ARGS__ "]}"

TEST(index_whiteout_and_opaque)
{
	struct built b;
	int rc = build(&b, "[" L("{\"path\": \"a/x\", \"content\": \"1\"}, {\"path\": \"a/y\", \"content\": \"22\"},"
				  "{\"path\": \"b/z\", \"content\": \"333\"}, {\"path\": \"c/d/e\", \"content\": \"4444\"}")
			   "," L("{\"type\": \"whiteout\", \"path\": \"a/x\"}, {\"type\": \"opaque\", \"path\": \"b\"},"
				 "{\"path\": \"b/new\", \"content\": \"n\"}, {\"type\": \"whiteout\", \"path\": \"c\"},"
				 "{\"type\": \"whiteout\", \"path\": \"nothere\"}") "]");
	CHECK_INT(rc, 0);
	if (rc < 0) {
		unit_fail(__FILE__, __LINE__, "%s", b.err.msg);
		done(&b);
		return;
	}
	CHECK(layer_index_lookup(b.idx, "/a/x") == NULL);
	CHECK(layer_index_lookup(b.idx, "/a/y") != NULL);
	CHECK(layer_index_lookup(b.idx, "/b/z") == NULL);
	CHECK(layer_index_lookup(b.idx, "/b/new") != NULL);
	CHECK(layer_index_lookup(b.idx, "/c") == NULL);
	CHECK(layer_index_lookup(b.idx, "/c/d/e") == NULL);
	CHECK(layer_index_lookup(b.idx, "/a/.wh.x") == NULL);
	const struct layer_index_stats *s = layer_index_stats(b.idx);
	CHECK_INT(s->bytes, 3);
	CHECK_INT(s->wasted_bytes, 1 + 3 + 4);
	CHECK_INT(s->wasted_files, 3);
	done(&b);
}

TEST(index_hardlinks_across_layers)
{
	struct built b;
	int rc = build(&b, "[" L("{\"path\": \"bin/busybox\", \"content\": \"BB\", \"mode\": \"04755\"},"
				  "{\"path\": \"bin/sh\", \"type\": \"hardlink\", \"target\": \"bin/busybox\"}")
			   "," L("{\"path\": \"bin/ls\", \"type\": \"hardlink\", \"target\": \"bin/busybox\"}")
			   "," L("{\"type\": \"whiteout\", \"path\": \"bin/busybox\"}") "]");
	CHECK_INT(rc, 0);
	if (rc < 0) {
		unit_fail(__FILE__, __LINE__, "%s", b.err.msg);
		done(&b);
		return;
	}
	struct fs_entry *sh = layer_index_lookup(b.idx, "/bin/sh"), *ls = layer_index_lookup(b.idx, "/bin/ls");
	CHECK(sh && ls);
	CHECK(layer_index_lookup(b.idx, "/bin/busybox") == NULL);
	if (sh && ls) {
		CHECK_INT(sh->layer, 0);
		CHECK_INT(sh->ordinal, 0); /* the data entry: bin/busybox, entry 0 of layer 0 */
		CHECK_INT(ls->layer, sh->layer);
		CHECK_INT(ls->ordinal, sh->ordinal);
		CHECK_INT(sh->nlink, 2);
		CHECK_INT(sh->size, 2);
		CHECK_INT(ls->mode, S_IFREG | 04755);
	}
	CHECK_INT(layer_index_stats(b.idx)->bytes, 2);
	done(&b);
}

static int build_ok(struct built *b, const char *layers)
{
	int rc = build(b, layers);
	if (rc != 0)
		unit_fail(__FILE__, __LINE__, "build failed: %s", b->err.msg);
	return rc;
}

TEST(index_type_replacement)
{
	struct built b;
	if (build_ok(&b, "[" L("{\"path\": \"d/sub/f\", \"content\": \"abc\"}, {\"path\": \"f\", \"content\": \"1\"},"
			     "{\"path\": \"keep/\", \"type\": \"dir\", \"mode\": \"0700\"}, {\"path\": \"keep/x\", \"content\": \"x\"}")
			  "," L("{\"path\": \"d\", \"content\": \"now a file\"}, {\"path\": \"f/\", \"type\": \"dir\"},"
				"{\"path\": \"f/in\", \"content\": \"i\"}, {\"path\": \"keep/\", \"type\": \"dir\", \"mode\": \"0755\", \"uid\": 5}") "]") == 0) {
		struct fs_entry *d = layer_index_lookup(b.idx, "/d"), *f = layer_index_lookup(b.idx, "/f");
		CHECK(d && S_ISREG(d->mode));
		CHECK(layer_index_lookup(b.idx, "/d/sub") == NULL);
		CHECK(layer_index_lookup(b.idx, "/d/sub/f") == NULL);
		CHECK(f && S_ISDIR(f->mode));
		CHECK(layer_index_lookup(b.idx, "/f/in") != NULL);
		struct fs_entry *k = layer_index_lookup(b.idx, "/keep");
		CHECK(k && (k->mode & 07777) == 0755 && k->uid == 5);
		CHECK(layer_index_lookup(b.idx, "/keep/x") != NULL); /* a directory over a directory keeps children */
	}
	done(&b);
}

TEST(index_metadata_kept)
{
	struct built b;
	if (build_ok(&b, "[" L("{\"path\": \"usr/bin/ping\", \"content\": \"P\", \"mode\": \"04755\", \"uid\": 0,"
			     "\"xattrs\": {\"security.capability\": \"hex:0100000200200000000000000000000000000000\"}},"
			     "{\"path\": \"tmp/\", \"type\": \"dir\", \"mode\": \"01777\"},"
			     "{\"path\": \"usr/bin/wall\", \"content\": \"W\", \"mode\": \"02755\", \"gid\": 5, \"uname\": \"root\", \"gname\": \"tty\"},"
			     "{\"path\": \"dev/null\", \"type\": \"char\", \"devmajor\": 1, \"devminor\": 3, \"mode\": \"0666\"},"
			     "{\"path\": \"dev/sda\", \"type\": \"block\", \"devmajor\": 8, \"devminor\": 0},"
			     "{\"path\": \"run/fifo\", \"type\": \"fifo\"},"
			     "{\"path\": \"t\", \"content\": \"\", \"mtime\": 1700000000.25},"
			     "{\"path\": \"lib64/ld\", \"type\": \"symlink\", \"target\": \"/lib/x86_64-linux-gnu/ld-2.so\"},"
			     "{\"path\": \"rel\", \"type\": \"symlink\", \"target\": \"../../x/./y\"}") "]") == 0) {
		struct fs_entry *p = layer_index_lookup(b.idx, "/usr/bin/ping");
		CHECK(p && p->mode == (S_IFREG | 04755));
		CHECK(p && p->n_xattrs == 1 && strcmp(p->xattrs[0].name, "security.capability") == 0 &&
		      p->xattrs[0].size == 20 && ((unsigned char *)p->xattrs[0].value)[5] == 0x20);
		struct fs_entry *t = layer_index_lookup(b.idx, "/tmp");
		CHECK(t && t->mode == (S_IFDIR | 01777));
		struct fs_entry *w = layer_index_lookup(b.idx, "/usr/bin/wall");
		CHECK(w && w->mode == (S_IFREG | 02755) && w->gid == 5);
		CHECK(w && w->uname && strcmp(w->uname, "root") == 0 && w->gname && strcmp(w->gname, "tty") == 0);
		struct fs_entry *n = layer_index_lookup(b.idx, "/dev/null");
		CHECK(n && S_ISCHR(n->mode) && major(n->rdev) == 1 && minor(n->rdev) == 3);
		struct fs_entry *s = layer_index_lookup(b.idx, "/dev/sda");
		CHECK(s && S_ISBLK(s->mode) && major(s->rdev) == 8);
		struct fs_entry *f = layer_index_lookup(b.idx, "/run/fifo");
		CHECK(f && S_ISFIFO(f->mode));
		struct fs_entry *tm = layer_index_lookup(b.idx, "/t");
		CHECK(tm && tm->mtime == 1700000000 && tm->mtime_nsec == 250000000);
		struct fs_entry *l = layer_index_lookup(b.idx, "/lib64/ld");
		CHECK(l && S_ISLNK(l->mode));
		CHECK_STR(l ? l->link_target : NULL, "/lib/x86_64-linux-gnu/ld-2.so");
		struct fs_entry *r = layer_index_lookup(b.idx, "/rel");
		CHECK_STR(r ? r->link_target : NULL, "../../x/./y");
		/* Implicit parents are synthesised as 0755 root directories. */
		struct fs_entry *u = layer_index_lookup(b.idx, "/usr");
		CHECK(u && u->mode == (S_IFDIR | 0755) && u->uid == 0);
	}
	done(&b);
}

TEST(index_sorted_and_children)
{
	struct built b;
	if (build_ok(&b, "[" L("{\"path\": \"b/z\", \"content\": \"\"}, {\"path\": \"a-b\", \"content\": \"\"},"
			     "{\"path\": \"a/y\", \"content\": \"\"}, {\"path\": \"a/x/1\", \"content\": \"\"},"
			     "{\"path\": \"a/a\", \"content\": \"\"}") "]") == 0) {
		size_t n = layer_index_count(b.idx);
		CHECK_INT(n, 9);
		CHECK_STR(layer_index_at(b.idx, 0)->path, "/");
		/* Every entry's parent comes before it. */
		for (size_t i = 1; i < n; i++) {
			cleanup_free char *parent = xstrdup(layer_index_at(b.idx, i)->path);
			*strrchr(parent, '/') = '\0';
			bool seen = !parent[0];
			for (size_t j = 0; j < i && !seen; j++)
				seen = strcmp(layer_index_at(b.idx, j)->path, parent) == 0;
			CHECK(seen);
		}
		size_t first, cnt;
		CHECK_INT(layer_index_children(b.idx, "/", &first, &cnt), 0);
		CHECK_INT(cnt, 3);
		CHECK_STR(layer_index_at(b.idx, first)->path, "/a");
		CHECK_STR(layer_index_at(b.idx, first + 1)->path, "/a-b");
		CHECK_STR(layer_index_at(b.idx, first + 2)->path, "/b");
		CHECK_INT(layer_index_children(b.idx, "/a", &first, &cnt), 0);
		CHECK_INT(cnt, 3);
		CHECK_STR(layer_index_at(b.idx, first)->path, "/a/a");
		CHECK_STR(layer_index_at(b.idx, first + 2)->path, "/a/y");
		CHECK_INT(layer_index_children(b.idx, "/a/y", &first, &cnt), -1);
		CHECK_INT(layer_index_children(b.idx, "/a/x", &first, &cnt), 0);
		CHECK_INT(cnt, 1);
	}
	done(&b);
}

static void count_link(const struct fs_entry *e, void *data)
{
	(void)e;
	(*(int *)data)++;
}

TEST(index_resolve_in_root)
{
	struct built b;
	if (build_ok(&b, "[" L("{\"path\": \"usr/bin/env\", \"content\": \"e\"}, {\"path\": \"bin\", \"type\": \"symlink\", \"target\": \"usr/bin\"},"
			     "{\"path\": \"abs\", \"type\": \"symlink\", \"target\": \"/usr/bin/env\"},"
			     "{\"path\": \"up\", \"type\": \"symlink\", \"target\": \"../../../../usr\"},"
			     "{\"path\": \"loop1\", \"type\": \"symlink\", \"target\": \"loop2\"},"
			     "{\"path\": \"loop2\", \"type\": \"symlink\", \"target\": \"/loop1\"},"
			     "{\"path\": \"dangling\", \"type\": \"symlink\", \"target\": \"nowhere/x\"}") "]") == 0) {
		struct pare_error err = { 0 };
		char *r = NULL;
		int links = 0;
		CHECK_INT(layer_index_resolve(b.idx, "/bin/env", false, &r, count_link, &links, &err), 1);
		CHECK_STR(r, "/usr/bin/env");
		CHECK_INT(links, 1);
		free(r);
		links = 0;
		CHECK_INT(layer_index_resolve(b.idx, "/abs", false, &r, count_link, &links, &err), 1);
		CHECK_STR(r, "/usr/bin/env");
		free(r);
		CHECK_INT(layer_index_resolve(b.idx, "/abs", true, &r, NULL, NULL, &err), 1);
		CHECK_STR(r, "/abs");
		free(r);
		CHECK_INT(layer_index_resolve(b.idx, "/up/bin/../../../bin/env", false, &r, NULL, NULL, &err), 1);
		CHECK_STR(r, "/usr/bin/env");
		free(r);
		CHECK_INT(layer_index_resolve(b.idx, "/dangling", false, &r, NULL, NULL, &err), 0);
		CHECK_STR(r, "/nowhere/x");
		free(r);
		CHECK_INT(layer_index_resolve(b.idx, "/usr/bin/env/x", false, &r, NULL, NULL, &err), 0);
		free(r);
		r = NULL;
		CHECK_INT(layer_index_resolve(b.idx, "/loop1", false, &r, NULL, NULL, &err), -1);
		CHECK(strstr(err.msg, "too many levels of symbolic links") != NULL);
		free(r);
	}
	done(&b);
}

TEST(index_write_through_symlinked_parent_stays_in_root)
{
	struct built b;
	if (build_ok(&b, "[" L("{\"path\": \"usr/bin/\", \"type\": \"dir\"}, {\"path\": \"bin\", \"type\": \"symlink\", \"target\": \"usr/bin\"},"
			     "{\"path\": \"evil\", \"type\": \"symlink\", \"target\": \"/../../../../etc\"}")
			  "," L("{\"path\": \"bin/tool\", \"content\": \"t\"}, {\"path\": \"evil/passwd\", \"content\": \"p\"}") "]") == 0) {
		CHECK(layer_index_lookup(b.idx, "/usr/bin/tool") != NULL);
		CHECK(layer_index_lookup(b.idx, "/bin/tool") == NULL);
		struct fs_entry *bin = layer_index_lookup(b.idx, "/bin");
		CHECK(bin && S_ISLNK(bin->mode));
		CHECK(layer_index_lookup(b.idx, "/etc/passwd") != NULL); /* clamped at the root */
	}
	done(&b);
}

static void check_fails(const char *layers, const char *want)
{
	struct built b;
	int rc = build(&b, layers);
	if (rc != -1 || !strstr(b.err.msg, want))
		unit_fail(__FILE__, __LINE__, "rc %d '%s', want an error with '%s'", rc, b.err.msg, want);
	done(&b);
}

TEST(index_bad_entries)
{
	check_fails("[" L("{\"path\": \"../etc/passwd\", \"content\": \"x\"}") "]", "escapes the image root");
	check_fails("[" L("{\"path\": \"a/../../x\", \"content\": \"x\"}") "]", "escapes the image root");
	check_fails("[" L("{\"path\": \".wh.\"}") "]", "invalid whiteout");
	check_fails("[" L("{\"path\": \"a/.wh...\"}") "]", "invalid whiteout");
	check_fails("[" L("{\"path\": \"x\", \"type\": \"hardlink\", \"target\": \"missing\"}") "]", "does not exist");
	check_fails("[" L("{\"path\": \"x\", \"type\": \"hardlink\", \"target\": \"../../etc/shadow\"}") "]",
		    "points outside the image root");
	check_fails("[" L("{\"path\": \"d/\", \"type\": \"dir\"}, {\"path\": \"x\", \"type\": \"hardlink\", \"target\": \"d\"}") "]",
		    "points to the directory");
	check_fails("[" L("{\"path\": \"f\", \"content\": \"x\"}, {\"path\": \"f/g\", \"content\": \"y\"}") "]",
		    "not a directory");
	check_fails("[" L("{\"path\": \".\", \"type\": \"symlink\", \"target\": \"x\"}") "]", "is not a directory");
	char *longname = xcalloc(1, 5000);
	for (int i = 0; i < 4998; i += 2)
		memcpy(longname + i, "a/", 2);
	longname[4998] = 'z';
	cleanup_free char *layers = xasprintf("[" L("{\"path\": \"%s\", \"content\": \"x\"}") "]", longname);
	free(longname);
	check_fails(layers, "longer than 4096 bytes");
}

TEST(index_names_byte_exact)
{
	struct built b;
	/* "caf\xe9" is Latin-1 (not UTF-8); "caf\xc3\xa9" is UTF-8. */
	if (build_ok(&b, "[" L("{\"path_hex\": \"636166e9\", \"content\": \"latin1\"},"
			     "{\"path_hex\": \"636166c3a9\", \"content\": \"utf8\"},"
			     "{\"path\": \"abs/../abs/./n\", \"content\": \"n\"}, {\"path\": \"/rooted\", \"content\": \"r\"}") "]") == 0) {
		CHECK(layer_index_lookup(b.idx, "/caf\xe9") != NULL);
		CHECK(layer_index_lookup(b.idx, "/caf\xc3\xa9") != NULL);
		CHECK(layer_index_lookup(b.idx, "/abs/n") != NULL);
		CHECK(layer_index_lookup(b.idx, "/rooted") != NULL);
		CHECK(layer_index_lookup(b.idx, "rooted") != NULL); /* lookups normalise */
	}
	done(&b);
}

TEST(index_opaque_keeps_same_layer_entries)
{
	struct built b;
	/* The opaque marker comes after an entry of its own layer: that entry stays. */
	if (build_ok(&b, "[" L("{\"path\": \"etc/old\", \"content\": \"o\"}, {\"path\": \"etc/sub/deep\", \"content\": \"d\"}")
			  "," L("{\"path\": \"etc/new\", \"content\": \"n\"}, {\"type\": \"opaque\", \"path\": \"etc\"},"
				"{\"path\": \"etc/sub/other\", \"content\": \"s\"}") "]") == 0) {
		CHECK(layer_index_lookup(b.idx, "/etc/new") != NULL);
		CHECK(layer_index_lookup(b.idx, "/etc/old") == NULL);
		CHECK(layer_index_lookup(b.idx, "/etc/sub/deep") == NULL);
		CHECK(layer_index_lookup(b.idx, "/etc/sub/other") != NULL);
		const struct layer_index_stats *s = layer_index_stats(b.idx);
		CHECK_INT(s->layer_entries[0], 2);
		CHECK_INT(s->layer_entries[1], 3);
		CHECK_INT(s->layer_bytes[0], 2);
		CHECK_INT(s->wasted_files, 2);
	}
	done(&b);
}

TEST(index_duplicate_entries_last_wins)
{
	struct built b;
	if (build_ok(&b, "[" L("{\"path\": \"f\", \"content\": \"first\"}, {\"path\": \"f\", \"content\": \"second!\"}") "]") == 0) {
		struct fs_entry *f = layer_index_lookup(b.idx, "/f");
		CHECK(f && f->size == 7 && f->ordinal == 1);
		CHECK_INT(layer_index_stats(b.idx)->wasted_bytes, 5);
	}
	done(&b);
}

TEST(index_opaque_marker_alone_makes_the_directory)
{
	struct built b;
	if (build_ok(&b, "[" L("{\"type\": \"opaque\", \"path\": \"var/empty\"}") "]") == 0) {
		struct fs_entry *d = layer_index_lookup(b.idx, "/var/empty");
		CHECK(d && S_ISDIR(d->mode));
		CHECK(layer_index_lookup(b.idx, "/var/empty/.wh..wh..opq") == NULL);
		CHECK(layer_index_lookup(b.idx, "/var/./empty/") == d);
		CHECK(layer_index_lookup(b.idx, "/var/x/../empty") == d);
		CHECK(layer_index_lookup(b.idx, "/var/empty/.") == d);
	}
	done(&b);
}

TEST(index_tar_dialects_and_aufs_metadata)
{
	static const char *const fmts[] = { "pax", "gnu", "ustar" };
	for (size_t i = 0; i < 3; i++) {
		struct built b;
		cleanup_free char *layers = xasprintf(
			"[{\"tar_format\": \"%s\", \"entries\": [{\"path\": \"%s/file\", \"content\": \"long\"},"
			"{\"path\": \".wh..wh.plnk/123.456\", \"content\": \"aufs\"}, {\"path\": \".wh..wh.aufs\", \"content\": \"\"}]}]",
			fmts[i],
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/"
			"cccccccccccccccccccccccccccccccccccccccccccccccccc");
		if (build_ok(&b, layers) == 0) {
			CHECK(layer_index_lookup(b.idx, "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"
							"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/"
							"cccccccccccccccccccccccccccccccccccccccccccccccccc/file") != NULL);
			CHECK(layer_index_lookup(b.idx, "/.wh..wh.plnk") == NULL);
			CHECK(layer_index_lookup(b.idx, "/.wh..wh.plnk/123.456") == NULL);
			CHECK_INT(layer_index_count(b.idx), 5);
		}
		done(&b);
	}
}

TEST(index_errors_are_one_printable_line)
{
	struct built b;
	int rc = build(&b, "[" L("{\"path\": \"x\\ny\\u001b[31m/../../../z\", \"content\": \"x\"}") "]");
	CHECK_INT(rc, -1);
	CHECK(strchr(b.err.msg, '\n') == NULL && strchr(b.err.msg, '\033') == NULL);
	CHECK(strstr(b.err.msg, "x?y?[31m") != NULL);
	done(&b);
}
