/* The layer index: OCI image-spec layer application on images built by tests/mkimage.py. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
