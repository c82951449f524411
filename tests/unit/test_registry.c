/* image/registry_http.c: docker:// references and WWW-Authenticate challenges. */
#include <stdlib.h>

#include "image/registry_int.h"
#include "tests/unit/unit.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void check_ref(const char *s, const char *host, const char *repo, const char *tag, const char *digest)
{
	struct reg_ref r;
	struct pare_error err = { 0 };
	if (reg_ref_parse(s, &r, &err) < 0) {
		unit_fail(__FILE__, __LINE__, "'%s' refused: %s", s, err.msg);
		return;
	}
	CHECK_STR(r.host, host);
	CHECK_STR(r.repo, repo);
	if (tag)
		CHECK_STR(r.tag, tag);
	else
		CHECK(r.tag == NULL);
	if (digest)
		CHECK_STR(r.digest, digest);
	else
		CHECK(r.digest == NULL);
	reg_ref_release(&r);
}

TEST(registry_ref_parse_host_repo_tag_digest)
{
	check_ref("127.0.0.1:5111/x:1", "127.0.0.1:5111", "x", "1", NULL);
	check_ref("127.0.0.1:5111/team/app", "127.0.0.1:5111", "team/app", "latest", NULL);
	check_ref("localhost/a/b:1-slim", "localhost", "a/b", "1-slim", NULL);
	check_ref("reg.example.com/a@" DIGEST, "reg.example.com", "a", NULL, DIGEST);
	check_ref("reg.example.com:443/a:v1.2@" DIGEST, "reg.example.com:443", "a", "v1.2", DIGEST);
	check_ref("busybox:1.36", "registry-1.docker.io", "library/busybox", "1.36", NULL);
	check_ref("team/app", "registry-1.docker.io", "team/app", "latest", NULL);
}

TEST(registry_ref_parse_refuses_bad_references)
{
	static const char *const bad[] = { "127.0.0.1:5111/", "127.0.0.1:5111/x:", "127.0.0.1:5111/X:1",
					   "127.0.0.1:5111/x@sha256:12", "127.0.0.1:5111/x:a b", "h.io/x:t/y",
					   "h.io/x:1@md5:00", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct reg_ref r;
		struct pare_error err = { 0 };
		if (reg_ref_parse(bad[i], &r, &err) == 0) {
			unit_fail(__FILE__, __LINE__, "'%s' accepted", bad[i]);
			reg_ref_release(&r);
			continue;
		}
		CHECK(strstr(err.msg, "is not a registry reference") != NULL);
	}
}

TEST(registry_challenge_parse_bearer_and_basic)
{
	struct reg_challenge c;
	CHECK_INT(reg_challenge_parse("Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\","
				      "scope=\"repository:team/app:pull,push\"",
				      &c),
		  0);
	CHECK_STR(c.scheme, "bearer");
	CHECK_STR(c.realm, "https://auth.example.com/token");
	CHECK_STR(c.service, "registry.example.com");
	CHECK_STR(c.scope, "repository:team/app:pull,push");
	reg_challenge_release(&c);

	/* unquoted values, blanks around '=', unknown parameters, escapes in quoted strings */
	CHECK_INT(reg_challenge_parse("bearer  error=\"invalid_token\", realm = http://h/t?a=b , service=s\\x,"
				      "x=\"q\\\"uote\"",
				      &c),
		  0);
	CHECK_STR(c.realm, "http://h/t?a=b");
	CHECK_STR(c.service, "s\\x");
	CHECK(c.scope == NULL);
	reg_challenge_release(&c);

	/* a parameter name inside another's value is not that parameter */
	CHECK_INT(reg_challenge_parse("Bearer realm=\"http://h/token?service=fake&realm=no\",service=\"real\"", &c), 0);
	CHECK_STR(c.realm, "http://h/token?service=fake&realm=no");
	CHECK_STR(c.service, "real");
	reg_challenge_release(&c);

	CHECK_INT(reg_challenge_parse("Basic realm=\"Registry Realm\"", &c), 0);
	CHECK_STR(c.scheme, "basic");
	CHECK_STR(c.realm, "Registry Realm");
	reg_challenge_release(&c);
}

TEST(registry_challenge_parse_refuses_malformed)
{
	struct reg_challenge c;
	CHECK_INT(reg_challenge_parse("", &c), -1);
	CHECK_INT(reg_challenge_parse(NULL, &c), -1);
	CHECK_INT(reg_challenge_parse("Bearer realm=\"unterminated", &c), -1);
	CHECK_INT(reg_challenge_parse("Bearer realm", &c), -1);
	CHECK(c.scheme == NULL && c.realm == NULL);
}
