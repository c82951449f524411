/* The profile as JSON (format documented in doc/PROFILE.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/interrupt.h"
#include "lib/path.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "tracer/profile.h"

#define PROFILE_VERSION 1

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

/* Stats fields, as data: the JSON name and where the number lives. */
#define STAT(name) { #name, offsetof(struct profile_stats, name) }
static const struct {
	const char *name;
	size_t off;
} stat_fields[] = {
	STAT(seccomp_stops), STAT(census_stops), STAT(exit_stops), STAT(paths), STAT(outside_image), STAT(unreadable),
	STAT(processes), STAT(execs), STAT(signals), STAT(fanotify_events), STAT(fanotify_overflows),
	STAT(duration_ms),
	STAT(tracer_cpu_ms),
};

json_t *profile_to_json(struct profile *p)
{
	profile_finish(p);
	json_t *root = json_object();
	json_object_set_new(root, "version", json_integer(PROFILE_VERSION));
	json_object_set_new(root, "image", p->image ? json_string(p->image) : json_null());
	json_object_set_new(root, "sensors", strv_json(p->sensors));

	json_t *files = json_array();
	for (size_t i = 0; i < p->n_files; i++) {
		const struct profile_file *f = &p->files[i];
		json_t *o = json_object(), *kinds = json_array();
		json_object_set_new(o, "path", json_string(f->path));
		for (unsigned k = 0; k < PROFILE_KIND_COUNT; k++)
			if (f->kinds & (1u << k))
				json_array_append_new(kinds, json_string(profile_kind_name(1u << k)));
		json_object_set_new(o, "kinds", kinds);
		json_object_set_new(o, "exists", json_boolean(f->exists));
		if (f->errors)
			json_object_set_new(o, "errors", strv_json(f->errors));
		json_array_append_new(files, o);
	}
	json_object_set_new(root, "files", files);

	json_t *links = json_array();
	for (size_t i = 0; i < p->n_symlinks; i++)
		json_array_append_new(links, json_pack("{s:s,s:s}", "path", p->symlinks[i].path, "target",
						       p->symlinks[i].target));
	json_object_set_new(root, "symlinks", links);
	json_object_set_new(root, "missing", strv_json(p->missing));

	json_t *procs = json_array();
	for (size_t i = 0; i < p->n_processes; i++) {
		const struct profile_process *pr = &p->processes[i];
		json_array_append_new(procs, json_pack("{s:I,s:s,s:o}", "pid", (json_int_t)pr->pid, "exe", pr->exe,
						       "argv", strv_json(pr->argv)));
	}
	json_object_set_new(root, "processes", procs);

	json_t *stats = json_object();
	for (size_t i = 0; i < sizeof(stat_fields) / sizeof(stat_fields[0]); i++)
		json_object_set_new(stats, stat_fields[i].name,
				    json_integer((json_int_t) * (uint64_t *)((char *)&p->stats + stat_fields[i].off)));
	json_object_set_new(stats, "exit_status", json_integer(p->stats.exit_status));
	json_object_set_new(root, "stats", stats);
	return root;
}

/* A path from a profile must already be absolute and normalised: anything else is a corrupt profile. */
static int check_path(const char *what, const char *path, struct pare_error *err)
{
	cleanup_free char *norm = path_normalize(path);
	if (path[0] != '/' || strcmp(norm, path) != 0)
		return pare_error_set(err, 0, "%s '%s' is not an absolute normalised path", what, path);
	return 0;
}

static int strv_from_json(json_t *a, const char *what, char ***out, struct pare_error *err)
{
	if (!json_is_array(a))
		return pare_error_set(err, 0, "'%s' is not an array of strings", what);
	struct strvec sv = STRVEC_INIT;
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v)) {
			strvec_release(&sv);
			return pare_error_set(err, 0, "'%s' is not an array of strings", what);
		}
		strvec_push(&sv, json_string_value(v));
	}
	*out = strvec_detach(&sv);
	return 0;
}

static int file_from_json(struct profile *p, json_t *o, struct pare_error *err)
{
	const char *path = json_string_value(json_object_get(o, "path"));
	json_t *kinds = json_object_get(o, "kinds"), *exists = json_object_get(o, "exists");
	if (!path || !json_is_array(kinds) || !json_is_boolean(exists))
		return pare_error_set(err, 0, "a file entry lacks 'path', 'kinds' or 'exists'");
	if (check_path("file", path, err) < 0)
		return -1;
	unsigned bits = 0;
	size_t i;
	json_t *k;
	json_array_foreach(kinds, i, k) {
		unsigned bit = json_is_string(k) ? profile_kind_parse(json_string_value(k)) : 0;
		if (!bit)
			return pare_error_set(err, 0, "file '%s': unknown kind", path);
		bits |= bit;
	}
	struct profile_file *f = profile_add_file(p, path, bits, json_is_true(exists));
	json_t *errors = json_object_get(o, "errors");
	if (errors && strv_from_json(errors, "errors", &f->errors, err) < 0)
		return -1;
	return 0;
}

