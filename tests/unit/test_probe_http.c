/* The HTTP prober (probe/probe_http.c) against tests/http-test-server.py, which runs in a network
 * namespace made by the test: the prober must enter it to reach the server. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/hash.h"
#include "lib/xalloc.h"
#include "probe/probe_http.h"
#include "tests/unit/unit.h"

#define PORT 18080

struct server {
	pid_t pid;
	int netns_fd;
	struct probe_net net; /* the prober's thread enters netns_fd */
	char *log;
};

static int enter_fd(void *data, struct pare_error *err)
{
	if (setns(*(int *)data, CLONE_NEWNET) < 0)
		return pare_error_errno(err, "entering the network namespace");
	return 0;
}

/* Sockets of the server's namespace made without the prober's thread being there (as the runtime's
 * socket factory makes them for a rootless container): this thread goes there and back. */
static int socket_in_fd(void *data, int domain, int type, int protocol)
{
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0 || setns(*(int *)data, CLONE_NEWNET) < 0)
		_exit(124);
	int fd = socket(domain, type | SOCK_CLOEXEC, protocol);
	int e = errno;
	if (setns(self, CLONE_NEWNET) < 0)
		_exit(125);
	close(self);
	errno = e;
	return fd;
}

static void loopback_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		_exit(120);
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		_exit(121);
	close(fd);
}

/* Start the test server in a new network namespace with lo up; extra: "--v6", "--garbage"... or NULL. */
static int server_start(struct server *s, const char *extra)
{
	int pfd[2];
	s->log = xasprintf("%s/requests.log", unit_tmpdir());
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(122);
		loopback_up();
		if (write(pfd[1], "x", 1) != 1)
			_exit(123);
		char port[16];
		snprintf(port, sizeof(port), "%d", PORT);
		execlp("python3", "python3", "tests/http-test-server.py", port, s->log, extra, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	char c;
	ssize_t r = read(pfd[0], &c, 1);
	close(pfd[0]);
	if (r != 1)
		return -1;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)s->pid);
	s->netns_fd = open(path, O_RDONLY | O_CLOEXEC);
	s->net = (struct probe_net){ .enter = enter_fd, .data = &s->netns_fd };
	return s->netns_fd < 0 ? -1 : 0;
}

static void server_stop(struct server *s)
{
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	close(s->netns_fd);
	free(s->log);
}

static void opts_for(struct probe_http_opts *o, const struct server *s, const uint16_t *port)
{
	probe_http_opts_init(o);
	o->net = &s->net;
	o->ports = port;
	o->n_ports = 1;
	o->wait_ms = 30000; /* python's start-up on a loaded machine */
	o->request_ms = 20000;
}

static const struct probe_http_result *find(const struct probe_http_report *r, const char *method, const char *url)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->results[i].method, method) && !strcmp(r->results[i].url, url))
			return &r->results[i];
	return NULL;
}

static size_t count_prefix(const struct probe_http_report *r, const char *prefix)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += !strncmp(r->results[i].url, prefix, strlen(prefix));
	return n;
}

/* The server's own record of a request line ("GET /a.html"): proof the request reached it. */
static bool server_saw(const struct server *s, const char *line)
{
	cleanup_file FILE *f = fopen(s->log, "r");
	char buf[512];
	while (f && fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (!strcmp(buf, line))
			return true;
	}
	return false;
}

#define U(path) "http://127.0.0.1:18080" path

