/* Reading container images: docker-archive (classic and Docker 25+), OCI layout directories,
 * oci-archive tarballs, whole-archive gzip/zstd, and "-" for standard input.
 * Every blob is checked against its digest and every layer against its diff_id while it is read. */
#ifndef PARE_IMAGE_H
#define PARE_IMAGE_H
#include <jansson.h>

#include "lib/strvec.h"
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/error.h"

struct archive_entry;

enum image_compression { IMAGE_COMP_NONE, IMAGE_COMP_GZIP, IMAGE_COMP_ZSTD };

struct image_layer {
	char *digest;     /* "sha256:..." of the blob as stored (compressed); NULL when unknown (classic layer.tar) */
	char *diff_id;    /* "sha256:..." of the uncompressed tar, from the config's rootfs.diff_ids */
	char *media_type; /* as given by the manifest, or NULL */
	int64_t size;     /* stored size in bytes (-1 when unknown) */
	enum image_compression compression; /* from the blob's magic bytes (they win over the media type) */
	char *blob_name;  /* where it lives in the source: member name or path below the layout directory */
};

struct image_source; /* opaque: the archive file, layout directory or spool */

struct image {
	char *input;       /* what the user named ("-" for stdin) */
	char *format;      /* "docker-archive" (classic or Docker 25+), "oci-archive", "oci-dir" */
	char *ref;         /* chosen name:tag, or NULL when the image has none */
	char *config_digest;
	json_t *config;    /* the image config JSON (owned; architecture, os, config, rootfs, history) */
	size_t n_layers;
	struct image_layer *layers;
	struct image_source *src;
	struct strvec notes; /* warnings for the user about the input (printed by cli/), e.g. a manifest that was unreadable */
};

/* Open an image; `ref` picks one of several (NULL: the only one, or an error listing them).
 * Matching and formats: doc/IMAGE.md. A spool (stdin, compressed archive) is removed by image_free. */
int image_open(const char *input, const char *ref, struct image **out, struct pare_error *err);
void image_free(struct image *img);

/* Convenience accessors into img->config's "config" object (NULL/empty when absent).
 * Returned arrays are new NULL-terminated string vectors (free with strv_free). */
char **image_config_strv(const struct image *img, const char *key); /* "Entrypoint", "Cmd", "Env" */
const char *image_config_str(const struct image *img, const char *key); /* "User", "WorkingDir", "StopSignal" */
/* Keys of an object-valued field ("ExposedPorts", "Volumes"), sorted. */
char **image_config_keys(const struct image *img, const char *key);

/* Streaming a layer's tar entries, in order. Digests are verified when the end is reached:
 * layer_reader_next returns 1 with an entry, 0 at the (verified) end, -1 on error
 * (truncated stream, corrupt compression, digest or diff_id mismatch, size limit). */
struct layer_reader;
int layer_reader_open(struct image *img, size_t layer, struct layer_reader **out, struct pare_error *err);
int layer_reader_next(struct layer_reader *r, struct archive_entry **entry, struct pare_error *err);
/* Read the current entry's data; returns bytes read, 0 at its end, -1 on error. */
ssize_t layer_reader_read(struct layer_reader *r, void *buf, size_t n, struct pare_error *err);
void layer_reader_free(struct layer_reader *r);

/* Limits (documented in doc/LIMITS.md). */
#define IMAGE_MAX_JSON_BYTES (16 * 1024 * 1024)
#define IMAGE_MAX_LAYERS 256
#endif
