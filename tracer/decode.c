/* Decoding a seccomp stop with the syscall table: which arguments are paths, relative to what, with
 * which flags; then resolving and recording each path. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "lib/xalloc.h"
#include "tracer/memory.h"
#include "tracer/syscalls.h"
#include "tracer/tracer_int.h"

#define I386_SOCKETCALL 102

/* A path operand, decoded. */
struct operand {
	const struct sc_path *sp;
	unsigned kind;
	bool nofollow, creates, fd_only;
};

/* The syscall's arguments as the ABI passes them (i386: 32-bit; socketcall: unpacked). */
static bool get_args(pid_t tid, const struct ptrace_syscall_info *si, uint64_t args[6])
{
	for (int i = 0; i < 6; i++)
		args[i] = si->seccomp.args[i];
	if (si->arch != AUDIT_ARCH_I386)
		return true;
	for (int i = 0; i < 6; i++)
		args[i] &= 0xffffffffu;
	if (si->seccomp.nr == I386_SOCKETCALL) {
		uint32_t a[3];
		if (tracee_read(tid, args[1], a, sizeof(a)) < 0)
			return false;
		for (int i = 0; i < 3; i++)
			args[i] = a[i];
	}
	return true;
}

static int arg_fd(uint64_t v)
{
	return (int)(int32_t)(uint32_t)v;
}

/* Apply the row's flags argument to an operand. */
static void apply_flags(const struct tracer_syscall *row, unsigned idx, uint64_t fl, struct operand *op)
{
	if (row->flags & (SC_OPEN_FLAGS | SC_OPEN_HOW)) {
		if (fl & O_PATH)
			op->kind = PROFILE_STAT;
		else if ((fl & O_ACCMODE) != O_RDONLY || (fl & O_TRUNC))
			op->kind = PROFILE_WRITE;
		op->creates = (fl & O_CREAT) != 0;
		if ((fl & O_NOFOLLOW) || ((fl & O_CREAT) && (fl & O_EXCL)))
			op->nofollow = true;
	}
	if ((row->flags & SC_AT_FLAGS) && (fl & AT_SYMLINK_NOFOLLOW))
		op->nofollow = true;
	if ((row->flags & SC_AT_FOLLOW) && idx == 0 && (fl & AT_SYMLINK_FOLLOW))
		op->nofollow = false;
	if ((row->flags & SC_IN_FLAGS) && (fl & IN_DONT_FOLLOW))
		op->nofollow = true;
}

/* The path of an AF_UNIX sockaddr (not abstract), into buf; false otherwise. */
static bool read_sun_path(pid_t tid, uint64_t addr, uint64_t len, char *buf, size_t size)
{
	struct sockaddr_un sun;
	if (len <= offsetof(struct sockaddr_un, sun_path) || len > sizeof(sun))
		return false;
	memset(&sun, 0, sizeof(sun));
	if (tracee_read(tid, addr, &sun, (size_t)len) < 0 || sun.sun_family != AF_UNIX || sun.sun_path[0] == '\0')
		return false;
	size_t n = strnlen(sun.sun_path, sizeof(sun.sun_path));
	if (n >= size)
		return false;
	memcpy(buf, sun.sun_path, n);
	buf[n] = '\0';
	return true;
}

/* The directory a relative path starts from: the cwd or the dirfd's path. NULL when unknown. */
static char *base_dir(struct tracer *t, struct tracee *te, const struct sc_path *sp, const uint64_t args[6])
{
	if (sp->dirfd == SC_CWD || arg_fd(args[sp->dirfd]) == AT_FDCWD) {
		const char *cwd = tracee_cwd(t, te);
		return cwd ? xstrdup(cwd) : NULL;
	}
	return tracee_fd_path(t, te->tid, arg_fd(args[sp->dirfd]));
}

/* Record a path (absolute inside root) now, or after the tracee was resumed (lookups that cannot race
 * with the call itself: the resolution then runs while the tracee does). */
static void record_or_defer(struct tracer *t, const char *root, const char *abs, bool follow, const struct operand *op,
			    bool defer, char **resolved)
{
	if (!defer || op->creates || resolved) {
		record_path(t, root, abs, follow, op->kind, op->creates, resolved);
		return;
	}
	t->deferred = xgrow(t->deferred, &t->deferred_cap, t->n_deferred + 1, sizeof(*t->deferred));
	t->deferred[t->n_deferred++] = (struct deferred){ xstrdup(root), xstrdup(abs), follow, op->kind };
}

void decode_flush_deferred(struct tracer *t)
{
	for (size_t i = 0; i < t->n_deferred; i++) {
		record_path(t, t->deferred[i].root, t->deferred[i].abs, t->deferred[i].follow, t->deferred[i].kind, false,
			    NULL);
		free(t->deferred[i].root);
		free(t->deferred[i].abs);
	}
	t->n_deferred = 0;
}

