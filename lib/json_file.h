/* Writing a JSON document to a file atomically: a temporary file next to it, fsync, rename. */
#ifndef PARE_JSON_FILE_H
#define PARE_JSON_FILE_H
#include <jansson.h>
#include <stddef.h>

#include "lib/error.h"

/* root dumped with jansson's flags, a newline added; on failure nothing is left at file. */
int json_write_atomic(const char *file, const json_t *root, size_t flags, struct pare_error *err);
#endif
