/* The HTTP prober's option values and its report (probe/probe_http.h). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/xalloc.h"
#include "probe/probe_http.h"

void probe_http_opts_init(struct probe_http_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->crawl = true;
	o->wait_ms = PROBE_HTTP_DEFAULT_WAIT_MS;
	o->request_ms = PROBE_HTTP_DEFAULT_REQUEST_MS;
	o->max_depth = PROBE_HTTP_DEFAULT_DEPTH;
	o->max_pages = PROBE_HTTP_DEFAULT_PAGES;
}

void probe_http_report_release(struct probe_http_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct probe_http_result *x = &r->results[i];
		free(x->method);
		free(x->url);
		free(x->referrer);
		free(x->sha256);
		free(x->error);
	}
	free(r->results);
	memset(r, 0, sizeof(*r));
}

const struct probe_http_result *probe_http_report_first_failure(const struct probe_http_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->results[i].failed)
			return &r->results[i];
	return NULL;
}

json_t *probe_http_report_json(const struct probe_http_report *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->n; i++) {
		const struct probe_http_result *x = &r->results[i];
		json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:b}", "method", x->method, "url", x->url,
				      "depth", (json_int_t)x->depth, "status", (json_int_t)x->status, "bytes",
				      (json_int_t)x->bytes, "seconds", x->seconds, "failed", x->failed);
		if (!o)
			continue;
		json_object_set_new(o, "from", x->referrer ? json_string(x->referrer) : json_null());
		json_object_set_new(o, "sha256", x->sha256 ? json_string(x->sha256) : json_null());
		json_object_set_new(o, "error", x->error ? json_string(x->error) : json_null());
		json_array_append_new(a, o);
	}
	return a;
}

static int cmp_port(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Parse a port number from [s, s+len): 1..65535, digits only. */
static int parse_port(const char *s, size_t len, uint16_t *out)
{
	if (!len || len > 5)
		return -1;
	unsigned v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* Add "N" or "N-M" to the set; sorted and deduplicated by the caller. */
static int add_port_item(const char *item, size_t len, uint16_t **ports, size_t *n, size_t *cap,
			 struct pare_error *err)
{
	const char *dash = memchr(item, '-', len);
	uint16_t lo, hi;
	if (dash ? parse_port(item, (size_t)(dash - item), &lo) < 0 ||
			   parse_port(dash + 1, len - (size_t)(dash + 1 - item), &hi) < 0 || hi < lo
		 : parse_port(item, len, &lo) < 0)
		return pare_error_set(err, EINVAL, "invalid port '%.*s' (expected 1-65535 or a range N-M)",
				      (int)len, item);
	if (!dash)
		hi = lo;
	for (unsigned p = lo; p <= hi; p++) {
		if (*n >= PROBE_HTTP_MAX_PORTS)
			return pare_error_set(err, E2BIG, "more than %d ports to probe", PROBE_HTTP_MAX_PORTS);
		*ports = xgrow(*ports, cap, *n + 1, sizeof(**ports));
		(*ports)[(*n)++] = (uint16_t)p;
	}
	return 0;
}

static void sort_unique(uint16_t *ports, size_t *n)
{
	if (!*n)
		return;
	qsort(ports, *n, sizeof(*ports), cmp_port);
	size_t w = 1;
	for (size_t i = 1; i < *n; i++)
		if (ports[i] != ports[w - 1])
			ports[w++] = ports[i];
	*n = w;
}

int probe_http_parse_ports(const char *list, uint16_t **ports, size_t *n, struct pare_error *err)
{
	cleanup_free uint16_t *v = NULL;
	size_t count = 0, cap = 0;
	for (const char *p = list;;) {
		size_t len = strcspn(p, ",");
		while (len && isspace((unsigned char)*p))
			p++, len--;
		while (len && isspace((unsigned char)p[len - 1]))
			len--;
		if (add_port_item(p, len, &v, &count, &cap, err) < 0)
			return -1;
		p += strcspn(p, ",");
		if (!*p)
			break;
		p++;
	}
	sort_unique(v, &count);
	*ports = steal_pointer(&v);
	*n = count;
	return 0;
}

int probe_http_exposed_ports(char *const *keys, uint16_t **ports, size_t *n, struct pare_error *err)
{
	cleanup_free uint16_t *v = NULL;
	size_t count = 0, cap = 0;
	for (size_t i = 0; keys && keys[i]; i++) {
		const char *k = keys[i];
		const char *slash = strchr(k, '/');
		size_t len = slash ? (size_t)(slash - k) : strlen(k);
		if (slash && strcasecmp(slash + 1, "tcp") != 0)
			continue; /* udp, sctp */
		if (add_port_item(k, len, &v, &count, &cap, err) < 0)
			return pare_error_prefix(err, "image config ExposedPorts");
	}
	sort_unique(v, &count);
	*ports = steal_pointer(&v);
	*n = count;
	return 0;
}

/* An RFC 9110 token character (the characters of a method name). */
static bool is_tchar(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

int probe_http_parse_request(const char *spec, char **method, char **path, struct pare_error *err)
{
	const char *colon = strchr(spec, ':');
	const char *p = spec;
	cleanup_free char *m = NULL;
	if (colon && colon > spec && spec[0] != '/') {
		for (const char *c = spec; c < colon; c++)
			if (!is_tchar(*c))
				return pare_error_set(err, EINVAL, "invalid HTTP method in '%s'", spec);
		m = xstrndup(spec, (size_t)(colon - spec));
		for (char *c = m; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		p = colon + 1;
	}
	if (p[0] != '/')
		return pare_error_set(err, EINVAL, "invalid probe request '%s' (expected [METHOD:]/PATH)", spec);
	for (const char *c = p; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return pare_error_set(err, EINVAL, "probe request '%s' contains a space or control character",
					      spec);
	*method = m ? steal_pointer(&m) : xstrdup("GET");
	*path = xstrdup(p);
	return 0;
}
