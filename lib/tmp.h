/* Temporary directories: "pare-<pid>-XXXXXX" under $TMPDIR (default /var/tmp).
 * Each holds a "pid" lock file; tmp_reap_stale() removes those whose owner died
 * (a SIGKILLed run's leftovers are removed by the next run). */
#ifndef PARE_TMP_H
#define PARE_TMP_H
#include "lib/error.h"

const char *tmp_base(void);
/* Create a private (0700) temporary directory; *out is its absolute path. */
int tmp_dir_create(char **out, struct pare_error *err);
/* Remove a directory tree without following symlinks or crossing mount points. */
int tmp_remove_tree(const char *path, struct pare_error *err);
/* Remove pare-* directories under tmp_base() left by processes that no longer run. */
void tmp_reap_stale(void);
#endif
