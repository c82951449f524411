/* Types of the image config's fields that commands use (Entrypoint, Env, User...), and a history that
 * fits the layers: a config that a Docker daemon would refuse to load is refused here, with its field. */
#include <string.h>

#include "image/internal.h"

/* Strings, or an array of strings; Docker's strslice also takes a lone string for these. */
static bool strv_ok(json_t *v, bool lone_string)
{
	size_t i;
	json_t *e;
	if (json_is_null(v) || (lone_string && json_is_string(v)))
		return true;
	if (!json_is_array(v))
		return false;
	json_array_foreach (v, i, e)
		if (!json_is_string(e))
			return false;
	return true;
}

int image_config_check(json_t *config, size_t n_layers, const char *digest, struct pare_error *err)
{
	static const struct {
		const char *key;
		char kind; /* 'a' string or array of strings, 'A' array of strings, 's' string, 'o' object */
	} fields[] = {
		{ "Entrypoint", 'a' }, { "Cmd", 'a' }, { "Env", 'A' }, { "User", 's' }, { "WorkingDir", 's' },
		{ "StopSignal", 's' }, { "ExposedPorts", 'o' }, { "Volumes", 'o' }, { "Labels", 'o' },
	};
	json_t *c = json_object_get(config, "config");
	for (size_t i = 0; json_is_object(c) && i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *v = json_object_get(c, fields[i].key);
		bool ok = !v || json_is_null(v);
		switch (fields[i].kind) {
		case 'a':
		case 'A':
			ok = ok || strv_ok(v, fields[i].kind == 'a');
			break;
		case 's':
			ok = ok || json_is_string(v);
			break;
		case 'o':
			ok = ok || json_is_object(v);
			break;
		}
		if (!ok)
			return pare_error_set(err, 0, "config '%s': 'config.%s' has the wrong JSON type", digest,
					      fields[i].key);
	}
	json_t *labels = json_is_object(c) ? json_object_get(c, "Labels") : NULL;
	const char *k;
	json_t *v;
	json_object_foreach (json_is_object(labels) ? labels : NULL, k, v)
		if (!json_is_string(v))
			return pare_error_set(err, 0, "config '%s': label '%s' is not a string", digest, k);

	/* Every history step not marked empty_layer made one layer: more of them than layers is what
	 * Docker refuses as "too many non-empty layers in History section". */
	json_t *hist = json_object_get(config, "history");
	size_t i, made = 0;
	json_t *h;
	json_array_foreach (json_is_array(hist) ? hist : NULL, i, h) {
		if (!json_is_object(h))
			return pare_error_set(err, 0, "config '%s': history step %zu is not an object", digest, i);
		if (!json_is_true(json_object_get(h, "empty_layer")))
			made++;
	}
	if (made > n_layers)
		return pare_error_set(err, 0, "config '%s': the history has %zu steps that made layers, the image has %zu layers",
				      digest, made, n_layers);
	return 0;
}
