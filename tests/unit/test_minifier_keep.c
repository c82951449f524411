/* Unit tests for the keep rules and library resolution, on a small image built from host ELF files
 * (tests/unit/minifier_root.sh) and read through the real image module and layer index. */
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "image/image.h"
#include "image/layer_index.h"
#include "lib/tmp.h"
#include "lib/xalloc.h"
#include "minifier/keep.h"
#include "tests/unit/unit.h"
#include "tracer/profile.h"

struct fixture {
	char *root;
	struct image *img;
	struct layer_index *idx;
};

/* The tree and its image are built once per run of the unit tests (compiling the test programs
 * takes a while) in a directory of their own, removed at exit; each test gets a fresh index. */
static char *shared_dir;
static int shared_state; /* 0 not built, 1 built, -1 cannot build here, -2 failed */

static void shared_remove(void)
{
	if (shared_dir)
		tmp_remove_tree(shared_dir, NULL);
	free(shared_dir);
	shared_dir = NULL;
}

static int shared_build(void)
{
	struct pare_error err = { 0 };
	if (tmp_dir_create(&shared_dir, &err) < 0) {
		printf("# %s\n", err.msg);
		return -2;
	}
	atexit(shared_remove);
	cleanup_free char *cmd = xasprintf("tests/unit/minifier_root.sh '%s/root' >/dev/null 2>&1 && "
					   "python3 tests/mkimage.py --format oci-dir --layer '%s/root' '%s/img' >/dev/null",
					   shared_dir, shared_dir, shared_dir);
	int st = system(cmd);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
		return -1;
	return st == 0 ? 1 : -2;
}

/* Returns 0 when the host cannot build the tree (not x86_64 Debian-like): the test then checks nothing. */
static int fixture_open(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	if (!shared_state)
		shared_state = shared_build();
	if (shared_state == -1) {
		printf("# skipped: host is not x86_64 Debian-like\n");
		return 0;
	}
	CHECK_INT(shared_state, 1);
	if (shared_state != 1)
		return 0;
	f->root = xasprintf("%s/root", shared_dir);
	cleanup_free char *img = xasprintf("%s/img", shared_dir);
	struct pare_error err = { 0 };
	CHECK_INT(image_open(img, NULL, &f->img, &err), 0);
	if (!f->img)
		return 0;
	CHECK_INT(layer_index_build(f->img, &f->idx, &err), 0);
	if (!f->idx)
		printf("# %s\n", err.msg);
	return f->idx != NULL;
}

static void fixture_close(struct fixture *f)
{
	layer_index_free(f->idx);
	image_free(f->img);
	free(f->root);
}

static const struct keep_mark *mark(struct fixture *f, const char *path)
{
	struct fs_entry *e = layer_index_lookup(f->idx, path);
	if (!e) {
		unit_fail(__FILE__, __LINE__, "'%s' is not in the index", path);
		return NULL;
	}
	return keep_mark_of(e);
}

static void check_kept(struct fixture *f, const char *path, enum keep_why why, int line)
{
	const struct keep_mark *m = mark(f, path);
	if (!m)
		unit_fail(__FILE__, line, "'%s' was not kept", path);
	else if (m->why != why)
		unit_fail(__FILE__, line, "'%s' kept as %s (%s), expected %s", path, keep_why_name(m->why),
			  m->detail ? m->detail : "", keep_why_name(why));
}

static void check_dropped(struct fixture *f, const char *path, int line)
{
	struct fs_entry *e = layer_index_lookup(f->idx, path);
	if (!e)
		unit_fail(__FILE__, line, "'%s' is not in the index", path);
	else if (e->keep)
		unit_fail(__FILE__, line, "'%s' was kept", path);
}

#define KEPT(path, why) check_kept(&f, path, why, __LINE__)
#define DROPPED(path) check_dropped(&f, path, __LINE__)
#define LIB "/usr/lib/x86_64-linux-gnu/"

static bool has_warning(struct keep_set *ks, const char *needle)
{
	for (char *const *w = keep_warnings(ks); *w; w++)
		if (strstr(*w, needle))
			return true;
	return false;
}

