/* The syscall census (see census.h). */
#include "tracer/census.h"

#include <linux/audit.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

#define X32_SYSCALL_BIT 0x40000000u

void census_note(struct profile_census *c, uint32_t audit_arch, uint64_t nr)
{
	enum census_abi abi = CENSUS_X86_64;
	if (audit_arch == AUDIT_ARCH_I386)
		abi = CENSUS_I386;
	else if (audit_arch != AUDIT_ARCH_X86_64)
		return; /* the filter admits no other architecture */
	else if (nr & X32_SYSCALL_BIT)
		abi = CENSUS_X32;
	nr &= ~(uint64_t)X32_SYSCALL_BIT;
	if (nr < PROFILE_CENSUS_NR)
		c->bits[abi][nr / 64] |= 1ull << (nr % 64);
}

void census_merge(struct profile_census *into, const struct profile_census *src)
{
	into->complete = into->complete && src->complete;
	for (int a = 0; a < PROFILE_CENSUS_ABIS; a++)
		for (int i = 0; i < PROFILE_CENSUS_NR / 64; i++)
			into->bits[a][i] |= src->bits[a][i];
}

static const uint32_t scmp_arch[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 };

const char *census_abi_scmp_name(enum census_abi abi)
{
	static const char *names[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" };
	return names[abi];
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **census_names(const struct profile_census *c, enum census_abi abi, size_t *n)
{
	char **v = xcalloc(PROFILE_CENSUS_NR + 1, sizeof(char *));
	size_t k = 0;
	for (unsigned nr = 0; nr < PROFILE_CENSUS_NR; nr++) {
		if (!(c->bits[abi][nr / 64] & (1ull << (nr % 64))))
			continue;
		int num = (int)(abi == CENSUS_X32 ? (nr | X32_SYSCALL_BIT) : nr);
		char *name = seccomp_syscall_resolve_num_arch(scmp_arch[abi], num);
		v[k++] = name ? name : xasprintf("%u", nr);
	}
	qsort(v, k, sizeof(char *), cmp_str);
	*n = k;
	return v;
}
