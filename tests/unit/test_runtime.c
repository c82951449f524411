/* Runtime unit tests: config joining (Docker's rules), env, signals, user resolution; and, as root,
 * a container started from a plain directory with exec_in and stop. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "runtime/internal.h"
#include "image/layer_index.h"
#include "runtime/runtime.h"
#include "tests/unit/image_fixture.h"
#include "tests/unit/unit.h"

TEST(rt_signal_names)
{
	CHECK_INT(rt_signal_parse("SIGTERM"), SIGTERM);
	CHECK_INT(rt_signal_parse("quit"), SIGQUIT);
	CHECK_INT(rt_signal_parse("9"), SIGKILL);
	CHECK_INT(rt_signal_parse("SIGRTMIN+1"), SIGRTMIN + 1);
	CHECK_INT(rt_signal_parse("SIGNOPE"), -1);
	CHECK_INT(rt_signal_parse("0"), -1);
	CHECK_INT(rt_signal_parse(""), -1);
}

TEST(rt_env_docker_order)
{
	char *env[] = { "FOO=1", "PATH=/x", "HOME=/h", "GONE", NULL };
	cleanup_strv char **e = rt_env_build(env, "abc", "/root");
	CHECK_STR(e[0], "PATH=/x");
	CHECK_STR(e[1], "HOSTNAME=abc");
	CHECK_STR(e[2], "FOO=1");
	CHECK_STR(e[3], "HOME=/h");
	CHECK(e[4] == NULL);
	char *env2[] = { "A=1", NULL };
	cleanup_strv char **e2 = rt_env_build(env2, "h", "/home/app");
	CHECK_STR(e2[0], RT_DEFAULT_PATH);
	CHECK_STR(rt_env_get(e2, "HOME"), "/home/app");
	char *extra[] = { "A=2", "B=3", "HOSTNAME", NULL };
	cleanup_strv char **m = rt_env_merge(e2, extra);
	CHECK_STR(rt_env_get(m, "A"), "2");
	CHECK_STR(rt_env_get(m, "B"), "3");
	CHECK(rt_env_get(m, "HOSTNAME") == NULL);
}

static void write_text(const char *dir, const char *name, const char *text)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

TEST(rt_user_resolution)
{
	const char *d = unit_tmpdir();
	cleanup_free char *etc = xasprintf("%s/etc", d);
	mkdir(etc, 0755);
	write_text(etc, "passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n# c\nbad:x:zz:1::/:/\n");
	write_text(etc, "group", "root:x:0:\napp:x:1000:\nextra:x:2000:app,other\nwheel:x:10:root\n");
	int root = open(d, O_PATH | O_DIRECTORY);
	struct rt_user u;
	struct pare_error err = { 0 };
	CHECK_INT(rt_user_resolve(root, NULL, &u, &err), 0);
	CHECK_INT(u.uid, 0);
	CHECK_STR(u.home, "/root");
	CHECK_INT(u.n_groups, 2); /* 0, then wheel */
	rt_user_release(&u);
	CHECK_INT(rt_user_resolve(root, "app", &u, &err), 0);
	CHECK_INT(u.uid, 1000);
	CHECK_INT(u.gid, 1000);
	CHECK_INT(u.n_groups, 2);
	CHECK_INT(u.groups[0], 1000);
	CHECK_INT(u.groups[1], 2000);
	rt_user_release(&u);
	CHECK_INT(rt_user_resolve(root, "app:extra", &u, &err), 0);
	CHECK_INT(u.gid, 2000);
	CHECK_INT(u.n_groups, 1);
	rt_user_release(&u);
	CHECK_INT(rt_user_resolve(root, "4242:77", &u, &err), 0);
	CHECK_INT(u.uid, 4242);
	CHECK_INT(u.gid, 77);
	CHECK_STR(u.home, "/");
	rt_user_release(&u);
	CHECK_INT(rt_user_resolve(root, "nosuch", &u, &err), -1);
	CHECK(strstr(err.msg, "unable to find user nosuch") != NULL);
	CHECK_INT(rt_user_resolve(root, "app:nogroup", &u, &err), -1);
	CHECK(strstr(err.msg, "unable to find group nogroup") != NULL);
	close(root);
}

