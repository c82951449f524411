#include "tracer/memory.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096u

static ssize_t read_proc_mem(pid_t pid, uint64_t addr, void *buf, size_t n)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = pread(fd, buf, n, (off_t)addr);
	int e = errno;
	close(fd);
	errno = e;
	if (r == 0) {
		errno = EFAULT;
		return -1;
	}
	return r;
}

/* Up to n bytes, stopping short at an unmapped page; -1 when nothing could be read. */
static ssize_t read_some(pid_t pid, uint64_t addr, void *buf, size_t n)
{
	struct iovec local = { buf, n }, remote = { (void *)(uintptr_t)addr, n };
	ssize_t r = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (r < 0 && (errno == ENOSYS || errno == EPERM))
		r = read_proc_mem(pid, addr, buf, n);
	return r;
}

int tracee_read(pid_t pid, uint64_t addr, void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = read_some(pid, addr + done, (char *)buf + done, n - done);
		if (r <= 0) {
			if (r == 0)
				errno = EFAULT;
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

ssize_t tracee_read_string(pid_t pid, uint64_t addr, char *buf, size_t size)
{
	size_t len = 0;
	if (!addr) {
		errno = EFAULT;
		return -1;
	}
	while (len + 1 < size) {
		/* Never ask for bytes past the end of the page the string continues on. */
		size_t chunk = PAGE - (size_t)((addr + len) % PAGE);
		if (chunk > size - 1 - len)
			chunk = size - 1 - len;
		ssize_t r = read_some(pid, addr + len, buf + len, chunk);
		if (r <= 0) {
			errno = EFAULT;
			return -1;
		}
		char *nul = memchr(buf + len, '\0', (size_t)r);
		if (nul)
			return nul - buf;
		len += (size_t)r;
	}
	errno = ENAMETOOLONG;
	return -1;
}
