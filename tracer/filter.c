#include "tracer/filter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "tracer/census.h"
#include "tracer/syscalls.h"

#define X32_SYSCALL_BIT 0x40000000

static const uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 };
#define N_ARCHES (sizeof(arches) / sizeof(arches[0]))
#define RAW_MAX 64 /* raw rules: (arch, syscall) pairs libseccomp does not know */

/* Built in the parent, loaded in the child: nothing between fork and exec allocates (a lock another
 * thread held at the fork, in libseccomp's or a sanitizer's allocator, would never be released). */
struct tracer_filter {
	struct sock_filter *main; /* libseccomp's program */
	unsigned short n_main;
	struct sock_filter raw[5 * RAW_MAX + 1];
	unsigned short n_raw;     /* 0: no supplementary filter */
};

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
			if (n_raw == RAW_MAX)
				return pare_error_set(err, 0, "too many raw seccomp rules");
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

/* The supplementary classic-BPF filter for raw[]: arch and number compared, TRACE with the row. */
static void build_raw(struct tracer_filter *f, const struct raw_rule *raw, int n)
{
	int k = 0;
	for (int i = 0; i < n; i++) {
		/* if (arch == A && nr == N) return TRACE(row) */
		f->raw[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
		f->raw[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, raw[i].audit_arch, 0, 3);
		f->raw[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		f->raw[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, raw[i].nr, 0, 1);
		f->raw[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | raw[i].row);
	}
	if (n)
		f->raw[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f->n_raw = (unsigned short)k;
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
	struct raw_rule raw[RAW_MAX];
	scmp_filter_ctx ctx;
	int n_raw, n_rules;
	if (build(&ctx, raw, &n_raw, &n_rules, false, NULL) < 0)
		return -1;
	seccomp_release(ctx);
	return n_rules;
}

/* libseccomp's program as classic BPF, read back from a memfd (libseccomp 2.5 exports to an fd only). */
static int export_main(struct tracer_filter *f, scmp_filter_ctx ctx, struct pare_error *err)
{
	cleanup_close int fd = memfd_create("pare-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return pare_error_errno(err, "memfd_create");
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0) {
		errno = -r;
		return pare_error_errno(err, "exporting the seccomp filter");
	}
	off_t size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) || size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return pare_error_set(err, 0, "the seccomp filter has a bad size (%lld bytes)", (long long)size);
	f->main = xmalloc((size_t)size);
	if (pread(fd, f->main, (size_t)size, 0) != (ssize_t)size)
		return pare_error_errno(err, "reading the seccomp filter back");
	f->n_main = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
	return 0;
}

struct tracer_filter *tracer_filter_new(bool census, struct pare_error *err)
{
	struct raw_rule raw[RAW_MAX];
	scmp_filter_ctx ctx;
	int n_raw, n_rules;
	if (build(&ctx, raw, &n_raw, &n_rules, census, err) < 0)
		return NULL;
	struct tracer_filter *f = xcalloc(1, sizeof(*f));
	int r = export_main(f, ctx, err);
	seccomp_release(ctx);
	if (r < 0) {
		tracer_filter_free(f);
		return NULL;
	}
	build_raw(f, raw, n_raw);
	return f;
}

void tracer_filter_free(struct tracer_filter *f)
{
	if (!f)
		return;
	free(f->main);
	free(f);
}

static int load(const struct sock_filter *prog, unsigned short len)
{
	struct sock_fprog fprog = { .len = len, .filter = (struct sock_filter *)prog };
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
}

int tracer_filter_load(const struct tracer_filter *f, struct pare_error *err)
{
	/* Keep setuid and file capabilities working when we may: no_new_privs only when the kernel demands
	 * it (no CAP_SYS_ADMIN in our user namespace). */
	int r = load(f->main, f->n_main);
	if (r < 0 && (errno == EACCES || errno == EPERM)) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return pare_error_errno(err, "setting no_new_privs");
		r = load(f->main, f->n_main);
	}
	if (r < 0)
		return pare_error_errno(err, "installing the seccomp filter");
	if (f->n_raw && load(f->raw, f->n_raw) < 0)
		return pare_error_errno(err, "installing the seccomp filter");
	return 0;
}
