#include "lib/tmp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/xalloc.h"

#define LOCK_NAME ".pare-lock"

const char *tmp_base(void)
{
	const char *t = getenv("TMPDIR");
	return (t && t[0] == '/') ? t : "/var/tmp";
}

int tmp_dir_create(char **out, struct pare_error *err)
{
	cleanup_free char *tmpl = xasprintf("%s/pare-%d-XXXXXX", tmp_base(), (int)getpid());
	if (!mkdtemp(tmpl))
		return pare_error_errno(err, "creating a temporary directory in '%s'", tmp_base());
	cleanup_free char *lock = xasprintf("%s/" LOCK_NAME, tmpl);
	/* Held (and deliberately never closed) for this process's lifetime: a live owner keeps the lock. */
	int fd = open(lock, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		pare_error_errno(err, "locking '%s'", lock);
		if (fd >= 0)
			close(fd);
		rmdir(tmpl);
		return -1;
	}
	*out = steal_pointer(&tmpl);
	return 0;
}

/* Remove everything below dirfd; returns 0 or -1 with errno. Never crosses into another
 * filesystem (a mount left behind must not have its contents deleted). */
static int remove_contents(int dirfd, dev_t dev, int depth)
{
	if (depth > 4096) {
		errno = ELOOP;
		return -1;
	}
	/* A directory we own but may not write (0555, e.g. copied up into an overlay's upperdir by a
	 * rootless run): make it writable, or its entries cannot be removed. */
	struct stat dst;
	if (fstat(dirfd, &dst) == 0 && dst.st_uid == geteuid() && (dst.st_mode & 0700) != 0700)
		fchmod(dirfd, (dst.st_mode & 07777) | 0700);
	int fd = dup(dirfd);
	if (fd < 0)
		return -1;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	int ret = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev) {
				errno = EBUSY;
				ret = -1;
				continue;
			}
			int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				/* A directory without search permission for us: make it searchable and retry. */
				fchmodat(dirfd, de->d_name, 0700, 0);
				sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			}
			if (sub < 0 || remove_contents(sub, dev, depth + 1) < 0)
				ret = -1;
			if (sub >= 0)
				close(sub);
			if (unlinkat(dirfd, de->d_name, AT_REMOVEDIR) < 0)
				ret = -1;
		} else if (unlinkat(dirfd, de->d_name, 0) < 0) {
			ret = -1;
		}
	}
	int saved = errno;
	closedir(d);
	errno = saved;
	return ret;
}

int tmp_remove_tree(const char *path, struct pare_error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : pare_error_errno(err, "removing '%s'", path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0)
			return pare_error_errno(err, "removing '%s'", path);
		return 0;
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pare_error_errno(err, "removing '%s'", path);
	int r = remove_contents(fd, st.st_dev, 0);
	close(fd);
	if (r < 0 || rmdir(path) < 0)
		return pare_error_errno(err, "removing '%s'", path);
	return 0;
}

void tmp_reap_stale(void)
{
	const char *base = tmp_base();
	cleanup_dir DIR *d = opendir(base);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		/* Only names tmp_dir_create() makes, "pare-<pid>-XXXXXX": other tools' pare-* are not ours. */
		char *end;
		long pid = strncmp(de->d_name, "pare-", 5) ? -1 : strtol(de->d_name + 5, &end, 10);
		if (pid <= 0 || *end != '-' || strlen(end + 1) != 6)
			continue;
		cleanup_free char *dir = xasprintf("%s/%s", base, de->d_name);
		cleanup_free char *lock = xasprintf("%s/" LOCK_NAME, dir);
		struct stat st;
		if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
			continue;
		cleanup_close int fd = open(lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			/* No lock: its creator died between mkdtemp and locking, or it is being created
			 * right now; reap only old ones whose creating process is gone. */
			if (time(NULL) - st.st_mtime < 60 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
				continue;
		} else if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			continue; /* owner alive */
		}
		tmp_remove_tree(dir, NULL);
	}
}
