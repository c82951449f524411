/* The tracer's event loop: `while (next_event(&ev)) dispatch(&ev);`, one small function per kind of
 * stop. Every tracee is resumed exactly once per stop; signals are passed on, group-stops are kept
 * (PTRACE_LISTEN), so the traced program behaves as it would untraced. */
#include <errno.h>
#include <linux/audit.h>
#include <sys/syscall.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <stdio.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "tracer/census.h"
#include "tracer/loop.h"
#include "tracer/tracer_int.h"

static volatile sig_atomic_t pending_signal;
static volatile sig_atomic_t alarm_fired;

void loop_on_signal(int sig)
{
	if (sig == SIGALRM)
		alarm_fired = 1;
	else
		pending_signal = sig;
}

static void resume(pid_t tid, int request, int sig)
{
	/* ESRCH: killed meanwhile (SIGKILL, or its thread group exec'd): its exit comes as an event. */
	ptrace(request, tid, 0, (void *)(long)sig);
}

/* Signals for pare itself: forwarded to the application; the timeout stops it, then kills it. */
static void handle_tracer_signals(struct tracer *t)
{
	if (pending_signal) {
		int sig = pending_signal;
		pending_signal = 0;
		if (!t->main_done)
			kill(t->main_pid, sig);
	}
	if (alarm_fired) {
		alarm_fired = 0;
		if (t->main_done)
			return;
		if (!t->stopping) {
			t->stopping = true;
			kill(t->main_pid, t->opts.stop_signal ? t->opts.stop_signal : SIGTERM);
			alarm(t->opts.grace ? t->opts.grace : 10);
		} else {
			kill(t->main_pid, SIGKILL);
		}
	}
}

static long us_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000000L + (now.tv_nsec - t0->tv_nsec) / 1000;
}

/* Whether a CPU is free for polling: no more threads runnable than CPUs (the 4th field of
 * /proc/loadavg, "running/total", counts this one and the tracee's), looked at every 20 ms. On a
 * busy machine a polling tracer takes the CPU from someone who needs it, and loses more than it gains. */
static bool cpu_free(struct tracer *t, const struct timespec *now)
{
	if (t->loadavg_fd < 0)
		return false;
	long since = (now->tv_sec - t->cpu_checked.tv_sec) * 1000000L + (now->tv_nsec - t->cpu_checked.tv_nsec) / 1000;
	if (t->cpu_checked.tv_sec && since < 20000)
		return t->cpu_is_free;
	t->cpu_checked = *now;
	char buf[128];
	ssize_t n = pread(t->loadavg_fd, buf, sizeof(buf) - 1, 0);
	long running = 0;
	if (n > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "%*s %*s %*s %ld/", &running) != 1)
			running = 0;
	}
	t->cpu_is_free = running > 0 && running <= t->ncpus;
	return t->cpu_is_free;
}

/* The next stop, polled for up to t->spin_us before sleeping in waitpid; 0: none came. Stops come
 * in bursts (a stat per directory entry, an open per import), and a tracer that went to sleep must
 * be woken from another CPU, which on a virtual machine costs about as much as the stop itself.
 * Polling only while the last stop came within the window keeps an idle application's tracer idle;
 * only while a CPU is free, so that it takes no CPU from anyone. */
static pid_t poll_event(struct tracer *t, struct event *ev, const struct timespec *t0)
{
	if (!t->burst || !cpu_free(t, t0))
		return 0;
	for (;;) {
		pid_t pid = waitpid(-1, &ev->status, __WALL | __WNOTHREAD | WNOHANG);
		if (pid != 0 || us_since(t0) >= t->spin_us)
			return pid;
	}
}

static bool next_event(struct tracer *t, struct event *ev)
{
	for (;;) {
		if (t->fan && fan_pending(t))
			fan_drain(t);
		/* __WNOTHREAD: only this thread's tracees and children, so pare's other threads can run
		 * their own tracer (pare build's --exec) or children (exec helpers) without losing events. */
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		pid_t pid = poll_event(t, ev, &t0);
		if (pid == 0)
			pid = waitpid(-1, &ev->status, __WALL | __WNOTHREAD);
		t->burst = t->spin_us > 0 && us_since(&t0) < t->spin_us;
		if (pid > 0) {
			ev->tid = pid;
			return true;
		}
		if (errno != EINTR)
			return false; /* ECHILD: every traced process is gone */
		handle_tracer_signals(t);
	}
}

static void on_exit_event(struct tracer *t, const struct event *ev)
{
	if (ev->tid == t->main_pid) {
		t->main_status = ev->status;
		t->main_done = true;
	}
	tracee_forget(&t->tracees, ev->tid);
}

