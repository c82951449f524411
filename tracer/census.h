/* The syscall census (doc/TRACER.md, "Syscall census"): the set of syscalls the traced processes
 * made, per ABI, for pare build's --seccomp-profile. With tracer_options.census the filter stops on
 * every syscall (its default action is SECCOMP_RET_TRACE with TRACER_CENSUS_DATA); the loop notes
 * the number and resumes at once. */
#ifndef PARE_CENSUS_H
#define PARE_CENSUS_H
#include <stdint.h>

#include "tracer/profile.h"

#define TRACER_CENSUS_DATA 0xffff /* SECCOMP_RET_DATA of a stop that is only for the census */

enum census_abi { CENSUS_X86_64, CENSUS_I386, CENSUS_X32 };

/* Notes syscall nr of a stop (seccomp_data.arch, seccomp_data.nr). */
void census_note(struct profile_census *c, uint32_t audit_arch, uint64_t nr);
/* Adds src's syscalls; the result is complete only when both were. */
void census_merge(struct profile_census *into, const struct profile_census *src);
/* The names of the syscalls seen on abi (libseccomp's), sorted, NULL-terminated (caller frees;
 * a number libseccomp does not know is named "NR"); *n receives their count. */
char **census_names(const struct profile_census *c, enum census_abi abi, size_t *n);
/* "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32". */
const char *census_abi_scmp_name(enum census_abi abi);
#endif