TEST(probe_http_crawls_same_origin_links)
{
	struct server s;
	static const uint16_t port = PORT;
	CHECK_INT(server_start(&s, NULL), 0);
	struct probe_http_opts o;
	opts_for(&o, &s, &port);
	struct probe_http_report r;
	struct pare_error err = { 0 };
	CHECK_INT(probe_http_run(&o, &r, &err), 0);
	CHECK_INT(r.n_failed, 0);
	static const char *const want[] = { U("/"), U("/style.css"), U("/js/app.js"), U("/a.html"), U("/img.png"),
					    U("/redir"), U("/chain/0"), U("/loop.html"), U("/font.woff2"),
					    U("/img2.png"), U("/b.html?x=1&y=2"), U("/target") };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct probe_http_result *x = find(&r, "GET", want[i]);
		if (!x)
			unit_fail(__FILE__, __LINE__, "%s was not requested", want[i]);
	}
	const struct probe_http_result *root = find(&r, "GET", U("/"));
	CHECK(root && root->status == 200 && root->bytes > 100 && root->depth == 0 && !root->referrer);
	const struct probe_http_result *redir = find(&r, "GET", U("/redir"));
	CHECK(redir && redir->status == 302);
	const struct probe_http_result *font = find(&r, "GET", U("/font.woff2"));
	CHECK(font && font->status == 200 && font->depth == 2 && font->referrer &&
	      !strcmp(font->referrer, U("/style.css")));
	/* Requested once each; nothing external, no fragment, no link from JavaScript or plain text. */
	CHECK_INT(count_prefix(&r, U("/a.html")), 1);
	CHECK_INT(count_prefix(&r, "http://127.0.0.1:18080/"), r.n);
	CHECK(!find(&r, "GET", U("/js-link")) && !find(&r, "GET", U("/not-html-link")));
	CHECK(server_saw(&s, "GET /font.woff2"));
	CHECK(server_saw(&s, "GET /b.html?x=1&y=2"));
	CHECK(!r.cancelled);
	json_t *j = probe_http_report_json(&r);
	CHECK_INT(json_array_size(j), r.n);
	CHECK_STR(json_string_value(json_object_get(json_array_get(j, 0), "url")), U("/"));
	json_decref(j);
	probe_http_report_release(&r);
	server_stop(&s);
}

/* The body's SHA-256 is recorded, and a replay sends exactly the recorded requests, once each, in
 * order (no crawl), with the same digests for fixed pages and another for a random answer. */
TEST(probe_http_replay_sends_the_recorded_requests)
{
	struct server s;
	static const uint16_t port = PORT;
	CHECK_INT(server_start(&s, NULL), 0);
	struct probe_http_opts o;
	opts_for(&o, &s, &port);
	static char *const reqs[] = { "/random", "POST:/api", NULL };
	o.requests = reqs;
	o.max_depth = 1;
	struct probe_http_report r;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	const struct probe_http_result *root = find(&r, "GET", U("/"));
	char want[SHA256_DIGEST_STR];
	CHECK(root && root->sha256 && sha256_digest_valid(root->sha256));
	const struct probe_http_result *api = find(&r, "POST", U("/api"));
	sha256_buffer("{\"ok\": true}", 12, want);
	CHECK(api && api->status == 201 && api->sha256 && !strcmp(api->sha256, want));
	size_t n = r.n;
	struct probe_http_opts ro;
	opts_for(&ro, &s, &port);
	ro.replay = r.results;
	ro.n_replay = r.n;
	struct probe_http_report again;
	CHECK_INT(probe_http_run(&ro, &again, NULL), 0);
	CHECK_INT(again.n, n);
	for (size_t i = 0; i < n && i < again.n; i++) {
		const struct probe_http_result *a = &r.results[i], *b = &again.results[i];
		CHECK_STR(b->method, a->method);
		CHECK_STR(b->url, a->url);
		CHECK_INT(b->status, a->status);
		if (strcmp(a->url, U("/random")) != 0)
			CHECK(a->sha256 && b->sha256 && !strcmp(a->sha256, b->sha256));
		else
			CHECK(a->sha256 && b->sha256 && strcmp(a->sha256, b->sha256) != 0);
	}
	/* Each request reached the server twice: once crawled, once replayed; never a third time. */
	cleanup_file FILE *f = fopen(s.log, "r");
	char line[256];
	int roots = 0;
	while (f && fgets(line, sizeof(line), f))
		roots += !strcmp(line, "GET /\n");
	CHECK_INT(roots, 2);
	probe_http_report_release(&again);
	probe_http_report_release(&r);
	server_stop(&s);
}

