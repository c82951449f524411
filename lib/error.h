/* One error convention (see doc/ARCHITECTURE.md, "Errors"):
 * module functions return 0 on success and -1 on failure after filling a
 * struct pare_error; callers add context with pare_error_prefix() and return;
 * only cli/ prints, once, as "pare: message". */
#ifndef PARE_ERROR_H
#define PARE_ERROR_H
#include <stdarg.h>

#define PARE_ERROR_MAX 1024

struct pare_error {
	int code;   /* errno value, or 0 when the failure is not a system error */
	int status; /* exit status the CLI should use (1 by default; 127 etc. for exec) */
	char msg[PARE_ERROR_MAX];
};

/* Set err (may be NULL) to a formatted message; returns -1 so callers can `return pare_error_set(...)`. */
int pare_error_set(struct pare_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like pare_error_set, appending ": strerror(errno)" and recording errno. */
int pare_error_errno(struct pare_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prepend context: "reading layer 3: <previous message>"; returns -1. */
int pare_error_prefix(struct pare_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pare_error_clear(struct pare_error *err);

/* Only for cli/ and for a forked child before exec: print "pare: msg" and exit. */
__attribute__((noreturn, format(printf, 2, 3))) void die(int status, const char *fmt, ...);
/* Print "pare: msg" to stderr (cli/ only). */
void pare_error_print(const struct pare_error *err);
/* Program-wide verbosity for progress messages (cli sets it). 0 quiet, 1 normal, 2 verbose. */
extern int pare_verbosity;
void pare_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pare_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
