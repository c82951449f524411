#include <errno.h>
#include <stdlib.h>

#include "lib/error.h"
#include "lib/xalloc.h"
#include "tests/unit/unit.h"
#include "tracer/profile.h"

TEST(profile_merge_and_query)
{
	struct profile *p = profile_new();
	profile_add_file(p, "/usr/bin/python3.11", PROFILE_EXEC, true);
	profile_add_file(p, "/usr/bin/python3.11", PROFILE_OPEN, false);
	profile_add_file(p, "/etc/passwd", PROFILE_STAT, true);
	profile_add_error(p, "/root/.secret", PROFILE_OPEN, EACCES);
	profile_add_error(p, "/root/.secret", PROFILE_OPEN, EACCES);
	profile_add_symlink(p, "/bin", "usr/bin");
	profile_add_missing(p, "/usr/local/lib/x.so");
	profile_add_missing(p, "/usr/local/lib/x.so");
	char *argv[] = { "python3", "-c", "pass", NULL };
	profile_add_process(p, 1, "/usr/bin/python3.11", argv);
	profile_add_sensor(p, "ptrace-seccomp");
	profile_add_sensor(p, "ptrace-seccomp");
	profile_finish(p);
	CHECK_INT(p->n_files, 3);
	CHECK_STR(p->files[0].path, "/etc/passwd");
	const struct profile_file *f = profile_find_file(p, "/usr/bin/python3.11");
	CHECK(f && f->kinds == (PROFILE_EXEC | PROFILE_OPEN) && f->exists);
	f = profile_find_file(p, "/root/.secret");
	CHECK(f && f->errors && !strcmp(f->errors[0], "EACCES") && !f->errors[1]);
	CHECK_STR(profile_find_symlink(p, "/bin")->target, "usr/bin");
	CHECK(profile_is_missing(p, "/usr/local/lib/x.so"));
	CHECK(!profile_is_missing(p, "/usr/local/lib"));
	CHECK_INT(p->n_missing, 1);
	CHECK(p->sensors[1] == NULL);
	profile_free(p);
}

TEST(profile_json_roundtrip)
{
	struct profile *p = profile_new();
	p->image = xstrdup("app.tar");
	profile_add_file(p, "/b", PROFILE_WRITE | PROFILE_CREATE, false);
	profile_add_file(p, "/a", PROFILE_LISTDIR, true);
	profile_add_symlink(p, "/lib", "usr/lib");
	profile_add_missing(p, "/nope");
	char *argv[] = { "sh", NULL };
	profile_add_process(p, 7, "/bin/sh", argv);
	profile_add_sensor(p, "fanotify");
	p->stats.seccomp_stops = 42;
	p->stats.exit_status = 3;
	char *file = xasprintf("%s/p.json", unit_tmpdir());
	struct pare_error err = { 0 };
	CHECK_INT(profile_save(p, file, &err), 0);
	struct profile *q = NULL;
	CHECK_INT(profile_load(file, &q, &err), 0);
	CHECK(q != NULL);
	if (q) {
		CHECK_STR(q->image, "app.tar");
		CHECK_INT(q->n_files, 2);
		CHECK_STR(q->files[0].path, "/a");
		CHECK_INT(q->files[1].kinds, PROFILE_WRITE | PROFILE_CREATE);
		CHECK(!q->files[1].exists);
		CHECK_STR(profile_find_symlink(q, "/lib")->target, "usr/lib");
		CHECK(profile_is_missing(q, "/nope"));
		CHECK_INT(q->processes[0].pid, 7);
		CHECK_STR(q->processes[0].argv[0], "sh");
		CHECK_STR(q->sensors[0], "fanotify");
		CHECK_INT(q->stats.seccomp_stops, 42);
		CHECK_INT(q->stats.exit_status, 3);
		profile_free(q);
	}
	profile_free(p);
	free(file);
}

TEST(profile_rejects_bad_paths)
{
	struct pare_error err = { 0 };
	struct profile *q = NULL;
	json_t *j = json_pack("{s:[{s:s,s:[s],s:b}]}", "files", "path", "usr/../etc", "kinds", "open", "exists", 1);
	CHECK_INT(profile_from_json(j, &q, &err), -1);
	CHECK(strstr(err.msg, "normalised") != NULL);
	json_decref(j);
	j = json_pack("{s:[{s:s,s:[s],s:b}]}", "files", "path", "/x", "kinds", "bogus", "exists", 1);
	CHECK_INT(profile_from_json(j, &q, &err), -1);
	json_decref(j);
}
