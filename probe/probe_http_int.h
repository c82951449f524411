/* Internals of the HTTP prober shared by probe_http.c (the thread and the crawl) and probe_conn.c
 * (connections, requests and URLs through libcurl). Not for other modules. */
#ifndef PARE_PROBE_HTTP_INT_H
#define PARE_PROBE_HTTP_INT_H
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/error.h"
#include "lib/hash.h"
#include "lib/strbuf.h"
#include "lib/strvec.h"
#include "probe/probe_http.h"

struct probe_http {
	pthread_t thread;
	struct probe_net net; /* a copy of opts->net (its data borrowed), or all NULL */
	uint16_t *ports;
	size_t n_ports;
	char **methods, **paths; /* the user's requests, parsed */
	size_t n_requests;
	struct probe_http_result *replay; /* probe_http_opts.replay, copied (method, url, depth) */
	size_t n_replay;
	bool crawl;
	unsigned request_ms, max_depth, max_pages;
	uint64_t deadline_ms; /* CLOCK_MONOTONIC: ports must accept connections by then */
	void (*on_done)(void *);
	void *on_done_data;
	atomic_int cancel;
	struct probe_http_report report;
	struct pare_error err;
	int rc;
};

/* Where one port answers: scheme and host found by probe_conn_wait and the first request. */
struct probe_conn {
	CURL *easy; /* reused, so that connections are kept alive */
	bool https;
	char host[16]; /* "127.0.0.1" or "[::1]" */
	uint16_t port;
	char errbuf[CURL_ERROR_SIZE];
};

struct probe_response {
	CURLcode curl_error; /* CURLE_OK when a response came */
	char error[CURL_ERROR_SIZE + 64];
	long status;
	uint64_t bytes;
	double seconds;
	struct strbuf body; /* the first PROBE_HTTP_MAX_BODY bytes */
	struct sha256 hash; /* of the whole body, as it came */
	char digest[SHA256_DIGEST_STR]; /* "sha256:..." once the request ended */
	char *content_type, *effective_url, *redirect_url; /* owned copies or NULL */
	bool stream; /* cut: the answer began, then stayed idle (or went on) past the stream bound */
	/* private to probe_conn_request */
	struct probe_http *owner;
	uint64_t last_data_ms; /* when the last header line or body bytes came */
};

/* A response whose headers came and then brings nothing for this long is a stream (`tail -f` of a log,
 * server-sent events): it is cut there and counts as an answer. */
#define PROBE_HTTP_STREAM_IDLE_MS 3000

uint64_t probe_now_ms(void);
/* Enter net (in the calling thread) / make a socket in it, as struct probe_net says. */
int probe_net_enter(const struct probe_net *net, struct pare_error *err);
int probe_net_socket(const struct probe_net *net, int domain, int type, int protocol);
/* Wait until the port accepts TCP connections on 127.0.0.1 or ::1. On failure *why says why. */
int probe_conn_wait(struct probe_conn *c, struct probe_http *p, uint16_t port, char **why);
/* "scheme://host:port" + path (new string). */
char *probe_conn_url(const struct probe_conn *c, const char *path);
/* Make an "http://" URL queued before the port was found to speak HTTPS an "https://" one. */
void probe_conn_rescheme(const struct probe_conn *c, char **url);
void probe_conn_request(struct probe_conn *c, struct probe_http *p, const char *method, const char *url,
			struct probe_response *r);
/* After a plain request that looks like it reached a TLS port: retry over HTTPS; when that gives a
 * response, *r is replaced by it, the port is marked HTTPS and true is returned. */
bool probe_conn_try_https(struct probe_conn *c, struct probe_http *p, const char *method, const char *url,
			  struct probe_response *r);
void probe_conn_release(struct probe_conn *c);

bool probe_response_maybe_tls(const struct probe_response *r);
bool probe_response_not_http(const struct probe_response *r);
bool probe_response_no_http_answer(const struct probe_response *r);
/* Links of an HTML or CSS response appended to `links`; returns the absolute <base href> (new) or NULL. */
char *probe_response_links(const struct probe_response *r, struct strvec *links);
void probe_response_release(struct probe_response *r);
/* `link` resolved against `base`, without fragment, when it has the port's origin (a loopback host
 * name counts as its host); NULL otherwise. New string. */
char *probe_resolve_same_origin(const struct probe_conn *c, const char *base, const char *link);
#endif
