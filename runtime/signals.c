/* Signals in pare: forwarding to PID 1 (docker run's sig-proxy) and the --timeout timer.
 * Both act from signal handlers with pidfd_send_signal only (async-signal-safe), so they work
 * whatever loop waits for the container (ours or the tracer's ptrace loop; SA_RESTART keeps a
 * blocking waitpid going). */
#include "runtime/internal.h"

#include <errno.h>
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
		send_sig(c, c->stop_signal);
		arm((timer_t)c->timer, c->stop_grace);
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
