/* A NULL-terminated, growable vector of owned strings. */
#ifndef PARE_STRVEC_H
#define PARE_STRVEC_H
#include <stddef.h>

struct strvec {
	char **v; /* always NULL-terminated once anything was pushed; NULL when empty and unused */
	size_t n, cap;
};

#define STRVEC_INIT { NULL, 0, 0 }
void strvec_push(struct strvec *sv, const char *s);
void strvec_push_nodup(struct strvec *sv, char *s);
void strvec_pushf(struct strvec *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand out the NULL-terminated array (never NULL); sv is reset. */
char **strvec_detach(struct strvec *sv);
void strvec_release(struct strvec *sv);
void strv_free(char **v);
size_t strv_len(char *const *v);
char **strv_dup(char *const *v);
#endif