static void on_seccomp(struct tracer *t, struct tracee *te)
{
	struct ptrace_syscall_info si;
	bool want_exit = false;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, te->tid, sizeof(si), &si) > 0 && si.op == PTRACE_SYSCALL_INFO_SECCOMP) {
		/* From the first exec on: before it, the syscalls are the runtime's (pare's, not runc's). */
		if (t->census_started)
			census_note(&t->profile->census, si.arch, si.seccomp.nr);
		if (si.seccomp.ret_data == TRACER_CENSUS_DATA) { /* only for the census: nothing to decode */
			t->profile->stats.census_stops++;
			resume(te->tid, PTRACE_CONT, 0);
			return;
		}
		want_exit = decode_seccomp_stop(t, te, &si);
	}
	t->profile->stats.seccomp_stops++;
	/* From a seccomp stop, PTRACE_SYSCALL stops once more at the syscall's exit. */
	resume(te->tid, want_exit ? PTRACE_SYSCALL : PTRACE_CONT, 0);
	decode_flush_deferred(t);
}

static void on_syscall_exit(struct tracer *t, struct tracee *te)
{
	struct ptrace_syscall_info si;
	if (te->want_exit && ptrace(PTRACE_GET_SYSCALL_INFO, te->tid, sizeof(si), &si) > 0)
		decode_syscall_exit(t, te, &si);
	te->want_exit = false;
	resume(te->tid, PTRACE_CONT, 0);
}

static void on_new_child(struct tracer *t, struct tracee *te)
{
	pid_t tid = te->tid; /* noting the child may grow the table and move te */
	unsigned long child;
	if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &child) == 0)
		tracer_note_tracee(t, (pid_t)child);
	resume(tid, PTRACE_CONT, 0);
}

/* After a successful exec. When a non-leader thread exec'd, it now has the leader's tid and the
 * state it had under its old tid moves over. */
static void on_exec(struct tracer *t, struct tracee *te)
{
	unsigned long former;
	if (ptrace(PTRACE_GETEVENTMSG, te->tid, 0, &former) == 0 && (pid_t)former != te->tid) {
		struct tracee *old = tracee_find(&t->tracees, (pid_t)former);
		if (old) {
			free(te->exec_path);
			te->exec_path = steal_pointer(&old->exec_path);
			free(te->exec_root);
			te->exec_root = steal_pointer(&old->exec_root);
			free(te->exit_path);
			te->exit_path = steal_pointer(&old->exit_path);
			te->want_exit = old->want_exit;
			te->exit_kind = old->exit_kind;
			pid_t tid = te->tid; /* read before: forgetting may move te's slot */
			tracee_forget(&t->tracees, (pid_t)former);
			te = tracee_find(&t->tracees, tid);
		}
	}
	/* The exec succeeded: its exit stop has nothing to record (and PTRACE_CONT skips it). */
	te->want_exit = false;
	free(te->exit_path);
	te->exit_path = NULL;
	if (!t->census_started) { /* the execve that started it all, whose stop came before */
		struct ptrace_syscall_info si;
		if (ptrace(PTRACE_GET_SYSCALL_INFO, te->tid, sizeof(si), &si) > 0)
			census_note(&t->profile->census, si.arch, si.arch == AUDIT_ARCH_X86_64 ? __NR_execve : 11);
		t->census_started = true;
	}
	exec_record(t, te);
	resume(te->tid, PTRACE_CONT, 0);
}

/* PTRACE_EVENT_STOP: a group-stop (kept with PTRACE_LISTEN, so SIGCONT still works as usual), or
 * a new tracee's first stop. */
static void on_event_stop(struct tracer *t, struct tracee *te, int sig)
{
	(void)t;
	if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
		resume(te->tid, PTRACE_LISTEN, 0);
	else
		resume(te->tid, PTRACE_CONT, 0);
}

static void on_signal_delivery(struct tracer *t, struct tracee *te, int sig)
{
	t->profile->stats.signals++;
	resume(te->tid, PTRACE_CONT, sig);
}

static void dispatch(struct tracer *t, const struct event *ev)
{
	if (WIFEXITED(ev->status) || WIFSIGNALED(ev->status)) {
		on_exit_event(t, ev);
		return;
	}
	if (!WIFSTOPPED(ev->status))
		return;
	struct tracee *te = tracee_find(&t->tracees, ev->tid);
	if (!te) /* a new child can stop before its parent's fork event is seen */
		te = tracer_note_tracee(t, ev->tid);
	int sig = WSTOPSIG(ev->status), event = ev->status >> 16;
	if (sig == (SIGTRAP | 0x80))
		on_syscall_exit(t, te);
	else if (event == PTRACE_EVENT_SECCOMP)
		on_seccomp(t, te);
	else if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_CLONE)
		on_new_child(t, te);
	else if (event == PTRACE_EVENT_EXEC)
		on_exec(t, te);
	else if (event == PTRACE_EVENT_STOP)
		on_event_stop(t, te, sig);
	else if (event)
		resume(ev->tid, PTRACE_CONT, 0);
	else
		on_signal_delivery(t, te, sig);
}

void loop_run(struct tracer *t)
{
	struct event ev;
	alarm_fired = pending_signal = 0;
	if (t->opts.own_signals && t->opts.timeout)
		alarm(t->opts.timeout);
	while (next_event(t, &ev))
		dispatch(t, &ev);
	if (t->opts.own_signals)
		alarm(0);
}
