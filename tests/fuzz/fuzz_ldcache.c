/* Fuzz target: the ld.so.cache reader (minifier/ldcache.c); the cache comes from the image. */
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "minifier/ldcache.h"
#include "tests/fuzz/fuzz.h"

static int count(const struct ldcache_entry *e, void *data)
{
	if (!e->key || !e->value)
		abort();
	(*(size_t *)data)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ldcache c;
	struct pare_error err = { 0 };
	memset(&c, 0, sizeof(c));
	if (ldcache_parse(data, size, &c, &err) == 0) {
		size_t seen = 0;
		for (size_t i = 0; i < c.n; i++)
			if (!c.entries[i].key || !c.entries[i].value)
				abort();
		ldcache_lookup(&c, "libc.so.6", count, &seen);
		if (c.n)
			ldcache_lookup(&c, c.entries[c.n - 1].key, count, &seen);
		ldcache_release(&c);
	} else if (!err.msg[0]) {
		abort();
	}
	return 0;
}
