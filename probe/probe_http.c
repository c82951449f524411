/* The HTTP prober's thread: enter the network namespace, wait for the ports, send the requests
 * (breadth-first over the links found), record the results. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "probe/probe_http.h"
#include "probe/probe_http_int.h"

/* Grow-only set of strings (visited "METHOD URL" keys): open addressing, FNV-1a. */
struct strset {
	char **slots;
	size_t cap, n;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Add s (copied); false when it was there already. */
static bool strset_add(struct strset *set, const char *s)
{
	if ((set->n + 1) * 2 > set->cap) {
		struct strset bigger = { xcalloc(set->cap ? set->cap * 2 : 64, sizeof(char *)), set->cap ? set->cap * 2 : 64, 0 };
		for (size_t i = 0; i < set->cap; i++)
			if (set->slots[i]) {
				size_t j = fnv1a(set->slots[i]) & (bigger.cap - 1);
				while (bigger.slots[j])
					j = (j + 1) & (bigger.cap - 1);
				bigger.slots[j] = set->slots[i];
				bigger.n++;
			}
		free(set->slots);
		*set = bigger;
	}
	size_t j = fnv1a(s) & (set->cap - 1);
	for (; set->slots[j]; j = (j + 1) & (set->cap - 1))
		if (!strcmp(set->slots[j], s))
			return false;
	set->slots[j] = xstrdup(s);
	set->n++;
	return true;
}

static void strset_release(struct strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i]);
	free(set->slots);
	memset(set, 0, sizeof(*set));
}

struct item {
	char *method, *url, *referrer;
	unsigned depth;
	bool user; /* a --http-probe-cmd request: always sent, and a failure even when not HTTP */
};

struct port_run {
	struct probe_http *p;
	uint16_t port;
	struct probe_conn conn; /* scheme and host that answer on this port */
	struct item *queue;
	size_t n, cap, pages;
	struct strset visited;
	bool not_http;
	bool has_root;       /* the automatic GET / was sent: its result is report.results[root_result] */
	size_t root_result;
	bool user_answered;  /* a --http-probe-cmd request to this port got an answer below 500 */
};

static void enqueue(struct port_run *pr, const char *method, char *url, const char *referrer, unsigned depth,
		    bool user)
{
	pr->queue = xgrow(pr->queue, &pr->cap, pr->n + 1, sizeof(*pr->queue));
	pr->queue[pr->n++] = (struct item){ xstrdup(method), url, referrer ? xstrdup(referrer) : NULL, depth, user };
}

static struct probe_http_result *add_result(struct probe_http *p, const struct item *it)
{
	struct probe_http_report *r = &p->report;
	r->results = xgrow(r->results, &r->cap, r->n + 1, sizeof(*r->results));
	struct probe_http_result *x = &r->results[r->n++];
	memset(x, 0, sizeof(*x));
	x->method = xstrdup(it->method);
	x->url = xstrdup(it->url);
	x->referrer = it->referrer ? xstrdup(it->referrer) : NULL;
	x->depth = it->depth;
	return x;
}

static void fail(struct probe_http *p, struct probe_http_result *x, char *why)
{
	free(x->error);
	x->error = why;
	if (!x->failed)
		p->report.n_failed++;
	x->failed = true;
}

/* Words that make a link an action rather than a page: GET is meant to be safe, but admin pages
 * (supervisord's "stop", "restartall", "clearlog"; "logout" everywhere) act on a plain link, and a
 * crawler that follows them stops what it is probing. Matched as whole words, case-insensitively, in
 * the query string, and in the last path segment when that names no file (no extension) or a script
 * (.php, .cgi...): "/images/delete.png" and "/docs/stop.html" are files the slim image must serve. */
static const char *const action_words[] = { "logout",  "logoff",   "signout",	 "delete",     "remove",
					     "destroy", "drop",	   "purge",	 "kill",       "stop",
					     "stopall", "shutdown", "halt",	 "reboot",     "restart",
					     "restartall", "clear", "clearlog", "uninstall", "unsubscribe",
					     NULL };
static const char *const script_exts[] = { "php", "asp", "aspx", "jsp", "cgi", "pl", "py", "do", "action", NULL };

