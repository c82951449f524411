/* Reading a traced process's memory: process_vm_readv, page by page for strings, with /proc/PID/mem
 * as the fallback (kernels or setups where process_vm_readv is refused). */
#ifndef PARE_TRACER_MEMORY_H
#define PARE_TRACER_MEMORY_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read exactly n bytes at addr. 0 or -1 (errno set). */
int tracee_read(pid_t pid, uint64_t addr, void *buf, size_t n);
/* Read a NUL-terminated string of at most size-1 bytes at addr into buf, never touching a page past
 * its end. Returns its length, or -1 (errno: EFAULT for a bad pointer, ENAMETOOLONG when too long). */
ssize_t tracee_read_string(pid_t pid, uint64_t addr, char *buf, size_t size);
#endif
