/* Internal to the image writer (image/writer*.c): the layer tar, the JSON documents, the output. */
#ifndef PARE_WRITER_INT_H
#define PARE_WRITER_INT_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "image/writer.h"
#include "lib/hash.h"

/* image_write to a path (a file, a directory, "-" or a device), the output's transport resolved. */
int image_write_local(struct image *img, struct layer_index *idx, const struct image_write_opts *opts,
		      struct pare_error *err);

/* What writing the layer produced. */
struct writer_layer {
	char diff_id[SHA256_DIGEST_STR]; /* of the uncompressed tar */
	char digest[SHA256_DIGEST_STR];  /* of the blob as written (compressed) */
	uint64_t size;                   /* blob bytes */
	uint64_t entries;                /* tar entries written */
	uint64_t content_bytes;          /* regular file content written (hardlinks once) */
};

/* Write the index's filesystem (or only the kept part) as one tar to `fd`, compressed as asked.
 * Regular files' content comes from the unpacked tree `content_dirfd` when it holds every one of
 * them (writer_tree_open), else from the layers (content_dirfd -1: always from the layers).
 * The n_ov overrides (sorted by path) replace their entries' content; they are written with the
 * entries without content, in path order. */
int writer_layer_write(struct image *img, struct layer_index *idx, bool only_kept,
		       enum image_compression comp, int content_dirfd, const struct image_write_override *ov,
		       size_t n_ov, int fd, struct writer_layer *out, struct pare_error *err);

/* An fd of index entry `fe`'s file in the unpacked tree `rootfd` (O_PATH when `path_only`, else
 * open for reading): reached inside the tree without following a symlink, a regular file of the
 * index's size. -1 otherwise, with errno (ESTALE: not a regular file of that size). */
int writer_tree_open(int rootfd, const struct fs_entry *fe, bool path_only);

/* Media type of a layer blob with this compression (OCI). */
const char *writer_layer_media_type(enum image_compression comp);

/* The documents of the output. Each returns a new reference. */
json_t *writer_config(const json_t *base, const char *diff_id, const char *created_by);
json_t *writer_oci_manifest(const char *config_digest, size_t config_size, const struct writer_layer *layer,
			    enum image_compression comp);
json_t *writer_oci_index(const char *manifest_digest, size_t manifest_size, const struct image_tag *tag);
json_t *writer_docker_manifest(const char *config_digest, const char *layer_digest, const struct image_tag *tag);
/* Canonical serialisation (sorted keys, compact): a new string, its length in *len. */
char *writer_json_dump(const json_t *doc, size_t *len);

/* Member name of a blob: "blobs/sha256/<hex>". New string. */
char *writer_blob_name(const char *digest);
#endif