TEST(keep_traced_elf_and_rules)
{
	struct fixture f;
	if (!fixture_open(&f)) {
		fixture_close(&f);
		return;
	}
	struct profile *p = profile_new();
	profile_add_file(p, "/usr/bin/ls", PROFILE_EXEC | PROFILE_OPEN, true);
	profile_add_file(p, "/usr/local/bin/tool", PROFILE_EXEC, true);
	profile_add_file(p, "/opt/app/bin/app", PROFILE_EXEC, true);
	profile_add_file(p, "/opt/app/bin/app2", PROFILE_EXEC, true);
	profile_add_file(p, "/var/log/new.log", PROFILE_WRITE | PROFILE_CREATE, false);
	profile_add_file(p, "/proc/1/status", PROFILE_OPEN, true);
	profile_add_file(p, "/usr/share/doc/x/README", PROFILE_OPEN, true);
	profile_add_symlink(p, "/bin", "usr/bin");
	profile_finish(p);

	char *env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", NULL };
	char *cmd[] = { "tool", NULL };
	char *incl[] = { "/opt/data", NULL };
	char *excl[] = { "/usr/share/doc", NULL };
	struct keep_opts o = { .env = env, .user = "app", .workdir = "/srv", .command = cmd,
			       .include_paths = incl, .excludes = excl };
	struct keep_set *ks = NULL;
	struct pare_error err = { 0 };
	CHECK_INT(keep_set_new(f.idx, f.root, &o, &ks, &err), 0);
	CHECK_INT(keep_add_profile(ks, p, &err), 0);
	CHECK_INT(keep_apply_rules(ks, &err), 0);
	CHECK_INT(keep_finish(ks, &err), 0);

	KEPT("/usr/bin/ls", KEEP_TRACED);
	KEPT("/bin", KEEP_TRACED);
	KEPT(LIB "libselinux.so.1", KEEP_ELF_DEP);
	KEPT(LIB "libc.so.6", KEEP_ELF_DEP);
	KEPT(LIB "libpcre2-8.so.0", KEEP_SYMLINK);
	KEPT(LIB "libpcre2-8.so.0.real", KEEP_ELF_DEP);
	KEPT(LIB "glibc-hwcaps/x86-64-v3/libpcre2-8.so.0", KEEP_HWCAPS);
	KEPT(LIB "ld-linux-x86-64.so.2", KEEP_INTERP);
	KEPT("/usr/lib64/ld-linux-x86-64.so.2", KEEP_SYMLINK);
	KEPT("/lib64", KEEP_SYMLINK);
	KEPT("/lib", KEEP_SYMLINK); /* the ld.so.cache paths go through /lib */
	KEPT("/usr/local/bin/tool", KEEP_ENTRYPOINT);
	KEPT("/usr/bin/env", KEEP_INTERP);
	KEPT("/usr/bin/python3", KEEP_INTERP);
	/* DT_RPATH of the executable is searched for its libraries' dependencies too. */
	KEPT("/opt/app/lib/libfoo.so.1", KEEP_ELF_DEP);
	KEPT("/opt/app/lib/libbar.so.1", KEEP_ELF_DEP);
	/* DT_RUNPATH is not: libbar2 stays unresolved, as under ld.so, with a warning. */
	KEPT("/opt/app/lib2/libfoo2.so.1", KEEP_ELF_DEP);
	DROPPED("/opt/app/lib2/libbar2.so.1");
	CHECK(has_warning(ks, "'libbar2.so.1' needed by '/opt/app/lib2/libfoo2.so.1'"));
	CHECK(!has_warning(ks, "'libbar.so.1'"));
	KEPT("/etc/passwd", KEEP_ALWAYS);
	KEPT("/etc/group", KEEP_ALWAYS);
	KEPT("/etc/ld.so.cache", KEEP_ALWAYS);
	KEPT("/tmp", KEEP_ALWAYS);
	KEPT("/srv", KEEP_ALWAYS);
	KEPT("/home/app", KEEP_ALWAYS);
	KEPT("/opt/data/sub/file", KEEP_INCLUDE);
	KEPT("/var/log", KEEP_PARENT);
	KEPT("/usr", KEEP_PARENT);
	KEPT("/", KEEP_PARENT);
	DROPPED(LIB "libunused.so.1");
	/* glibc's run-time companions: NSS modules named in nsswitch.conf, libgcc_s. */
	KEPT(LIB "libnss_files.so.2", KEEP_ALWAYS);
	KEPT(LIB "libgcc_s.so.1", KEEP_ALWAYS);
	DROPPED(LIB "libnss_nis.so.2"); /* only in a comment */
	DROPPED("/proc/1/status");
	DROPPED("/usr/share/doc/x/README");
	DROPPED("/usr/share/doc");
	DROPPED("/usr/share"); /* kept only as a parent of what --exclude dropped */
	DROPPED("/opt/override/libselinux.so.1");

	struct keep_totals t;
	keep_totals(ks, &t);
	CHECK(t.kept_files > 20);
	CHECK(t.removed_files >= 5);
	CHECK(t.removed_bytes > 0);
	json_t *r = keep_report_json(ks);
	CHECK(json_array_size(json_object_get(r, "kept")) == t.kept_files);
	CHECK(json_array_size(json_object_get(r, "removed")) == t.removed_files);
	json_decref(r);
	keep_set_free(ks);
	profile_free(p);
	fixture_close(&f);
}

