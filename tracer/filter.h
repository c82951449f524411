/* The tracer's seccomp filter, generated from the syscall table (tracer/syscalls.c). */
#ifndef PARE_FILTER_H
#define PARE_FILTER_H
#include <stdbool.h>

#include "lib/error.h"

/* Install, in the calling process, the filter that stops (SECCOMP_RET_TRACE, with the table row as
 * data) on every syscall of the table for the x86_64, i386 and x32 ABIs, fails io_uring_setup with
 * ENOSYS and allows everything else. Without CAP_SYS_ADMIN, sets no_new_privs first (the kernel
 * demands it). Meant for a child between fork and exec, after the tracer has seized it: a traced
 * syscall with no tracer attached fails with ENOSYS. With census, every other syscall stops too
 * (SECCOMP_RET_TRACE with TRACER_CENSUS_DATA, tracer/census.h) instead of being allowed; the raw
 * filter's rows still win over it (same action: the newest filter's data is used). */
int tracer_filter_install(bool census, struct pare_error *err);
/* Number of (arch, syscall) rules the filter holds (for tests). */
int tracer_filter_rule_count(void);
#endif
