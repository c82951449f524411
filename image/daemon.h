/* The Docker Engine API over a unix socket ($DOCKER_HOST unix://PATH, else /var/run/docker.sock);
 * Podman's API service speaks the same. Image export (GET /images/{name}/get) and load
 * (POST /images/load), both streamed. doc/IMAGE.md, doc/IMAGE-OUTPUT.md. */
#ifndef PARE_IMAGE_DAEMON_H
#define PARE_IMAGE_DAEMON_H
#include <stdbool.h>

#include "lib/error.h"

/* The socket path pare would use (new string), or NULL with err set when $DOCKER_HOST is not unix://. */
char *daemon_socket_path(struct pare_error *err);
/* True when the engine answers GET /_ping on its socket. */
bool daemon_available(void);
/* Export image `ref` as a docker-archive into file `path` (created, mode 0600). */
int daemon_export(const char *ref, const char *path, struct pare_error *err);
/* Load the docker-archive at `path` into the engine. */
int daemon_load(const char *path, struct pare_error *err);
#endif
