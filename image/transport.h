/* Image names with a transport prefix, as skopeo names them: "docker-archive:PATH",
 * "oci-archive:PATH", "oci:DIR", "docker-daemon:REF", "docker://HOST/REPO:TAG". A name without a
 * known prefix is a path (or "-"). doc/IMAGE.md. */
#ifndef PARE_IMAGE_TRANSPORT_H
#define PARE_IMAGE_TRANSPORT_H
#include <stdbool.h>

#include "lib/error.h"

enum image_transport {
	IMAGE_TR_PATH,           /* a file, a directory or "-": the format is sniffed */
	IMAGE_TR_DOCKER_ARCHIVE, /* a tar file (docker save) */
	IMAGE_TR_OCI_ARCHIVE,    /* a tar file holding an OCI layout */
	IMAGE_TR_OCI_DIR,        /* an OCI layout directory */
	IMAGE_TR_DAEMON,         /* an image in the Docker (or Podman) engine */
	IMAGE_TR_REGISTRY,       /* a registry (OCI distribution API) */
};

struct image_name {
	enum image_transport transport;
	const char *rest; /* points into the parsed string: the path or the reference */
};

/* Split `name`; an empty rest after a prefix is an error. */
int image_transport_parse(const char *name, struct image_name *out, struct pare_error *err);
/* A name with no prefix that is not a file and reads as an image reference ("myapp:1",
 * "team/app"): image_open reads it from the engine when one answers. */
bool image_name_is_engine_ref(const char *name);
/* The prefix's name ("docker-archive"), "path" for IMAGE_TR_PATH. */
const char *image_transport_label(enum image_transport t);
#endif
