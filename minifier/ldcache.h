/* The image's /etc/ld.so.cache, parsed as glibc's dynamic linker reads it: the new format
 * ("glibc-ld.so.cache1.1"), alone or embedded after the old one ("ld.so-1.7.0"), and the old
 * format alone. Bounds-checked: the cache comes from the image and may be hostile. */
#ifndef PARE_MINIFIER_LDCACHE_H
#define PARE_MINIFIER_LDCACHE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"

/* Entry flags (glibc's ldconfig.h): the low byte is the type, the next one the ABI. */
#define LDCACHE_FLAG_TYPE_MASK 0x00ff
#define LDCACHE_FLAG_ELF_LIBC6 0x0003
#define LDCACHE_FLAG_REQUIRED_MASK 0xff00

struct ldcache_entry {
	char *key;      /* the library name looked up: "libc.so.6" */
	char *value;    /* its path: "/lib/x86_64-linux-gnu/libc.so.6" */
	int32_t flags;
	uint64_t hwcap; /* 0 for the baseline entry; a glibc-hwcaps subdirectory entry otherwise */
};

struct ldcache {
	size_t n;
	struct ldcache_entry *entries; /* in cache order (glibc searches in this order) */
};

/* Parse a cache image. Returns 0, or -1 with err set on an unknown or malformed cache. */
int ldcache_parse(const void *buf, size_t len, struct ldcache *out, struct pare_error *err);
void ldcache_release(struct ldcache *c);
/* The ABI flags glibc uses for objects of this ELF class and machine (-1 when unknown). */
int32_t ldcache_flags_for(int elf_class, int machine, bool arm_hardfloat);
/* Entries for `name` in cache order: calls fn for each, stopping when it returns non-zero
 * (that value is returned; 0 when all were seen). */
int ldcache_lookup(const struct ldcache *c, const char *name, int (*fn)(const struct ldcache_entry *e, void *data),
		   void *data);
#endif
