/* Streaming a layer: blob bytes (sha256 = digest) -> libarchive "raw" reader with the decompression
 * filters (sha256 of its output = diff_id, size capped) -> libarchive tar reader for the entries.
 * Both digests are checked when the tar ends, after draining what follows its end marker.
 * An uncompressed blob is its own uncompressed stream: it is hashed once, and that one sum is
 * checked against both the digest and the diff_id. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/internal.h"
#include "lib/xalloc.h"

struct layer_reader {
	struct image *img;
	size_t layer;
	struct blob_stream *blob;
	struct sha256 h_blob, h_diff;
	uint64_t blob_bytes, diff_bytes, max_bytes;
	struct archive *raw, *tar;
	bool raw_eof, blob_eof, done;
	bool uncompressed;       /* no decompression filter: the raw output is the blob, hashed once */
	bool inner_failed;
	struct pare_error inner; /* the first failure below the tar reader */
	char *what;              /* "layer 2 ('sha256:...')" */
};

static la_ssize_t blob_cb(struct archive *a, void *ud, const void **buf)
{
	struct layer_reader *r = ud;
	if (r->blob_eof)
		return 0;
	ssize_t n = blob_stream_read(r->blob, buf, &r->inner);
	if (n < 0) {
		r->inner_failed = true;
		archive_set_error(a, EIO, "%s", r->inner.msg);
		return -1;
	}
	if (n == 0)
		r->blob_eof = true;
	sha256_update(&r->h_blob, *buf, (size_t)n);
	r->blob_bytes += (uint64_t)n;
	return n;
}

/* Next decompressed chunk: >0, 0 at the end, -1 with r->inner set. */
static ssize_t raw_next(struct layer_reader *r, const void **buf)
{
	while (!r->raw_eof) {
		size_t size;
		la_int64_t off;
		int rc = archive_read_data_block(r->raw, buf, &size, &off);
		if (rc == ARCHIVE_EOF) {
			r->raw_eof = true;
			break;
		}
		if (rc < ARCHIVE_WARN) {
			if (!r->inner_failed)
				pare_error_set(&r->inner, 0, "%s", archive_error_string(r->raw));
			r->inner_failed = true;
			return -1;
		}
		if (!size)
			continue;
		if (!r->uncompressed)
			sha256_update(&r->h_diff, *buf, size);
		r->diff_bytes += size;
		if (r->diff_bytes > r->max_bytes) {
			pare_error_set(&r->inner, EFBIG,
				       "decompresses to more than %llu bytes (limit; see PARE_MAX_LAYER_BYTES)",
				       (unsigned long long)r->max_bytes);
			r->inner_failed = true;
			return -1;
		}
		return (ssize_t)size;
	}
	return 0;
}

static la_ssize_t raw_cb(struct archive *a, void *ud, const void **buf)
{
	struct layer_reader *r = ud;
	ssize_t n = raw_next(r, buf);
	if (n < 0) {
		archive_set_error(a, EIO, "%s", r->inner.msg);
		return -1;
	}
	return n;
}

/* Fill err from the innermost failure, else from archive `a`; returns -1. */
static int fail(struct layer_reader *r, struct archive *a, struct pare_error *err)
{
	if (r->inner_failed)
		pare_error_set(err, r->inner.code, "%s", r->inner.msg);
	else
		pare_error_set(err, 0, "%s", a ? archive_error_string(a) : "read error");
	r->done = true;
	return pare_error_prefix(err, "reading %s", r->what);
}

static int reader_open(struct image *img, size_t layer, struct layer_reader **out, struct pare_error *err)
{
	if (layer >= img->n_layers)
		return pare_error_set(err, 0, "no layer %zu", layer);
	struct image_layer *l = &img->layers[layer];
	struct layer_reader *r = xcalloc(1, sizeof(*r));
	r->img = img;
	r->layer = layer;
	r->max_bytes = image_max_layer_bytes();
	r->what = xasprintf("layer %zu ('%s')", layer, l->digest ? l->digest : l->blob_name);
	sha256_init(&r->h_blob);
	sha256_init(&r->h_diff);
	if (blob_stream_open(img->src, l->blob_name, &r->blob, err) < 0) {
		pare_error_prefix(err, "%s", r->what);
		layer_reader_free(r);
		return -1;
	}
	r->raw = archive_read_new();
	image_support_filters(r->raw);
	archive_read_support_format_raw(r->raw);
	archive_read_support_format_empty(r->raw);
	archive_read_set_callback_data(r->raw, r);
	archive_read_set_read_callback(r->raw, blob_cb);
	struct archive_entry *e;
	int h;
	if (archive_read_open1(r->raw) != ARCHIVE_OK)
		goto fail_raw;
	h = archive_read_next_header(r->raw, &e);
	if (h == ARCHIVE_EOF)
		r->raw_eof = true; /* an empty blob */
	else if (h != ARCHIVE_OK)
		goto fail_raw;
	/* Only the "none" filter: what the raw reader returns is the blob's bytes, from its first. */
	r->uncompressed = archive_filter_count(r->raw) == 1 && archive_filter_code(r->raw, 0) == ARCHIVE_FILTER_NONE;
	r->tar = archive_read_new();
	archive_read_support_format_tar(r->tar);
	archive_read_support_format_gnutar(r->tar);
	archive_read_support_format_empty(r->tar);
	archive_read_set_callback_data(r->tar, r);
	archive_read_set_read_callback(r->tar, raw_cb);
	if (archive_read_open1(r->tar) != ARCHIVE_OK) {
		fail(r, r->tar, err);
		layer_reader_free(r);
		return -1;
	}
	*out = r;
	return 0;
fail_raw:
	fail(r, r->raw, err);
	layer_reader_free(r);
	return -1;
}

