#include "tracer/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct strmap_slot *probe(struct strmap_slot *slots, size_t cap, const char *key)
{
	size_t i = hash_str(key) & (cap - 1);
	while (slots[i].key && strcmp(slots[i].key, key) != 0)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

struct strmap_slot *strmap_find(const struct strmap *m, const char *key)
{
	if (!m->n)
		return NULL;
	struct strmap_slot *s = probe(m->slots, m->cap, key);
	return s->key ? s : NULL;
}

static void grow(struct strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct strmap_slot *slots = xcalloc(cap, sizeof(*slots));
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			*probe(slots, cap, m->slots[i].key) = m->slots[i];
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
}

struct strmap_slot *strmap_insert(struct strmap *m, const char *key, bool *created)
{
	if ((m->n + 1) * 4 > m->cap * 3)
		grow(m);
	struct strmap_slot *s = probe(m->slots, m->cap, key);
	if (created)
		*created = !s->key;
	if (!s->key) {
		s->key = xstrdup(key);
		s->value = NULL;
		m->n++;
	}
	return s;
}

void strmap_clear(struct strmap *m, void (*free_value)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		if (free_value)
			free_value(m->slots[i].value);
		free(m->slots[i].key);
		m->slots[i].key = NULL;
	}
	m->n = 0;
}

void strmap_release(struct strmap *m, void (*free_value)(void *))
{
	strmap_clear(m, free_value);
	free(m->slots);
	m->slots = NULL;
	m->cap = 0;
}
