/* The profile model: building, sorting, querying. JSON lives in profile_json.c. */
#include "tracer/profile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "tracer/strmap.h"

struct profile_index {
	struct strmap files;    /* path -> index + 1 into files */
	struct strmap symlinks; /* path -> index + 1 into symlinks */
	struct strmap missing;  /* path -> index + 1 into missing */
	size_t cap_files, cap_symlinks, cap_missing, cap_processes;
};

static const char *const kind_names[PROFILE_KIND_COUNT] = {
	"open", "write", "create", "exec", "stat", "readlink", "listdir", "chdir", "connect",
};

const char *profile_kind_name(unsigned kind)
{
	for (unsigned i = 0; i < PROFILE_KIND_COUNT; i++)
		if (kind == 1u << i)
			return kind_names[i];
	return NULL;
}

unsigned profile_kind_parse(const char *name)
{
	for (unsigned i = 0; i < PROFILE_KIND_COUNT; i++)
		if (!strcmp(name, kind_names[i]))
			return 1u << i;
	return 0;
}

struct profile *profile_new(void)
{
	struct profile *p = xcalloc(1, sizeof(*p));
	p->index = xcalloc(1, sizeof(*p->index));
	return p;
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	free(p->image);
	strv_free(p->sensors);
	for (size_t i = 0; i < p->n_files; i++) {
		free(p->files[i].path);
		strv_free(p->files[i].errors);
	}
	free(p->files);
	for (size_t i = 0; i < p->n_symlinks; i++) {
		free(p->symlinks[i].path);
		free(p->symlinks[i].target);
	}
	free(p->symlinks);
	for (size_t i = 0; i < p->n_missing; i++)
		free(p->missing[i]);
	free(p->missing);
	for (size_t i = 0; i < p->n_processes; i++) {
		free(p->processes[i].exe);
		strv_free(p->processes[i].argv);
	}
	free(p->processes);
	strmap_release(&p->index->files, NULL);
	strmap_release(&p->index->symlinks, NULL);
	strmap_release(&p->index->missing, NULL);
	free(p->index);
	free(p);
}

struct profile_file *profile_add_file(struct profile *p, const char *path, unsigned kinds, bool exists)
{
	bool created;
	struct strmap_slot *s = strmap_insert(&p->index->files, path, &created);
	if (!created) {
		struct profile_file *f = &p->files[(uintptr_t)s->value - 1];
		f->kinds |= kinds;
		return f;
	}
	p->files = xgrow(p->files, &p->index->cap_files, p->n_files + 1, sizeof(*p->files));
	struct profile_file *f = &p->files[p->n_files++];
	*f = (struct profile_file){ .path = xstrdup(path), .kinds = kinds, .exists = exists };
	s->value = (void *)(uintptr_t)p->n_files;
	return f;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void profile_add_error(struct profile *p, const char *path, unsigned kinds, int errnum)
{
	struct strmap_slot *s = strmap_find(&p->index->files, path);
	struct profile_file *f = s ? &p->files[(uintptr_t)s->value - 1] : profile_add_file(p, path, kinds, false);
	f->kinds |= kinds;
	const char *name = strerrorname_np(errnum);
	cleanup_free char *num = name ? NULL : xasprintf("E%d", errnum);
	if (!name)
		name = num;
	size_t n = strv_len(f->errors);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f->errors[i], name))
			return;
	f->errors = xrealloc(f->errors, (n + 2) * sizeof(char *));
	f->errors[n] = xstrdup(name);
	f->errors[n + 1] = NULL;
	qsort(f->errors, n + 1, sizeof(char *), cmp_str);
}

void profile_add_symlink(struct profile *p, const char *path, const char *target)
{
	bool created;
	struct strmap_slot *s = strmap_insert(&p->index->symlinks, path, &created);
	if (!created) {
		/* A link replaced while the application ran: keep the latest target. */
		struct profile_symlink *l = &p->symlinks[(uintptr_t)s->value - 1];
		if (strcmp(l->target, target) != 0) {
			free(l->target);
			l->target = xstrdup(target);
		}
		return;
	}
	p->symlinks = xgrow(p->symlinks, &p->index->cap_symlinks, p->n_symlinks + 1, sizeof(*p->symlinks));
	p->symlinks[p->n_symlinks++] = (struct profile_symlink){ xstrdup(path), xstrdup(target) };
	s->value = (void *)(uintptr_t)p->n_symlinks;
}

void profile_add_missing(struct profile *p, const char *path)
{
	bool created;
	struct strmap_slot *s = strmap_insert(&p->index->missing, path, &created);
	if (!created)
		return;
	p->missing = xgrow(p->missing, &p->index->cap_missing, p->n_missing + 2, sizeof(char *));
	p->missing[p->n_missing++] = xstrdup(path);
	p->missing[p->n_missing] = NULL;
	s->value = (void *)(uintptr_t)p->n_missing;
}

void profile_add_process(struct profile *p, long pid, const char *exe, char *const *argv)
{
	p->processes = xgrow(p->processes, &p->index->cap_processes, p->n_processes + 1, sizeof(*p->processes));
	char *const empty[] = { NULL };
	p->processes[p->n_processes++] = (struct profile_process){
		.pid = pid,
		.exe = xstrdup(exe ? exe : ""),
		.argv = strv_dup(argv ? argv : empty),
	};
}

void profile_add_sensor(struct profile *p, const char *sensor)
{
	size_t n = strv_len(p->sensors);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(p->sensors[i], sensor))
			return;
	p->sensors = xrealloc(p->sensors, (n + 2) * sizeof(char *));
	p->sensors[n] = xstrdup(sensor);
	p->sensors[n + 1] = NULL;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct profile_file *)a)->path, ((const struct profile_file *)b)->path);
}

static int cmp_symlink(const void *a, const void *b)
{
	return strcmp(((const struct profile_symlink *)a)->path, ((const struct profile_symlink *)b)->path);
}

void profile_finish(struct profile *p)
{
	if (p->n_files)
		qsort(p->files, p->n_files, sizeof(*p->files), cmp_file);
	if (p->n_symlinks)
		qsort(p->symlinks, p->n_symlinks, sizeof(*p->symlinks), cmp_symlink);
	if (p->n_missing)
		qsort(p->missing, p->n_missing, sizeof(char *), cmp_str);
	for (size_t i = 0; i < p->n_files; i++)
		strmap_insert(&p->index->files, p->files[i].path, NULL)->value = (void *)(uintptr_t)(i + 1);
	for (size_t i = 0; i < p->n_symlinks; i++)
		strmap_insert(&p->index->symlinks, p->symlinks[i].path, NULL)->value = (void *)(uintptr_t)(i + 1);
	for (size_t i = 0; i < p->n_missing; i++)
		strmap_insert(&p->index->missing, p->missing[i], NULL)->value = (void *)(uintptr_t)(i + 1);
}

const struct profile_file *profile_find_file(const struct profile *p, const char *path)
{
	struct strmap_slot *s = strmap_find(&p->index->files, path);
	return s ? &p->files[(uintptr_t)s->value - 1] : NULL;
}

const struct profile_symlink *profile_find_symlink(const struct profile *p, const char *path)
{
	struct strmap_slot *s = strmap_find(&p->index->symlinks, path);
	return s ? &p->symlinks[(uintptr_t)s->value - 1] : NULL;
}

bool profile_is_missing(const struct profile *p, const char *path)
{
	return strmap_find(&p->index->missing, path) != NULL;
}