TEST(rt_inroot_stays_inside)
{
	const char *d = unit_tmpdir();
	cleanup_free char *lnk = xasprintf("%s/escape", d);
	CHECK_INT(symlink("/../../../../tmp", lnk), 0);
	int root = open(d, O_PATH | O_DIRECTORY);
	/* "/escape" -> "/tmp" resolves to <root>/tmp, created inside the root. */
	int fd = rt_mkdir_in_root(root, "/escape/sub", 0755);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	cleanup_free char *inside = xasprintf("%s/tmp/sub", d);
	struct stat st;
	CHECK_INT(stat(inside, &st), 0);
	close(root);
}

/* As root: a container from a directory holding a static busybox. */
TEST(rt_container_exec_and_stop)
{
	if (geteuid() != 0 || access("/bin/busybox", X_OK) != 0)
		return;
	const char *d = unit_tmpdir();
	cleanup_free char *rootdir = xasprintf("%s/rootfs", d), *bin = xasprintf("%s/rootfs/bin", d);
	mkdir(rootdir, 0755);
	mkdir(bin, 0755);
	cleanup_free char *cmd = xasprintf("cp /bin/busybox %s/busybox", bin);
	CHECK_INT(system(cmd), 0);
	cleanup_free char *sh = xasprintf("%s/sh", bin);
	CHECK_INT(symlink("busybox", sh), 0);
	struct rt_rootfs *rootfs = rt_rootfs_from_dir(rootdir);
	struct rt_config cfg;
	rt_config_init(&cfg);
	char *argv[] = { "/bin/sh", "-c", "trap 'exit 42' TERM; echo x > /marker; while :; do sleep 1; done", NULL };
	cfg.argv = strv_dup(argv);
	cfg.hostname = xstrdup("unit-host");
	struct rt_container *c = NULL;
	struct pare_error err = { 0 };
	CHECK_INT(rt_container_start(&cfg, rootfs, NULL, &c, &err), 0);
	if (!c) {
		printf("# %s\n", err.msg);
		rt_rootfs_free(rootfs);
		rt_config_release(&cfg);
		return;
	}
	char *probe[] = { "/bin/sh", "-c", "test \"$(hostname)\" = unit-host && test $$ != 1 && exit 7", NULL };
	int status = -1;
	CHECK_INT(rt_container_exec_in(c, probe, NULL, &status, &err), 0);
	CHECK_INT(status, 7);
	char *wait_marker[] = { "/bin/sh", "-c", "while ! test -e /marker; do sleep 0.1; done", NULL };
	CHECK_INT(rt_container_exec_in(c, wait_marker, NULL, &status, &err), 0);
	CHECK_INT(status, 0);
	cleanup_free char *marker = xasprintf("%s/marker", rt_container_upperdir(c));
	CHECK(access(marker, F_OK) == 0);
	CHECK_INT(rt_container_stop(c, 10), 0);
	CHECK_INT(rt_container_wait(c, &status, &err), 0);
	CHECK_INT(status, 42);
	cleanup_free char *dir = xstrdup(rt_container_dir(c));
	rt_container_free(c);
	CHECK(access(dir, F_OK) != 0);
	rt_rootfs_free(rootfs);
	CHECK(access(rootdir, F_OK) == 0); /* a caller's directory is left alone */
	rt_config_release(&cfg);
}

/* The staged unpack (index built while the layers are read, content renamed into place) makes the
 * same tree as the unpack that streams the layers again: types, modes, owners, times, sizes,
 * content, link targets, hardlink counts, xattrs; what stays staged is only the content that later
 * layers replaced or deleted. */