TEST(keep_respects_negative_lookups)
{
	struct fixture f;
	if (!fixture_open(&f)) {
		fixture_close(&f);
		return;
	}
	/* The image's env puts /opt/override first, but the traced run did not find the library there
	 * (say, it ran with another LD_LIBRARY_PATH): the search must go on to the one it did use. */
	struct profile *p = profile_new();
	profile_add_file(p, "/usr/bin/ls", PROFILE_EXEC, true);
	profile_add_missing(p, "/opt/override/libselinux.so.1");
	profile_finish(p);
	char *env[] = { "LD_LIBRARY_PATH=/opt/override", NULL };
	struct keep_opts o = { .env = env, .no_certs = true };
	struct keep_set *ks = NULL;
	struct pare_error err = { 0 };
	CHECK_INT(keep_set_new(f.idx, f.root, &o, &ks, &err), 0);
	CHECK_INT(keep_add_profile(ks, p, &err), 0);
	CHECK_INT(keep_apply_rules(ks, &err), 0);
	CHECK_INT(keep_finish(ks, &err), 0);
	DROPPED("/opt/override/libselinux.so.1");
	KEPT(LIB "libselinux.so.1", KEEP_ELF_DEP);
	CHECK(has_warning(ks, "not using '/opt/override/libselinux.so.1'"));
	keep_set_free(ks);
	profile_free(p);

	/* Without the negative lookup, LD_LIBRARY_PATH comes before the cache and default directories. */
	for (size_t i = 0; i < layer_index_count(f.idx); i++)
		layer_index_at(f.idx, i)->keep = false;
	p = profile_new();
	profile_add_file(p, "/usr/bin/ls", PROFILE_EXEC, true);
	profile_finish(p);
	CHECK_INT(keep_set_new(f.idx, f.root, &o, &ks, &err), 0);
	CHECK_INT(keep_add_profile(ks, p, &err), 0);
	CHECK_INT(keep_finish(ks, &err), 0);
	KEPT("/opt/override/libselinux.so.1", KEEP_ELF_DEP);
	DROPPED(LIB "libselinux.so.1");
	keep_set_free(ks);
	profile_free(p);
	fixture_close(&f);
}

