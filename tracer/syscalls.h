/* The tracer's one syscall table: every syscall that names a file, with where its path and dirfd
 * arguments are. It generates the seccomp filter (tracer/filter.c) and drives the decoder
 * (tracer/decode.c). Add a syscall by adding a row to tracer/syscalls.c. */
#ifndef PARE_SYSCALLS_H
#define PARE_SYSCALLS_H
#include <stdint.h>

#include "tracer/profile.h"

/* What argument `path` of a row is. */
#define SC_NONE (-1)
#define SC_CWD (-2) /* the dirfd is implicitly AT_FDCWD */

/* One path operand of a syscall. */
struct sc_path {
	int8_t path;    /* argument holding a path string, or SC_NONE when the operand is the fd itself */
	int8_t dirfd;   /* argument holding the directory fd (or the fd itself), or SC_CWD */
	uint16_t kind;  /* enum profile_kind bit recorded for it */
	uint8_t flags;  /* SCP_* below */
};

#define SCP_NOFOLLOW 0x01 /* the last component is not followed (lstat, readlink, unlink, mkdir...) */
#define SCP_CREATES 0x02  /* may create it: recorded as "create" when it did not exist */

/* Row flags. */
#define SC_OPEN_FLAGS 0x0001  /* flags_arg holds O_* flags (O_CREAT, O_WRONLY, O_NOFOLLOW...) */
#define SC_OPEN_HOW 0x0002    /* flags_arg points to a struct open_how (openat2) */
#define SC_AT_FLAGS 0x0004    /* flags_arg holds AT_SYMLINK_NOFOLLOW / AT_EMPTY_PATH */
#define SC_AT_FOLLOW 0x0008   /* flags_arg holds AT_SYMLINK_FOLLOW (linkat) */
#define SC_IN_FLAGS 0x0010    /* flags_arg holds an inotify mask (IN_DONT_FOLLOW) */
#define SC_FAN_FLAGS 0x0020   /* flags_arg holds fanotify_mark flags (FAN_MARK_DONT_FOLLOW) */
#define SC_SOCKADDR 0x0040    /* path operand is a struct sockaddr (arg path) of length arg path+1 */
#define SC_MUTATES 0x0080     /* changes the file tree: the resolution cache is dropped */
#define SC_RESULT 0x0100      /* stop at syscall exit too, to record the call's own result */
#define SC_EXEC 0x0200        /* execve/execveat */
#define SC_CHDIR 0x0400       /* changes the working directory */
#define SC_NULL_PATH_FD 0x0800 /* a NULL path means the dirfd itself (utimensat) */
/* Not stopped on when flags_arg has AT_EMPTY_PATH: that is fstat(fd) as glibc, musl and libuv make it
 * (newfstatat(fd, "", AT_EMPTY_PATH)), a third of all stops of a Python import, and it names no path
 * (the fd was opened by a traced call). Filtered in the kernel by the seccomp filter. */
#define SC_SKIP_EMPTY_PATH 0x1000
#define SC_ROOT 0x2000 /* changes the root directory (chroot, pivot_root) */

struct tracer_syscall {
	const char *name;  /* as libseccomp and the kernel name it */
	int unified_nr;    /* number on every x86 ABI for syscalls newer than libseccomp knows, else -1 */
	int8_t flags_arg;  /* argument with the flags SC_OPEN_FLAGS..SC_FAN_FLAGS read, or SC_NONE */
	uint16_t flags;
	struct sc_path paths[2];
};

extern const struct tracer_syscall tracer_syscalls[];
extern const unsigned tracer_n_syscalls;

/* The row named `name`, or NULL. */
const struct tracer_syscall *tracer_syscall_by_name(const char *name);
#endif
