/* Internals of the image reader shared by the files of image/ (not for other modules). */
#ifndef PARE_IMAGE_INTERNAL_H
#define PARE_IMAGE_INTERNAL_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "image/image.h"
#include "lib/error.h"
#include "lib/hash.h"

/* A member of a tar source (the archive as a whole, not a layer). */
struct src_member {
	char *name;     /* normalised, relative: "blobs/sha256/ab..", "manifest.json" */
	char *link;     /* symlink target or hardlink target (normalised member name), else NULL */
	int64_t size;
	uint32_t ordinal; /* position in the tar (0-based header count) */
	char type;      /* 'f' regular, 'd' directory, 'l' symlink, 'h' hardlink, 'o' other */
};

struct image_source {
	bool is_dir;
	int fd;             /* the tar file, or the layout directory */
	int64_t file_size;  /* of the tar file */
	char *spool_dir;    /* temporary directory holding a spooled copy, removed by source_free */
	char *display;      /* the input as the user named it */
	struct src_member *members; /* sorted by name */
	size_t n_members;
};

int source_open(const char *input, struct image_source **out, struct pare_error *err);
void source_free(struct image_source *s);
bool source_has(struct image_source *s, const char *name);
/* Read a whole member/file of at most `max` bytes into a new NUL-terminated buffer. */
int source_read_all(struct image_source *s, const char *name, size_t max, char **buf, size_t *len,
		    struct pare_error *err);

struct src_member *source_member(struct image_source *s, const char *name);

/* libarchive input over a file descriptor with its own offset (pread), or plain read() for pipes. */
struct archive;
struct fd_reader {
	int fd;
	bool use_read;
	int64_t off, size;
	char buf[64 * 1024];
};
int fd_reader_open(struct archive *a, struct fd_reader *r);
/* The decompression filters we accept: gzip, zstd, xz, bzip2, none. */
void image_support_filters(struct archive *a);

/* A blob's bytes, streamed in chunks. */
struct blob_stream;
int blob_stream_open(struct image_source *s, const char *name, struct blob_stream **out, struct pare_error *err);
/* Next chunk (valid until the next call): >0 bytes, 0 at the end, -1 on error. */
ssize_t blob_stream_read(struct blob_stream *b, const void **buf, struct pare_error *err);
void blob_stream_free(struct blob_stream *b);

/* Read a JSON blob or file (limit IMAGE_MAX_JSON_BYTES), checking `want_digest` and `want_size`
 * when given (NULL / -1 otherwise); `what` names it in errors. *digest receives its sha256. */
int source_read_json(struct image_source *s, const char *name, const char *what, const char *want_digest,
		     int64_t want_size, json_t **out, char digest[SHA256_DIGEST_STR], struct pare_error *err);

/* Make err->msg one printable line: control characters (from names in the image) become '?'. */
void image_error_clean(struct pare_error *err);

/* manifest.c: pick the image in the source and fill img's config, config_digest, layers, ref. */
int image_load_manifest(struct image *img, const char *ref, struct pare_error *err);
/* Free what image_load_manifest filled in (layers, config, ref), so that another manifest can be loaded. */
void image_unload(struct image *img);
/* The host's architecture as OCI names it ("amd64", "arm64", ...). */
const char *image_host_arch(void);

/* Size cap for one decompressed layer (PARE_MAX_LAYER_BYTES overrides the default). */
uint64_t image_max_layer_bytes(void);
/* Field types of config.config (Entrypoint, Env, User, Labels...) and a history with no more steps
 * that made layers than there are layers (image/config_check.c). */
int image_config_check(json_t *config, size_t n_layers, const char *digest, struct pare_error *err);
uint64_t image_max_archive_bytes(void);
#define IMAGE_DEFAULT_MAX_LAYER_BYTES (64ULL << 30)
#define IMAGE_DEFAULT_MAX_ARCHIVE_BYTES (256ULL << 30)
#define IMAGE_MAX_MEMBERS (1000000)
#endif
