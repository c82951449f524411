/* pare build's output config (--new-* options). */
#include <string.h>

#include "pipeline/pipeline.h"
#include "lib/error.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"

char **pipeline_parse_command(const char *s, struct pare_error *err)
{
	struct strvec sv = STRVEC_INIT;
	const char *p = s;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '[') {
		json_error_t je;
		json_t *a = json_loads(p, 0, &je);
		if (!json_is_array(a)) {
			json_decref(a);
			pare_error_set(err, 0, "'%s' is not a JSON array of strings: %s", s, je.text);
			return NULL;
		}
		size_t i;
		json_t *v;
		json_array_foreach(a, i, v)
		{
			if (!json_is_string(v)) {
				json_decref(a);
				strvec_release(&sv);
				pare_error_set(err, 0, "'%s' is not a JSON array of strings", s);
				return NULL;
			}
			strvec_push(&sv, json_string_value(v));
		}
		json_decref(a);
		return strvec_detach(&sv);
	}
	while (*p) {
		const char *e = p;
		while (*e && *e != ' ' && *e != '\t')
			e++;
		strvec_push_nodup(&sv, xstrndup(p, (size_t)(e - p)));
		while (*e == ' ' || *e == '\t')
			e++;
		p = e;
	}
	return strvec_detach(&sv);
}

static json_t *strv_json(char **v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

/* Set KEY=VALUE in an Env array, replacing an existing KEY. */
static void env_set(json_t *env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	size_t i;
	json_t *v;
	json_array_foreach(env, i, v)
	{
		const char *s = json_string_value(v);
		if (s && !strncmp(s, kv, klen) && (s[klen] == '=' || s[klen] == '\0')) {
			json_array_set_new(env, i, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
}

json_t *pipeline_output_config(const json_t *config, const struct pipeline_new_config *nc, struct pare_error *err)
{
	json_t *out = json_deep_copy(config);
	if (!out)
		out = json_object();
	json_t *c = json_object_get(out, "config");
	if (!json_is_object(c)) {
		c = json_object();
		json_object_set_new(out, "config", c);
	}
	if (nc->entrypoint) {
		cleanup_strv char **v = pipeline_parse_command(nc->entrypoint, err);
		if (!v)
			goto bad;
		json_object_set_new(c, "Entrypoint", v[0] ? strv_json(v) : json_null());
		/* As docker: a new entrypoint clears the Cmd unless one is given too. */
		if (!nc->cmd)
			json_object_set_new(c, "Cmd", json_null());
	}
	if (nc->cmd) {
		cleanup_strv char **v = pipeline_parse_command(nc->cmd, err);
		if (!v)
			goto bad;
		json_object_set_new(c, "Cmd", v[0] ? strv_json(v) : json_null());
	}
	if (nc->workdir) {
		if (nc->workdir[0] && nc->workdir[0] != '/') {
			pare_error_set(err, 0, "--new-workdir '%s' is not an absolute path", nc->workdir);
			goto bad;
		}
		json_object_set_new(c, "WorkingDir", json_string(nc->workdir));
	}
	if (nc->user)
		json_object_set_new(c, "User", json_string(nc->user));
	for (char **e = nc->env; e && *e; e++) {
		if (!strchr(*e, '=') || **e == '=') {
			pare_error_set(err, 0, "--new-env '%s' is not KEY=VALUE", *e);
			goto bad;
		}
		json_t *env = json_object_get(c, "Env");
		if (!json_is_array(env)) {
			env = json_array();
			json_object_set_new(c, "Env", env);
		}
		env_set(env, *e);
	}
	for (char **l = nc->labels; l && *l; l++) {
		const char *eq = strchr(*l, '=');
		if (!eq || eq == *l) {
			pare_error_set(err, 0, "--new-label '%s' is not KEY=VALUE", *l);
			goto bad;
		}
		json_t *labels = json_object_get(c, "Labels");
		if (!json_is_object(labels)) {
			labels = json_object();
			json_object_set_new(c, "Labels", labels);
		}
		cleanup_free char *key = xstrndup(*l, (size_t)(eq - *l));
		json_object_set_new(labels, key, json_string(eq + 1));
	}
	return out;
bad:
	json_decref(out);
	return NULL;
}
