#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include "lib/error.h"
#include "lib/hash.h"
#include "lib/path.h"
#include "lib/strvec.h"
#include "lib/tmp.h"
#include "lib/xalloc.h"
#include "tests/unit/unit.h"

static void check_norm(const char *in, const char *want)
{
	cleanup_free char *got = path_normalize(in);
	CHECK_STR(got, want);
}

TEST(path_normalize_cases)
{
	check_norm("", "/");
	check_norm("/", "/");
	check_norm("./usr/bin/", "/usr/bin");
	check_norm("usr//bin/./env", "/usr/bin/env");
	check_norm("/a/b/../c", "/a/c");
	check_norm("../../etc/passwd", "/etc/passwd");
	check_norm("/a/..", "/");
	check_norm("/ab/../cd", "/cd");
}

TEST(path_normalize_strict_rejects_escape)
{
	CHECK(path_normalize_strict("../x") == NULL);
	CHECK(path_normalize_strict("./a/../../x") == NULL);
	cleanup_free char *ok = path_normalize_strict("./a/../b");
	CHECK_STR(ok, "/b");
}

TEST(path_helpers)
{
	cleanup_free char *j1 = path_join("/usr/lib", "../bin/x");
	cleanup_free char *j2 = path_join("/usr/lib", "/etc");
	cleanup_free char *d1 = path_dirname("/usr/bin/env");
	cleanup_free char *d2 = path_dirname("/usr");
	CHECK_STR(j1, "/usr/bin/x");
	CHECK_STR(j2, "/etc");
	CHECK_STR(d1, "/usr/bin");
	CHECK_STR(d2, "/");
	CHECK_STR(path_basename("/usr/bin/env"), "env");
	CHECK(path_has_prefix("/usr/bin", "/usr"));
	CHECK(!path_has_prefix("/usrx", "/usr"));
	CHECK(path_has_prefix("/x", "/"));
}

TEST(sha256_known_vector)
{
	char d[SHA256_DIGEST_STR];
	sha256_buffer("abc", 3, d);
	CHECK_STR(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK(sha256_digest_valid(d));
	CHECK(!sha256_digest_valid("sha256:BA78"));
	CHECK(!sha256_digest_valid("md5:00"));
}

TEST(strvec_grows)
{
	struct strvec sv = STRVEC_INIT;
	for (int i = 0; i < 100; i++)
		strvec_pushf(&sv, "s%d", i);
	char **v = strvec_detach(&sv);
	CHECK_INT(strv_len(v), 100);
	CHECK_STR(v[99], "s99");
	strv_free(v);
}

TEST(error_prefix_chain)
{
	struct pare_error err = { 0 };
	CHECK_INT(pare_error_set(&err, 0, "bad '%s'", "x"), -1);
	pare_error_prefix(&err, "reading layer %d", 3);
	CHECK_STR(err.msg, "reading layer 3: bad 'x'");
	CHECK_INT(err.status, 1);
}

TEST(tmp_remove_tree_does_not_follow_symlinks)
{
	const char *t = unit_tmpdir();
	cleanup_free char *outside = xasprintf("%s/outside", t);
	cleanup_free char *tree = xasprintf("%s/tree", t);
	cleanup_free char *keep = xasprintf("%s/outside/keep", t);
	cleanup_free char *link = xasprintf("%s/tree/link", t);
	cleanup_free char *sub = xasprintf("%s/tree/a/b/c", t);
	CHECK_INT(mkdir(outside, 0755), 0);
	CHECK_INT(mkdir(tree, 0755), 0);
	close(creat(keep, 0644));
	CHECK_INT(symlink(outside, link), 0);
	cleanup_free char *cmd = xasprintf("mkdir -p %s && chmod 000 %s/tree/a/b", sub, t);
	CHECK_INT(system(cmd), 0);
	struct pare_error err = { 0 };
	CHECK_INT(tmp_remove_tree(tree, &err), 0);
	CHECK(access(tree, F_OK) != 0);
	CHECK_INT(access(keep, F_OK), 0);
}

TEST(tmp_reap_stale_only_reaps_dead_owners)
{
	/* A live owner's directory (ours), an unrelated pare-* name, and a dead owner's locked-then-released one. */
	struct pare_error err = { 0 };
	cleanup_free char *mine = NULL;
	CHECK_INT(tmp_dir_create(&mine, &err), 0);
	cleanup_free char *foreign = xasprintf("%s/pare-foreign-tool-%d", tmp_base(), (int)getpid());
	CHECK_INT(mkdir(foreign, 0700), 0);
	struct utimbuf old = { 0, 0 };
	utime(foreign, &old);
	cleanup_free char *dead = xasprintf("%s/pare-999999999-abcdef", tmp_base());
	CHECK_INT(mkdir(dead, 0700), 0);
	cleanup_free char *deadlock = xasprintf("%s/.pare-lock", dead);
	close(creat(deadlock, 0600));
	tmp_reap_stale();
	CHECK_INT(access(mine, F_OK), 0);
	CHECK_INT(access(foreign, F_OK), 0);
	CHECK(access(dead, F_OK) != 0);
	rmdir(foreign);
	tmp_remove_tree(mine, NULL);
}
