/* `pare build --exec CMD`: the argv that runs CMD inside the running container. With a shell in the
 * image, "/bin/sh -c CMD" (as `docker exec` users expect); without one, CMD split into words as a POSIX
 * shell would split it, without expansions, refusing what only a shell could run. */
#ifndef PARE_PROBE_EXEC_H
#define PARE_PROBE_EXEC_H
#include <stdbool.h>

#include "image/layer_index.h"
#include "lib/error.h"

/* true when the image's /bin/sh, resolved inside the image, is a regular file with an execute bit. */
bool probe_exec_has_shell(const struct layer_index *idx);
/* Split CMD into words: blanks separate words; '...' is literal; in "..." a backslash escapes only
 * \" \\ \$ \` and a newline; elsewhere a backslash quotes the next character; "" gives an empty word.
 * Fails on an unterminated quote, an empty command, and unquoted shell syntax (| & ; < > ( ) $ `, or a
 * leading NAME=VALUE assignment): "needs a shell". *argv is a new NULL-terminated vector. */
int probe_exec_split(const char *cmd, char ***argv, struct pare_error *err);
/* The argv for --exec CMD: {"/bin/sh", "-c", CMD} when has_shell, else probe_exec_split(CMD). */
int probe_exec_argv(const char *cmd, bool has_shell, char ***argv, struct pare_error *err);
#endif
