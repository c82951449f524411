/* The HTTP prober of `pare build`: from inside the container's network namespace (nothing is published
 * on the host), wait until each port accepts TCP connections, then send GET / and crawl same-origin links
 * found in HTML and CSS responses (bounded in depth and requests), plus the user's requests.
 * HTTP is libcurl's; this module decides what to request and records what came back. */
#ifndef PARE_PROBE_HTTP_H
#define PARE_PROBE_HTTP_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"

/* Limits and defaults (documented in doc/LIMITS.md). */
#define PROBE_HTTP_MAX_BODY (8 * 1024 * 1024) /* bytes of a response kept for link extraction */
#define PROBE_HTTP_MAX_PORTS 64
#define PROBE_HTTP_DEFAULT_WAIT_MS 60000
#define PROBE_HTTP_DEFAULT_REQUEST_MS 30000
#define PROBE_HTTP_DEFAULT_DEPTH 3
#define PROBE_HTTP_DEFAULT_PAGES 500

/* The network the prober works in; pipeline/ connects it to the container's (runtime/ knows how).
 * The prober runs in a thread of its own: it calls enter there once, before anything else, and makes
 * every socket it connects with through socket. */
struct probe_net {
	int (*enter)(void *data, struct pare_error *err);              /* NULL: stay in the caller's */
	int (*socket)(void *data, int domain, int type, int protocol); /* NULL: socket(2); fd or -1 + errno */
	void *data;
};

struct probe_http_opts {
	const struct probe_net *net; /* where to probe (borrowed: must outlive the prober), or NULL for
					the caller's own network */
	const uint16_t *ports;       /* TCP ports to probe (copied by probe_http_start) */
	size_t n_ports;
	char *const *requests;       /* NULL-terminated "[METHOD:]PATH" (--http-probe-cmd), sent to every port */
	bool crawl;                  /* GET / on every port and follow same-origin links */
	unsigned wait_ms;            /* until the ports accept connections, from the start (shared by all) */
	unsigned request_ms;         /* per request */
	unsigned max_depth;          /* link depth from a seed request (GET / and the user's requests are 0) */
	unsigned max_pages;          /* crawled requests per port (the user's requests are always sent) */
	/* Replay instead of crawl (pare build --verify): send exactly these requests (their method and
	 * url; borrowed, copied by probe_http_start), in this order, once each, waiting for each port
	 * to accept connections (and to end a starting-up 502/503/504) before its first request. The
	 * report then has one result per replayed request, in the same order; crawl and requests are
	 * ignored. */
	const struct probe_http_result *replay;
	size_t n_replay;
};

/* Defaults: no namespace, no ports, crawl on, the PROBE_HTTP_DEFAULT_* bounds. */
void probe_http_opts_init(struct probe_http_opts *o);

struct probe_http_result {
	char *method;
	char *url;      /* as requested, without fragment */
	char *referrer; /* the page it was found on; NULL for seed requests */
	unsigned depth;
	long status;    /* HTTP status, 0 when there was no response */
	uint64_t bytes; /* body bytes received (after content decoding) */
	char *sha256;   /* "sha256:<hex>" of those bytes; NULL when no response came */
	double seconds;
	bool failed;    /* the port never accepted, no HTTP response, 5xx, or cancelled */
	char *error;    /* why, or a note ("not HTTP: crawl skipped"); NULL when fine */
};

struct probe_http_report {
	struct probe_http_result *results; /* in the order the requests were sent */
	size_t n, cap;
	size_t n_failed;
	bool cancelled; /* probe_http_cancel was called before the end */
};

void probe_http_report_release(struct probe_http_report *r);
/* The first failed result, or NULL. */
const struct probe_http_result *probe_http_report_first_failure(const struct probe_http_report *r);
/* The results as a JSON array of {method, url, from, depth, status, bytes, sha256, seconds, failed, error}. New reference. */
json_t *probe_http_report_json(const struct probe_http_report *r);

struct probe_http;
/* Start probing in a thread of its own (which enters opts->net). `on_done` (may be NULL) is called
 * from that thread when it has finished; then probe_http_wait returns without blocking. */
int probe_http_start(const struct probe_http_opts *opts, void (*on_done)(void *data), void *data,
		     struct probe_http **out, struct pare_error *err);
/* Ask the prober to stop soon (the application exited, the analysis is ending). Async-signal-safe. */
void probe_http_cancel(struct probe_http *p);
/* Wait for the prober, move its results into *report (initialised here) and free p. Returns -1 when
 * the prober could not run at all (entering its network failed); failed requests are not errors. */
int probe_http_wait(struct probe_http *p, struct probe_http_report *report, struct pare_error *err);
/* probe_http_start + probe_http_wait. */
int probe_http_run(const struct probe_http_opts *opts, struct probe_http_report *report, struct pare_error *err);

/* Option values. "80,8080,9000-9002" -> ports (new array, sorted, unique). */
int probe_http_parse_ports(const char *list, uint16_t **ports, size_t *n, struct pare_error *err);
/* The TCP ports of an image's ExposedPorts keys ("80/tcp", "8080", "53/udp" is skipped). */
int probe_http_exposed_ports(char *const *keys, uint16_t **ports, size_t *n, struct pare_error *err);
/* Split "[METHOD:]PATH" (--http-probe-cmd): METHOD is an HTTP token (default GET, upper-cased),
 * PATH must start with '/'. New strings. */
int probe_http_parse_request(const char *spec, char **method, char **path, struct pare_error *err);
/* Waits until every port accepts TCP connections on 127.0.0.1 or ::1 in the network net (NULL: the
 * caller's), from a thread of its own, for at most wait_ms, polling cancelled(data) (may be NULL)
 * between attempts. Returns 0, or -1 with *why (a new string: which port, or cancelled). */
int probe_ports_wait(const struct probe_net *net, const uint16_t *ports, size_t n, unsigned wait_ms, bool (*cancelled)(void *),
		     void *data, char **why);
#endif
