/* Internals of the registry client (image/registry*.c). */
#ifndef PARE_IMAGE_REGISTRY_INT_H
#define PARE_IMAGE_REGISTRY_INT_H
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/error.h"
#include "lib/hash.h"
#include "lib/strbuf.h"

struct reg_ref {
	char *host;   /* "127.0.0.1:5000", "registry-1.docker.io" */
	char *repo;   /* "team/app", "library/busybox" */
	char *tag;    /* "1" or NULL */
	char *digest; /* "sha256:..." or NULL */
};
int reg_ref_parse(const char *s, struct reg_ref *r, struct pare_error *err);
void reg_ref_release(struct reg_ref *r);

struct reg_session {
	CURL *h;
	struct reg_ref ref;
	const char *scheme; /* "https" or "http" */
	char *user, *pass;  /* credentials, or NULL (never printed) */
	char *auth;         /* the Authorization header in use, or NULL */
	const char *scope;  /* "pull" or "pull,push" */
};
/* Open: parse ref, find credentials, pick the scheme (https; http too when tls_verify is off). */
int reg_session_open(struct reg_session *s, const char *ref, const char *scope, struct pare_error *err);
void reg_session_release(struct reg_session *s);

/* A WWW-Authenticate challenge: scheme lowercased ("bearer", "basic"), the parameters we use or NULL. */
struct reg_challenge {
	char *scheme, *realm, *service, *scope;
};
/* 0, or -1 (nothing filled) when `h` is not a challenge. */
int reg_challenge_parse(const char *h, struct reg_challenge *c);
void reg_challenge_release(struct reg_challenge *c);

/* One request's body and answer. */
struct reg_call {
	const char *method;     /* GET, HEAD, POST, PUT */
	const char *url;        /* path under the host ("/v2/...") or an absolute URL */
	const char *accept, *content_type;
	const void *body; size_t body_len; /* an upload from memory, or */
	int body_fd; int64_t body_fd_len; /* from a file (body_fd >= 0) */
	/* the answer: into `out` (a file, hashed, at most max_out bytes) or into mem (max_out cap) */
	FILE *out;
	struct strbuf mem;
	int64_t max_out;
	struct sha256 hash; int hashing;
	int64_t got;
	long status;
	char *location, *content_digest, *resp_type, *challenge;
	int64_t upload_off;
	int too_big, write_failed;
};
/* Perform with auth: a 401 answers its challenge (Basic or Bearer) and retries once. 0 when the
 * transfer completed (any status: see c->status), -1 with err on transport failure. */
int reg_do(struct reg_session *s, struct reg_call *c, struct pare_error *err);
void reg_call_release(struct reg_call *c);
/* "HTTP status N" or the registry's first errors[].message for a failed call. */
void reg_status_message(const struct reg_call *c, char *buf, size_t n);
#endif
