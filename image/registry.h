/* The OCI distribution API (docker://HOST[:PORT]/REPO[:TAG|@sha256:...]): pull into an OCI layout
 * directory that image_open then reads, push an OCI layout that image_write produced. Auth:
 * anonymous, Basic, Bearer (the WWW-Authenticate challenge). doc/IMAGE.md, doc/IMAGE-OUTPUT.md. */
#ifndef PARE_IMAGE_REGISTRY_H
#define PARE_IMAGE_REGISTRY_H
#include <stdbool.h>

#include "lib/error.h"

/* Set once by cli/ from --creds, --tls-verify and --platform (all borrowed, may be NULL). */
struct registry_opts {
	const char *creds;    /* "USER:PASS"; NULL: $REGISTRY_AUTH_FILE, then ~/.docker/config.json */
	bool tls_verify;      /* false: certificates unchecked, plain http allowed */
	const char *platform; /* "OS/ARCH[/VARIANT]"; NULL: linux/<host arch> */
};
extern struct registry_opts registry_opts;

/* `ref` (no "docker://") parses as HOST[:PORT]/REPO[:TAG|@sha256:...]; a push needs a tag. */
int registry_ref_check(const char *ref, bool for_push, struct pare_error *err);
/* `platform` reads as OS/ARCH[/VARIANT]. */
int registry_platform_check(const char *platform, struct pare_error *err);
/* Pull `ref` (no "docker://") into the empty directory `dir` as an OCI layout of one manifest. */
int registry_pull(const char *ref, const char *dir, struct pare_error *err);
/* Push the one image of the OCI layout `dir` to `ref`: blobs first, the manifest last. */
int registry_push(const char *dir, const char *ref, struct pare_error *err);
#endif
