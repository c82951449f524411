/* The table of traced threads, by tid (open addressing). */
#include <stdlib.h>

#include "lib/xalloc.h"
#include "tracer/tracer_int.h"

static struct tracee *probe(struct tracee *slots, size_t cap, pid_t tid)
{
	size_t i = ((size_t)tid * 2654435761u) & (cap - 1);
	while (slots[i].used && slots[i].tid != tid)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

struct tracee *tracee_find(struct tracee_table *tt, pid_t tid)
{
	if (!tt->cap)
		return NULL;
	struct tracee *te = probe(tt->slots, tt->cap, tid);
	return te->used ? te : NULL;
}

struct tracee *tracee_get(struct tracee_table *tt, pid_t tid)
{
	if ((tt->n + 1) * 2 > tt->cap) {
		size_t cap = tt->cap ? tt->cap * 2 : 64;
		struct tracee *slots = xcalloc(cap, sizeof(*slots));
		for (size_t i = 0; i < tt->cap; i++)
			if (tt->slots[i].used)
				*probe(slots, cap, tt->slots[i].tid) = tt->slots[i];
		free(tt->slots);
		tt->slots = slots;
		tt->cap = cap;
	}
	struct tracee *te = probe(tt->slots, tt->cap, tid);
	if (!te->used) {
		*te = (struct tracee){ .tid = tid, .used = true, .alive = true };
		tt->n++;
	}
	return te;
}

static void tracee_clear(struct tracee *te)
{
	free(te->exit_path);
	free(te->cwd);
	free(te->root);
	free(te->exec_path);
	free(te->exec_root);
}

/* Removal with backward-shift deletion, so probing stays correct. */
void tracee_forget(struct tracee_table *tt, pid_t tid)
{
	struct tracee *te = tracee_find(tt, tid);
	if (!te)
		return;
	tracee_clear(te);
	size_t i = (size_t)(te - tt->slots), j = i;
	te->used = false;
	for (;;) {
		j = (j + 1) & (tt->cap - 1);
		if (!tt->slots[j].used)
			break;
		size_t home = ((size_t)tt->slots[j].tid * 2654435761u) & (tt->cap - 1);
		/* Move j back to i when i lies cyclically between home and j. */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			tt->slots[i] = tt->slots[j];
			tt->slots[j].used = false;
			i = j;
		}
	}
	tt->n--;
}

void tracee_table_release(struct tracee_table *tt)
{
	for (size_t i = 0; i < tt->cap; i++)
		if (tt->slots[i].used)
			tracee_clear(&tt->slots[i]);
	free(tt->slots);
	tt->slots = NULL;
	tt->cap = tt->n = 0;
}
