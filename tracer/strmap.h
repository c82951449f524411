/* A small string-keyed hash map (open addressing, FNV-1a) for the tracer's path sets and caches.
 * Keys are copied; values are opaque pointers the caller owns. */
#ifndef PARE_STRMAP_H
#define PARE_STRMAP_H
#include <stdbool.h>
#include <stddef.h>

struct strmap_slot {
	char *key;
	void *value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap, n;
};

#define STRMAP_INIT { NULL, 0, 0 }
/* The slot for key, or NULL when absent. */
struct strmap_slot *strmap_find(const struct strmap *m, const char *key);
/* The slot for key, created with a NULL value when absent (*created tells which; may be NULL). */
struct strmap_slot *strmap_insert(struct strmap *m, const char *key, bool *created);
/* Remove everything; free_value (may be NULL) is called on each value. */
void strmap_clear(struct strmap *m, void (*free_value)(void *));
void strmap_release(struct strmap *m, void (*free_value)(void *));
#endif
