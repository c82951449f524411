/* image_write() on images built by tests/mkimage.py, read back with pare's own reader: the written
 * filesystem equals the index (metadata, xattrs, hardlink groups, content), only_kept writes the kept
 * entries and their parents, outputs are deterministic, and failures leave nothing behind. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/layer_index.h"
#include "image/writer.h"
#include "lib/hash.h"
#include "lib/xalloc.h"
#include "runtime/runtime.h"
#include "tests/unit/image_fixture.h"
#include "tests/unit/unit.h"

struct img {
	struct image *img;
	struct layer_index *idx;
	char **hashes; /* content SHA-256 per index position (regular files), else NULL */
};

static void img_close(struct img *m)
{
	if (m->hashes) {
		for (size_t i = 0; i < layer_index_count(m->idx); i++)
			free(m->hashes[i]);
		free(m->hashes);
	}
	layer_index_free(m->idx);
	image_free(m->img);
	memset(m, 0, sizeof(*m));
}

/* Hash every regular file's content by streaming each layer once. */
static int hash_contents(struct img *m, struct pare_error *err)
{
	size_t n = layer_index_count(m->idx);
	m->hashes = xcalloc(n ? n : 1, sizeof(char *));
	char buf[4096];
	for (size_t l = 0; l < m->img->n_layers; l++) {
		struct layer_reader *r;
		if (layer_reader_open(m->img, l, &r, err) < 0)
			return -1;
		struct archive_entry *e;
		uint32_t ord = 0;
		int got;
		while ((got = layer_reader_next(r, &e, err)) == 1) {
			struct sha256 h;
			sha256_init(&h);
			ssize_t k;
			while ((k = layer_reader_read(r, buf, sizeof(buf), err)) > 0)
				sha256_update(&h, buf, (size_t)k);
			char d[SHA256_DIGEST_STR];
			sha256_final(&h, d);
			for (size_t i = 0; i < n; i++) {
				struct fs_entry *fe = layer_index_at(m->idx, i);
				if (S_ISREG(fe->mode) && fe->layer == l && fe->ordinal == ord)
					m->hashes[i] = xstrdup(d);
			}
			ord++;
		}
		layer_reader_free(r);
		if (got < 0)
			return -1;
	}
	return 0;
}

static int img_open(struct img *m, const char *path, const char *ref)
{
	memset(m, 0, sizeof(*m));
	struct pare_error err = { 0 };
	if (image_open(path, ref, &m->img, &err) < 0 || layer_index_build(m->img, &m->idx, &err) < 0 ||
	    hash_contents(m, &err) < 0) {
		unit_fail(__FILE__, __LINE__, "reading '%s': %s", path, err.msg);
		img_close(m);
		return -1;
	}
	return 0;
}

static size_t position(const struct layer_index *idx, const struct fs_entry *fe)
{
	for (size_t i = 0; i < layer_index_count(idx); i++)
		if (layer_index_at(idx, i) == fe)
			return i;
	return (size_t)-1;
}

static bool same_xattrs(const struct fs_entry *a, const struct fs_entry *b)
{
	if (a->n_xattrs != b->n_xattrs)
		return false;
	for (size_t i = 0; i < a->n_xattrs; i++) {
		bool found = false;
		for (size_t j = 0; j < b->n_xattrs; j++)
			if (!strcmp(a->xattrs[i].name, b->xattrs[j].name) && a->xattrs[i].size == b->xattrs[j].size &&
			    !memcmp(a->xattrs[i].value, b->xattrs[j].value, a->xattrs[i].size))
				found = true;
		if (!found)
			return false;
	}
	return true;
}

/* Entry `a` of index A was written as entry `b`: same metadata, content, hardlink partner count. */
static void check_same(const struct img *A, const struct fs_entry *a, const struct img *B, const struct fs_entry *b)
{
	if (a->mode != b->mode || a->uid != b->uid || a->gid != b->gid || a->mtime != b->mtime ||
	    (S_ISREG(a->mode) && a->size != b->size) || !same_xattrs(a, b) ||
	    ((S_ISCHR(a->mode) || S_ISBLK(a->mode)) && a->rdev != b->rdev) ||
	    (S_ISLNK(a->mode) && (!b->link_target || strcmp(a->link_target, b->link_target))))
		unit_fail(__FILE__, __LINE__, "'%s' differs: mode %o/%o uid %u/%u gid %u/%u mtime %lld/%lld size %lld/%lld",
			  a->path, a->mode, b->mode, a->uid, b->uid, a->gid, b->gid, (long long)a->mtime,
			  (long long)b->mtime, (long long)a->size, (long long)b->size);
	if (S_ISREG(a->mode)) {
		const char *ha = A->hashes[position(A->idx, a)], *hb = B->hashes[position(B->idx, b)];
		if (!ha || !hb || strcmp(ha, hb))
			unit_fail(__FILE__, __LINE__, "'%s': content differs", a->path);
	}
}

