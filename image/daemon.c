/* Engine API calls with libcurl over a unix socket. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/daemon.h"
#include "lib/interrupt.h"
#include "lib/xalloc.h"

char *daemon_socket_path(struct pare_error *err)
{
	const char *h = getenv("DOCKER_HOST");
	if (!h || !*h)
		return xstrdup("/var/run/docker.sock");
	if (strncmp(h, "unix://", 7) != 0 || !h[7]) {
		pare_error_set(err, 0, "DOCKER_HOST '%s' is not a unix:// socket (the only kind pare speaks to)", h);
		return NULL;
	}
	return xstrdup(h + 7);
}

struct call {
	FILE *out;        /* response body to a file (export), else kept in `body` */
	char body[4096];  /* the first bytes of a response kept for errors (and load's message) */
	size_t body_len;
	bool failed_write;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	struct call *c = ud;
	size_t len = size * n;
	if (pare_interrupt_signal)
		return 0;
	if (c->out) {
		if (fwrite(p, 1, len, c->out) != len) {
			c->failed_write = true;
			return 0;
		}
		return len;
	}
	size_t room = sizeof(c->body) - 1 - c->body_len, k = len < room ? len : room;
	memcpy(c->body + c->body_len, p, k);
	c->body_len += k;
	c->body[c->body_len] = '\0';
	return len;
}

static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	(void)ud, (void)a, (void)b, (void)c, (void)d;
	return pare_interrupt_signal ? 1 : 0;
}

/* The engine's {"message": "..."} of an error answer, else the status. */
static void engine_message(struct call *c, long status, char *buf, size_t n)
{
	json_t *j = json_loads(c->body, 0, NULL);
	const char *m = json_string_value(json_object_get(j, "message"));
	if (m)
		snprintf(buf, n, "%s", m);
	else
		snprintf(buf, n, "HTTP status %ld", status);
	json_decref(j);
}

static CURL *easy_for(const char *sock, const char *path, struct call *c)
{
	CURL *h = curl_easy_init();
	if (!h)
		return NULL;
	cleanup_free char *url = xasprintf("http://localhost%s", path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	return h;
}

/* Perform, then map transport failures, interrupts and non-2xx answers to one line. */
static int perform(CURL *h, const char *sock, const char *what, struct call *c, struct pare_error *err)
{
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (pare_interrupt_signal)
		return pare_interrupt_check(err);
	if (c->failed_write)
		return pare_error_errno(err, "%s: writing the export", what);
	if (rc != CURLE_OK)
		return pare_error_set(err, 0, "%s: no engine answers on '%s' (%s)", what, sock, curl_easy_strerror(rc));
	if (status < 200 || status > 299) {
		char m[512];
		engine_message(c, status, m, sizeof(m));
		return pare_error_set(err, 0, "%s: %s", what, m);
	}
	return 0;
}

bool daemon_available(void)
{
	struct pare_error e = { 0 };
	cleanup_free char *sock = daemon_socket_path(&e);
	if (!sock || access(sock, W_OK) != 0)
		return false;
	struct call c = { 0 };
	CURL *h = easy_for(sock, "/_ping", &c);
	if (!h)
		return false;
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);
	int rc = perform(h, sock, "ping", &c, &e);
	curl_easy_cleanup(h);
	return rc == 0;
}

int daemon_export(const char *ref, const char *path, struct pare_error *err)
{
	cleanup_free char *sock = daemon_socket_path(err);
	if (!sock)
		return -1;
	int fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return pare_error_errno(err, "creating '%s'", path);
	struct call c = { .out = fdopen(fd, "w+") };
	if (!c.out) {
		close(fd);
		return pare_error_errno(err, "opening '%s'", path);
	}
	char *esc = curl_escape(ref, 0);
	cleanup_free char *api = xasprintf("/images/%s/get", esc ? esc : "");
	curl_free(esc);
	CURL *h = easy_for(sock, api, &c);
	int ret = -1;
	cleanup_free char *what = xasprintf("exporting '%s' from the engine", ref);
	if (!h) {
		pare_error_set(err, 0, "%s: libcurl could not be initialised", what);
	} else {
		/* An error answer's body is JSON, kept for the message instead of going to the file. */
		curl_easy_setopt(h, CURLOPT_FAILONERROR, 0L);
		ret = perform(h, sock, what, &c, err);
		if (ret < 0 && c.body_len == 0) {
			/* the body went to the file: read the engine's message back from it */
			fflush(c.out);
			ssize_t n = pread(fd, c.body, sizeof(c.body) - 1, 0);
			if (n > 0 && err->msg[0]) {
				c.body[n] = '\0';
				json_t *j = json_loads(c.body, 0, NULL);
				const char *m = json_string_value(json_object_get(j, "message"));
				if (m)
					pare_error_set(err, 0, "%s: %s", what, m);
				json_decref(j);
			}
		}
		curl_easy_cleanup(h);
	}
	if (fclose(c.out) != 0 && ret == 0)
		ret = pare_error_errno(err, "writing '%s'", path);
	return ret;
}

int daemon_load(const char *path, struct pare_error *err)
{
	cleanup_free char *sock = daemon_socket_path(err);
	if (!sock)
		return -1;
	FILE *in = fopen(path, "re");
	if (!in)
		return pare_error_errno(err, "opening '%s'", path);
	fseek(in, 0, SEEK_END);
	long size = ftell(in);
	rewind(in);
	struct call c = { 0 };
	CURL *h = easy_for(sock, "/images/load?quiet=1", &c);
	int ret = -1;
	if (!h) {
		pare_error_set(err, 0, "loading into the engine: libcurl could not be initialised");
	} else {
		struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/x-tar");
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "POST");
		curl_easy_setopt(h, CURLOPT_READDATA, in);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
		ret = perform(h, sock, "loading into the engine", &c, err);
		/* The answer is a JSON stream; a failed load says {"error": ...} with status 200. */
		const char *e = strstr(c.body, "\"error\"");
		if (ret == 0 && e) {
			json_t *j = json_loads(strchr(c.body, '{') ? strchr(c.body, '{') : c.body, JSON_DISABLE_EOF_CHECK, NULL);
			const char *m = json_string_value(json_object_get(j, "error"));
			ret = pare_error_set(err, 0, "loading into the engine: %s", m ? m : "the engine refused the image");
			json_decref(j);
		}
		curl_slist_free_all(hd);
		curl_easy_cleanup(h);
	}
	fclose(in);
	return ret;
}