static int parse(struct profile *p, json_t *root, struct pare_error *err)
{
	if (!json_is_object(root))
		return pare_error_set(err, 0, "not a JSON object");
	json_t *v = json_object_get(root, "version");
	if (v && (!json_is_integer(v) || json_integer_value(v) > PROFILE_VERSION))
		return pare_error_set(err, 0, "unsupported profile version");
	const char *image = json_string_value(json_object_get(root, "image"));
	p->image = image ? xstrdup(image) : NULL;
	json_t *sensors = json_object_get(root, "sensors");
	if (sensors && strv_from_json(sensors, "sensors", &p->sensors, err) < 0)
		return -1;

	json_t *files = json_object_get(root, "files"), *o;
	if (!json_is_array(files))
		return pare_error_set(err, 0, "'files' is missing or not an array");
	size_t i;
	json_array_foreach(files, i, o) {
		if (!json_is_object(o))
			return pare_error_set(err, 0, "'files' holds a non-object");
		if (file_from_json(p, o, err) < 0)
			return -1;
	}
	json_t *links = json_object_get(root, "symlinks");
	if (links && !json_is_array(links))
		return pare_error_set(err, 0, "'symlinks' is not an array");
	json_array_foreach(links, i, o) {
		const char *path = json_string_value(json_object_get(o, "path"));
		const char *target = json_string_value(json_object_get(o, "target"));
		if (!path || !target)
			return pare_error_set(err, 0, "a symlink entry lacks 'path' or 'target'");
		if (check_path("symlink", path, err) < 0)
			return -1;
		profile_add_symlink(p, path, target);
	}
	json_t *missing = json_object_get(root, "missing");
	if (missing) {
		cleanup_strv char **m = NULL;
		if (strv_from_json(missing, "missing", &m, err) < 0)
			return -1;
		for (char **s = m; *s; s++) {
			if (check_path("missing path", *s, err) < 0)
				return -1;
			profile_add_missing(p, *s);
		}
	}
	json_t *procs = json_object_get(root, "processes");
	if (procs && !json_is_array(procs))
		return pare_error_set(err, 0, "'processes' is not an array");
	json_array_foreach(procs, i, o) {
		json_t *pid = json_object_get(o, "pid");
		const char *exe = json_string_value(json_object_get(o, "exe"));
		cleanup_strv char **argv = NULL;
		if (!json_is_integer(pid) || !exe)
			return pare_error_set(err, 0, "a process entry lacks 'pid' or 'exe'");
		if (strv_from_json(json_object_get(o, "argv"), "argv", &argv, err) < 0)
			return -1;
		profile_add_process(p, (long)json_integer_value(pid), exe, argv);
	}
	json_t *stats = json_object_get(root, "stats");
	for (size_t s = 0; json_is_object(stats) && s < sizeof(stat_fields) / sizeof(stat_fields[0]); s++) {
		json_t *n = json_object_get(stats, stat_fields[s].name);
		if (json_is_integer(n))
			*(uint64_t *)((char *)&p->stats + stat_fields[s].off) = (uint64_t)json_integer_value(n);
	}
	if (json_is_integer(json_object_get(stats, "exit_status")))
		p->stats.exit_status = (int)json_integer_value(json_object_get(stats, "exit_status"));
	profile_finish(p);
	return 0;
}

int profile_from_json(json_t *root, struct profile **out, struct pare_error *err)
{
	struct profile *p = profile_new();
	if (parse(p, root, err) < 0) {
		profile_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int profile_load(const char *file, struct profile **out, struct pare_error *err)
{
	json_error_t jerr;
	json_t *root = strcmp(file, "-") ? json_load_file(file, JSON_REJECT_DUPLICATES, &jerr)
					 : json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return pare_error_set(err, 0, "profile '%s': %s (line %d)", file, jerr.text, jerr.line);
	int r = profile_from_json(root, out, err);
	json_decref(root);
	if (r < 0)
		return pare_error_prefix(err, "profile '%s'", file);
	return 0;
}

int profile_save(struct profile *p, const char *file, struct pare_error *err)
{
	json_t *root = profile_to_json(p);
	const size_t flags = JSON_INDENT(1) | JSON_ENSURE_ASCII;
	if (!strcmp(file, "-")) {
		int r = json_dumpf(root, stdout, flags);
		json_decref(root);
		if (r < 0 || fputc('\n', stdout) == EOF || fflush(stdout) == EOF)
			return pare_error_errno(err, "writing the profile to standard output");
		return 0;
	}
	cleanup_free char *tmp = xasprintf("%s.tmp-%ld", file, (long)getpid());
	int r = json_dump_file(root, tmp, flags);
	json_decref(root);
	if (r < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return pare_error_errno(err, "writing profile '%s'", file);
	}
	if (pare_interrupt_check(err) < 0) { /* interrupted: no profile at all */
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, file) < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return pare_error_errno(err, "writing profile '%s'", file);
	}
	return 0;
}
