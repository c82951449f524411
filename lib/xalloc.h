/* Allocation that aborts on failure, and cleanup attributes (after bubblewrap's utils.h). */
#ifndef PARE_XALLOC_H
#define PARE_XALLOC_H
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow an array to hold at least `need` elements of `size` bytes (doubling). */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

void cleanup_freep(void *p);
void cleanup_closep(int *fd);
void cleanup_filep(FILE **f);
void cleanup_dirp(DIR **d);
void cleanup_strvp(char ***v);

#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))
#define cleanup_file __attribute__((cleanup(cleanup_filep)))
#define cleanup_dir __attribute__((cleanup(cleanup_dirp)))
#define cleanup_strv __attribute__((cleanup(cleanup_strvp)))

/* Hand ownership out of a cleanup-managed variable. */
static inline void *steal_pointer_(void *pp)
{
	void **p = (void **)pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define steal_pointer(pp) steal_pointer_(pp)

static inline int steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}
#endif
