/* The event loop (tracer/loop.c). */
#ifndef PARE_TRACER_LOOP_H
#define PARE_TRACER_LOOP_H
struct tracer;
/* Run until no traced process is left. */
void loop_run(struct tracer *t);
/* Handler for SIGINT, SIGTERM, SIGHUP (forwarded to the application) and SIGALRM (the timeout). */
void loop_on_signal(int sig);
#endif
