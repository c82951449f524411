/* The container's filesystem, built in PID 1's private mount namespace (nothing reaches the host):
 * overlay (unpacked image as lowerdir, per-run upperdir), /proc, /dev, /sys, /etc/{hosts,hostname,
 * resolv.conf}, VOLUME paths, binds, working dir, then pivot_root and Docker's masked/read-only paths.
 * Every target inside the image is resolved with openat2(RESOLVE_IN_ROOT) and mounted through its
 * /proc/self/fd/N path, so symlinks in the image cannot redirect a mount outside the root. */
#include "runtime/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/xalloc.h"

/* Docker's /dev: these nodes (created with mknod as root, bind-mounted from the host otherwise). */
static const struct {
	const char *name;
	unsigned major, minor;
} dev_nodes[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const struct {
	const char *name, *target;
} dev_links[] = {
	{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" }, { "ptmx", "pts/ptmx" },
};

/* Docker's defaults (moby oci/defaults.go). */
static const char *const masked_paths[] = {
	"/proc/asound",     "/proc/acpi",         "/proc/kcore",      "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi",       "/sys/firmware",      "/sys/devices/virtual/powercap",
};
static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static int mount_on_fd(const char *src, int fd, const char *type, unsigned long flags, const char *data)
{
	char p[RT_FD_PATH_MAX];
	rt_fd_path(fd, p);
	return mount(src, p, type, flags, data);
}

/* Mount a fresh filesystem on a directory inside the root; returns an O_PATH fd of the new mount's
 * root (re-resolved: the old fd still points at the covered directory). */
static int mount_fs_in_root(int rootfd, const char *path, const char *src, const char *type, unsigned long flags,
			    const char *data, struct pare_error *err)
{
	cleanup_close int t = rt_mount_target_in_root(rootfd, path, true);
	if (t < 0)
		return pare_error_errno(err, "creating mount point '%s'", path);
	if (mount_on_fd(src, t, type, flags, data) < 0)
		return pare_error_errno(err, "mounting %s on '%s'", type, path);
	int fd = rt_open_in_root(rootfd, path, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return pare_error_errno(err, "opening '%s'", path);
	return fd;
}

static int bind_in_root(int rootfd, const char *src, const char *path, bool dir, unsigned long extra,
			struct pare_error *err)
{
	cleanup_close int t = rt_mount_target_in_root(rootfd, path, dir);
	if (t < 0)
		return pare_error_errno(err, "creating mount point '%s'", path);
	if (mount_on_fd(src, t, NULL, MS_BIND | extra, NULL) < 0)
		return pare_error_errno(err, "bind-mounting '%s' on '%s'", src, path);
	return 0;
}

/* Make a bind mount read-only, keeping the flags the kernel locks in a user namespace. */
static int remount_ro(const char *path)
{
	struct statvfs sv;
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
	if (statvfs(path, &sv) == 0) {
		if (sv.f_flag & ST_NOSUID)
			flags |= MS_NOSUID;
		if (sv.f_flag & ST_NODEV)
			flags |= MS_NODEV;
		if (sv.f_flag & ST_NOEXEC)
			flags |= MS_NOEXEC;
		if (sv.f_flag & ST_NOATIME)
			flags |= MS_NOATIME;
		if (sv.f_flag & ST_RELATIME)
			flags |= MS_RELATIME;
	}
	return mount(NULL, path, NULL, flags, NULL);
}

/* With a disk limit the writable layer (upper + work) lives on a tmpfs of that size, mounted here in
 * PID 1's namespace: the application gets ENOSPC at the limit instead of filling the host's disk, and
 * the tmpfs goes away with the container (nothing to unmount after a crash). tmpfs takes memory only
 * for what is written. Sets a->layer_fd (O_PATH) for pare. */
static int mount_layer(struct rt_child_args *a, struct pare_error *err)
{
	cleanup_free char *layer = xasprintf("%s/layer", a->run_dir);
	unsigned long long limit = a->cfg->disk_limit;
	/* Inodes cost memory too (not counted in size=): one per 4 KiB of the limit, at least 16384. */
	unsigned long long inodes = limit / 4096 < 16384 ? 16384 : limit / 4096;
	cleanup_free char *opts = xasprintf("size=%llu,nr_inodes=%llu,mode=0755", limit, inodes);
	if (mount("pare-layer", layer, "tmpfs", MS_NODEV | MS_NOSUID, opts) < 0)
		return pare_error_errno(err, "mounting the writable layer (tmpfs, --disk-limit) on '%s'", layer);
	cleanup_close int fd = open(layer, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pare_error_errno(err, "opening '%s'", layer);
	char p[RT_FD_PATH_MAX + 8];
	static const char *const sub[] = { "upper", "work" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", fd, sub[i]);
		if (mkdir(p, 0755) < 0)
			return pare_error_errno(err, "creating the writable layer's %s directory", sub[i]);
	}
	a->layer_fd = steal_fd(&fd);
	return 0;
}

/* The overlay with its upper and work directories in base. */
static int mount_overlay_on(struct rt_child_args *a, const char *base, struct pare_error *err)
{
	cleanup_free char *upper = xasprintf("%s/upper", base), *work = xasprintf("%s/work", base);
	cleanup_free char *root = xasprintf("%s/root", a->run_dir);
	/* fds, not paths, in the options: a cache path with ',' or ':' cannot break them. */
	cleanup_close int lfd = open(a->lower, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int ufd = open(upper, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int wfd = open(work, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (lfd < 0 || ufd < 0 || wfd < 0)
		return pare_error_errno(err, "opening the overlay directories");
	/* volatile: the upper directory is the run's scratch space, removed after the run, so nothing
	 * needs syncing. Without it the overlay's last unmount runs sync_filesystem() on the upper's
	 * filesystem: all of its dirty data, the whole image just unpacked into the cache included
	 * (measured 0.3-1.6 s at the end of each pare build here). Kernels before 5.10 lack it. */
	for (int vol = 1; vol >= 0; vol--) {
		cleanup_free char *opts = xasprintf("lowerdir=/proc/self/fd/%d,upperdir=/proc/self/fd/%d,workdir=/proc/self/fd/%d%s%s",
						    lfd, ufd, wfd, a->userns ? ",userxattr" : "", vol ? ",volatile" : "");
		/* nodev: a device node the application makes with CAP_MKNOD (or one left in the upper
		 * directory) must not open the host's device; pare has no device cgroup to stop it as Docker has. */
		if (mount("overlay", root, "overlay", MS_NODEV, opts) == 0)
			return 0; /* else again without volatile: that attempt's error is the one reported */
	}
	return pare_error_errno(err, "mounting the overlay on '%s'", root);
}

/* Rootless, the overlay needs user.* xattrs on its upper filesystem, which tmpfs has only since Linux
 * 6.6: on older kernels the writable layer falls back to $TMPDIR's disk, unlimited, with a warning,
 * rather than the run failing. (PARE_TEST_NO_TMPFS_LAYER makes the tmpfs attempt fail, for tests.) */
static int mount_overlay(struct rt_child_args *a, struct pare_error *err)
{
	if (!a->cfg->disk_limit)
		return mount_overlay_on(a, a->run_dir, err);
	if (mount_layer(a, err) < 0)
		return -1;
	cleanup_free char *layer = xasprintf("%s/layer", a->run_dir);
	if (!(a->userns && getenv("PARE_TEST_NO_TMPFS_LAYER")) && mount_overlay_on(a, layer, err) == 0)
		return 0;
	if (!a->userns)
		return -1;
	pare_info("pare: warning: --disk-limit not applied: the overlay cannot use a tmpfs here rootless (%s); "
		  "the container's writes go to $TMPDIR's disk\n", err->msg[0] ? err->msg : "refused for tests");
	*err = (struct pare_error){ 0 };
	close(a->layer_fd);
	a->layer_fd = -1;
	if (umount2(layer, MNT_DETACH) < 0)
		return pare_error_errno(err, "unmounting the writable layer's tmpfs");
	static const char *const sub[] = { "upper", "work" };
	for (size_t i = 0; i < 2; i++) {
		cleanup_free char *p = xasprintf("%s/%s", a->run_dir, sub[i]);
		if (mkdir(p, 0755) < 0)
			return pare_error_errno(err, "creating '%s'", p);
	}
	return mount_overlay_on(a, a->run_dir, err);
}

/* /dev is a nodev tmpfs holding bind mounts of the host's harmless nodes (each bind is its own mount,
 * so it works): a node the application makes there with CAP_MKNOD cannot open a host device. */
static int setup_dev(int rootfd, struct pare_error *err)
{
	cleanup_close int dev = mount_fs_in_root(rootfd, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV,
						 "mode=755,size=65536k", err);
	if (dev < 0)
		return -1;
	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		const char *name = dev_nodes[i].name;
		cleanup_close int f = openat(dev, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (f < 0)
			return pare_error_errno(err, "creating /dev/%s", name);
		cleanup_free char *host = xasprintf("/dev/%s", name);
		char tgt[RT_FD_PATH_MAX + 64];
		snprintf(tgt, sizeof(tgt), "/proc/self/fd/%d/%s", dev, name);
		if (mount(host, tgt, NULL, MS_BIND, NULL) < 0)
			return pare_error_errno(err, "bind-mounting %s", host);
	}
	char p[RT_FD_PATH_MAX + 64];
	if (mkdirat(dev, "pts", 0755) < 0)
		return pare_error_errno(err, "creating /dev/pts");
	snprintf(p, sizeof(p), "/proc/self/fd/%d/pts", dev);
	if (mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0 &&
	    mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0)
		return pare_error_errno(err, "mounting /dev/pts");
	if (mkdirat(dev, "shm", 01777) < 0)
		return pare_error_errno(err, "creating /dev/shm");
	snprintf(p, sizeof(p), "/proc/self/fd/%d/shm", dev);
	if (mount("shm", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") < 0)
		return pare_error_errno(err, "mounting /dev/shm");
	if (mkdirat(dev, "mqueue", 01777) < 0)
		return pare_error_errno(err, "creating /dev/mqueue");
	snprintf(p, sizeof(p), "/proc/self/fd/%d/mqueue", dev);
	if (mount("mqueue", p, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		pare_debug("pare: /dev/mqueue not mounted: %s\n", strerror(errno));
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++)
		if (symlinkat(dev_links[i].target, dev, dev_links[i].name) < 0)
			return pare_error_errno(err, "creating /dev/%s", dev_links[i].name);
	return 0;
}

static int setup_sys(int rootfd, struct pare_error *err)
{
	cleanup_close int t = rt_mount_target_in_root(rootfd, "/sys", true);
	if (t < 0)
		return pare_error_errno(err, "creating mount point '/sys'");
	unsigned long fl = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	if (mount_on_fd("sysfs", t, "sysfs", fl, NULL) == 0)
		return 0;
	/* A user namespace sharing the host's network namespace may not mount sysfs: bind it read-only. */
	char p[RT_FD_PATH_MAX];
	rt_fd_path(t, p);
	if (mount("/sys", p, NULL, MS_BIND | MS_REC, NULL) < 0)
		return pare_error_errno(err, "mounting /sys");
	cleanup_close int s = rt_open_in_root(rootfd, "/sys", O_PATH | O_DIRECTORY, 0);
	char sp[RT_FD_PATH_MAX];
	rt_fd_path(s, sp);
	if (s < 0 || remount_ro(sp) < 0)
		return pare_error_errno(err, "making /sys read-only");
	return 0;
}

static int setup_binds(int rootfd, const struct rt_config *cfg, struct pare_error *err)
{
	for (size_t i = 0; i < cfg->n_binds; i++) {
		const struct rt_bind *b = &cfg->binds[i];
		struct stat st;
		if (stat(b->source, &st) < 0)
			return pare_error_errno(err, "bind source '%s'", b->source);
		if (bind_in_root(rootfd, b->source, b->target, S_ISDIR(st.st_mode), MS_REC, err) < 0)
			return -1;
		if (b->readonly) {
			cleanup_close int t = rt_open_in_root(rootfd, b->target, O_PATH, 0);
			char p[RT_FD_PATH_MAX];
			rt_fd_path(t, p);
			if (t < 0 || remount_ro(p) < 0)
				return pare_error_errno(err, "making '%s' read-only", b->target);
		}
	}
	return 0;
}

static int pivot(int rootfd, struct pare_error *err)
{
	if (fchdir(rootfd) < 0)
		return pare_error_errno(err, "entering the root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return pare_error_errno(err, "pivot_root");
	/* The old root is now stacked on "."; detach it (in this namespace only). */
	if (umount2(".", MNT_DETACH) < 0)
		return pare_error_errno(err, "detaching the old root");
	if (chdir("/") < 0)
		return pare_error_errno(err, "chdir /");
	return 0;
}

static void mask_paths(void)
{
	for (size_t i = 0; i < sizeof(readonly_paths) / sizeof(readonly_paths[0]); i++) {
		const char *p = readonly_paths[i];
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) == 0)
			remount_ro(p);
	}
	for (size_t i = 0; i < sizeof(masked_paths) / sizeof(masked_paths[0]); i++) {
		const char *p = masked_paths[i];
		struct stat st;
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL);
		else
			mount("/dev/null", p, NULL, MS_BIND, NULL);
	}
}

/* Docker puts an empty /.dockerenv (0755, root) into every container; programs and entrypoint scripts
 * test it to know they run in a container (Node's is-docker, `[ -f /.dockerenv ]`). It goes to the
 * overlay's upper layer, never into the image. An image's own /.dockerenv is left as it is. */
static void mark_docker_env(int rootfd)
{
	int fd = rt_open_in_root(rootfd, "/.dockerenv", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);
	if (fd < 0)
		return;
	if (fchmod(fd, 0755) < 0 || fchown(fd, 0, 0) < 0)
		pare_debug("pare: /.dockerenv: %s\n", strerror(errno));
	close(fd);
}

int rt_setup_mounts(struct rt_child_args *a, struct pare_error *err)
{
	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return pare_error_errno(err, "making the mounts private");
	if (mount_overlay(a, err) < 0)
		return -1;
	cleanup_free char *root = xasprintf("%s/root", a->run_dir);
	cleanup_close int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return pare_error_errno(err, "opening '%s'", root);
	cleanup_close int proc = mount_fs_in_root(rootfd, "/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err);
	if (proc < 0 || setup_dev(rootfd, err) < 0 || setup_sys(rootfd, err) < 0)
		return -1;
	static const char *const etc[] = { "hosts", "hostname", "resolv.conf" };
	for (size_t i = 0; i < 3; i++) {
		cleanup_free char *src = xasprintf("%s/%s", a->run_dir, etc[i]);
		cleanup_free char *dst = xasprintf("/etc/%s", etc[i]);
		if (bind_in_root(rootfd, src, dst, false, 0, err) < 0)
			return -1;
	}
	for (size_t i = 0; a->cfg->volumes && a->cfg->volumes[i]; i++) {
		int fd = rt_mkdir_in_root(rootfd, a->cfg->volumes[i], 0755);
		if (fd < 0)
			return pare_error_errno(err, "creating volume '%s'", a->cfg->volumes[i]);
		close(fd);
	}
	if (setup_binds(rootfd, a->cfg, err) < 0)
		return -1;
	mark_docker_env(rootfd);
	if (a->cfg->cwd) {
		int fd = rt_mkdir_in_root(rootfd, a->cfg->cwd, 0755);
		if (fd < 0)
			return pare_error_errno(err, "creating the working directory '%s'", a->cfg->cwd);
		close(fd);
	}
	if (pivot(rootfd, err) < 0)
		return -1;
	mask_paths();
	return 0;
}
