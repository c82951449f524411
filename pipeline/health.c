/* The image's HEALTHCHECK, read as Docker reads it, so that pare build can run it as a probe: the
 * engine runs it inside the container all the time, and a slim image without the checker (curl,
 * pg_isready...) turns "unhealthy" and is restarted or never gets traffic. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"

/* Docker's default Timeout when the image says 0 or nothing. */
#define HEALTH_DEFAULT_TIMEOUT 30.0

int pipeline_health_from_config(const json_t *config, struct pipeline_health *h, struct pare_error *err)
{
	memset(h, 0, sizeof(*h));
	json_t *hc = json_object_get(json_object_get(config, "config"), "Healthcheck");
	if (!hc || json_is_null(hc))
		return 0;
	json_t *test = json_object_get(hc, "Test");
	if (!test || json_is_null(test) || (json_is_array(test) && json_array_size(test) == 0))
		return 0; /* inherited from a base image we do not have: nothing to run */
	if (!json_is_array(test) || !json_is_string(json_array_get(test, 0)))
		return pare_error_set(err, 0, "the image's Healthcheck.Test is not an array of strings");
	size_t n = json_array_size(test);
	for (size_t i = 1; i < n; i++)
		if (!json_is_string(json_array_get(test, i)))
			return pare_error_set(err, 0, "the image's Healthcheck.Test is not an array of strings");
	const char *kind = json_string_value(json_array_get(test, 0));
	struct strvec sv = STRVEC_INIT;
	if (!strcmp(kind, "NONE")) {
		return 0;
	} else if (!strcmp(kind, "CMD-SHELL")) {
		if (n != 2)
			return pare_error_set(err, 0, "the image's Healthcheck.Test CMD-SHELL needs one command string");
		/* Docker runs it with /bin/sh -c on Linux (the image's SHELL does not apply at run time). */
		strvec_push(&sv, "/bin/sh");
		strvec_push(&sv, "-c");
		strvec_push(&sv, json_string_value(json_array_get(test, 1)));
		h->command = xstrdup(json_string_value(json_array_get(test, 1)));
	} else if (!strcmp(kind, "CMD")) {
		if (n < 2)
			return pare_error_set(err, 0, "the image's Healthcheck.Test CMD has no command");
		for (size_t i = 1; i < n; i++) {
			const char *w = json_string_value(json_array_get(test, i));
			strvec_push(&sv, w);
			char *joined = h->command ? xasprintf("%s %s", h->command, w) : xstrdup(w);
			free(h->command);
			h->command = joined;
		}
	} else {
		return pare_error_set(err, 0, "the image's Healthcheck.Test starts with '%s' (expected CMD, CMD-SHELL or NONE)",
				      kind);
	}
	h->argv = strvec_detach(&sv);
	json_t *t = json_object_get(hc, "Timeout");
	h->timeout = json_is_integer(t) && json_integer_value(t) > 0 ? (double)json_integer_value(t) / 1e9
								     : HEALTH_DEFAULT_TIMEOUT;
	return 0;
}

void pipeline_health_release(struct pipeline_health *h)
{
	strv_free(h->argv);
	free(h->command);
	memset(h, 0, sizeof(*h));
}