/* The first action word among the words of [s, end), or NULL. */
static const char *action_in(const char *s, const char *end)
{
	for (const char *w = s; w < end;) {
		while (w < end && !isalnum((unsigned char)*w))
			w++;
		const char *e = w;
		while (e < end && isalnum((unsigned char)*e))
			e++;
		for (size_t i = 0; e > w && action_words[i]; i++)
			if (strlen(action_words[i]) == (size_t)(e - w) && !strncasecmp(w, action_words[i], (size_t)(e - w)))
				return action_words[i];
		w = e;
	}
	return NULL;
}

/* The action word of a link, or NULL when it looks like a page or a file. */
static const char *link_action(const char *url)
{
	const char *rest = strstr(url, "://");
	rest = rest ? strchr(rest + 3, '/') : NULL;
	if (!rest)
		return NULL;
	const char *q = strchr(rest, '?');
	const char *end = q ? q : rest + strlen(rest);
	if (q) {
		const char *a = action_in(q + 1, q + strlen(q));
		if (a)
			return a;
	}
	const char *seg = rest;
	for (const char *s = rest; s < end; s++)
		if (*s == '/')
			seg = s + 1;
	const char *dot = memrchr(seg, '.', (size_t)(end - seg));
	if (dot) {
		bool script = false;
		for (size_t i = 0; script_exts[i] && !script; i++)
			script = strlen(script_exts[i]) == (size_t)(end - dot - 1) &&
				 !strncasecmp(dot + 1, script_exts[i], (size_t)(end - dot - 1));
		if (!script)
			return NULL;
		end = dot;
	}
	return action_in(seg, end);
}

/* Queue the same-origin links of a response (HTML or CSS) one level deeper. */
static void follow_links(struct port_run *pr, const struct item *it, const struct probe_response *resp)
{
	struct probe_http *p = pr->p;
	if (!p->crawl || it->depth + 1 > p->max_depth)
		return;
	struct strvec links = STRVEC_INIT;
	cleanup_free char *base = probe_response_links(resp, &links);
	for (size_t i = 0; i < links.n && pr->pages < p->max_pages; i++) {
		char *url = probe_resolve_same_origin(&pr->conn, base ? base : resp->effective_url, links.v[i]);
		if (!url)
			continue;
		cleanup_free char *key = xasprintf("GET %s", url);
		if (!strset_add(&pr->visited, key)) {
			free(url);
			continue;
		}
		const char *action = link_action(url);
		if (action) { /* recorded, not requested */
			struct item skipped = { "GET", url, resp->effective_url, it->depth + 1, false };
			struct probe_http_result *x = add_result(p, &skipped);
			x->error = xasprintf("not requested: a link to an action ('%s'); --http-probe-cmd requests it",
					     action);
			free(url);
			continue;
		}
		pr->pages++;
		enqueue(pr, "GET", url, resp->effective_url, it->depth + 1, false);
	}
	strvec_release(&links);
}

/* 502, 503 and 504 are what a front server says while what is behind it is still starting: nginx
 * started before php-fpm made its socket, a proxy before its upstream listens, an application that
 * answers 503 until it is warm. An open port is not a ready application. */
static bool starting_up(const struct probe_response *r)
{
	return r->curl_error == CURLE_OK && (r->status == 502 || r->status == 503 || r->status == 504);
}

/* A --http-probe-cmd GET or HEAD queued for this port, or NULL. */
static const struct item *user_get(const struct port_run *pr)
{
	for (size_t i = 0; i < pr->n; i++)
		if (pr->queue[i].user && (!strcmp(pr->queue[i].method, "GET") || !strcmp(pr->queue[i].method, "HEAD")))
			return &pr->queue[i];
	return NULL;
}

/* The first request to a port is repeated while it gets a starting-up answer, with a growing pause
 * (up to 1 s), until the probe's wait deadline; returns the seconds spent waiting. When the user asked
 * for a GET on this port, a real answer to it also ends the wait: a stats listener (haproxy's
 * `stats uri /stats` on a port of its own) answers 503 at "/" for good, and is ready all the same. */
