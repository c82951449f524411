/* Signals in pare: forwarding to PID 1 (docker run's sig-proxy) and the --timeout timer.
 * Both act from signal handlers with pidfd_send_signal only (async-signal-safe), so they work
 * whatever loop waits for the container (ours or the tracer's ptrace loop; SA_RESTART keeps a
 * blocking waitpid going). */
#include "runtime/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TIMER_SIGNAL SIGALRM

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
#define N_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

static struct rt_container *volatile fwd_container;
static struct sigaction fwd_saved[N_FORWARDED];
static volatile sig_atomic_t fwd_interrupts;

static void send_sig(struct rt_container *c, int sig)
{
	int saved = errno;
	if (c && !c->reaped && c->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0);
	errno = saved;
}

static void on_forwarded(int sig)
{
	if ((sig == SIGINT || sig == SIGTERM) && ++fwd_interrupts >= 3)
		sig = SIGKILL; /* PID 1 ignores signals it has no handler for: let a user insist */
	send_sig(fwd_container, sig);
}

void rt_container_forward_signals(struct rt_container *c)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_forwarded;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	fwd_interrupts = 0;
	fwd_container = c;
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaction(forwarded[i], &sa, c->forwarding ? NULL : &fwd_saved[i]);
	c->forwarding = true;
}

void rt_signals_restore(struct rt_container *c)
{
	if (!c->forwarding)
		return;
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaction(forwarded[i], &fwd_saved[i], NULL);
	fwd_container = NULL;
	c->forwarding = false;
}

/* Whether process pid has a handler for sig (SigCgt in /proc/PID/status). Async-signal-safe: raw
 * open/read, no stdio. A PID namespace's init without a handler never sees the signal (the kernel
 * drops it), so waiting out a grace period for it would only waste time. */
bool rt_pid_catches(pid_t pid, int sig)
{
	char path[40] = "/proc/", buf[4096];
	size_t n = 6;
	char digits[16];
	int k = 0;
	for (unsigned v = (unsigned)pid; k == 0 || v; v /= 10)
		digits[k++] = (char)('0' + v % 10);
	while (k)
		path[n++] = digits[--k];
	memcpy(path + n, "/status", 8);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true; /* unknown: assume it does, the grace period then applies */
	ssize_t r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return true;
	buf[r] = '\0';
	char *p = strstr(buf, "SigCgt:");
	if (!p)
		return true;
	p += 7;
	while (*p == ' ' || *p == '\t')
		p++;
	unsigned long long mask = 0;
	for (; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
		mask = (mask << 4) | (unsigned long long)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
	return sig >= 1 && sig <= 64 && (mask >> (sig - 1)) & 1;
}

static void arm(timer_t t, unsigned seconds)
{
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = seconds ? seconds : 0;
	its.it_value.tv_nsec = seconds ? 0 : 1; /* 0 s grace: fire at once */
	timer_settime(t, 0, &its, NULL);
}

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_code != SI_TIMER)
		return;
	struct rt_container *c = si->si_value.sival_ptr;
	if (!c || c->reaped)
		return;
	if (!c->timed_out) {
		c->timed_out = 1;
		bool caught = rt_pid_catches(c->pid, c->stop_signal);
		send_sig(c, c->stop_signal);
		arm((timer_t)c->timer, caught ? c->stop_grace : 0);
	} else {
		send_sig(c, SIGKILL);
	}
}

int rt_timeout_arm(struct rt_container *c, struct pare_error *err)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(TIMER_SIGNAL, &sa, NULL) < 0)
		return pare_error_errno(err, "installing the timeout handler");
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = TIMER_SIGNAL;
	sev.sigev_value.sival_ptr = c;
	timer_t t;
	if (timer_create(CLOCK_MONOTONIC, &sev, &t) < 0)
		return pare_error_errno(err, "creating the timeout timer");
	c->timer = (void *)t;
	c->has_timer = true;
	arm(t, c->timeout);
	return 0;
}

void rt_timeout_disarm(struct rt_container *c)
{
	if (!c->has_timer)
		return;
	timer_delete((timer_t)c->timer);
	c->has_timer = false;
}
