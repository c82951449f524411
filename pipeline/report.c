/* Helpers pare build's output config and report are made from (see pipeline/pipeline.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "pipeline/pipeline.h"

char **pipeline_config_strv(const json_t *config, const char *key)
{
	struct strvec sv = STRVEC_INIT;
	json_t *v = json_object_get(json_object_get(config, "config"), key);
	size_t i;
	json_t *s;
	json_array_foreach(v, i, s)
	{
		if (json_is_string(s))
			strvec_push(&sv, json_string_value(s));
	}
	return strvec_detach(&sv);
}

const char *pipeline_config_str(const json_t *config, const char *key)
{
	return json_string_value(json_object_get(json_object_get(config, "config"), key));
}

char **pipeline_config_keys(const json_t *config, const char *key)
{
	struct strvec sv = STRVEC_INIT;
	json_t *o = json_object_get(json_object_get(config, "config"), key);
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) strvec_push(&sv, k);
	return strvec_detach(&sv);
}

/* "a b c" for a warning, cut at 120 characters. */
static char *argv_text(char *const *v)
{
	char *s = xstrdup("");
	for (size_t i = 0; v && v[i]; i++) {
		char *n = xasprintf("%s%s%s", s, i ? " " : "", v[i]);
		free(s);
		s = n;
	}
	if (strlen(s) > 120)
		memcpy(s + 114, "[...]", 6);
	return s;
}

/* When the slim image is given another command than the analysis ran (--new-entrypoint, --new-cmd
 * without the same --entrypoint/--cmd), what only that command uses was never traced. */
char *pipeline_command_mismatch(char *const *analysed, char *const *out)
{
	size_t i = 0;
	while (analysed && out && analysed[i] && out[i] && !strcmp(analysed[i], out[i]))
		i++;
	if ((!analysed || !analysed[i]) && (!out || !out[i]))
		return NULL;
	cleanup_free char *a = argv_text(analysed), *o = argv_text(out);
	return xasprintf("the slim image runs '%s' but the analysis ran '%s': what only the new command uses "
			 "is not in the slim image; give the analysis the same command (--entrypoint, --cmd)",
			 o, a);
}

int pipeline_write_report(const char *file, json_t *report, struct pare_error *err)
{
	if (!strcmp(file, "-")) {
		if (json_dumpf(report, stderr, JSON_INDENT(1) | JSON_SORT_KEYS) < 0)
			return pare_error_set(err, 0, "writing the report failed");
		fputc('\n', stderr);
		return 0;
	}
	/* Not a regular file (/dev/null, /dev/stderr, a FIFO): written as it is, never renamed over. */
	struct stat st;
	if (stat(file, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		cleanup_file FILE *f = fopen(file, "we");
		if (!f || json_dumpf(report, f, JSON_INDENT(1) | JSON_SORT_KEYS) < 0 || fputc('\n', f) == EOF ||
		    fflush(f) != 0)
			return pare_error_errno(err, "writing the report '%s'", file);
		return 0;
	}
	cleanup_free char *tmp = xasprintf("%s.tmp%d", file, (int)getpid());
	if (json_dump_file(report, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) < 0) {
		unlink(tmp);
		return pare_error_errno(err, "writing the report '%s'", file);
	}
	if (rename(tmp, file) < 0) {
		unlink(tmp);
		return pare_error_errno(err, "writing the report '%s'", file);
	}
	return 0;
}

json_t *pipeline_profile_summary(const struct profile *p)
{
	json_t *sensors = json_array();
	for (char **s = p->sensors; s && *s; s++)
		json_array_append_new(sensors, json_string(*s));
	const struct profile_stats *st = &p->stats;
	return json_pack("{s:o, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i}}", "sensors", sensors,
			 "files", (json_int_t)p->n_files, "symlinks", (json_int_t)p->n_symlinks, "missing",
			 (json_int_t)p->n_missing, "processes", (json_int_t)p->n_processes, "stats", "seccomp_stops",
			 (json_int_t)st->seccomp_stops, "paths", (json_int_t)st->paths, "outside_image",
			 (json_int_t)st->outside_image, "processes", (json_int_t)st->processes, "execs",
			 (json_int_t)st->execs, "fanotify_events", (json_int_t)st->fanotify_events,
			 "fanotify_overflows", (json_int_t)st->fanotify_overflows, "duration_ms",
			 (json_int_t)st->duration_ms, "exit_status", st->exit_status);
}
