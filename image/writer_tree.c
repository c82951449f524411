/* Regular files' content from an unpacked tree (image_write_opts.content_dir) instead of the
 * layers: `pare build` already holds the image unpacked (and digest-verified while unpacking), so
 * the slim layer's few kept files are read from there rather than by streaming every source layer
 * again. A file is taken only when the kernel reaches it inside the tree without following any
 * symlink and it is a regular file of the index's size; anything else makes the caller stream the
 * layers as without a tree. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "image/writer_int.h"

int writer_tree_open(int rootfd, const struct fs_entry *fe, bool path_only)
{
	struct open_how how = { 0 };
	how.flags = (path_only ? O_PATH : O_RDONLY | O_NOCTTY) | O_NOFOLLOW | O_CLOEXEC;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
	const char *rel = fe->path;
	while (*rel == '/')
		rel++;
	if (!*rel) {
		errno = EISDIR;
		return -1;
	}
	int fd;
	do
		fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	while (fd < 0 && (errno == EAGAIN || errno == EINTR));
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != fe->size) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}
