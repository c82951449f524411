/* The registry client's HTTP: references, credentials, the scheme, requests with auth. */
#include <ctype.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "image/registry.h"
#include "image/registry_int.h"
#include "lib/interrupt.h"
#include "lib/xalloc.h"

struct registry_opts registry_opts = { .tls_verify = true };

int reg_ref_parse(const char *s, struct reg_ref *r, struct pare_error *err)
{
	memset(r, 0, sizeof(*r));
	const char *slash = strchr(s, '/');
	cleanup_free char *rest = NULL;
	if (slash && (memchr(s, '.', (size_t)(slash - s)) || memchr(s, ':', (size_t)(slash - s)) ||
		      strncmp(s, "localhost/", 10) == 0)) {
		r->host = xstrndup(s, (size_t)(slash - s));
		rest = xstrdup(slash + 1);
	} else {
		r->host = xstrdup("registry-1.docker.io");
		rest = slash ? xstrdup(s) : xasprintf("library/%s", s);
	}
	char *at = strchr(rest, '@');
	if (at) {
		*at = '\0';
		if (!sha256_digest_valid(at + 1))
			goto bad;
		r->digest = xstrdup(at + 1);
	}
	char *colon = strrchr(rest, ':');
	if (colon && !strchr(colon, '/')) {
		*colon = '\0';
		r->tag = xstrdup(colon + 1);
	}
	if (!r->tag && !r->digest)
		r->tag = xstrdup("latest");
	if (!*rest || (r->tag && !*r->tag))
		goto bad;
	/* path components of [a-z0-9] separated by '.', '_', '-' (distribution's grammar, loosely) */
	for (const char *p = rest; *p; p++) {
		bool alnum = islower((unsigned char)*p) || isdigit((unsigned char)*p);
		if (!alnum && (!strchr("._-/", *p) || p == rest || !p[1] || strchr("._-/", p[-1]) ||
			       (*p == '/' && strchr("._-", p[1]))))
			goto bad;
	}
	for (const char *p = r->tag; p && *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("._-", *p)))
			goto bad;
	r->repo = steal_pointer(&rest);
	return 0;
bad:
	reg_ref_release(r);
	return pare_error_set(err, 0, "'docker://%s' is not a registry reference (HOST[:PORT]/REPO[:TAG|@sha256:...])", s);
}

void reg_ref_release(struct reg_ref *r)
{
	free(r->host), free(r->repo), free(r->tag), free(r->digest);
	memset(r, 0, sizeof(*r));
}

/* "user:pass" from an auth file's auths[host].auth (base64), or NULL. */
static char *creds_from_file(const char *path, const char *host)
{
	json_t *j = json_load_file(path, 0, NULL);
	json_t *auths = json_object_get(j, "auths"), *v;
	const char *k;
	char *out = NULL;
	bool hub = strcmp(host, "registry-1.docker.io") == 0;
	json_object_foreach (auths, k, v) {
		const char *key = k;
		if (strncmp(key, "https://", 8) == 0)
			key += 8;
		else if (strncmp(key, "http://", 7) == 0)
			key += 7;
		size_t n = strcspn(key, "/");
		bool match = (strlen(host) == n && strncmp(key, host, n) == 0) ||
			     (hub && (strncmp(key, "index.docker.io", n) == 0 || strncmp(key, "docker.io", n) == 0));
		const char *b64 = json_string_value(json_object_get(v, "auth"));
		if (!match || !b64)
			continue;
		size_t len = strlen(b64), pad = len;
		unsigned char *dec = xmalloc(len + 1);
		int m = EVP_DecodeBlock(dec, (const unsigned char *)b64, (int)len);
		if (m > 0) {
			while (m > 0 && pad > 0 && b64[pad - 1] == '=')
				m--, pad--; /* EVP_DecodeBlock counts the padding */
			dec[m] = '\0';
			if (strchr((char *)dec, ':'))
				out = xstrdup((char *)dec);
		}
		OPENSSL_cleanse(dec, len + 1);
		free(dec);
		break;
	}
	json_decref(j);
	return out;
}

