/* Writing an image of one layer from a layer index: a tar that is at once an OCI image layout and a
 * docker-archive (like Docker 25+ writes), or an OCI layout directory. Deterministic (the same input
 * gives byte-identical output) and atomic (written under a temporary name, renamed at the end). */
#ifndef PARE_WRITER_H
#define PARE_WRITER_H
#include <jansson.h>
#include <stdbool.h>

#include "image/image.h"
#include "image/layer_index.h"
#include "lib/error.h"

enum image_write_format { IMAGE_WRITE_ARCHIVE, IMAGE_WRITE_OCI_DIR };

struct image_write_opts {
	const char *output;                 /* file or directory path; "-" writes the archive to stdout */
	enum image_write_format format;
	enum image_compression compression; /* of the layer blob */
	const char *tag;                    /* "name:tag" for RepoTags and org.opencontainers.image.ref.name; NULL: derived from the input's */
	bool only_kept;                     /* write only entries whose `keep` is set */
	json_t *config;                     /* the config to write (borrowed); NULL: the input's. rootfs and history are rewritten */
	const char *created_by;             /* history entry text, e.g. "pare squash" */
};

/* Write the image. On failure nothing is left at opts->output. */
int image_write(struct image *img, struct layer_index *idx, const struct image_write_opts *opts,
		struct pare_error *err);
#endif
