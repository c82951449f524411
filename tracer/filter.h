/* The tracer's seccomp filter, generated from the syscall table (tracer/syscalls.c). */
#ifndef PARE_FILTER_H
#define PARE_FILTER_H
#include <stdbool.h>

#include "lib/error.h"

/* The filter that stops (SECCOMP_RET_TRACE, with the table row as data) on every syscall of the
 * table for the x86_64, i386 and x32 ABIs, fails io_uring_setup with ENOSYS and allows everything
 * else. With census, every other syscall stops too (SECCOMP_RET_TRACE with TRACER_CENSUS_DATA,
 * tracer/census.h) instead of being allowed; the raw filter's rows still win over it (same action:
 * the newest filter's data is used). Built in the parent (it allocates), loaded in the child. */
struct tracer_filter;
struct tracer_filter *tracer_filter_new(bool census, struct pare_error *err);
void tracer_filter_free(struct tracer_filter *f);
/* Install f in the calling process: only syscalls, no allocation, so it is safe between fork and exec
 * in a child of a multi-threaded process. Without CAP_SYS_ADMIN, sets no_new_privs first (the kernel
 * demands it). Meant for a child after the tracer has seized it: a traced syscall with no tracer
 * attached fails with ENOSYS. */
int tracer_filter_load(const struct tracer_filter *f, struct pare_error *err);
/* Number of (arch, syscall) rules the filter holds (for tests). */
int tracer_filter_rule_count(void);
#endif