TEST(probe_http_depth_and_page_bounds)
{
	struct server s;
	static const uint16_t port = PORT;
	CHECK_INT(server_start(&s, NULL), 0);
	struct probe_http_opts o;
	opts_for(&o, &s, &port);
	o.max_depth = 2; /* / (0) -> /chain/0 (1) -> /chain/1 (2), not /chain/2 */
	struct probe_http_report r;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	CHECK(find(&r, "GET", U("/chain/1")) != NULL);
	CHECK(find(&r, "GET", U("/chain/2")) == NULL);
	CHECK(find(&r, "GET", U("/font.woff2")) != NULL);
	probe_http_report_release(&r);

	/* 10 crawled requests allowed: / and its 7 links, then 2 of the 100 links of the user's /many. */
	static char *const reqs[] = { "/many", NULL };
	o.crawl = true;
	o.max_depth = 1;
	o.max_pages = 10;
	o.requests = reqs;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	CHECK_INT(count_prefix(&r, U("/many/")), 2);
	CHECK_INT(r.n, 11);
	probe_http_report_release(&r);
	o.crawl = false;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	CHECK_INT(r.n, 1); /* without crawling, links are not followed */
	probe_http_report_release(&r);
	server_stop(&s);
}

TEST(probe_http_user_requests_and_server_errors)
{
	struct server s;
	static const uint16_t port = PORT;
	CHECK_INT(server_start(&s, NULL), 0);
	struct probe_http_opts o;
	opts_for(&o, &s, &port);
	static char *const reqs[] = { "post:/api", "/error", "HEAD:/a.html", "/missing", NULL };
	o.crawl = false;
	o.requests = reqs;
	struct probe_http_report r;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	CHECK_INT(r.n, 4);
	const struct probe_http_result *post = find(&r, "POST", U("/api"));
	CHECK(post && post->status == 201 && !post->failed);
	const struct probe_http_result *e = find(&r, "GET", U("/error"));
	CHECK(e && e->status == 500 && e->failed && e->error && strstr(e->error, "500"));
	const struct probe_http_result *head = find(&r, "HEAD", U("/a.html"));
	CHECK(head && head->status == 200 && head->bytes == 0);
	const struct probe_http_result *missing = find(&r, "GET", U("/missing"));
	CHECK(missing && missing->status == 404 && !missing->failed); /* 4xx is an answer, not a failure */
	CHECK_INT(r.n_failed, 1);
	CHECK(probe_http_report_first_failure(&r) == e);
	CHECK(server_saw(&s, "POST /api"));
	CHECK(server_saw(&s, "HEAD /a.html"));
	probe_http_report_release(&r);
	server_stop(&s);
}

/* A port that opens before the application behind it is ready (nginx before php-fpm) answers 502
 * at first: the first request is repeated until a real answer, and noted. */
TEST(probe_http_waits_while_starting)
{
	struct server s;
	static const uint16_t port = PORT;
	CHECK_INT(server_start(&s, "--warmup=3"), 0);
	struct probe_http_opts o;
	opts_for(&o, &s, &port);
	struct probe_http_report r;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	CHECK_INT(r.n_failed, 0);
	const struct probe_http_result *root = find(&r, "GET", U("/"));
	CHECK(root && root->status == 200 && !root->failed && root->error && strstr(root->error, "502"));
	CHECK_INT(count_prefix(&r, U("/")) == r.n, 1);
	CHECK(find(&r, "GET", U("/a.html")) != NULL); /* the crawl went on from the real answer */
	probe_http_report_release(&r);
	server_stop(&s);

	/* One that never gets ready fails once the probe's wait is over, with the last answer. */
	CHECK_INT(server_start(&s, "--warmup=100000"), 0);
	opts_for(&o, &s, &port);
	o.wait_ms = 10000; /* python's start-up on a loaded machine, then 502s until the end */
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	CHECK_INT(r.n, 1);
	CHECK(r.n_failed == 1 && r.results[0].status == 502 && r.results[0].failed);
	probe_http_report_release(&r);
	server_stop(&s);
}

/* A port whose "/" answers 503 for good (haproxy's stats listener) but whose --http-probe-cmd request
 * is answered: ready as soon as that request is, and "/" is noted, not failed. A 500 at "/", or a 503
 * with no request of the user's answered, still fails. */
