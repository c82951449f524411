#include "lib/json_file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/xalloc.h"

int json_write_atomic(const char *file, const json_t *root, size_t flags, struct pare_error *err)
{
	cleanup_free char *tmp = xasprintf("%s.XXXXXX", file);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return pare_error_errno(err, "writing '%s'", file);
	fchmod(fd, 0644);
	int r = json_dumpfd(root, fd, flags);
	bool ok = r == 0 && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
	if (close(fd) != 0)
		ok = false;
	if (ok && rename(tmp, file) == 0)
		return 0;
	int e = errno ? errno : EIO;
	unlink(tmp);
	errno = e;
	return pare_error_errno(err, "writing '%s'", file);
}
