/* Internals shared by the tracer's files (not for other modules). */
#ifndef PARE_TRACER_INT_H
#define PARE_TRACER_INT_H
#include <linux/ptrace.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tracer/profile.h"
#include "tracer/resolve.h"
#include "tracer/strmap.h"
#include "tracer/tracer.h"

/* One traced thread. */
struct tracee {
	pid_t tid;
	bool used;
	bool alive;
	bool seen_stop;       /* its first stop was seen (a new child is ready) */
	/* A syscall whose result is read at its exit stop. */
	bool want_exit;
	unsigned exit_kind;
	char *exit_path;
	/* Working directory, cached until a chdir anywhere (tracer.cwd_gen). */
	char *cwd;
	unsigned cwd_gen;
	/* Root directory (image path, "/" unless it chrooted), cached until a chroot anywhere
	 * (tracer.root_gen; tracer/jail.c). */
	char *root;
	unsigned root_gen;
	/* The file an execve in flight is executing, as named inside exec_root, for the exec record. */
	char *exec_path;
	char *exec_root;
};

struct tracee_table {
	struct tracee *slots;
	size_t cap, n;
};

struct fan; /* tracer/fanotify.c */
struct tracer;

/* A directory that traced processes chrooted into, with lookups confined to it (tracer/jail.c). */
struct jail {
	struct tracer *t;
	char *root;          /* its image path (never "/") */
	struct resolver res; /* opened on /proc/TID/root of a process inside; paths relative to root */
};

struct tracer {
	struct tracer_options opts;
	struct profile *profile;
	struct tracer_filter *filter; /* built by tracer_new, loaded by the child (tracer_child_setup) */
	struct pare_error filter_err; /* why filter is NULL */
	struct resolver res;
	bool res_ready;
	struct jail **jails;
	size_t n_jails;
	pid_t self;
	pid_t main_pid;
	int main_status;
	bool main_done;
	bool stopping; /* the timeout sent the stop signal */
	char *blind;   /* why traced processes could not be read (tracer_blind), or NULL */
	bool census_started; /* the first exec happened: the census counts from here (tracer/loop.c) */
	uint8_t *seen;  /* bitmap of every tid ever traced (fanotify events are kept only for these) */
	unsigned alive;
	unsigned cwd_gen;
	unsigned root_gen;
	struct tracee_table tracees;
	struct fan *fan;
	/* Paths already recorded, as the application named them ("1/abs" followed, "0/abs" not) -> kinds:
	 * a repeated lookup costs no statx. Dropped with the resolver's cache. */
	struct strmap recorded;
	/* Lookups decoded at the current stop, resolved once the tracee runs again. */
	struct deferred {
		char *root;
		char *abs;
		bool follow;
		unsigned kind;
	} *deferred;
	size_t n_deferred, deferred_cap;
	struct timespec start;
	uint64_t start_cpu_us; /* pare's own CPU time when tracing began */
	long spin_us; /* how long to poll for the next stop before sleeping (tracer/loop.c) */
	bool burst;   /* the last stop came within spin_us */
	int loadavg_fd;            /* /proc/loadavg, to poll only while a CPU is free (-1: never poll) */
	long ncpus;
	struct timespec cpu_checked;
	bool cpu_is_free;
};

/* Stop events of the loop (tracer/loop.c). */
struct event {
	pid_t tid;
	int status;
};

struct tracee *tracee_get(struct tracee_table *tt, pid_t tid); /* created when absent */
/* Start following tid (a new child or thread). */
struct tracee *tracer_note_tracee(struct tracer *t, pid_t tid);
bool tracer_seen(const struct tracer *t, pid_t tid);
struct tracee *tracee_find(struct tracee_table *tt, pid_t tid);
void tracee_forget(struct tracee_table *tt, pid_t tid);
void tracee_table_release(struct tracee_table *tt);

/* decode.c: a seccomp stop; returns true when the exit stop must be seen too. */
bool decode_seccomp_stop(struct tracer *t, struct tracee *te, const struct ptrace_syscall_info *si);
void decode_flush_deferred(struct tracer *t);
void decode_syscall_exit(struct tracer *t, struct tracee *te, const struct ptrace_syscall_info *si);
/* record.c: note that a traced process could not be read (errno EPERM/EACCES: the tracer lacks a
 * privilege); the first such failure is kept for tracer_blind. */
void tracer_note_blind(struct tracer *t, pid_t tid, const char *what, int errnum);
/* record.c: resolving and recording one path. */
/* abs is absolute inside root (an image path: "/" for the container's root, or a jail's); resolved
 * (may be NULL) receives the image path the lookup reached. */
void record_path(struct tracer *t, const char *root, const char *abs, bool follow, unsigned kind, bool creates,
		 char **resolved);
void record_link(void *data, const char *path, const char *target, uint64_t mnt);
char *tracee_cwd(struct tracer *t, struct tracee *te);
char *tracee_fd_path(struct tracer *t, pid_t tid, int fd);
int tracer_ensure_root(struct tracer *t, pid_t tid);
/* jail.c: the tracee's root as an image path ("/" unless it chrooted; its jail is opened then). */
const char *tracee_root(struct tracer *t, struct tracee *te);
struct jail *jail_find(struct tracer *t, const char *root);
/* A path inside root as an image path. New string. */
char *jail_image_path(const char *root, const char *path);
/* An image path *abs below root (not "/") becomes the same path inside root: true when it did. */
bool jail_rebase(const char *root, char **abs);
void jail_invalidate_all(struct tracer *t);
void jail_release_all(struct tracer *t);
/* exec.c: after PTRACE_EVENT_EXEC. */
void exec_record(struct tracer *t, struct tracee *te);

/* fanotify.c */
int fan_start(struct tracer *t, struct pare_error *err);
void fan_drain(struct tracer *t);
void fan_stop(struct tracer *t);
bool fan_pending(struct tracer *t);
#endif
