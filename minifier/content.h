/* Reading file contents of an image from its unpacked root directory (the runtime's read-only
 * lowerdir, or any tree laid out like the layer index). Paths are index paths, which never pass
 * through a symlink: they are opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so a
 * hostile tree cannot make the minifier read outside it. */
#ifndef PARE_MINIFIER_CONTENT_H
#define PARE_MINIFIER_CONTENT_H
#include <stddef.h>
#include <sys/types.h>

#include "lib/error.h"

struct content_root;

struct content_map {
	const void *data; /* read-only view of the whole file (NULL when empty) */
	size_t len;
};

int content_root_open(const char *dir, struct content_root **out, struct pare_error *err);
void content_root_free(struct content_root *r);
/* Map a regular file (its index path, "/usr/bin/env"). */
int content_map(struct content_root *r, const char *path, struct content_map *m, struct pare_error *err);
void content_unmap(struct content_map *m);
/* Read up to n bytes from the start of a regular file; returns the count or -1. */
ssize_t content_read_head(struct content_root *r, const char *path, void *buf, size_t n, struct pare_error *err);
#endif