/* Decode and record one operand; *resolved receives its image path for exit-stop bookkeeping. */
static void do_operand(struct tracer *t, struct tracee *te, const struct tracer_syscall *row, struct operand *op,
		       const uint64_t args[6], uint64_t fl, bool defer, char **resolved)
{
	const struct sc_path *sp = op->sp;
	char path[PATH_MAX];
	if (sp->path == SC_NONE) {
		op->fd_only = true;
	} else if (row->flags & SC_SOCKADDR) {
		if (!read_sun_path(te->tid, args[sp->path], args[sp->path + 1], path, sizeof(path)))
			return;
	} else if (args[sp->path] == 0 && (row->flags & SC_NULL_PATH_FD)) {
		op->fd_only = true;
	} else if (tracee_read_string(te->tid, args[sp->path], path, sizeof(path)) < 0) {
		tracer_note_blind(t, te->tid, "the memory", errno);
		t->profile->stats.unreadable++;
		return;
	} else if (path[0] == '\0') {
		if (!(row->flags & SC_AT_FLAGS) || !(fl & AT_EMPTY_PATH))
			return; /* ENOENT from the kernel, nothing looked up */
		op->fd_only = true;
	}
	if (op->fd_only) {
		cleanup_free char *p = tracee_fd_path(t, te->tid, arg_fd(args[sp->dirfd]));
		if (p)
			record_or_defer(t, "/", p, false, op, defer, resolved);
		return;
	}
	/* An absolute path starts at the tracee's root; a relative one at an image path, resolved inside
	 * the root when it lies below it (outside: a chroot without chdir, as the kernel allows). */
	const char *root = tracee_root(t, te);
	cleanup_free char *abs = NULL;
	if (path[0] != '/') {
		cleanup_free char *base = base_dir(t, te, sp, args);
		if (!base)
			return;
		abs = xasprintf("%s/%s", base, path);
		if (!jail_rebase(root, &abs))
			root = "/";
	}
	record_or_defer(t, root, abs ? abs : path, !op->nofollow, op, defer, resolved);
	if ((row->flags & SC_EXEC) && !te->exec_path) {
		te->exec_path = xstrdup(abs ? abs : path);
		te->exec_root = xstrdup(root);
	}
}

bool decode_seccomp_stop(struct tracer *t, struct tracee *te, const struct ptrace_syscall_info *si)
{
	if (si->seccomp.ret_data >= tracer_n_syscalls)
		return false;
	const struct tracer_syscall *row = &tracer_syscalls[si->seccomp.ret_data];
	uint64_t args[6];
	if (tracer_ensure_root(t, te->tid) < 0 || !get_args(te->tid, si, args))
		return false;
	uint64_t fl = row->flags_arg >= 0 ? args[row->flags_arg] : 0;
	if (row->flags & SC_OPEN_HOW) {
		struct open_how how = { 0 };
		if (tracee_read(te->tid, args[row->flags_arg], &how, sizeof(how.flags)) < 0)
			return false;
		fl = how.flags;
	}
	if (row->flags & SC_EXEC) {
		free(te->exec_path);
		free(te->exec_root);
		te->exec_path = te->exec_root = NULL;
	}
	char *resolved = NULL;
	bool defer = !(row->flags & (SC_MUTATES | SC_RESULT | SC_EXEC));
	for (unsigned i = 0; i < 2 && row->paths[i].kind; i++) {
		struct operand op = {
			.sp = &row->paths[i],
			.kind = row->paths[i].kind,
			.nofollow = row->paths[i].flags & SCP_NOFOLLOW,
			.creates = row->paths[i].flags & SCP_CREATES,
		};
		apply_flags(row, i, fl, &op);
		bool want = (row->flags & SC_RESULT) && !resolved;
		do_operand(t, te, row, &op, args, fl, defer, want ? &resolved : NULL);
	}
	if (row->flags & SC_MUTATES) {
		resolver_invalidate(&t->res);
		jail_invalidate_all(t);
		strmap_clear(&t->recorded, NULL);
		t->cwd_gen++;
	}
	if (row->flags & SC_CHDIR)
		t->cwd_gen++;
	if (row->flags & SC_ROOT)
		t->root_gen++;
	if (row->flags & SC_RESULT) {
		free(te->exit_path);
		te->exit_path = resolved;
		te->exit_kind = row->paths[0].kind;
		te->want_exit = true;
		return true;
	}
	free(resolved);
	return false;
}

void decode_syscall_exit(struct tracer *t, struct tracee *te, const struct ptrace_syscall_info *si)
{
	t->profile->stats.exit_stops++;
	if (si->op == PTRACE_SYSCALL_INFO_EXIT && si->exit.is_error && te->exit_path) {
		int e = (int)-si->exit.rval;
		if (e != ENOENT && e > 0)
			profile_add_error(t->profile, te->exit_path, te->exit_kind, e);
	}
	te->want_exit = false;
	free(te->exit_path);
	te->exit_path = NULL;
}
