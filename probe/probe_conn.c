/* The HTTP prober's connections, requests and URLs: libcurl does HTTP and URL parsing; this file
 * chooses the options (no proxy, no redirects followed, bounded time, cancellable) and the origin rules. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "probe/links.h"
#include "probe/probe_http_int.h"

uint64_t probe_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int probe_net_enter(const struct probe_net *net, struct pare_error *err)
{
	return net && net->enter ? net->enter(net->data, err) : 0;
}

int probe_net_socket(const struct probe_net *net, int domain, int type, int protocol)
{
	if (net && net->socket)
		return net->socket(net->data, domain, type, protocol);
	return socket(domain, type | SOCK_CLOEXEC, protocol);
}

/* One TCP connection attempt; 0 when accepted. */
static int try_connect(const struct probe_net *net, int family, uint16_t port, int timeout_ms)
{
	cleanup_close int fd = probe_net_socket(net, family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in in4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in6.sin6_addr = in6addr_loopback;
	int r = family == AF_INET ? connect(fd, (struct sockaddr *)&in4, sizeof(in4))
				  : connect(fd, (struct sockaddr *)&in6, sizeof(in6));
	if (r == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -1;
	struct pollfd pfd = { fd, POLLOUT, 0 };
	if (poll(&pfd, 1, timeout_ms) != 1)
		return -1;
	int so = 0;
	socklen_t len = sizeof(so);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len) < 0 || so != 0)
		return -1;
	return 0;
}

/* Waits until port accepts connections on 127.0.0.1 or ::1 (the one that answered goes to host, as a
 * URL host) or until deadline_ms, polling cancelled(data) between attempts. 0, or -1 with *why. */
static int wait_port(const struct probe_net *net, uint16_t port, uint64_t deadline_ms, bool (*cancelled)(void *), void *data, char *host,
		     size_t host_size, char **why)
{
	for (;;) {
		if (cancelled && cancelled(data)) {
			*why = xasprintf("cancelled while waiting for port %u to accept connections", port);
			return -1;
		}
		if (try_connect(net, AF_INET, port, 1000) == 0) {
			snprintf(host, host_size, "127.0.0.1");
			return 0;
		}
		if (try_connect(net, AF_INET6, port, 1000) == 0) {
			snprintf(host, host_size, "[::1]");
			return 0;
		}
		uint64_t now = probe_now_ms();
		if (now >= deadline_ms) {
			*why = xasprintf("port %u did not accept connections on 127.0.0.1 or ::1 in time", port);
			return -1;
		}
		uint64_t left = deadline_ms - now;
		usleep((useconds_t)(left < 100 ? left : 100) * 1000);
	}
}

static bool prober_cancelled(void *arg)
{
	struct probe_http *p = arg;
	return atomic_load(&p->cancel);
}

int probe_conn_wait(struct probe_conn *c, struct probe_http *p, uint16_t port, char **why)
{
	memset(c, 0, sizeof(*c));
	c->port = port;
	return wait_port(&p->net, port, p->deadline_ms, prober_cancelled, p, c->host, sizeof(c->host), why);
}

struct ports_wait {
	const struct probe_net *net;
	const uint16_t *ports;
	size_t n;
	uint64_t deadline_ms;
	bool (*cancelled)(void *);
	void *data;
	char *why;
};

/* In a thread of its own: entering a network namespace (setns) moves the calling thread only. */
static void *ports_wait_main(void *arg)
{
	struct ports_wait *w = arg;
	struct pare_error err = { 0 };
	if (probe_net_enter(w->net, &err) < 0) {
		w->why = xstrdup(err.msg);
		return NULL;
	}
	char host[64];
	for (size_t i = 0; i < w->n; i++)
		if (wait_port(w->net, w->ports[i], w->deadline_ms, w->cancelled, w->data, host, sizeof(host), &w->why) < 0)
			break;
	return NULL;
}

int probe_ports_wait(const struct probe_net *net, const uint16_t *ports, size_t n, unsigned wait_ms,
		     bool (*cancelled)(void *), void *data, char **why)
{
	struct ports_wait w = { .net = net, .ports = ports, .n = n,
				.deadline_ms = probe_now_ms() + wait_ms, .cancelled = cancelled, .data = data };
	pthread_t th;
	*why = NULL;
	int e = pthread_create(&th, NULL, ports_wait_main, &w);
	if (e) {
		*why = xasprintf("starting a thread: %s", strerror(e));
		return -1;
	}
	pthread_join(th, NULL);
	*why = w.why;
	return w.why ? -1 : 0;
}