static char *find_creds(const char *host)
{
	if (registry_opts.creds)
		return xstrdup(registry_opts.creds);
	const char *f = getenv("REGISTRY_AUTH_FILE");
	if (f && *f)
		return creds_from_file(f, host);
	char *c = NULL;
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *dc = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	cleanup_free char *p1 = xdg ? xasprintf("%s/containers/auth.json", xdg) : NULL;
	cleanup_free char *p2 = dc ? xasprintf("%s/config.json", dc) : home ? xasprintf("%s/.docker/config.json", home) : NULL;
	if (p1 && !access(p1, R_OK))
		c = creds_from_file(p1, host);
	if (!c && p2 && !access(p2, R_OK))
		c = creds_from_file(p2, host);
	return c;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct reg_call *c = ud;
	size_t len = size * n;
	static const struct { const char *name; size_t off; } hs[] = {
		{ "location:", offsetof(struct reg_call, location) },
		{ "docker-content-digest:", offsetof(struct reg_call, content_digest) },
		{ "content-type:", offsetof(struct reg_call, resp_type) },
		{ "www-authenticate:", offsetof(struct reg_call, challenge) },
	};
	for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
		size_t k = strlen(hs[i].name);
		if (len < k || strncasecmp(p, hs[i].name, k) != 0)
			continue;
		const char *v = p + k, *e = p + len;
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
			e--;
		char **slot = (char **)((char *)c + hs[i].off);
		free(*slot);
		*slot = xstrndup(v, (size_t)(e - v));
	}
	return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct reg_call *c = ud;
	size_t len = size * n;
	if (pare_interrupt_signal)
		return 0;
	if (c->max_out >= 0 && c->got + (int64_t)len > c->max_out) {
		c->too_big = 1;
		return 0;
	}
	c->got += (int64_t)len;
	if (c->hashing)
		sha256_update(&c->hash, p, len);
	if (c->out) {
		if (fwrite(p, 1, len, c->out) != len) {
			c->write_failed = 1;
			return 0;
		}
		return len;
	}
	strbuf_add(&c->mem, p, len);
	return len;
}

static size_t on_upload(char *p, size_t size, size_t n, void *ud)
{
	struct reg_call *c = ud;
	if (pare_interrupt_signal)
		return CURL_READFUNC_ABORT;
	size_t want = size * n;
	if (c->body_fd >= 0) {
		ssize_t r = pread(c->body_fd, p, want, c->upload_off);
		if (r < 0)
			return CURL_READFUNC_ABORT;
		c->upload_off += r;
		return (size_t)r;
	}
	size_t left = c->body_len - (size_t)c->upload_off, k = left < want ? left : want;
	memcpy(p, (const char *)c->body + c->upload_off, k);
	c->upload_off += (int64_t)k;
	return k;
}

static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	(void)ud, (void)a, (void)b, (void)c, (void)d;
	return pare_interrupt_signal ? 1 : 0;
}

static void call_reset_answer(struct reg_call *c)
{
	strbuf_release(&c->mem), free(c->location), free(c->content_digest), free(c->resp_type), free(c->challenge);
	c->location = c->content_digest = c->resp_type = c->challenge = NULL;
	c->got = 0;
	c->upload_off = 0;
	c->status = 0;
	c->too_big = c->write_failed = 0;
}

void reg_call_release(struct reg_call *c)
{
	call_reset_answer(c);
	if (c->hashing)
		sha256_release(&c->hash);
	c->hashing = 0;
}

static CURLcode perform_once(struct reg_session *s, struct reg_call *c)
{
	CURL *h = s->h;
	curl_easy_reset(h);
	cleanup_free char *url = strstr(c->url, "://") ? xstrdup(c->url)
			       : xasprintf("%s://%s%s", s->scheme, s->ref.host, c->url);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, strcmp(c->method, "GET") == 0 ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	if (!registry_opts.tls_verify) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	struct curl_slist *hd = NULL;
	cleanup_free char *acc = c->accept ? xasprintf("Accept: %s", c->accept) : NULL;
	cleanup_free char *ct = c->content_type ? xasprintf("Content-Type: %s", c->content_type) : NULL;
	if (acc)
		hd = curl_slist_append(hd, acc);
	if (ct)
		hd = curl_slist_append(hd, ct);
	if (s->auth)
		hd = curl_slist_append(hd, s->auth);
	if (strcmp(c->method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(c->method, "PUT") == 0 || strcmp(c->method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_upload);
		curl_easy_setopt(h, CURLOPT_READDATA, c);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
				 (curl_off_t)(c->body_fd >= 0 ? c->body_fd_len : (int64_t)c->body_len));
		hd = curl_slist_append(hd, "Expect:");
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->status);
	curl_slist_free_all(hd);
	return rc;
}

void reg_challenge_release(struct reg_challenge *c)
{
	free(c->scheme), free(c->realm), free(c->service), free(c->scope);
	memset(c, 0, sizeof(*c));
}