TEST(probe_http_root_unavailable_but_user_request_answered)
{
	struct server s;
	static const uint16_t port = PORT;
	static char *const reqs[] = { "/a.html", NULL };
	CHECK_INT(server_start(&s, "--root-status=503"), 0);
	struct probe_http_opts o;
	opts_for(&o, &s, &port);
	o.requests = reqs;
	struct probe_http_report r;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	CHECK_INT(r.n_failed, 0);
	const struct probe_http_result *root = find(&r, "GET", U("/"));
	CHECK(root && root->status == 503 && !root->failed && root->error && strstr(root->error, "not a page"));
	const struct probe_http_result *a = find(&r, "GET", U("/a.html"));
	CHECK(a && a->status == 200 && !a->failed);
	probe_http_report_release(&r);

	o.requests = NULL; /* no request of the user's: the 503 fails once the wait is over */
	o.wait_ms = 8000;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	CHECK(r.n == 1 && r.n_failed == 1 && r.results[0].status == 503 && r.results[0].failed);
	probe_http_report_release(&r);
	server_stop(&s);

	CHECK_INT(server_start(&s, "--root-status=500"), 0);
	opts_for(&o, &s, &port);
	o.requests = reqs;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	root = find(&r, "GET", U("/"));
	CHECK(r.n_failed == 1 && root && root->status == 500 && root->failed);
	probe_http_report_release(&r);
	server_stop(&s);
}

/* Links that act (stop, logout, restartall) are recorded, not requested; a response that starts and then
 * stays open (a tailed log) is an answer, cut once idle. */
TEST(probe_http_skips_actions_and_cuts_streams)
{
	struct server s;
	static const uint16_t port = PORT;
	CHECK_INT(server_start(&s, NULL), 0);
	struct probe_http_opts o;
	opts_for(&o, &s, &port);
	static char *const reqs[] = { "/admin", NULL };
	o.requests = reqs;
	struct probe_http_report r;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	for (size_t i = 0; i < r.n; i++)
		if (r.results[i].failed)
			fprintf(stderr, "# %s: %s\n", r.results[i].url, r.results[i].error);
	CHECK_INT(r.n_failed, 0);
	static const char *const actions[] = { U("/admin?processname=web&action=stop"), U("/admin/logout"),
					       U("/admin?action=restartAll"), U("/admin/kill.php?id=1") };
	for (size_t i = 0; i < 4; i++) {
		const struct probe_http_result *x = find(&r, "GET", actions[i]);
		CHECK(x && x->status == 0 && !x->failed && x->error && strstr(x->error, "not requested"));
	}
	CHECK(!server_saw(&s, "GET /admin?processname=web&action=stop"));
	CHECK(!server_saw(&s, "GET /admin/logout"));
	const struct probe_http_result *page = find(&r, "GET", U("/admin/stopwatch"));
	CHECK(page && page->status == 200); /* a word that merely contains one is a page */
	const struct probe_http_result *icon = find(&r, "GET", U("/admin/delete.png"));
	CHECK(icon && icon->status == 200); /* a file named after one is a file */
	const struct probe_http_result *stream = find(&r, "GET", U("/stream"));
	CHECK(stream && stream->status == 200 && !stream->failed && stream->bytes > 0 && stream->error &&
	      strstr(stream->error, "stream"));
	const struct probe_http_result *empty = find(&r, "GET", U("/stream-empty"));
	CHECK(empty && empty->status == 200 && !empty->failed && empty->bytes == 0 && empty->error &&
	      strstr(empty->error, "stream"));
	probe_http_report_release(&r);
	server_stop(&s);
}

/* Connect from the caller's own network namespace: false when nothing listens there. */
static bool host_port_open(uint16_t port)
{
	cleanup_close int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
}

TEST(probe_http_runs_inside_the_namespace)
{
	struct server s;
	static const uint16_t port = PORT;
	CHECK_INT(server_start(&s, NULL), 0);
	struct probe_http_opts o;
	opts_for(&o, &s, &port);
	o.crawl = false;
	static char *const reqs[] = { "/target", NULL };
	o.requests = reqs;
	struct probe_http_report r;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	CHECK(r.n == 1 && r.results[0].status == 200);
	probe_http_report_release(&r);
	/* The server is not reachable from the host's namespace, and this thread did not move. */
	if (!host_port_open(PORT)) {
		o.net = NULL;
		o.wait_ms = 200;
		CHECK_INT(probe_http_run(&o, &r, NULL), 0);
		CHECK(r.n == 1 && r.results[0].failed && strstr(r.results[0].error, "did not accept"));
		probe_http_report_release(&r);
	}
	server_stop(&s);
}

/* The rootless way: the prober's thread stays in the host's namespace and every socket (the port wait's
 * and libcurl's) comes from the network's socket function. */
