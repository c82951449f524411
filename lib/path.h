/* Paths inside an image: always absolute, "/"-separated, normalised ("/", "/usr/bin"). */
#ifndef PARE_PATH_H
#define PARE_PATH_H
#include <stdbool.h>

/* Lexically normalise `path` as an absolute path inside an image root: leading "./" and "/"
 * dropped then one "/" added, "." and empty components removed, ".." clamped at the root
 * (as the kernel's RESOLVE_IN_ROOT does). Returns a new string. */
char *path_normalize(const char *path);
/* Like path_normalize, but returns NULL when a ".." would climb above the root
 * (for archive entry names, which must never do that). */
char *path_normalize_strict(const char *path);
/* Join a directory and a (relative or absolute) path; an absolute `rel` replaces `dir`. Normalised. */
char *path_join(const char *dir, const char *rel);
/* Parent directory of a normalised path ("/" for "/x" and for "/"). New string. */
char *path_dirname(const char *path);
/* Last component of a normalised path (pointer into `path`). */
const char *path_basename(const char *path);
/* true when `path` equals `prefix` or lies below it ("/usr" contains "/usr/bin", not "/usrx"). */
bool path_has_prefix(const char *path, const char *prefix);
/* true when the string ends with `suffix` ("x.py" has ".py"). */
bool path_has_suffix(const char *path, const char *suffix);
#endif
