#include "lib/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pare_verbosity = 1;

static void error_vset(struct pare_error *err, int code, const char *fmt, va_list ap)
{
	if (!err)
		return;
	err->code = code;
	if (!err->status)
		err->status = 1;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int pare_error_set(struct pare_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int pare_error_errno(struct pare_error *err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	if (!err)
		return -1;
	va_start(ap, fmt);
	error_vset(err, saved, fmt, ap);
	va_end(ap);
	size_t len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

int pare_error_prefix(struct pare_error *err, const char *fmt, ...)
{
	char prefix[PARE_ERROR_MAX], old[PARE_ERROR_MAX];
	va_list ap;
	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation is fine here: the message stays one bounded line. */
	size_t plen = strnlen(prefix, sizeof(err->msg) - 3);
	memcpy(err->msg, prefix, plen);
	memcpy(err->msg + plen, ": ", 2);
	size_t room = sizeof(err->msg) - plen - 3;
	size_t olen = strnlen(old, room);
	memcpy(err->msg + plen + 2, old, olen);
	err->msg[plen + 2 + olen] = '\0';
	return -1;
}

void pare_error_clear(struct pare_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

void die(int status, const char *fmt, ...)
{
	va_list ap;
	fputs("pare: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

void pare_error_print(const struct pare_error *err)
{
	/* One line, always: fold any newline a message may carry. */
	fputs("pare: ", stderr);
	for (const char *p = err->msg; *p; p++)
		fputc(*p == '\n' ? ' ' : *p, stderr);
	if (!err->msg[0])
		fputs("unknown error", stderr);
	fputc('\n', stderr);
}

void pare_info(const char *fmt, ...)
{
	va_list ap;
	if (pare_verbosity < 1)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void pare_debug(const char *fmt, ...)
{
	va_list ap;
	if (pare_verbosity < 2)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