/* RFC 7235: SCHEME [param=value or param="quoted \"value\"", ...]. Unknown parameters are skipped. */
int reg_challenge_parse(const char *h, struct reg_challenge *c)
{
	memset(c, 0, sizeof(*c));
	const char *p = h ? h : "";
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strcspn(p, " \t,");
	if (!n)
		return -1;
	c->scheme = xstrndup(p, n);
	for (char *q = c->scheme; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	p += n;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		size_t kn = strcspn(p, "= \t,");
		const char *key = p;
		p += kn;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=' || !kn) {
			reg_challenge_release(c);
			return -1;
		}
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		char *v = xmalloc(strlen(p) + 1);
		size_t vn = 0;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				v[vn++] = *p;
			}
			if (*p != '"') {
				free(v);
				reg_challenge_release(c);
				return -1;
			}
			p++;
		} else {
			vn = strcspn(p, " \t,");
			memcpy(v, p, vn);
			p += vn;
		}
		v[vn] = '\0';
		char **slot = kn == 5 && !strncasecmp(key, "realm", 5)   ? &c->realm
			      : kn == 7 && !strncasecmp(key, "service", 7) ? &c->service
			      : kn == 5 && !strncasecmp(key, "scope", 5)   ? &c->scope
									   : NULL;
		if (slot) {
			free(*slot);
			*slot = v;
		} else {
			free(v);
		}
	}
	return 0;
}

static char *basic_header(const char *user, const char *pass)
{
	cleanup_free char *up = xasprintf("%s:%s", user, pass);
	size_t n = strlen(up);
	char *b64 = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)up, (int)n);
	char *h = xasprintf("Authorization: Basic %s", b64);
	OPENSSL_cleanse(up, n);
	OPENSSL_cleanse(b64, strlen(b64));
	free(b64);
	return h;
}

/* Answer a Bearer challenge: GET realm?service=..&scope=.. (with Basic credentials when we have some). */
static int bearer_token(struct reg_session *s, const char *ch, struct pare_error *err)
{
	struct reg_challenge cp;
	if (reg_challenge_parse(ch, &cp) < 0 || !cp.realm) {
		reg_challenge_release(&cp);
		return pare_error_set(err, 0, "'%s' asks for a token but its challenge names no realm", s->ref.host);
	}
	cleanup_free char *realm = steal_pointer(&cp.realm);
	cleanup_free char *service = steal_pointer(&cp.service);
	cleanup_free char *scope = steal_pointer(&cp.scope);
	reg_challenge_release(&cp);
	cleanup_free char *myscope = xasprintf("repository:%s:%s", s->ref.repo, s->scope);
	char *esv = curl_easy_escape(s->h, service ? service : "", 0);
	char *esc = curl_easy_escape(s->h, scope && strstr(scope, s->scope) ? scope : myscope, 0);
	cleanup_free char *url = xasprintf("%s%sservice=%s&scope=%s", realm, strchr(realm, '?') ? "&" : "?",
					   esv ? esv : "", esc ? esc : "");
	curl_free(esv), curl_free(esc);
	if (strncmp(url, "https://", 8) != 0 && (strncmp(url, "http://", 7) != 0 || registry_opts.tls_verify))
		return pare_error_set(err, 0, "'%s': token realm is not an https:// URL (--tls-verify=false allows http)",
				      s->ref.host);
	free(s->auth);
	s->auth = s->user ? basic_header(s->user, s->pass) : NULL;
	struct reg_call t = { .method = "GET", .url = url, .body_fd = -1, .max_out = 1 << 20 };
	CURLcode rc = perform_once(s, &t);
	free(s->auth);
	s->auth = NULL;
	int ret = -1;
	if (pare_interrupt_signal) {
		ret = pare_interrupt_check(err);
	} else if (rc != CURLE_OK) {
		pare_error_set(err, 0, "getting a token for '%s': %s", s->ref.host, curl_easy_strerror(rc));
	} else if (t.status == 401 || t.status == 403) {
		pare_error_set(err, 0, "'%s' refused the credentials%s (token server: HTTP status %ld)", s->ref.host,
			       s->user ? "" : " (none given: --creds USER:PASS or an auth file)", t.status);
	} else if (t.status != 200) {
		pare_error_set(err, 0, "getting a token for '%s': HTTP status %ld", s->ref.host, t.status);
	} else {
		json_t *j = json_loads(t.mem.s ? t.mem.s : "", 0, NULL);
		const char *tok = json_string_value(json_object_get(j, "token"));
		if (!tok)
			tok = json_string_value(json_object_get(j, "access_token"));
		if (tok && *tok && !strpbrk(tok, "\r\n")) {
			s->auth = xasprintf("Authorization: Bearer %s", tok);
			ret = 0;
		} else {
			pare_error_set(err, 0, "the token server of '%s' answered no token", s->ref.host);
		}
		json_decref(j);
	}
	if (t.mem.s)
		OPENSSL_cleanse(t.mem.s, t.mem.len);
	reg_call_release(&t);
	return ret;
}

