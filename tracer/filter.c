#include "tracer/filter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracer/census.h"
#include "tracer/syscalls.h"

#define X32_SYSCALL_BIT 0x40000000

static const uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 };
#define N_ARCHES (sizeof(arches) / sizeof(arches[0]))

/* A row libseccomp cannot express on a non-native ABI (a syscall newer than the library): the
 * number it has there, for the small supplementary BPF filter. */
struct raw_rule {
	uint32_t audit_arch;
	uint32_t nr;
	uint16_t row;
};

static int row_number(const struct tracer_syscall *row, uint32_t arch)
{
	int nr = seccomp_syscall_resolve_name_arch(arch, row->name);
	if (nr != __NR_SCMP_ERROR)
		return nr;
	if (row->unified_nr < 0)
		return __NR_SCMP_ERROR;
	return arch == SCMP_ARCH_X32 ? (row->unified_nr | X32_SYSCALL_BIT) : row->unified_nr;
}

/* Adds the rules libseccomp knows; collects the others into raw[]. Returns the number of raw rules. */
static int add_rules(scmp_filter_ctx ctx, struct raw_rule *raw, int *n_rules, struct pare_error *err)
{
	int n_raw = 0;
	*n_rules = 0;
	for (unsigned i = 0; i < tracer_n_syscalls; i++) {
		const struct tracer_syscall *row = &tracer_syscalls[i];
		int nr = seccomp_syscall_resolve_name(row->name);
		if (nr != __NR_SCMP_ERROR) {
			int r = (row->flags & SC_SKIP_EMPTY_PATH)
					? seccomp_rule_add(ctx, SCMP_ACT_TRACE(i), nr, 1,
							   SCMP_CMP((unsigned)row->flags_arg, SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0))
					: seccomp_rule_add(ctx, SCMP_ACT_TRACE(i), nr, 0);
			if (r < 0) {
				errno = -r;
				return pare_error_errno(err, "seccomp rule for '%s'", row->name);
			}
			(*n_rules)++;
			continue;
		}
		if (row->unified_nr < 0)
			continue; /* unknown to this libseccomp and without a fixed number: not on x86 */
		int r = seccomp_rule_add_exact(ctx, SCMP_ACT_TRACE(i), row->unified_nr, 0);
		(void)r; /* native x86_64 works; i386 and x32 go to the raw filter in any case */
		for (unsigned a = 0; a < N_ARCHES; a++) {
			if (arches[a] == SCMP_ARCH_X86_64 && r == 0)
				continue;
			raw[n_raw++] = (struct raw_rule){
				.audit_arch = arches[a] == SCMP_ARCH_X86 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64,
				.nr = (uint32_t)row_number(row, arches[a]),
				.row = (uint16_t)i,
			};
		}
		*n_rules += N_ARCHES;
	}
	return n_raw;
}

/* A supplementary classic-BPF filter for raw[]: arch and number compared, TRACE with the row. */
static int install_raw(const struct raw_rule *raw, int n, struct pare_error *err)
{
	if (n == 0)
		return 0;
	struct sock_filter prog[4 + 3 * 64];
	int k = 0;
	if (n > 64)
		return pare_error_set(err, 0, "too many raw seccomp rules");
	for (int i = 0; i < n; i++) {
		/* if (arch == A && nr == N) return TRACE(row) */
		prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
		prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, raw[i].audit_arch, 0, 3);
		prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, raw[i].nr, 0, 1);
		prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | raw[i].row);
	}
	prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog fprog = { .len = (unsigned short)k, .filter = prog };
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
		return pare_error_errno(err, "installing the seccomp filter");
	return 0;
}

static int build(scmp_filter_ctx *out, struct raw_rule *raw, int *n_raw, int *n_rules, bool census,
		 struct pare_error *err)
{
	/* A census stops on every other syscall too (doc/TRACER.md, "Syscall census"). */
	scmp_filter_ctx ctx = seccomp_init(census ? SCMP_ACT_TRACE(TRACER_CENSUS_DATA) : SCMP_ACT_ALLOW);
	if (!ctx)
		return pare_error_set(err, 0, "seccomp_init failed");
	for (unsigned a = 0; a < N_ARCHES; a++) {
		int r = seccomp_arch_add(ctx, arches[a]);
		if (r < 0 && r != -EEXIST) {
			seccomp_release(ctx);
			errno = -r;
			return pare_error_errno(err, "seccomp architecture");
		}
	}
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	/* No open may escape the filter through io_uring while tracing. */
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(io_uring_setup), 0);
	*n_raw = add_rules(ctx, raw, n_rules, err);
	if (*n_raw < 0) {
		seccomp_release(ctx);
		return -1;
	}
	*out = ctx;
	return 0;
}

int tracer_filter_rule_count(void)
{
	struct raw_rule raw[64];
	scmp_filter_ctx ctx;
	int n_raw, n_rules;
	if (build(&ctx, raw, &n_raw, &n_rules, false, NULL) < 0)
		return -1;
	seccomp_release(ctx);
	return n_rules;
}

int tracer_filter_install(bool census, struct pare_error *err)
{
	struct raw_rule raw[64];
	scmp_filter_ctx ctx;
	int n_raw, n_rules;
	if (build(&ctx, raw, &n_raw, &n_rules, census, err) < 0)
		return -1;
	/* Keep setuid and file capabilities working when we may: no_new_privs only when required. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	int r = seccomp_load(ctx);
	if (r == -EACCES || r == -EPERM) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
			seccomp_release(ctx);
			return pare_error_errno(err, "setting no_new_privs");
		}
		r = seccomp_load(ctx);
	}
	seccomp_release(ctx);
	if (r < 0) {
		errno = -r;
		return pare_error_errno(err, "installing the seccomp filter");
	}
	return install_raw(raw, n_raw, err);
}