static double wait_until_ready(struct port_run *pr, struct item *it, struct probe_response *resp)
{
	struct probe_http *p = pr->p;
	const struct item *alt = it->user ? NULL : user_get(pr);
	uint64_t start = probe_now_ms(), pause = 50;
	while (starting_up(resp) && !atomic_load(&p->cancel) && probe_now_ms() + pause < p->deadline_ms) {
		usleep((useconds_t)pause * 1000);
		pause = pause * 2 > 1000 ? 1000 : pause * 2;
		probe_response_release(resp);
		probe_conn_request(&pr->conn, p, it->method, it->url, resp);
		if (alt && starting_up(resp)) {
			struct probe_response other;
			probe_conn_request(&pr->conn, p, alt->method, alt->url, &other);
			bool ready = other.curl_error == CURLE_OK && other.status < 500;
			probe_response_release(&other);
			if (ready)
				break;
		}
	}
	return (double)(probe_now_ms() - start) / 1000.0;
}

/* Send one queued request and record it. */
static void send_item(struct port_run *pr, struct item *it, bool detect)
{
	struct probe_http *p = pr->p;
	struct probe_response resp;
	probe_conn_request(&pr->conn, p, it->method, it->url, &resp);
	if (detect && probe_response_maybe_tls(&resp) && probe_conn_try_https(&pr->conn, p, it->method, it->url, &resp)) {
		free(it->url);
		it->url = xstrdup(resp.effective_url);
	}
	long first_status = resp.status;
	double waited = detect && starting_up(&resp) ? wait_until_ready(pr, it, &resp) : 0;
	struct probe_http_result *x = add_result(p, it);
	if (detect && !it->user) {
		pr->has_root = true;
		pr->root_result = p->report.n - 1;
	}
	if (it->user && resp.curl_error == CURLE_OK && resp.status > 0 && resp.status < 500)
		pr->user_answered = true;
	if (waited > 0 && resp.curl_error == CURLE_OK && resp.status < 500)
		x->error = xasprintf("answered %ld while starting; ready after %.1f s", first_status, waited);
	x->status = resp.status;
	x->bytes = resp.bytes;
	x->sha256 = resp.status > 0 ? xstrdup(resp.digest) : NULL;
	x->seconds = resp.seconds;
	if (resp.curl_error && resp.stream && resp.status >= 200 && resp.status < 500 && !atomic_load(&p->cancel)) {
		free(x->error);
		x->error = xasprintf("answered %ld and kept the response open (a stream): cut after %.1f s", resp.status,
				     resp.seconds);
		resp.curl_error = CURLE_OK;
	}
	if (resp.curl_error) {
		if (atomic_load(&p->cancel))
			fail(p, x, xstrdup("cancelled: the analysis ended first"));
		else if (detect && !it->user && probe_response_no_http_answer(&resp)) {
			x->error = xasprintf("port %u does not speak HTTP (%s): crawl skipped", pr->port, resp.error);
			pr->not_http = true;
		} else
			fail(p, x, xstrdup(resp.error));
	} else if (resp.status >= 500) {
		fail(p, x, xasprintf("HTTP %ld", resp.status));
	} else {
		if (resp.redirect_url) {
			cleanup_free char *to = probe_resolve_same_origin(&pr->conn, resp.effective_url, resp.redirect_url);
			cleanup_free char *key = to ? xasprintf("GET %s", to) : NULL;
			if (to && p->crawl && it->depth + 1 <= p->max_depth && pr->pages < p->max_pages &&
			    strset_add(&pr->visited, key)) {
				pr->pages++;
				enqueue(pr, "GET", steal_pointer(&to), resp.effective_url, it->depth + 1, false);
			}
		}
		follow_links(pr, it, &resp);
	}
	probe_response_release(&resp);
}

