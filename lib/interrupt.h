/* SIGINT, SIGTERM and SIGHUP as a request to stop, honoured where the work can stop cleanly: cli/'s
 * handler (cli_interrupt_install) only records the signal here; long loops (every blob read, the
 * archive spool, the image writer before its rename) and the commands between their phases call
 * pare_interrupt_check, which fails with EINTR, so the usual error paths remove temporary files, the
 * container and partial output. */
#ifndef PARE_INTERRUPT_H
#define PARE_INTERRUPT_H
#include <signal.h>

#include "lib/error.h"

extern volatile sig_atomic_t pare_interrupt_signal; /* 0, or the signal received (set by cli/) */
/* 0, or -1 with err: code EINTR, status 128+N, "interrupted by SIGINT". */
int pare_interrupt_check(struct pare_error *err);
/* The same error for signal sig (for a loop that received it another way, e.g. a signalfd). */
int pare_interrupt_error(struct pare_error *err, int sig);
#endif