char *probe_conn_url(const struct probe_conn *c, const char *path)
{
	return xasprintf("%s://%s:%u%s", c->https ? "https" : "http", c->host, c->port, path);
}

void probe_conn_rescheme(const struct probe_conn *c, char **url)
{
	if (c->https && !strncmp(*url, "http://", 7)) {
		char *u = xasprintf("https://%s", *url + 7);
		free(*url);
		*url = u;
	}
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct probe_response *r = arg;
	size_t n = size * nmemb;
	r->bytes += n;
	sha256_update(&r->hash, data, n);
	r->last_data_ms = probe_now_ms();
	if (r->body.len + n <= PROBE_HTTP_MAX_BODY)
		strbuf_add(&r->body, data, n);
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data;
	struct probe_response *r = arg;
	r->last_data_ms = probe_now_ms();
	return size * nmemb;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	struct probe_response *r = arg;
	if (atomic_load(&r->owner->cancel))
		return 1;
	if (r->last_data_ms && probe_now_ms() - r->last_data_ms >= PROBE_HTTP_STREAM_IDLE_MS) {
		r->stream = true;
		return 1;
	}
	return 0;
}

static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	(void)purpose;
	int fd = probe_net_socket(arg, a->family, a->socktype, a->protocol);
	return fd < 0 ? CURL_SOCKET_BAD : fd;
}

static char *dup_info(CURL *h, CURLINFO what)
{
	char *s = NULL;
	return curl_easy_getinfo(h, what, &s) == CURLE_OK && s ? xstrdup(s) : NULL;
}

void probe_conn_request(struct probe_conn *c, struct probe_http *p, const char *method, const char *url,
			struct probe_response *r)
{
	memset(r, 0, sizeof(*r));
	r->owner = p;
	if (!c->easy && !(c->easy = curl_easy_init())) {
		r->curl_error = CURLE_FAILED_INIT;
		snprintf(r->error, sizeof(r->error), "libcurl could not be initialised");
		r->effective_url = xstrdup(url);
		return;
	}
	CURL *h = c->easy;
	curl_easy_reset(h);
	c->errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROXY, ""); /* never a proxy from the environment */
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);   /* redirects are crawled, when same-origin */
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""); /* as a browser: every encoding curl decodes */
	curl_easy_setopt(h, CURLOPT_USERAGENT, "pare-probe/1 (+https://github.com/pare)");
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)p->request_ms);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L); /* the application's own certificate, on loopback */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, r);
	if (p->net.socket) { /* the network's own sockets: the thread may not be in it */
		curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
		curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &p->net);
	}
	if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "GET") != 0) {
		if (!strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH")) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, ""); /* an empty body, with Content-Length: 0 */
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
		}
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	}
	sha256_init(&r->hash);
	r->curl_error = curl_easy_perform(h);
	sha256_final(&r->hash, r->digest);
	if (r->curl_error == CURLE_OPERATION_TIMEDOUT && r->last_data_ms)
		r->stream = true; /* still sending when the request's time was over */
	if (r->curl_error != CURLE_OK)
		snprintf(r->error, sizeof(r->error), "%s", c->errbuf[0] ? c->errbuf : curl_easy_strerror(r->curl_error));
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_off_t us = 0;
	if (curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK)
		r->seconds = (double)us / 1e6;
	r->content_type = dup_info(h, CURLINFO_CONTENT_TYPE);
	r->effective_url = dup_info(h, CURLINFO_EFFECTIVE_URL);
	if (!r->effective_url)
		r->effective_url = xstrdup(url);
	if (r->status >= 300 && r->status < 400)
		r->redirect_url = dup_info(h, CURLINFO_REDIRECT_URL);
}

bool probe_conn_try_https(struct probe_conn *c, struct probe_http *p, const char *method, const char *url,
			  struct probe_response *r)
{
	if (c->https || strncmp(url, "http://", 7) != 0)
		return false;
	cleanup_free char *https_url = xasprintf("https://%s", url + 7);
	struct probe_response tls;
	probe_conn_request(c, p, method, https_url, &tls);
	if (tls.curl_error != CURLE_OK) {
		probe_response_release(&tls);
		return false;
	}
	probe_response_release(r);
	*r = tls;
	c->https = true;
	return true;
}

