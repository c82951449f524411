/* The syscall table (see syscalls.h). One row per syscall; the i386-only and x32 variants are rows of
 * their own where their names differ (stat64, fstatat64, chown32...). Arguments are numbered from 0. */
#include "tracer/syscalls.h"

#include <string.h>

#define CWD SC_CWD
#define NONE SC_NONE
#define NF SCP_NOFOLLOW
#define CR SCP_CREATES
#define K(x) PROFILE_##x
/* One path operand: path argument, dirfd argument, kind, flags. */
#define P(path, dirfd, kind, fl) { (path), (dirfd), K(kind), (fl) }
/* An operand that is an fd (fchdir, getdents64). */
#define FD(arg, kind) { NONE, (arg), K(kind), 0 }

const struct tracer_syscall tracer_syscalls[] = {
	/* name               unified flags_arg  flags                                 operands */
	/* open */
	{ "open",              -1,  1,   SC_OPEN_FLAGS,                        { P(0, CWD, OPEN, CR) } },
	{ "openat",            -1,  2,   SC_OPEN_FLAGS,                        { P(1, 0, OPEN, CR) } },
	{ "openat2",          437,  2,   SC_OPEN_HOW,                          { P(1, 0, OPEN, CR) } },
	{ "creat",             -1, NONE, SC_MUTATES,                           { P(0, CWD, WRITE, CR) } },
	/* exec */
	{ "execve",            -1, NONE, SC_EXEC | SC_RESULT,                  { P(0, CWD, EXEC, 0) } },
	{ "execveat",          -1,  4,   SC_EXEC | SC_RESULT | SC_AT_FLAGS,    { P(1, 0, EXEC, 0) } },
	{ "uselib",            -1, NONE, 0,                                    { P(0, CWD, EXEC, 0) } },
	/* stat */
	{ "stat",              -1, NONE, 0,                                    { P(0, CWD, STAT, 0) } },
	{ "stat64",            -1, NONE, 0,                                    { P(0, CWD, STAT, 0) } },
	{ "oldstat",           -1, NONE, 0,                                    { P(0, CWD, STAT, 0) } },
	{ "lstat",             -1, NONE, 0,                                    { P(0, CWD, STAT, NF) } },
	{ "lstat64",           -1, NONE, 0,                                    { P(0, CWD, STAT, NF) } },
	{ "oldlstat",          -1, NONE, 0,                                    { P(0, CWD, STAT, NF) } },
	{ "newfstatat",        -1,  3,   SC_AT_FLAGS | SC_SKIP_EMPTY_PATH,                          { P(1, 0, STAT, 0) } },
	{ "fstatat64",         -1,  3,   SC_AT_FLAGS | SC_SKIP_EMPTY_PATH,                          { P(1, 0, STAT, 0) } },
	{ "statx",             -1,  2,   SC_AT_FLAGS | SC_SKIP_EMPTY_PATH,                          { P(1, 0, STAT, 0) } },
	{ "access",            -1, NONE, 0,                                    { P(0, CWD, STAT, 0) } },
	{ "faccessat",         -1, NONE, 0,                                    { P(1, 0, STAT, 0) } },
	{ "faccessat2",       439,  3,   SC_AT_FLAGS,                          { P(1, 0, STAT, 0) } },
	{ "statfs",            -1, NONE, 0,                                    { P(0, CWD, STAT, 0) } },
	{ "statfs64",          -1, NONE, 0,                                    { P(0, CWD, STAT, 0) } },
	{ "name_to_handle_at", -1,  4,   SC_AT_FLAGS,                          { P(1, 0, STAT, 0) } },
	{ "getxattr",          -1, NONE, 0,                                    { P(0, CWD, STAT, 0) } },
	{ "lgetxattr",         -1, NONE, 0,                                    { P(0, CWD, STAT, NF) } },
	{ "listxattr",         -1, NONE, 0,                                    { P(0, CWD, STAT, 0) } },
	{ "llistxattr",        -1, NONE, 0,                                    { P(0, CWD, STAT, NF) } },
	{ "getxattrat",       464,  2,   SC_AT_FLAGS,                          { P(1, 0, STAT, 0) } },
	{ "listxattrat",      465,  2,   SC_AT_FLAGS,                          { P(1, 0, STAT, 0) } },
	{ "inotify_add_watch", -1,  2,   SC_IN_FLAGS,                          { P(1, CWD, STAT, 0) } },
	/* readlink, directories */
	{ "readlink",          -1, NONE, 0,                                    { P(0, CWD, READLINK, NF) } },
	{ "readlinkat",        -1, NONE, 0,                                    { P(1, 0, READLINK, NF) } },
	{ "getdents",          -1, NONE, 0,                                    { FD(0, LISTDIR) } },
	{ "getdents64",        -1, NONE, 0,                                    { FD(0, LISTDIR) } },
	{ "chdir",             -1, NONE, SC_CHDIR,                             { P(0, CWD, CHDIR, 0) } },
	{ "fchdir",            -1, NONE, SC_CHDIR,                             { FD(0, CHDIR) } },
	{ "chroot",            -1, NONE, SC_MUTATES | SC_ROOT,                 { P(0, CWD, CHDIR, 0) } },
	/* changes to the tree */
	{ "rename",            -1, NONE, SC_MUTATES,             { P(0, CWD, WRITE, NF), P(1, CWD, WRITE, NF | CR) } },
	{ "renameat",          -1, NONE, SC_MUTATES,             { P(1, 0, WRITE, NF), P(3, 2, WRITE, NF | CR) } },
	{ "renameat2",         -1, NONE, SC_MUTATES,             { P(1, 0, WRITE, NF), P(3, 2, WRITE, NF | CR) } },
	{ "link",              -1, NONE, SC_MUTATES,             { P(0, CWD, STAT, NF), P(1, CWD, WRITE, NF | CR) } },
	{ "linkat",            -1,  4,   SC_MUTATES | SC_AT_FOLLOW, { P(1, 0, STAT, NF), P(3, 2, WRITE, NF | CR) } },
	{ "symlink",           -1, NONE, SC_MUTATES,                           { P(1, CWD, WRITE, NF | CR) } },
	{ "symlinkat",         -1, NONE, SC_MUTATES,                           { P(2, 1, WRITE, NF | CR) } },
	{ "unlink",            -1, NONE, SC_MUTATES,                           { P(0, CWD, WRITE, NF) } },
	{ "unlinkat",          -1, NONE, SC_MUTATES,                           { P(1, 0, WRITE, NF) } },
	{ "rmdir",             -1, NONE, SC_MUTATES,                           { P(0, CWD, WRITE, NF) } },
	{ "mkdir",             -1, NONE, SC_MUTATES,                           { P(0, CWD, WRITE, NF | CR) } },
	{ "mkdirat",           -1, NONE, SC_MUTATES,                           { P(1, 0, WRITE, NF | CR) } },
	{ "mknod",             -1, NONE, SC_MUTATES,                           { P(0, CWD, WRITE, NF | CR) } },
	{ "mknodat",           -1, NONE, SC_MUTATES,                           { P(1, 0, WRITE, NF | CR) } },
	{ "mount",             -1, NONE, SC_MUTATES,                           { P(1, CWD, STAT, 0) } },
	{ "umount",            -1, NONE, SC_MUTATES,                           { P(0, CWD, STAT, 0) } },
	{ "umount2",           -1, NONE, SC_MUTATES,                           { P(0, CWD, STAT, 0) } },
	{ "pivot_root",        -1, NONE, SC_MUTATES | SC_ROOT,   { P(0, CWD, STAT, 0), P(1, CWD, STAT, 0) } },
	/* metadata changes */
	{ "truncate",          -1, NONE, 0,                                    { P(0, CWD, WRITE, 0) } },
	{ "truncate64",        -1, NONE, 0,                                    { P(0, CWD, WRITE, 0) } },
	{ "utime",             -1, NONE, 0,                                    { P(0, CWD, WRITE, 0) } },
	{ "utimes",            -1, NONE, 0,                                    { P(0, CWD, WRITE, 0) } },
	{ "futimesat",         -1, NONE, 0,                                    { P(1, 0, WRITE, 0) } },
	{ "utimensat",         -1,  3,   SC_AT_FLAGS | SC_NULL_PATH_FD,        { P(1, 0, WRITE, 0) } },
	{ "utimensat_time64",  -1,  3,   SC_AT_FLAGS | SC_NULL_PATH_FD,        { P(1, 0, WRITE, 0) } },
	{ "chmod",             -1, NONE, 0,                                    { P(0, CWD, WRITE, 0) } },
	{ "fchmodat",          -1, NONE, 0,                                    { P(1, 0, WRITE, 0) } },
	{ "fchmodat2",        452,  3,   SC_AT_FLAGS,                          { P(1, 0, WRITE, 0) } },
	{ "chown",             -1, NONE, 0,                                    { P(0, CWD, WRITE, 0) } },
	{ "chown32",           -1, NONE, 0,                                    { P(0, CWD, WRITE, 0) } },
	{ "lchown",            -1, NONE, 0,                                    { P(0, CWD, WRITE, NF) } },
	{ "lchown32",          -1, NONE, 0,                                    { P(0, CWD, WRITE, NF) } },
	{ "fchownat",          -1,  4,   SC_AT_FLAGS,                          { P(1, 0, WRITE, 0) } },
	{ "setxattr",          -1, NONE, 0,                                    { P(0, CWD, WRITE, 0) } },
	{ "lsetxattr",         -1, NONE, 0,                                    { P(0, CWD, WRITE, NF) } },
	{ "removexattr",       -1, NONE, 0,                                    { P(0, CWD, WRITE, 0) } },
	{ "lremovexattr",      -1, NONE, 0,                                    { P(0, CWD, WRITE, NF) } },
	{ "setxattrat",       463,  2,   SC_AT_FLAGS,                          { P(1, 0, WRITE, 0) } },
	{ "removexattrat",    466,  2,   SC_AT_FLAGS,                          { P(1, 0, WRITE, 0) } },
	/* AF_UNIX sockets: the path inside a struct sockaddr_un (argument 1, its length argument 2) */
	{ "connect",           -1, NONE, SC_SOCKADDR,                          { P(1, CWD, CONNECT, 0) } },
	{ "bind",              -1, NONE, SC_SOCKADDR | SC_MUTATES,             { P(1, CWD, CONNECT, NF | CR) } },
};

const unsigned tracer_n_syscalls = sizeof(tracer_syscalls) / sizeof(tracer_syscalls[0]);

const struct tracer_syscall *tracer_syscall_by_name(const char *name)
{
	for (unsigned i = 0; i < tracer_n_syscalls; i++)
		if (!strcmp(tracer_syscalls[i].name, name))
			return &tracer_syscalls[i];
	return NULL;
}
