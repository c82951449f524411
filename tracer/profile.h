/* A profile: what an application touched while it ran, as recorded by the tracer (doc/PROFILE.md).
 * Built by the tracer, written as JSON by `pare profile`, read back by `pare build` (minifier).
 * Every path is absolute inside the image and normalised (lib/path.h). */
#ifndef PARE_PROFILE_H
#define PARE_PROFILE_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"

/* How a path was used (bits of profile_file.kinds). */
enum profile_kind {
	PROFILE_OPEN = 1u << 0,     /* opened for reading (files and directories) */
	PROFILE_WRITE = 1u << 1,    /* opened for writing, truncated, chmod/chown/utime, removed, renamed away */
	PROFILE_CREATE = 1u << 2,   /* created by the application (open O_CREAT of a new file, mkdir, link, ...) */
	PROFILE_EXEC = 1u << 3,     /* executed (execve, execveat, uselib, fanotify FAN_OPEN_EXEC) */
	PROFILE_STAT = 1u << 4,     /* metadata only: stat, access, xattrs, statfs */
	PROFILE_READLINK = 1u << 5, /* readlink on it */
	PROFILE_LISTDIR = 1u << 6,  /* directory listed (getdents) */
	PROFILE_CHDIR = 1u << 7,    /* chdir/fchdir/chroot into it */
	PROFILE_CONNECT = 1u << 8,  /* AF_UNIX socket path given to connect/bind */
};
#define PROFILE_KIND_COUNT 9

struct profile_file {
	char *path;
	unsigned kinds;  /* enum profile_kind bits */
	bool exists;     /* it existed when the application first looked it up */
	char **errors;   /* errno names other than ENOENT seen for it ("EACCES"), sorted; NULL when none */
};

struct profile_symlink {
	char *path;   /* the link itself */
	char *target; /* its target, verbatim ("usr/bin", "/etc/alternatives/java") */
};

struct profile_process {
	long pid;    /* as seen inside the container (its PID namespace); host pid when traced on the host */
	char *exe;   /* image path of the executed file */
	char **argv; /* NULL-terminated */
};

struct profile_stats {
	uint64_t seccomp_stops;      /* syscalls seen through the seccomp filter */
	uint64_t census_stops;       /* stops only for the syscall census (not in seccomp_stops) */
	uint64_t exit_stops;         /* of which the result was read at syscall exit */
	uint64_t paths;              /* paths decoded and resolved */
	uint64_t outside_image;      /* paths on other filesystems (/proc, /dev, /sys, bind mounts): not recorded */
	uint64_t unreadable;         /* path arguments that could not be read (bad pointer: the call fails too) */
	uint64_t processes;          /* processes and threads followed */
	uint64_t execs;              /* successful execs */
	uint64_t signals;            /* signals passed on to the traced processes */
	uint64_t fanotify_events;    /* events read from fanotify */
	uint64_t fanotify_overflows; /* FAN_Q_OVERFLOW events: some opens were lost (the profile may be incomplete) */
	uint64_t duration_ms;        /* wall time of the traced run */
	uint64_t tracer_cpu_ms;      /* CPU time pare itself spent tracing it (user + system, all threads) */
	int exit_status;             /* the application's exit status as `pare run` reports it (128+N for signal N) */
};

/* Every syscall the traced processes made, per ABI, when the tracer took a census
 * (tracer_options.census, tracer/census.h); otherwise only the file syscalls it stopped on. */
#define PROFILE_CENSUS_ABIS 3    /* x86_64, i386, x32 */
#define PROFILE_CENSUS_NR 1024   /* syscall numbers below this (x32: without its 0x40000000 bit) */
struct profile_census {
	bool complete;                /* a census was taken: every syscall, not only the file syscalls */
	uint64_t bits[PROFILE_CENSUS_ABIS][PROFILE_CENSUS_NR / 64];
};

struct profile {
	char *image;    /* what the user named, or NULL */
	char **sensors; /* "ptrace-seccomp", "fanotify"; NULL-terminated */
	size_t n_files;
	struct profile_file *files;       /* sorted by path after profile_finish()/profile_load() */
	size_t n_symlinks;
	struct profile_symlink *symlinks; /* sorted by path */
	size_t n_missing;
	char **missing;                   /* looked up but absent (negative lookups), sorted, NULL-terminated */
	size_t n_processes;
	struct profile_process *processes; /* in exec order */
	struct profile_stats stats;
	struct profile_census census;
	struct profile_index *index;      /* private lookup tables */
};

struct profile *profile_new(void);
void profile_free(struct profile *p);

/* Building (the tracer). Paths must be absolute and normalised; each call merges with what is there. */
struct profile_file *profile_add_file(struct profile *p, const char *path, unsigned kinds, bool exists);
void profile_add_error(struct profile *p, const char *path, unsigned kinds, int errnum);
void profile_add_symlink(struct profile *p, const char *path, const char *target);
void profile_add_missing(struct profile *p, const char *path);
void profile_add_process(struct profile *p, long pid, const char *exe, char *const *argv);
void profile_add_sensor(struct profile *p, const char *sensor);
/* Sort everything into its stable order (called before writing; profile_load does it). */
void profile_finish(struct profile *p);

/* JSON. profile_save writes atomically (temporary file + rename), or to stdout for "-". */
json_t *profile_to_json(struct profile *p);
int profile_from_json(json_t *root, struct profile **out, struct pare_error *err);
int profile_save(struct profile *p, const char *file, struct pare_error *err);
int profile_load(const char *file, struct profile **out, struct pare_error *err);

/* Queries (after profile_finish or profile_load). NULL / false when absent. */
const struct profile_file *profile_find_file(const struct profile *p, const char *path);
const struct profile_symlink *profile_find_symlink(const struct profile *p, const char *path);
bool profile_is_missing(const struct profile *p, const char *path);

/* "open", "write", ... for one kind bit; profile_kind_parse returns the bit or 0. */
const char *profile_kind_name(unsigned kind);
unsigned profile_kind_parse(const char *name);
#endif
