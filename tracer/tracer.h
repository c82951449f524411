/* The tracer: seccomp-filtered ptrace (plus fanotify where privileged) over a process tree,
 * recording every path it uses into a profile (tracer/profile.h).
 *
 * Use with the runtime (runtime/runtime.h hooks):
 *   child_before_exec: tracer_child_setup(t)      (in the container's PID 1, before exec)
 *   parent_ready or parent_started: tracer_seize(t, pid)
 *   parent_wait:       tracer_run(t, &status)     (replaces waitpid: runs until every tracee is gone)
 * or on the host: tracer_trace_command(). */
#ifndef PARE_TRACER_H
#define PARE_TRACER_H
#include <stdbool.h>
#include <sys/types.h>

#include "lib/error.h"
#include "tracer/profile.h"

struct tracer_options {
	const char *image;   /* recorded in the profile (may be NULL) */
	bool fanotify;       /* try fanotify (needs CAP_SYS_ADMIN); the profile says whether it ran */
	bool image_only;     /* drop paths on other filesystems than the root's (/proc, /dev, bind mounts) */
	unsigned timeout;    /* seconds, 0 for none: then stop_signal, and SIGKILL after grace seconds */
	int stop_signal;     /* default SIGTERM */
	unsigned grace;      /* default 10 */
	/* tracer_run handles SIGINT/SIGTERM/SIGHUP (forwarded) and SIGALRM (timeout) itself; leave it false
	 * when the runtime does both (its handlers use SA_RESTART, so the loop keeps waiting). */
	bool own_signals;
	/* Take the syscall census (profile.census): the child's filter stops on every syscall. Costs a stop
	 * per syscall (doc/TRACER.md). */
	bool census;
};

struct tracer;

struct tracer *tracer_new(const struct tracer_options *opts);
void tracer_free(struct tracer *t);
/* In the traced process, before exec: install t's seccomp filter (built by tracer_new, so create the
 * tracer before the fork). Allocates nothing: safe in a child of a multi-threaded process. */
int tracer_child_setup(const struct tracer *t, struct pare_error *err);
/* Attach to pid (the process that will call tracer_child_setup and exec): PTRACE_SEIZE with every
 * option the tracer needs. The container's root (/proc/PID/root, where fanotify marks its filesystem)
 * is taken at the first stop of the filter, i.e. the application's execve: it may still be outside
 * its root when seized. Must be called by the thread that calls tracer_run; several tracers may run
 * in several threads of one process (each loop waits only for its own thread's children and tracees). */
int tracer_seize(struct tracer *t, pid_t pid, struct pare_error *err);
/* The event loop: until every traced process is gone. *status receives the wait status of the seized
 * process. With own_signals, SIGINT, SIGTERM and SIGHUP received meanwhile are forwarded to it and
 * the timeout is enforced. */
int tracer_run(struct tracer *t, int *status, struct pare_error *err);
/* The profile so far (owned by the tracer), or handed out with tracer_steal_profile. */
struct profile *tracer_profile(struct tracer *t);
struct profile *tracer_steal_profile(struct tracer *t);

/* Why the tracer could not read the processes it traced (their /proc entries or memory refused:
 * typically CAP_SYS_PTRACE missing for a process of another user), or NULL: a profile taken blind is
 * incomplete, and the caller must not build from it. */
const char *tracer_blind(const struct tracer *t);

/* Trace argv on the host (tests, and tracing a command without an image). */
int tracer_trace_command(char *const argv[], const struct tracer_options *opts, struct profile **out,
			 int *status, struct pare_error *err);
#endif