TEST(keep_include_rules)
{
	struct fixture f;
	if (!fixture_open(&f)) {
		fixture_close(&f);
		return;
	}
	struct profile *p = profile_new();
	profile_finish(p);
	char *env[] = { "PATH=/usr/local/bin:/usr/bin", NULL };
	char *exes[] = { "python3", "nosuchtool", NULL };
	char *bins[] = { "/opt/app/bin/app", NULL };
	char *cmd[] = { "/usr/bin/ls", NULL };
	char *excl[] = { "/usr/bin/*", "/opt/app/lib/libbar.so.1", NULL };
	struct keep_opts o = { .env = env, .user = "1000", .include_exes = exes, .include_bins = bins,
			       .include_shell = true, .command = cmd, .excludes = excl, .no_certs = true };
	struct keep_set *ks = NULL;
	struct pare_error err = { 0 };
	CHECK_INT(keep_set_new(f.idx, f.root, &o, &ks, &err), 0);
	CHECK_INT(keep_add_profile(ks, p, &err), 0);
	CHECK_INT(keep_apply_rules(ks, &err), 0);
	CHECK_INT(keep_finish(ks, &err), 0);
	/* The entrypoint survives an --exclude that matches it; its libraries come with it. */
	KEPT("/usr/bin/ls", KEEP_ENTRYPOINT);
	KEPT(LIB "libselinux.so.1", KEEP_ELF_DEP);
	/* --include-exe found on PATH, then excluded by the glob; --include-shell's "env" likewise. */
	DROPPED("/usr/bin/python3");
	DROPPED("/usr/bin/env");
	CHECK(has_warning(ks, "include-exe:nosuchtool: 'nosuchtool' was not found"));
	/* --include-bin with its RPATH libraries; the excluded one goes, the other stays. */
	KEPT("/opt/app/bin/app", KEEP_INCLUDE);
	KEPT("/opt/app/lib/libfoo.so.1", KEEP_ELF_DEP);
	DROPPED("/opt/app/lib/libbar.so.1");
	/* A numeric user's home comes from the image's /etc/passwd. */
	KEPT("/home/app", KEEP_ALWAYS);
	DROPPED("/srv");
	keep_set_free(ks);
	profile_free(p);
	fixture_close(&f);
}

TEST(keep_musl_search_order)
{
	struct fixture f;
	if (!fixture_open(&f)) {
		fixture_close(&f);
		return;
	}
	struct profile *p = profile_new();
	profile_add_file(p, "/usr/bin/muslapp", PROFILE_EXEC, true);
	profile_finish(p);
	struct keep_opts o = { .no_certs = true };
	struct keep_set *ks = NULL;
	struct pare_error err = { 0 };
	CHECK_INT(keep_set_new(f.idx, f.root, &o, &ks, &err), 0);
	CHECK_INT(keep_add_profile(ks, p, &err), 0);
	CHECK_INT(keep_finish(ks, &err), 0);
	KEPT("/usr/lib/ld-musl-x86_64.so.1", KEEP_INTERP);
	KEPT("/lib", KEEP_SYMLINK);
	/* musl's search: the path file, then its defaults; libc.so.6 is the dynamic linker itself. */
	KEPT("/opt/musl/lib/libqux.so.1", KEEP_ELF_DEP);
	KEPT("/usr/local/lib/libbaz.so.1", KEEP_ELF_DEP);
	DROPPED(LIB "libc.so.6");
	CHECK(!has_warning(ks, "needed by '/usr/bin/muslapp'"));
	keep_set_free(ks);
	profile_free(p);
	fixture_close(&f);
}

/* A library its needer cannot find by the search, but which the program loaded itself (dlopen by
 * path, as the java launcher loads libjvm.so): ld.so reuses it by its DT_SONAME, so no warning. */
TEST(keep_no_warning_for_a_soname_already_loaded)
{
	struct fixture f;
	if (!fixture_open(&f)) {
		fixture_close(&f);
		return;
	}
	struct profile *p = profile_new();
	profile_add_file(p, "/opt/app/bin/app2", PROFILE_EXEC, true);
	profile_add_file(p, "/opt/app/lib2/libbar2.so.1", PROFILE_OPEN, true);
	profile_finish(p);
	struct keep_opts o = { .no_certs = true };
	struct keep_set *ks = NULL;
	struct pare_error err = { 0 };
	CHECK_INT(keep_set_new(f.idx, f.root, &o, &ks, &err), 0);
	CHECK_INT(keep_add_profile(ks, p, &err), 0);
	CHECK_INT(keep_apply_rules(ks, &err), 0);
	CHECK_INT(keep_finish(ks, &err), 0);
	KEPT("/opt/app/lib2/libbar2.so.1", KEEP_TRACED);
	KEPT("/opt/app/lib2/libfoo2.so.1", KEEP_ELF_DEP);
	CHECK(!has_warning(ks, "'libbar2.so.1'"));
	keep_set_free(ks);
	profile_free(p);
	fixture_close(&f);
}