void probe_conn_release(struct probe_conn *c)
{
	if (c->easy)
		curl_easy_cleanup(c->easy);
	c->easy = NULL;
}

bool probe_response_not_http(const struct probe_response *r)
{
	return r->curl_error == CURLE_WEIRD_SERVER_REPLY || r->curl_error == CURLE_UNSUPPORTED_PROTOCOL;
}

bool probe_response_no_http_answer(const struct probe_response *r)
{
	/* Connected, but no HTTP answer: another protocol's reply, or a server (redis, postgres...)
	 * that reads the request and closes or resets the connection. */
	return probe_response_not_http(r) || r->curl_error == CURLE_GOT_NOTHING || r->curl_error == CURLE_RECV_ERROR;
}

bool probe_response_maybe_tls(const struct probe_response *r)
{
	/* A TLS server answers plain HTTP with an alert (not HTTP), by closing, or (nginx) with 400. */
	return probe_response_not_http(r) || r->curl_error == CURLE_GOT_NOTHING || r->curl_error == CURLE_RECV_ERROR ||
	       (r->curl_error == CURLE_OK && r->status == 400);
}

void probe_response_release(struct probe_response *r)
{
	strbuf_release(&r->body);
	free(r->content_type);
	free(r->effective_url);
	free(r->redirect_url);
	memset(r, 0, sizeof(*r));
}

static bool looks_like_html(const struct probe_response *r)
{
	if (r->content_type)
		return strcasestr(r->content_type, "html") != NULL;
	if (!r->body.s)
		return false;
	const char *b = r->body.s;
	while (isspace((unsigned char)*b))
		b++;
	return !strncasecmp(b, "<!doctype html", 14) || !strncasecmp(b, "<html", 5);
}

/* Percent-encode what may not appear raw in a URL (spaces, controls, non-ASCII, a few delimiters),
 * as browsers do before resolving an href. */
static char *encode_unsafe(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(n * 3 + 1), *o = out;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch <= 0x20 || ch >= 0x7f || strchr("\"<>\\^`{|}", ch)) {
			snprintf(o, 4, "%%%02X", ch);
			o += 3;
		} else {
			*o++ = (char)ch;
		}
	}
	*o = '\0';
	return out;
}

/* `link` resolved against `base` by libcurl's URL parser; the handle is returned for inspection. */
static CURLU *resolve(const char *base, const char *link)
{
	cleanup_free char *enc = encode_unsafe(link);
	CURLU *u = curl_url();
	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, enc, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return NULL;
	}
	return u;
}

static char *url_string(CURLU *u)
{
	char *s = NULL;
	char *out = curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK && s ? xstrdup(s) : NULL;
	curl_free(s);
	return out;
}

char *probe_response_links(const struct probe_response *r, struct strvec *links)
{
	if (!r->body.s || !r->body.len)
		return NULL;
	if (looks_like_html(r)) {
		cleanup_free char *base = NULL;
		links_extract_html(r->body.s, r->body.len, links, &base);
		if (!base)
			return NULL;
		CURLU *u = resolve(r->effective_url, base);
		char *abs = u ? url_string(u) : NULL;
		curl_url_cleanup(u);
		return abs;
	}
	if (r->content_type && strcasestr(r->content_type, "css"))
		links_extract_css(r->body.s, r->body.len, links);
	return NULL;
}

static bool is_loopback_host(const char *h)
{
	return !strcasecmp(h, "localhost") || !strcmp(h, "127.0.0.1") || !strcmp(h, "[::1]");
}

char *probe_resolve_same_origin(const struct probe_conn *c, const char *base, const char *link)
{
	CURLU *u = resolve(base, link);
	if (!u)
		return NULL;
	char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    !strcasecmp(scheme, c->https ? "https" : "http") && (is_loopback_host(host) || !strcmp(host, c->host)) &&
	    strtoul(port, NULL, 10) == c->port && curl_url_set(u, CURLUPART_HOST, c->host, 0) == CURLUE_OK)
		out = url_string(u);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out;
}