/* Every entry of A is in B with the same metadata and content, and the hardlink groups match. */
static void check_equal(const struct img *A, const struct img *B)
{
	CHECK_INT(layer_index_count(A->idx), layer_index_count(B->idx));
	for (size_t i = 0; i < layer_index_count(A->idx); i++) {
		struct fs_entry *a = layer_index_at(A->idx, i), *b = layer_index_lookup(B->idx, a->path);
		if (!b) {
			unit_fail(__FILE__, __LINE__, "'%s' missing from the output", a->path);
			continue;
		}
		check_same(A, a, B, b);
		if (!S_ISREG(a->mode))
			continue;
		for (size_t j = i + 1; j < layer_index_count(A->idx); j++) {
			struct fs_entry *a2 = layer_index_at(A->idx, j), *b2 = layer_index_lookup(B->idx, a2->path);
			if (!b2 || !S_ISREG(a2->mode))
				continue;
			bool linked_a = a->layer == a2->layer && a->ordinal == a2->ordinal;
			bool linked_b = b->layer == b2->layer && b->ordinal == b2->ordinal;
			if (linked_a != linked_b)
				unit_fail(__FILE__, __LINE__, "'%s' and '%s': hardlinked %d in the input, %d in the output",
					  a->path, a2->path, linked_a, linked_b);
		}
	}
}

static bool read_file(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t cap = 1 << 16, n = 0;
	char *buf = xmalloc(cap);
	size_t k;
	while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	fclose(f);
	*data = buf;
	*len = n;
	return true;
}

static bool files_equal(const char *p1, const char *p2)
{
	char *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;
	bool ok = read_file(p1, &a, &la) && read_file(p2, &b, &lb) && la == lb && !memcmp(a, b, la);
	free(a);
	free(b);
	return ok;
}

static size_t dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

#define CAP "hex:0100000200240000000000000000000000000000"
static const char rich_spec[] =
	"{\"format\": \"docker-archive\", \"tags\": [\"rich:1\"],"
	" \"config\": {\"Entrypoint\": [\"/bin/busybox\"], \"Env\": [\"A=1\"], \"User\": \"7\"},"
	" \"layers\": ["
	"  {\"entries\": ["
	"   {\"path\": \"bin\", \"type\": \"dir\", \"mode\": \"0755\", \"mtime\": 1000},"
	"   {\"path\": \"bin/busybox\", \"content\": \"BUSYBOX\", \"mode\": \"04755\", \"mtime\": 1001},"
	"   {\"path\": \"bin/sh\", \"type\": \"hardlink\", \"target\": \"bin/busybox\"},"
	"   {\"path\": \"bin/ping\", \"content\": \"PING\", \"mode\": \"0755\", \"xattrs\": {\"security.capability\": \"" CAP "\"}},"
	"   {\"path\": \"bin/ls\", \"type\": \"symlink\", \"target\": \"busybox\"},"
	"   {\"path\": \"etc/abs\", \"type\": \"symlink\", \"target\": \"/bin/../bin/busybox\"},"
	"   {\"path\": \"srv\", \"type\": \"dir\", \"mode\": \"0700\", \"uid\": 5, \"gid\": 6, \"uname\": \"svc\", \"gname\": \"svc\"},"
	"   {\"path\": \"srv/deep/er/file\", \"content\": \"deep\", \"uid\": 5, \"gid\": 6},"
	"   {\"path\": \"tmp\", \"type\": \"dir\", \"mode\": \"01777\"},"
	"   {\"path\": \"dev/null2\", \"type\": \"char\", \"devmajor\": 1, \"devminor\": 3},"
	"   {\"path\": \"dev/fifo\", \"type\": \"fifo\"},"
	"   {\"path\": \"empty1\", \"content\": \"\"},"
	"   {\"path\": \"empty2\", \"type\": \"hardlink\", \"target\": \"empty1\"},"
	"   {\"path\": \"old/name\", \"content\": \"survivor\"},"
	"   {\"path\": \"long/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/cccccccccccccccccccccccccccccc\", \"size\": 70000}"
	"  ]},"
	"  {\"compress\": \"gzip\", \"entries\": ["
	"   {\"path\": \"kept/link\", \"type\": \"hardlink\", \"target\": \"old/name\"},"
	"   {\"path\": \"bin/ls\", \"content\": \"replaced symlink\"},"
	"   {\"type\": \"opaque\", \"path\": \"srv/deep\"},"
	"   {\"path\": \"srv/deep/new\", \"content\": \"new\", \"mtime\": 1234.5}"
	"  ]},"
	"  {\"compress\": \"zstd\", \"entries\": ["
	"   {\"type\": \"whiteout\", \"path\": \"old\"},"
	"   {\"path\": \"bin/sh2\", \"type\": \"hardlink\", \"target\": \"bin/sh\"}"
	"  ]}"
	" ]}";

