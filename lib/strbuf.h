/* A growable, always NUL-terminated byte string (git's strbuf, smaller). */
#ifndef PARE_STRBUF_H
#define PARE_STRBUF_H
#include <stddef.h>

struct strbuf {
	char *s; /* NULL until something (even "") is added; owned */
	size_t len, cap;
};

#define STRBUF_INIT { NULL, 0, 0 }
void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_adds(struct strbuf *b, const char *s);
void strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_release(struct strbuf *b);
#endif
