/* Paths inside a container root, resolved by the kernel (openat2 RESOLVE_IN_ROOT): a symlink in the
 * image can never make the runtime create, open or mount anything outside the root. */
#include "runtime/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/path.h"
#include "lib/xalloc.h"

int rt_open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	return rt_openat2(rootfd, path, flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

int rt_openat2(int rootfd, const char *path, int flags, mode_t mode, unsigned long long resolve)
{
	struct open_how how = { 0 };
	how.flags = (unsigned long long)(flags | O_CLOEXEC);
	how.mode = (flags & O_CREAT) ? mode : 0;
	how.resolve = resolve;
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	int fd;
	do
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	while (fd < 0 && (errno == EAGAIN || errno == EINTR));
	return fd;
}

void rt_fd_path(int fd, char buf[RT_FD_PATH_MAX])
{
	snprintf(buf, RT_FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

static int mkdir_in_root(int rootfd, const char *path, mode_t mode, int depth);

/* `name` under pfd exists but does not resolve: a dangling symlink. Create what it points to (as the
 * kernel would resolve it inside the root), like Docker's MkdirAll on a symlinked path. */
static int mkdir_link_target(int rootfd, int pfd, const char *dir, const char *name, mode_t mode, int depth)
{
	char target[4096];
	ssize_t n = readlinkat(pfd, name, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	cleanup_free char *dest = path_join(dir, target);
	int fd = mkdir_in_root(rootfd, dest, mode, depth + 1);
	if (fd >= 0)
		close(fd);
	return fd < 0 ? -1 : 0;
}

int rt_mkdir_in_root(int rootfd, const char *path, mode_t mode)
{
	return mkdir_in_root(rootfd, path, mode, 0);
}

static int mkdir_in_root(int rootfd, const char *path, mode_t mode, int depth)
{
	if (depth > 40) {
		errno = ELOOP;
		return -1;
	}
	cleanup_free char *norm = path_normalize(path);
	int fd = rt_open_in_root(rootfd, norm, O_PATH | O_DIRECTORY, 0);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	/* Walk down from the root: each prefix is resolved in the root, then its child created. */
	size_t len = strlen(norm);
	for (size_t i = 1; i <= len; i++) {
		if (norm[i] != '/' && norm[i] != '\0')
			continue;
		char saved = norm[i];
		norm[i] = '\0';
		cleanup_free char *parent = path_dirname(norm);
		const char *name = path_basename(norm);
		int cur = rt_open_in_root(rootfd, norm, O_PATH | O_DIRECTORY, 0);
		if (cur < 0 && errno == ENOENT) {
			cleanup_close int pfd = rt_open_in_root(rootfd, parent, O_PATH | O_DIRECTORY, 0);
			if (pfd < 0)
				return -1;
			if (mkdirat(pfd, name, mode) < 0) {
				if (errno != EEXIST || mkdir_link_target(rootfd, pfd, parent, name, mode, depth) < 0)
					return -1;
			}
			/* mkdir honours the umask; set the mode we were asked for. */
			cleanup_close int nfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (nfd >= 0) {
				if (fchown(nfd, 0, 0) < 0 && errno != EPERM && errno != EINVAL)
					return -1;
				fchmod(nfd, mode);
			}
			cur = rt_open_in_root(rootfd, norm, O_PATH | O_DIRECTORY, 0);
		}
		norm[i] = saved;
		if (cur < 0)
			return -1;
		if (saved == '\0')
			return cur;
		close(cur);
	}
	errno = ENOENT;
	return -1;
}

int rt_mount_target_in_root(int rootfd, const char *path, bool want_dir)
{
	int fd = rt_open_in_root(rootfd, path, O_PATH, 0);
	if (fd < 0 && errno == ENOENT) {
		if (want_dir)
			return rt_mkdir_in_root(rootfd, path, 0755);
		cleanup_free char *norm = path_normalize(path);
		cleanup_free char *parent = path_dirname(norm);
		cleanup_close int pfd = rt_mkdir_in_root(rootfd, parent, 0755);
		if (pfd < 0)
			return -1;
		cleanup_close int dfd = rt_open_in_root(rootfd, parent, O_RDONLY | O_DIRECTORY, 0);
		if (dfd < 0)
			return -1;
		/* O_EXCL: a dangling symlink in the last component is not followed. */
		cleanup_close int nfd = openat(dfd, path_basename(norm), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (nfd < 0)
			return -1;
		fd = rt_open_in_root(rootfd, norm, O_PATH, 0);
	}
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	if (want_dir != !!S_ISDIR(st.st_mode)) {
		close(fd);
		errno = want_dir ? ENOTDIR : EISDIR;
		return -1;
	}
	return fd;
}