static int verify(struct layer_reader *r, struct pare_error *err)
{
	const void *buf;
	ssize_t n;
	while ((n = raw_next(r, &buf)) > 0)
		;
	if (n < 0)
		return fail(r, NULL, err);
	/* What the decompressor did not consume still belongs to the blob's digest. */
	while (!r->blob_eof && (n = blob_stream_read(r->blob, &buf, err)) > 0) {
		sha256_update(&r->h_blob, buf, (size_t)n);
		r->blob_bytes += (uint64_t)n;
	}
	if (n < 0)
		return pare_error_prefix(err, "reading %s", r->what);
	r->blob_eof = true;
	struct image_layer *l = &r->img->layers[r->layer];
	char blob_d[SHA256_DIGEST_STR], diff_d[SHA256_DIGEST_STR];
	sha256_final(&r->h_blob, blob_d);
	sha256_final(&r->h_diff, diff_d);
	r->done = true;
	if (r->uncompressed) {
		if (r->diff_bytes != r->blob_bytes)
			return pare_error_set(err, 0, "%s: %llu bytes read, %llu bytes unpacked from an uncompressed blob",
					      r->what, (unsigned long long)r->blob_bytes, (unsigned long long)r->diff_bytes);
		memcpy(diff_d, blob_d, sizeof(diff_d));
	}
	if (l->digest && strcmp(blob_d, l->digest) != 0)
		return pare_error_set(err, 0, "layer %zu: blob '%s' does not match its digest (got %s)", r->layer,
				      l->digest, blob_d);
	if (l->size >= 0 && (uint64_t)l->size != r->blob_bytes)
		return pare_error_set(err, 0, "layer %zu: blob '%s' is %llu bytes, the manifest says %lld", r->layer,
				      l->digest ? l->digest : l->blob_name, (unsigned long long)r->blob_bytes,
				      (long long)l->size);
	if (l->diff_id && strcmp(diff_d, l->diff_id) != 0)
		return pare_error_set(err, 0, "%s does not match its diff_id '%s' (got %s)", r->what, l->diff_id,
				      diff_d);
	return 0;
}

static int reader_next(struct layer_reader *r, struct archive_entry **entry, struct pare_error *err)
{
	if (r->done)
		return pare_error_set(err, 0, "%s: read past its end", r->what);
	int h = archive_read_next_header(r->tar, entry);
	if (h == ARCHIVE_OK || h == ARCHIVE_WARN)
		return 1;
	if (h == ARCHIVE_EOF)
		return verify(r, err) < 0 ? -1 : 0;
	return fail(r, r->tar, err);
}

static ssize_t reader_read(struct layer_reader *r, void *buf, size_t n, struct pare_error *err)
{
	if (r->done)
		return 0;
	la_ssize_t got = archive_read_data(r->tar, buf, n);
	if (got < 0)
		return fail(r, r->tar, err);
	return got;
}

/* The public entry points make every message one printable line (names come from the image). */
int layer_reader_open(struct image *img, size_t layer, struct layer_reader **out, struct pare_error *err)
{
	int rc = reader_open(img, layer, out, err);
	if (rc < 0)
		image_error_clean(err);
	return rc;
}

int layer_reader_next(struct layer_reader *r, struct archive_entry **entry, struct pare_error *err)
{
	int rc = reader_next(r, entry, err);
	if (rc < 0)
		image_error_clean(err);
	return rc;
}

ssize_t layer_reader_read(struct layer_reader *r, void *buf, size_t n, struct pare_error *err)
{
	ssize_t rc = reader_read(r, buf, n, err);
	if (rc < 0)
		image_error_clean(err);
	return rc;
}

void layer_reader_free(struct layer_reader *r)
{
	if (!r)
		return;
	if (r->tar)
		archive_read_free(r->tar);
	if (r->raw)
		archive_read_free(r->raw);
	blob_stream_free(r->blob);
	sha256_release(&r->h_blob);
	sha256_release(&r->h_diff);
	free(r->what);
	free(r);
}
