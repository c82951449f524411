#include "lib/interrupt.h"

#include <errno.h>
#include <string.h>

volatile sig_atomic_t pare_interrupt_signal;

int pare_interrupt_error(struct pare_error *err, int sig)
{
	const char *name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : NULL;
	if (name)
		pare_error_set(err, EINTR, "interrupted by %s", name);
	else
		pare_error_set(err, EINTR, "interrupted by signal %d", sig);
	if (err)
		err->status = 128 + sig;
	return -1;
}

int pare_interrupt_check(struct pare_error *err)
{
	int sig = pare_interrupt_signal;
	return sig ? pare_interrupt_error(err, sig) : 0;
}
