#include "lib/strvec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/xalloc.h"

void strvec_push_nodup(struct strvec *sv, char *s)
{
	sv->v = xgrow(sv->v, &sv->cap, sv->n + 2, sizeof(char *));
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void strvec_push(struct strvec *sv, const char *s)
{
	strvec_push_nodup(sv, xstrdup(s));
}

void strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		s = xstrdup("");
	strvec_push_nodup(sv, s);
}

char **strvec_detach(struct strvec *sv)
{
	char **v = sv->v ? sv->v : xcalloc(1, sizeof(char *));
	sv->v = NULL;
	sv->n = sv->cap = 0;
	return v;
}

void strvec_release(struct strvec *sv)
{
	strv_free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

char **strv_dup(char *const *v)
{
	struct strvec sv = STRVEC_INIT;
	for (size_t i = 0; v && v[i]; i++)
		strvec_push(&sv, v[i]);
	return strvec_detach(&sv);
}