TEST(rt_unpack_staged_same_tree)
{
	static const char spec[] =
		"{\"format\": \"oci-archive\", \"layers\": ["
		" {\"entries\": ["
		"  {\"path\": \"bin\", \"type\": \"dir\", \"mode\": \"0755\", \"mtime\": 1000},"
		"  {\"path\": \"bin/tool\", \"content\": \"TOOL\", \"mode\": \"04755\", \"mtime\": 1001},"
		"  {\"path\": \"bin/tool2\", \"type\": \"hardlink\", \"target\": \"bin/tool\"},"
		"  {\"path\": \"bin/ping\", \"content\": \"PING\", \"xattrs\": {\"security.capability\": \"hex:0100000200240000000000000000000000000000\"}},"
		"  {\"path\": \"srv\", \"type\": \"dir\", \"mode\": \"0555\", \"uid\": 5, \"gid\": 6},"
		"  {\"path\": \"srv/data\", \"content\": \"old\", \"uid\": 5, \"gid\": 6, \"mode\": \"0600\"},"
		"  {\"path\": \"srv/empty\", \"content\": \"\"},"
		"  {\"path\": \"srv/big\", \"size\": 3000000},"
		"  {\"path\": \"gone/file\", \"content\": \"deleted later\"},"
		"  {\"path\": \"ln\", \"type\": \"symlink\", \"target\": \"/bin/tool\"},"
		"  {\"path\": \"fifo\", \"type\": \"fifo\"}"
		" ]},"
		" {\"compress\": \"gzip\", \"entries\": ["
		"  {\"path\": \"srv/data\", \"content\": \"new content\", \"uid\": 7, \"mode\": \"0640\", \"mtime\": 77},"
		"  {\"type\": \"whiteout\", \"path\": \"gone\"},"
		"  {\"path\": \"kept\", \"type\": \"hardlink\", \"target\": \"bin/ping\"}"
		" ]}"
		"]}";
	cleanup_free char *src = fixture_image(spec, "staged.tar");
	if (!src)
		return;
	struct pare_error err = { 0 };
	struct image *img = NULL;
	struct layer_index *idx = NULL, *idx2 = NULL;
	CHECK_INT(image_open(src, NULL, &img, &err), 0);
	if (!img)
		return;
	CHECK_INT(layer_index_build(img, &idx, &err), 0);
	const char *d = unit_tmpdir();
	cleanup_free char *a = xasprintf("%s/a", d), *b = xasprintf("%s/b", d), *st = xasprintf("%s/stage", d);
	CHECK_INT(mkdir(a, 0755) | mkdir(b, 0755) | mkdir(st, 0700), 0);
	int afd = open(a, O_RDONLY | O_DIRECTORY), bfd = open(b, O_RDONLY | O_DIRECTORY), sfd = open(st, O_RDONLY | O_DIRECTORY);
	CHECK_INT(rt_unpack(img, idx, afd, NULL, &err), 0);
	struct rt_stage stage = { .dirfd = sfd };
	struct layer_index_content content = { rt_stage_content, &stage };
	CHECK_INT(layer_index_build_with(img, &content, &idx2, &err), 0);
	free(stage.buf);
	if (idx2)
		CHECK_INT(rt_unpack_staged(img, idx2, bfd, sfd, NULL, &err), 0);
	if (err.msg[0])
		unit_fail(__FILE__, __LINE__, "%s", err.msg);
	close(afd);
	close(bfd);
	close(sfd);
	/* Both trees listed (xattrs by a small script) and compared; two files left staged. */
	cleanup_free char *xa = xasprintf("%s/xattrs.py", d);
	FILE *f = fopen(xa, "w");
	if (f) {
		fputs("import os\n"
		      "for r, ds, fs in sorted(os.walk('.')):\n"
		      "    for x in sorted(ds + fs):\n"
		      "        p = os.path.join(r, x)\n"
		      "        for n in sorted(os.listxattr(p, follow_symlinks=False)):\n"
		      "            print(p, n, os.getxattr(p, n, follow_symlinks=False).hex())\n",
		      f);
		fclose(f);
	}
	cleanup_free char *cmd = xasprintf(
		"set -e; cd %s; for t in a b; do (cd $t && find . -printf '%%p %%y %%m %%U %%G %%T@ %%s %%l %%n\\n' | sort && "
		"find . -type f -exec sha256sum {} + | sort && python3 ../xattrs.py) > $t.list; done; "
		"cmp a.list b.list; test \"$(ls stage | wc -l)\" = 2; grep -q 'security.capability' a.list",
		d);
	CHECK_INT(system(cmd), 0);
	layer_index_free(idx);
	layer_index_free(idx2);
	image_free(img);
}