TEST(probe_http_sockets_from_the_network)
{
	struct server s;
	static const uint16_t port = PORT;
	CHECK_INT(server_start(&s, NULL), 0);
	struct probe_net net = { .socket = socket_in_fd, .data = &s.netns_fd };
	char *why = NULL;
	CHECK_INT(probe_ports_wait(&net, &port, 1, 30000, NULL, NULL, &why), 0);
	CHECK(why == NULL);
	free(why);
	struct probe_http_opts o;
	opts_for(&o, &s, &port);
	o.net = &net;
	o.crawl = false;
	static char *const reqs[] = { "/target", NULL };
	o.requests = reqs;
	struct probe_http_report r;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	CHECK(r.n == 1 && r.results[0].status == 200 && !r.results[0].failed);
	probe_http_report_release(&r);
	server_stop(&s);
}

TEST(probe_http_port_that_never_opens_fails)
{
	struct server s;
	static const uint16_t port = 9; /* nothing listens there in the fresh namespace */
	CHECK_INT(server_start(&s, NULL), 0);
	struct probe_http_opts o;
	opts_for(&o, &s, &port);
	o.wait_ms = 300;
	struct probe_http_report r;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.n_failed, 1);
	CHECK(r.results[0].failed && r.results[0].status == 0 && strstr(r.results[0].error, "port 9"));
	probe_http_report_release(&r);
	server_stop(&s);
}

TEST(probe_http_ipv6_only_server)
{
	struct server s;
	static const uint16_t port = PORT;
	CHECK_INT(server_start(&s, "--v6"), 0);
	struct probe_http_opts o;
	opts_for(&o, &s, &port);
	o.max_depth = 1;
	struct probe_http_report r;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	const struct probe_http_result *root = find(&r, "GET", "http://[::1]:18080/");
	CHECK(root && root->status == 200);
	CHECK(find(&r, "GET", "http://[::1]:18080/a.html") != NULL);
	CHECK(find(&r, "GET", "http://[::1]:18080/loop.html") != NULL); /* localhost links are same-origin */
	CHECK_INT(r.n_failed, 0);
	probe_http_report_release(&r);
	server_stop(&s);
}

TEST(probe_http_port_closing_without_answer)
{
	/* redis, postgres and friends read "GET /" and close: a note, not a failed build. */
	struct server s;
	static const uint16_t port = PORT;
	CHECK_INT(server_start(&s, "--silent"), 0);
	struct probe_http_opts o;
	opts_for(&o, &s, &port);
	struct probe_http_report r;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	CHECK_INT(r.n, 1);
	CHECK_INT(r.n_failed, 0);
	CHECK(!r.results[0].failed && r.results[0].error && strstr(r.results[0].error, "does not speak HTTP"));
	probe_http_report_release(&r);
	server_stop(&s);
}

TEST(probe_http_non_http_port)
{
	struct server s;
	static const uint16_t port = PORT;
	CHECK_INT(server_start(&s, "--garbage"), 0);
	struct probe_http_opts o;
	opts_for(&o, &s, &port);
	struct probe_http_report r;
	/* Crawling an exposed port that speaks another protocol is noted, not a failure... */
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	CHECK_INT(r.n, 1);
	CHECK(!r.results[0].failed && r.results[0].error && strstr(r.results[0].error, "does not speak HTTP"));
	probe_http_report_release(&r);
	/* ...but a request the user asked for fails. */
	static char *const reqs[] = { "/x", NULL };
	o.crawl = false;
	o.requests = reqs;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	CHECK(r.n == 1 && r.results[0].failed);
	probe_http_report_release(&r);
	server_stop(&s);
}

TEST(probe_http_tls_port_is_probed_over_https)
{
	/* A port that answers plain HTTP with a failed TLS handshake is retried, and crawled, over HTTPS. */
	const char *dir = unit_tmpdir();
	cleanup_free char *gen = xasprintf("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 "
					   "-keyout %s/key.pem -out %s/cert.pem >/dev/null 2>&1", dir, dir);
	CHECK_INT(system(gen), 0);
	cleanup_free char *arg = xasprintf("--tls=%s", dir);
	struct server s;
	static const uint16_t port = PORT;
	CHECK_INT(server_start(&s, arg), 0);
	struct probe_http_opts o;
	opts_for(&o, &s, &port);
	o.max_depth = 1;
	struct probe_http_report r;
	CHECK_INT(probe_http_run(&o, &r, NULL), 0);
	CHECK_INT(r.n_failed, 0);
	const struct probe_http_result *root = find(&r, "GET", "https://127.0.0.1:18080/");
	CHECK(root && root->status == 200);
	CHECK(find(&r, "GET", "https://127.0.0.1:18080/a.html") != NULL);
	CHECK_INT(count_prefix(&r, "https://127.0.0.1:18080/"), r.n);
	CHECK(server_saw(&s, "GET /a.html"));
	probe_http_report_release(&r);
	server_stop(&s);
}

