#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/error.h"
#include "lib/xalloc.h"
#include "tests/unit/unit.h"
#include "tracer/filter.h"
#include "tracer/resolve.h"
#include "tracer/syscalls.h"
#include "tracer/tracer.h"

/* Every row names a syscall that exists on x86_64 or i386 (or has a fixed number), and no row is there twice. */
TEST(syscall_table_rows_resolve)
{
	for (unsigned i = 0; i < tracer_n_syscalls; i++) {
		const struct tracer_syscall *row = &tracer_syscalls[i];
		int n64 = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, row->name);
		int n32 = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, row->name);
		if (n64 < 0 && n32 < 0 && row->unified_nr < 0)
			unit_fail(__FILE__, __LINE__, "row '%s' is not a syscall on x86", row->name);
		CHECK(tracer_syscall_by_name(row->name) == row);
		CHECK(row->paths[0].kind != 0);
	}
	const char *required[] = { "open", "openat", "openat2", "creat", "execve", "execveat", "stat", "lstat",
				   "newfstatat", "statx", "access", "faccessat", "faccessat2", "readlink",
				   "readlinkat", "chdir", "fchdir", "getdents64", "rename", "renameat2", "link",
				   "symlink", "unlink", "unlinkat", "mkdir", "rmdir", "truncate", "utimensat",
				   "chmod", "fchownat", "inotify_add_watch", "uselib", "connect", "bind", NULL };
	for (int i = 0; required[i]; i++)
		if (!tracer_syscall_by_name(required[i]))
			unit_fail(__FILE__, __LINE__, "syscall '%s' missing from the table", required[i]);
	CHECK(tracer_filter_rule_count() >= (int)tracer_n_syscalls - 8);
}

TEST(syscall_table_operands)
{
	const struct tracer_syscall *r = tracer_syscall_by_name("renameat2");
	CHECK_INT(r->paths[0].path, 1);
	CHECK_INT(r->paths[0].dirfd, 0);
	CHECK_INT(r->paths[1].path, 3);
	CHECK_INT(r->paths[1].dirfd, 2);
	CHECK(r->flags & SC_MUTATES);
	r = tracer_syscall_by_name("lstat");
	CHECK(r->paths[0].flags & SCP_NOFOLLOW);
	r = tracer_syscall_by_name("getdents64");
	CHECK_INT(r->paths[0].path, SC_NONE);
	CHECK_INT(r->paths[0].kind, PROFILE_LISTDIR);
}

static void mkdir_at(const char *d, const char *rel)
{
	char *p = xasprintf("%s/%s", d, rel);
	CHECK_INT(mkdir(p, 0755), 0);
	free(p);
}

static void touch_at(const char *d, const char *rel)
{
	char *p = xasprintf("%s/%s", d, rel);
	int fd = open(p, O_CREAT | O_WRONLY, 0755);
	CHECK(fd >= 0);
	close(fd);
	free(p);
}

static void symlink_at(const char *target, const char *d, const char *rel)
{
	char *p = xasprintf("%s/%s", d, rel);
	CHECK_INT(symlink(target, p), 0);
	free(p);
}

struct links {
	char buf[1024];
};

static void on_link(void *data, const char *path, const char *target, uint64_t mnt)
{
	(void)mnt;
	struct links *l = data;
	size_t n = strlen(l->buf);
	snprintf(l->buf + n, sizeof(l->buf) - n, "%s->%s;", path, target);
}

static void check_lookup(struct resolver *r, const char *path, bool follow, const char *want, enum res_state state)
{
	struct res_result res;
	resolver_lookup(r, path, follow, &res);
	CHECK_STR(res.path, want);
	if (res.state != state)
		unit_fail(__FILE__, __LINE__, "%s: state %d, expected %d", path, res.state, state);
	free(res.path);
}