static int answer_challenge(struct reg_session *s, const char *ch, struct pare_error *err)
{
	if (ch && strncasecmp(ch, "bearer", 6) == 0)
		return bearer_token(s, ch, err);
	if (ch && strncasecmp(ch, "basic", 5) == 0 && s->user) {
		free(s->auth);
		s->auth = basic_header(s->user, s->pass);
		return 0;
	}
	return pare_error_set(err, 0, "'%s' wants authentication: give --creds USER:PASS, $REGISTRY_AUTH_FILE or "
			      "~/.docker/config.json", s->ref.host);
}

int reg_do(struct reg_session *s, struct reg_call *c, struct pare_error *err)
{
	for (int attempt = 0;; attempt++) {
		call_reset_answer(c);
		if (c->hashing)
			sha256_release(&c->hash);
		sha256_init(&c->hash);
		c->hashing = 1;
		if (c->out && (fflush(c->out) || ftruncate(fileno(c->out), 0) || fseek(c->out, 0, SEEK_SET)))
			return pare_error_errno(err, "rewinding a download");
		CURLcode rc = perform_once(s, c);
		if (pare_interrupt_signal)
			return pare_interrupt_check(err);
		if (c->write_failed)
			return pare_error_errno(err, "writing a download");
		if (c->too_big)
			return pare_error_set(err, 0, "the registry sends more than the %lld bytes expected",
					      (long long)c->max_out);
		if (rc != CURLE_OK)
			return pare_error_set(err, 0, "%s%s", curl_easy_strerror(rc),
					      rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING
					      ? " (the registry closed the connection early)" : "");
		if (c->status != 401)
			return 0;
		if (attempt > 0 && (!c->challenge || strncasecmp(c->challenge, "bearer", 6) != 0 || attempt > 1))
			return pare_error_set(err, 0, "'%s' refused the credentials%s", s->ref.host,
					      s->user ? "" : " (none given: --creds USER:PASS or an auth file)");
		cleanup_free char *ch = c->challenge ? xstrdup(c->challenge) : NULL;
		if (answer_challenge(s, ch, err) < 0)
			return -1;
	}
}

void reg_status_message(const struct reg_call *c, char *buf, size_t n)
{
	json_t *j = c->mem.s ? json_loads(c->mem.s, 0, NULL) : NULL;
	json_t *e = json_array_get(json_object_get(j, "errors"), 0);
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *m = json_string_value(json_object_get(e, "message"));
	if (m)
		snprintf(buf, n, "%s%s%s", m, code ? " " : "", code ? code : "");
	else
		snprintf(buf, n, "HTTP status %ld", c->status);
	json_decref(j);
}

int reg_session_open(struct reg_session *s, const char *ref, const char *scope, struct pare_error *err)
{
	memset(s, 0, sizeof(*s));
	if (reg_ref_parse(ref, &s->ref, err) < 0)
		return -1;
	s->scope = scope;
	s->h = curl_easy_init();
	if (!s->h)
		return pare_error_set(err, 0, "libcurl could not be initialised");
	char *c = find_creds(s->ref.host);
	if (c) {
		char *colon = strchr(c, ':');
		if (colon) {
			s->user = xstrndup(c, (size_t)(colon - c));
			s->pass = xstrdup(colon + 1);
		}
		OPENSSL_cleanse(c, strlen(c));
		free(c);
	}
	/* The scheme: https; with --tls-verify=false, plain http when https does not connect. */
	s->scheme = "https";
	struct reg_call p = { .method = "GET", .url = "/v2/", .body_fd = -1, .max_out = 1 << 16 };
	CURLcode rc = perform_once(s, &p);
	reg_call_release(&p);
	if (pare_interrupt_signal)
		return pare_interrupt_check(err);
	if (rc == CURLE_OK)
		return 0;
	if (!registry_opts.tls_verify) {
		s->scheme = "http";
		p = (struct reg_call){ .method = "GET", .url = "/v2/", .body_fd = -1, .max_out = 1 << 16 };
		rc = perform_once(s, &p);
		reg_call_release(&p);
		if (rc == CURLE_OK)
			return 0;
	}
	return pare_error_set(err, 0, "no registry answers at '%s://%s' (%s)%s", s->scheme, s->ref.host,
			      curl_easy_strerror(rc),
			      registry_opts.tls_verify ? "; a plain-HTTP registry needs --tls-verify=false" : "");
}

void reg_session_release(struct reg_session *s)
{
	if (s->h)
		curl_easy_cleanup(s->h);
	if (s->pass)
		OPENSSL_cleanse(s->pass, strlen(s->pass));
	if (s->auth)
		OPENSSL_cleanse(s->auth, strlen(s->auth));
	free(s->user), free(s->pass), free(s->auth);
	reg_ref_release(&s->ref);
	memset(s, 0, sizeof(*s));
}