static void on_done(void *data)
{
	*(int *)data = 1;
}

TEST(probe_http_cancel_stops_waiting)
{
	struct server s;
	static const uint16_t port = 9;
	CHECK_INT(server_start(&s, NULL), 0);
	struct probe_http_opts o;
	opts_for(&o, &s, &port);
	o.wait_ms = 600000;
	struct probe_http *p;
	int done = 0;
	CHECK_INT(probe_http_start(&o, on_done, &done, &p, NULL), 0);
	probe_http_cancel(p);
	struct probe_http_report r;
	CHECK_INT(probe_http_wait(p, &r, NULL), 0);
	CHECK(done == 1);
	CHECK(r.cancelled);
	/* Cancelled before or while waiting for the port: nothing sent, or the wait reported as cancelled. */
	CHECK(r.n == 0 || (r.n == 1 && r.results[0].failed && strstr(r.results[0].error, "cancelled")));
	probe_http_report_release(&r);
	server_stop(&s);
}

TEST(probe_http_bad_namespace_fd)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct probe_http_opts o;
	static const uint16_t port = PORT;
	probe_http_opts_init(&o);
	struct probe_net net = { .enter = enter_fd, .data = &fd };
	o.net = &net;
	o.ports = &port;
	o.n_ports = 1;
	struct probe_http_report r;
	struct pare_error err = { 0 };
	CHECK_INT(probe_http_run(&o, &r, &err), -1);
	CHECK(strstr(err.msg, "network namespace") != NULL);
	probe_http_report_release(&r);
	close(fd);
}

TEST(probe_http_option_values)
{
	uint16_t *ports = NULL;
	size_t n = 0;
	struct pare_error err = { 0 };
	CHECK_INT(probe_http_parse_ports("8080, 80,9000-9002,80", &ports, &n, &err), 0);
	CHECK_INT(n, 5);
	CHECK(ports[0] == 80 && ports[1] == 8080 && ports[2] == 9000 && ports[4] == 9002);
	free(ports);
	static const char *const bad[] = { "", "0", "65536", "http", "80,", "5-3", "1-1000", "-1", "8080/tcp" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ports = NULL;
		if (probe_http_parse_ports(bad[i], &ports, &n, &err) != -1)
			unit_fail(__FILE__, __LINE__, "ports '%s' accepted", bad[i]);
		free(ports);
	}
	char *const exposed[] = { "8080", "80/tcp", "53/udp", "443/TCP", "9/sctp", NULL };
	CHECK_INT(probe_http_exposed_ports(exposed, &ports, &n, &err), 0);
	CHECK(n == 3 && ports[0] == 80 && ports[1] == 443 && ports[2] == 8080);
	free(ports);
	char *const bad_exposed[] = { "eighty/tcp", NULL };
	CHECK_INT(probe_http_exposed_ports(bad_exposed, &ports, &n, &err), -1);
	CHECK(strstr(err.msg, "ExposedPorts") != NULL);

	char *m, *p;
	CHECK_INT(probe_http_parse_request("/a:b", &m, &p, &err), 0);
	CHECK_STR(m, "GET");
	CHECK_STR(p, "/a:b");
	free(m), free(p);
	CHECK_INT(probe_http_parse_request("delete:/x?y=1", &m, &p, &err), 0);
	CHECK_STR(m, "DELETE");
	CHECK_STR(p, "/x?y=1");
	free(m), free(p);
	static const char *const bad_req[] = { "x", "GET:x", "GET /x", ":/x", "/a b", "G(T:/x", "" };
	for (size_t i = 0; i < sizeof(bad_req) / sizeof(bad_req[0]); i++)
		if (probe_http_parse_request(bad_req[i], &m, &p, &err) != -1)
			unit_fail(__FILE__, __LINE__, "request '%s' accepted", bad_req[i]);
}