static char *write_image(struct img *in, const char *name, struct image_write_opts *o)
{
	char *out = xasprintf("%s/%s", unit_tmpdir(), name);
	o->output = out;
	struct pare_error err = { 0 };
	if (image_write(in->img, in->idx, o, &err) < 0) {
		unit_fail(__FILE__, __LINE__, "writing '%s': %s", name, err.msg);
		free(out);
		return NULL;
	}
	return out;
}

TEST(writer_roundtrip_all_formats)
{
	cleanup_free char *src = fixture_image(rich_spec, "rich.tar");
	struct img in;
	if (!src || img_open(&in, src, NULL) < 0)
		return;
	CHECK(layer_index_lookup(in.idx, "/kept/link") != NULL); /* content from a deleted path */
	CHECK(layer_index_lookup(in.idx, "/old") == NULL);
	static const struct {
		const char *name;
		enum image_write_format fmt;
		enum image_compression comp;
	} outs[] = {
		{ "out.tar", IMAGE_WRITE_ARCHIVE, IMAGE_COMP_NONE },
		{ "out-gz.tar", IMAGE_WRITE_ARCHIVE, IMAGE_COMP_GZIP },
		{ "out-zst.tar", IMAGE_WRITE_ARCHIVE, IMAGE_COMP_ZSTD },
		{ "out-dir", IMAGE_WRITE_OCI_DIR, IMAGE_COMP_GZIP },
	};
	for (size_t k = 0; k < sizeof(outs) / sizeof(outs[0]); k++) {
		struct image_write_result res = { 0 };
		struct image_write_opts o = { .format = outs[k].fmt, .compression = outs[k].comp, .tag = "round:trip",
					      .created_by = "test", .result = &res };
		cleanup_free char *out = write_image(&in, outs[k].name, &o);
		if (!out)
			continue;
		struct img back;
		if (img_open(&back, out, NULL) == 0) {
			CHECK_INT(back.img->n_layers, 1);
			CHECK_STR(back.img->layers[0].diff_id, res.diff_id);
			check_equal(&in, &back);
			/* The config's runtime fields are the input's. */
			json_t *c1 = json_object_get(in.img->config, "config"), *c2 = json_object_get(back.img->config, "config");
			CHECK(json_equal(c1, c2));
			CHECK_INT(json_array_size(json_object_get(back.img->config, "history")), 1);
			img_close(&back);
		}
		/* The same layer whatever the container format and compression. */
		static char first_diff[SHA256_DIGEST_STR];
		if (k == 0)
			snprintf(first_diff, sizeof(first_diff), "%s", res.diff_id);
		else
			CHECK_STR(res.diff_id, first_diff);
		image_write_result_release(&res);
	}
	img_close(&in);
}