TEST(resolver_follows_chains_in_root)
{
	const char *d = unit_tmpdir();
	mkdir_at(d, "usr");
	mkdir_at(d, "usr/bin");
	touch_at(d, "usr/bin/dash");
	symlink_at("usr/bin", d, "bin");
	symlink_at("dash", d, "usr/bin/sh");
	char *abs_target = xasprintf("%s/bin/sh", d);
	symlink_at(abs_target, d, "abs");
	free(abs_target);
	symlink_at("loop", d, "loop");

	struct resolver r;
	struct links l = { "" };
	struct pare_error err = { 0 };
	CHECK_INT(resolver_open(&r, getpid(), &err), 0);
	r.on_link = on_link;
	r.data = &l;
	char *bin_sh = xasprintf("%s/bin/sh", d), *dash = xasprintf("%s/usr/bin/dash", d);
	check_lookup(&r, bin_sh, true, dash, RES_EXISTS);
	char *want_links = xasprintf("%s/bin->usr/bin;%s/usr/bin/sh->dash;", d, d);
	CHECK_STR(l.buf, want_links);
	/* Not following the last component: the link itself. */
	char *usr_sh = xasprintf("%s/usr/bin/sh", d);
	check_lookup(&r, bin_sh, false, usr_sh, RES_EXISTS);
	/* ".." after a symlink goes to the real parent, as the kernel does. */
	char *dd = xasprintf("%s/bin/../bin/./dash", d);
	check_lookup(&r, dd, true, dash, RES_EXISTS);
	char *abs = xasprintf("%s/abs", d);
	check_lookup(&r, abs, true, dash, RES_EXISTS);
	/* Missing, missing below a missing directory, ENOTDIR, ELOOP. */
	char *miss = xasprintf("%s/bin/nope", d), *miss_real = xasprintf("%s/usr/bin/nope", d);
	check_lookup(&r, miss, true, miss_real, RES_MISSING);
	char *miss2 = xasprintf("%s/bin/nope/x", d), *miss2_real = xasprintf("%s/usr/bin/nope/x", d);
	check_lookup(&r, miss2, true, miss2_real, RES_MISSING);
	char *notdir = xasprintf("%s/bin/dash/x", d), *notdir_real = xasprintf("%s/usr/bin/dash/x", d);
	check_lookup(&r, notdir, true, notdir_real, RES_ERROR);
	char *loop = xasprintf("%s/loop", d);
	struct res_result res;
	resolver_lookup(&r, loop, true, &res);
	CHECK_INT(res.state, RES_ERROR);
	CHECK_INT(res.err, ELOOP);
	free(res.path);
	resolver_release(&r);
	free(bin_sh), free(dash), free(want_links), free(usr_sh), free(dd), free(abs), free(miss), free(miss_real);
	free(miss2), free(miss2_real), free(notdir), free(notdir_real), free(loop);
}

/* Trace a shell on the host: its opens, listings, readlinks, missing files and execs are recorded,
 * and its output and exit status are its own. */
TEST(tracer_traces_a_command)
{
	const char *d = unit_tmpdir();
	mkdir_at(d, "dir");
	touch_at(d, "dir/f");
	symlink_at("dir/f", d, "link");
	char *script = xasprintf("exec 3<%s/link; ls %s/dir >/dev/null; readlink %s/link >/dev/null; "
				 "cat %s/missing 2>/dev/null; touch %s/new; exit 7", d, d, d, d, d);
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct tracer_options o = { .image_only = false };
	struct profile *prof = NULL;
	struct pare_error err = { 0 };
	int status = 0;
	CHECK_INT(tracer_trace_command(argv, &o, &prof, &status, &err), 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	if (!prof)
		return;
	profile_finish(prof);
	CHECK_INT(prof->stats.exit_status, 7);
	char *f = xasprintf("%s/dir/f", d), *dir = xasprintf("%s/dir", d), *link = xasprintf("%s/link", d);
	char *missing = xasprintf("%s/missing", d), *created = xasprintf("%s/new", d);
	const struct profile_file *pf = profile_find_file(prof, f);
	CHECK(pf && (pf->kinds & PROFILE_OPEN) && pf->exists);
	pf = profile_find_file(prof, dir);
	CHECK(pf && (pf->kinds & PROFILE_LISTDIR));
	pf = profile_find_file(prof, link);
	CHECK(pf && (pf->kinds & PROFILE_READLINK));
	CHECK(profile_find_symlink(prof, link) && !strcmp(profile_find_symlink(prof, link)->target, "dir/f"));
	CHECK(profile_is_missing(prof, missing));
	pf = profile_find_file(prof, created);
	CHECK(pf && (pf->kinds & PROFILE_CREATE) && !pf->exists);
	CHECK(prof->n_processes >= 4); /* sh, ls, readlink, cat, touch */
	CHECK(prof->sensors && !strcmp(prof->sensors[0], "ptrace-seccomp"));
	free(f), free(dir), free(link), free(missing), free(created), free(script);
	profile_free(prof);
}
