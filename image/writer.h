/* Writing an image of one layer from a layer index: a tar that is at once an OCI image layout and a
 * docker-archive (like Docker 25+ writes), or an OCI layout directory. Deterministic (the same input
 * gives byte-identical output) and atomic (written under a temporary name, renamed at the end). */
#ifndef PARE_WRITER_H
#define PARE_WRITER_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "image/image.h"
#include "image/layer_index.h"
#include "lib/error.h"

enum image_write_format { IMAGE_WRITE_ARCHIVE, IMAGE_WRITE_OCI_DIR };

/* What was written, for the caller to report (all strings owned by the struct). */
struct image_write_result {
	char *image_id;        /* config digest, the docker image ID */
	char *manifest_digest;
	char *diff_id;         /* of the one layer */
	char *tag;             /* "name:tag" as written to RepoTags */
	uint64_t layer_size;   /* blob bytes (compressed) */
	uint64_t entries;      /* tar entries in the layer */
	uint64_t content_bytes;/* regular file content (hardlinks counted once) */
};
void image_write_result_release(struct image_write_result *res);

/* An image reference "name[:tag]" as docker understands it (distribution/reference grammar). */
struct image_tag {
	char *name;     /* as given, e.g. "busybox" or "registry:5000/team/app" */
	char *tag;      /* "latest" when not given */
	char *familiar; /* name:tag, for RepoTags */
	char *full;     /* "docker.io/library/busybox:latest", for io.containerd.image.name */
};
/* Parse and validate; digests ("@sha256:...") are refused. */
int image_tag_parse(const char *ref, struct image_tag *out, struct pare_error *err);
void image_tag_release(struct image_tag *t);
/* A default name for a derived image: the input's name (from its ref, else its file name,
 * lowercased and sanitised) with `suffix` appended, and the input's tag (else "latest"):
 * ("busybox:1.36", ".squashed") -> "busybox.squashed:1.36". New string. */
char *image_tag_default(const struct image *img, const char *suffix);

/* New content for a path, written in place of the index's (pare build's rewritten package database:
 * pkgdb/). The entry must be a regular file that is written (kept, with only_kept); it keeps its
 * metadata (owner, mode, mtime, xattrs) and leaves its hardlink group, if any. */
struct image_write_override {
	const char *path; /* index path */
	const void *data;
	size_t size;
};

struct image_write_opts {
	const char *output;                 /* file or directory path; "-" writes the archive to stdout */
	enum image_write_format format;
	enum image_compression compression; /* of the layer blob */
	const char *tag;                    /* "name:tag" for RepoTags and org.opencontainers.image.ref.name; NULL: derived from the input's */
	bool only_kept;                     /* write only entries whose `keep` is set */
	json_t *config;                     /* the config to write (borrowed); NULL: the input's. rootfs and history are rewritten */
	const char *created_by;             /* history entry text, e.g. "pare squash" */
	struct image_write_result *result;  /* filled on success when not NULL */
	/* The index's filesystem unpacked and digest-verified (pare build's rootfs), or NULL. When it
	 * holds every regular file to write (reached without symlinks, of the index's size), their
	 * content is read from it instead of streaming the source layers again; the output is the
	 * same bytes either way. */
	const char *content_dir;
	const struct image_write_override *overrides; /* sorted by path (strcmp), or NULL */
	size_t n_overrides;
};

/* An -o that image_write would refuse by its name alone (a docker-daemon: tag, a docker:// reference
 * or one naming a digest), checked before the work starts. */
int image_write_check_output(const char *output, struct pare_error *err);
/* Write the image. On failure nothing is left at opts->output.
 * An archive is written to a temporary file next to opts->output and renamed at the end (an
 * existing file is replaced, a directory is refused, the input itself is refused); an OCI
 * directory likewise, and it must not exist yet (or be empty). With "-" the archive is streamed
 * to stdout: after a failure there, what was already written cannot be taken back. */
int image_write(struct image *img, struct layer_index *idx, const struct image_write_opts *opts,
		struct pare_error *err);
/* Async-signal-safe: remove the temporary files of an image_write in progress. For a signal
 * handler that then ends the process (the CLI's SIGINT/SIGTERM/SIGHUP handler). */
void image_write_abort(void);
#endif