TEST(writer_only_kept)
{
	cleanup_free char *src = fixture_image(rich_spec, "rich.tar");
	struct img in;
	if (!src || img_open(&in, src, NULL) < 0)
		return;
	/* Keep a hardlink that is not the group's first path, a deep file (parents unmarked), a symlink. */
	static const char *const keep[] = { "/bin/sh2", "/srv/deep/new", "/bin/ls", "/kept/link", NULL };
	for (const char *const *k = keep; *k; k++) {
		struct fs_entry *fe = layer_index_lookup(in.idx, *k);
		CHECK(fe != NULL);
		if (fe)
			fe->keep = true;
	}
	struct image_write_opts o = { .format = IMAGE_WRITE_ARCHIVE, .tag = "kept:1", .only_kept = true };
	cleanup_free char *out = write_image(&in, "kept.tar", &o);
	/* The caller's marks are left as they were. */
	CHECK(!layer_index_lookup(in.idx, "/srv")->keep);
	struct img back;
	if (!out || img_open(&back, out, NULL) < 0) {
		img_close(&in);
		return;
	}
	static const char *const want[] = { "/", "/bin", "/bin/ls", "/bin/sh2", "/kept", "/kept/link", "/srv",
					    "/srv/deep", "/srv/deep/new", NULL };
	size_t n = 0;
	for (const char *const *w = want; *w; w++, n++) {
		struct fs_entry *b = layer_index_lookup(back.idx, *w), *a = layer_index_lookup(in.idx, *w);
		if (!b || !a) {
			unit_fail(__FILE__, __LINE__, "'%s' missing", *w);
			continue;
		}
		check_same(&in, a, &back, b);
	}
	CHECK_INT(layer_index_count(back.idx), n);
	CHECK(layer_index_lookup(back.idx, "/bin/busybox") == NULL);
	CHECK_INT(layer_index_lookup(back.idx, "/srv")->mode, S_IFDIR | 0700);
	CHECK_INT(layer_index_lookup(back.idx, "/srv")->uid, 5);
	CHECK_INT(layer_index_lookup(back.idx, "/bin/sh2")->mode, S_IFREG | 04755);
	img_close(&back);
	img_close(&in);
}

TEST(writer_deterministic)
{
	cleanup_free char *src = fixture_image(rich_spec, "rich.tar");
	struct img in;
	if (!src || img_open(&in, src, NULL) < 0)
		return;
	for (int comp = IMAGE_COMP_NONE; comp <= IMAGE_COMP_ZSTD; comp++) {
		struct image_write_opts o = { .format = IMAGE_WRITE_ARCHIVE, .compression = (enum image_compression)comp };
		cleanup_free char *name1 = xasprintf("det-%d-a.tar", comp);
		cleanup_free char *name2 = xasprintf("det-%d-b.tar", comp);
		cleanup_free char *a = write_image(&in, name1, &o);
		sleep(comp == IMAGE_COMP_GZIP ? 1 : 0); /* a gzip header time would now differ */
		cleanup_free char *b = write_image(&in, name2, &o);
		CHECK(a && b && files_equal(a, b));
	}
	img_close(&in);
}

TEST(writer_failures_leave_nothing)
{
	cleanup_free char *src = fixture_image(rich_spec, "rich.tar");
	struct img in;
	if (!src || img_open(&in, src, NULL) < 0)
		return;
	cleanup_free char *dir = xasprintf("%s/outdir", unit_tmpdir());
	mkdir(dir, 0755);
	struct pare_error err = { 0 };
	/* An archive over a directory, into a missing directory, over the input: refused. */
	struct image_write_opts o = { .format = IMAGE_WRITE_ARCHIVE, .output = dir };
	CHECK_INT(image_write(in.img, in.idx, &o, &err), -1);
	cleanup_free char *missing = xasprintf("%s/nope/out.tar", unit_tmpdir());
	o.output = missing;
	CHECK_INT(image_write(in.img, in.idx, &o, &err), -1);
	o.output = src;
	CHECK_INT(image_write(in.img, in.idx, &o, &err), -1);
	CHECK(strstr(err.msg, "input") != NULL);
	/* An OCI directory into a non-empty directory: refused, and the directory untouched. */
	cleanup_free char *marker = xasprintf("%s/marker", dir);
	close(open(marker, O_CREAT | O_WRONLY, 0644));
	o.format = IMAGE_WRITE_OCI_DIR;
	o.output = dir;
	CHECK_INT(image_write(in.img, in.idx, &o, &err), -1);
	CHECK_INT(dir_entries(dir), 1);
	/* A bad tag. */
	o.format = IMAGE_WRITE_ARCHIVE;
	cleanup_free char *ok = xasprintf("%s/ok.tar", unit_tmpdir());
	o.output = ok;
	o.tag = "UPPER:case";
	CHECK_INT(image_write(in.img, in.idx, &o, &err), -1);
	CHECK(access(ok, F_OK) < 0 && errno == ENOENT);
	/* Nothing but the input, its spec, the untouched directory and the temp dir's lock file. */
	CHECK_INT(dir_entries(unit_tmpdir()), 4);
	img_close(&in);
}

/* pare build's case: content read from the unpacked tree gives the very bytes streaming the layers
 * gives; a tree file that is not as indexed (another size, a symlink) makes the writer stream the
 * layers instead, with the same result. */