static void run_port(struct probe_http *p, uint16_t port)
{
	struct port_run pr = { .p = p, .port = port };
	char *why = NULL;
	if (probe_conn_wait(&pr.conn, p, port, &why) < 0) {
		struct item it = { "GET", xasprintf("http://127.0.0.1:%u/", port), NULL, 0, false };
		struct probe_http_result *x = add_result(p, &it);
		fail(p, x, why);
		free(it.url);
		return;
	}
	if (p->crawl) {
		pr.pages++;
		enqueue(&pr, "GET", probe_conn_url(&pr.conn, "/"), NULL, 0, false);
		cleanup_free char *key = xasprintf("GET %s", pr.queue[0].url);
		strset_add(&pr.visited, key);
	}
	for (size_t i = 0; i < p->n_requests; i++)
		enqueue(&pr, p->methods[i], probe_conn_url(&pr.conn, p->paths[i]), NULL, 0, true);
	for (size_t i = 0; i < pr.n && !atomic_load(&p->cancel); i++) {
		if (pr.not_http && !pr.queue[i].user)
			continue;
		struct item it = pr.queue[i]; /* send_item may grow (move) the queue */
		send_item(&pr, &it, i == 0);
		pr.queue[i] = it;
		if (i == 0 && pr.conn.https) { /* URLs queued before the scheme was known */
			for (size_t k = 1; k < pr.n; k++)
				probe_conn_rescheme(&pr.conn, &pr.queue[k].url);
			cleanup_free char *key = xasprintf("GET %s", it.url);
			strset_add(&pr.visited, key);
		}
	}
	/* "/" still answering 502/503/504 after the wait, on a port where the user's own requests were
	 * answered: not a page there (a stats listener), noted instead of failed. */
	struct probe_http_result *root = pr.has_root ? &p->report.results[pr.root_result] : NULL;
	if (root && root->failed && pr.user_answered && !atomic_load(&p->cancel) &&
	    (root->status == 502 || root->status == 503 || root->status == 504)) {
		root->failed = false;
		p->report.n_failed--;
		free(root->error);
		root->error = xasprintf("answered %ld: not a page on this port, whose --http-probe-cmd requests were "
					"answered", root->status);
	}
	for (size_t i = 0; i < pr.n; i++) {
		free(pr.queue[i].method);
		free(pr.queue[i].url);
		free(pr.queue[i].referrer);
	}
	free(pr.queue);
	strset_release(&pr.visited);
	probe_conn_release(&pr.conn);
}

/* The port of "scheme://host:port/..." (0 when there is none) and where its path starts. */
static uint16_t url_port(const char *url, const char **path)
{
	const char *h = strstr(url, "://");
	h = h ? h + 3 : url;
	const char *slash = strchr(h, '/');
	*path = slash ? slash : "/";
	const char *colon = slash ? memrchr(h, ':', (size_t)(slash - h)) : strrchr(h, ':');
	if (!colon)
		return 0;
	unsigned long v = strtoul(colon + 1, NULL, 10);
	return v > 0 && v < 65536 ? (uint16_t)v : 0;
}

/* Replay mode: each recorded request once, in order; a port is waited for before its first one. */
static void run_replay(struct probe_http *p)
{
	struct port_run pr = { .p = p };
	bool have_port = false, port_ok = false;
	cleanup_free char *why = NULL;
	for (size_t i = 0; i < p->n_replay && !atomic_load(&p->cancel); i++) {
		const struct probe_http_result *rec = &p->replay[i];
		const char *path;
		uint16_t port = url_port(rec->url, &path);
		bool first = !have_port || port != pr.port;
		if (first) {
			probe_conn_release(&pr.conn);
			free(why);
			why = NULL;
			pr.port = port;
			have_port = true;
			port_ok = probe_conn_wait(&pr.conn, p, port, &why) == 0;
		}
		pr.conn.https = !strncmp(rec->url, "https://", 8);
		struct item it = { rec->method, probe_conn_url(&pr.conn, path), NULL, rec->depth, true };
		if (!port_ok) {
			struct probe_http_result *x = add_result(p, &it);
			fail(p, x, xstrdup(why ? why : "the port does not accept connections"));
			free(it.url);
			continue;
		}
		struct probe_response resp;
		probe_conn_request(&pr.conn, p, it.method, it.url, &resp);
		if (first && starting_up(&resp))
			wait_until_ready(&pr, &it, &resp);
		struct probe_http_result *x = add_result(p, &it);
		x->status = resp.status;
		x->bytes = resp.bytes;
		x->sha256 = resp.status > 0 ? xstrdup(resp.digest) : NULL;
		x->seconds = resp.seconds;
		if (resp.curl_error && !(resp.stream && resp.status > 0))
			fail(p, x, xstrdup(atomic_load(&p->cancel) ? "cancelled: the application exited" : resp.error));
		else if (resp.status >= 500)
			fail(p, x, xasprintf("HTTP %ld", resp.status));
		probe_response_release(&resp);
		free(it.url);
	}
	probe_conn_release(&pr.conn);
}

