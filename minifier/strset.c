#include "minifier/strset.h"

#include <stdint.h>
#include <string.h>

#include "lib/xalloc.h"

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t find_slot(char **slots, size_t cap, const char *str)
{
	size_t i = (size_t)fnv1a(str) & (cap - 1);
	while (slots[i] && strcmp(slots[i], str))
		i = (i + 1) & (cap - 1);
	return i;
}

bool strset_has(const struct strset *s, const char *str)
{
	if (!s->cap)
		return false;
	return s->slots[find_slot(s->slots, s->cap, str)] != NULL;
}

bool strset_add(struct strset *s, const char *str)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		char **ns = xcalloc(ncap, sizeof(char *));
		for (size_t i = 0; i < s->cap; i++)
			if (s->slots[i])
				ns[find_slot(ns, ncap, s->slots[i])] = s->slots[i];
		free(s->slots);
		s->slots = ns;
		s->cap = ncap;
	}
	size_t i = find_slot(s->slots, s->cap, str);
	if (s->slots[i])
		return false;
	s->slots[i] = xstrdup(str);
	s->n++;
	return true;
}

void strset_release(struct strset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slots[i]);
	free(s->slots);
	s->slots = NULL;
	s->cap = s->n = 0;
}
