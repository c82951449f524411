/* A set of strings (open addressing, FNV-1a), for the minifier's memo tables. */
#ifndef PARE_MINIFIER_STRSET_H
#define PARE_MINIFIER_STRSET_H
#include <stdbool.h>
#include <stddef.h>

struct strset {
	char **slots;
	size_t cap, n;
};

#define STRSET_INIT { NULL, 0, 0 }
/* Adds a copy of s; returns true when it was not there yet. */
bool strset_add(struct strset *s, const char *str);
bool strset_has(const struct strset *s, const char *str);
void strset_release(struct strset *s);
#endif