static void *prober_main(void *arg)
{
	struct probe_http *p = arg;
	if (probe_net_enter(&p->net, &p->err) < 0) {
		p->rc = -1;
	} else if (p->replay) {
		run_replay(p);
	} else {
		for (size_t i = 0; i < p->n_ports && !atomic_load(&p->cancel); i++)
			run_port(p, p->ports[i]);
	}
	p->report.cancelled = atomic_load(&p->cancel) != 0;
	if (p->on_done)
		p->on_done(p->on_done_data);
	return NULL;
}

static void probe_http_free(struct probe_http *p)
{
	free(p->ports);
	strv_free(p->methods);
	strv_free(p->paths);
	struct probe_http_report replay = { p->replay, p->n_replay, p->n_replay, 0, false };
	probe_http_report_release(&replay);
	probe_http_report_release(&p->report);
	free(p);
}

int probe_http_start(const struct probe_http_opts *opts, void (*on_done)(void *data), void *data,
		     struct probe_http **out, struct pare_error *err)
{
	static atomic_int curl_ready;
	if (!atomic_load(&curl_ready)) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return pare_error_set(err, 0, "initialising libcurl failed");
		atomic_store(&curl_ready, 1);
	}
	struct probe_http *p = xcalloc(1, sizeof(*p));
	struct strvec methods = STRVEC_INIT, paths = STRVEC_INIT;
	for (size_t i = 0; opts->requests && opts->requests[i]; i++) {
		char *m, *path;
		if (probe_http_parse_request(opts->requests[i], &m, &path, err) < 0) {
			strvec_release(&methods);
			strvec_release(&paths);
			probe_http_free(p);
			return -1;
		}
		strvec_push_nodup(&methods, m);
		strvec_push_nodup(&paths, path);
	}
	p->n_requests = methods.n;
	p->methods = strvec_detach(&methods);
	p->paths = strvec_detach(&paths);
	if (opts->net)
		p->net = *opts->net;
	p->n_ports = opts->n_ports;
	p->ports = xmalloc((opts->n_ports ? opts->n_ports : 1) * sizeof(*p->ports));
	if (opts->n_ports)
		memcpy(p->ports, opts->ports, opts->n_ports * sizeof(*p->ports));
	if (opts->replay) {
		p->replay = xcalloc(opts->n_replay ? opts->n_replay : 1, sizeof(*p->replay));
		for (size_t i = 0; i < opts->n_replay; i++) {
			p->replay[i].method = xstrdup(opts->replay[i].method);
			p->replay[i].url = xstrdup(opts->replay[i].url);
			p->replay[i].depth = opts->replay[i].depth;
		}
		p->n_replay = opts->n_replay;
	}
	p->crawl = opts->crawl;
	p->request_ms = opts->request_ms ? opts->request_ms : PROBE_HTTP_DEFAULT_REQUEST_MS;
	p->max_depth = opts->max_depth;
	p->max_pages = opts->max_pages;
	p->deadline_ms = probe_now_ms() + opts->wait_ms;
	p->on_done = on_done;
	p->on_done_data = data;
	int e = pthread_create(&p->thread, NULL, prober_main, p);
	if (e) {
		errno = e;
		pare_error_errno(err, "starting the HTTP prober thread");
		probe_http_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

void probe_http_cancel(struct probe_http *p)
{
	atomic_store(&p->cancel, 1);
}

int probe_http_wait(struct probe_http *p, struct probe_http_report *report, struct pare_error *err)
{
	pthread_join(p->thread, NULL);
	int rc = p->rc;
	if (rc < 0 && err)
		*err = p->err;
	*report = p->report;
	memset(&p->report, 0, sizeof(p->report));
	probe_http_free(p);
	return rc;
}

int probe_http_run(const struct probe_http_opts *opts, struct probe_http_report *report, struct pare_error *err)
{
	struct probe_http *p;
	memset(report, 0, sizeof(*report));
	if (probe_http_start(opts, NULL, NULL, &p, err) < 0)
		return -1;
	return probe_http_wait(p, report, err);
}