TEST(writer_content_from_tree)
{
	cleanup_free char *src = fixture_image(rich_spec, "rich.tar");
	struct img in;
	if (!src || img_open(&in, src, NULL) < 0)
		return;
	cleanup_free char *tree = xasprintf("%s/tree", unit_tmpdir());
	CHECK_INT(mkdir(tree, 0755), 0);
	int tfd = open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct pare_error err = { 0 };
	if (rt_unpack(in.img, in.idx, tfd, NULL, &err) < 0)
		unit_fail(__FILE__, __LINE__, "unpacking: %s", err.msg);
	close(tfd);
	for (int comp = IMAGE_COMP_NONE; comp <= IMAGE_COMP_GZIP; comp++) {
		struct image_write_opts o = { .format = IMAGE_WRITE_ARCHIVE, .compression = (enum image_compression)comp };
		cleanup_free char *n1 = xasprintf("layers-%d.tar", comp), *n2 = xasprintf("tree-%d.tar", comp);
		cleanup_free char *a = write_image(&in, n1, &o);
		o.content_dir = tree;
		cleanup_free char *b = write_image(&in, n2, &o);
		CHECK(a && b && files_equal(a, b));
	}
	/* Only some entries kept, the tree altered: one file has another size, another became a symlink. */
	static const char *const keep[] = { "/bin/sh2", "/srv/deep/new", "/kept/link", "/bin/ping", NULL };
	for (const char *const *k = keep; *k; k++)
		layer_index_lookup(in.idx, *k)->keep = true;
	struct image_write_opts o = { .format = IMAGE_WRITE_ARCHIVE, .only_kept = true };
	cleanup_free char *a = write_image(&in, "kept-layers.tar", &o);
	o.content_dir = tree;
	cleanup_free char *b = write_image(&in, "kept-tree.tar", &o);
	CHECK(a && b && files_equal(a, b));
	cleanup_free char *ping = xasprintf("%s/bin/ping", tree), *newf = xasprintf("%s/srv/deep/new", tree);
	cleanup_free char *outside = xasprintf("%s/outside", unit_tmpdir());
	FILE *f = fopen(outside, "w");
	if (f) {
		fputs("new", f); /* the right size, but outside the tree */
		fclose(f);
	}
	CHECK_INT(truncate(ping, 1), 0);
	cleanup_free char *c = write_image(&in, "kept-tree-short.tar", &o);
	CHECK(a && c && files_equal(a, c));
	/* The right size again (zeros): read from the tree, which is trusted as unpacked. */
	CHECK_INT(truncate(ping, 4), 0);
	cleanup_free char *z = write_image(&in, "kept-tree-zeros.tar", &o);
	CHECK(a && z && !files_equal(a, z));
	CHECK_INT(unlink(newf), 0);
	CHECK_INT(symlink(outside, newf), 0);
	layer_index_lookup(in.idx, "/bin/ping")->keep = false;
	cleanup_free char *d = write_image(&in, "kept-tree-link.tar", &o);
	struct image_write_opts o2 = { .format = IMAGE_WRITE_ARCHIVE, .only_kept = true };
	cleanup_free char *e = write_image(&in, "kept-layers-noping.tar", &o2);
	CHECK(d && e && files_equal(d, e));
	img_close(&in);
}

/* An archive file has its layer written in place and the archive around it; standard output gets
 * the layer spooled first and the archive streamed: the same bytes either way. */
TEST(writer_in_place_equals_stream)
{
	cleanup_free char *src = fixture_image(rich_spec, "rich.tar");
	struct img in;
	if (!src || img_open(&in, src, NULL) < 0)
		return;
	for (int comp = IMAGE_COMP_NONE; comp <= IMAGE_COMP_GZIP; comp++) {
		struct image_write_opts o = { .format = IMAGE_WRITE_ARCHIVE, .compression = (enum image_compression)comp };
		cleanup_free char *n1 = xasprintf("file-%d.tar", comp);
		cleanup_free char *a = write_image(&in, n1, &o);
		cleanup_free char *b = xasprintf("%s/stream-%d.tar", unit_tmpdir(), comp);
		int out = open(b, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int saved = dup(STDOUT_FILENO);
		fflush(stdout);
		CHECK(out >= 0 && saved >= 0 && dup2(out, STDOUT_FILENO) == STDOUT_FILENO);
		o.output = "-";
		struct pare_error err = { 0 };
		int rc = image_write(in.img, in.idx, &o, &err);
		dup2(saved, STDOUT_FILENO);
		close(saved);
		close(out);
		CHECK_INT(rc, 0);
		CHECK(a && files_equal(a, b));
		struct stat st;
		CHECK(a && stat(a, &st) == 0 && st.st_size % 512 == 0);
	}
	img_close(&in);
}
