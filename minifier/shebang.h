/* The "#!" line of a script, read as the kernel's binfmt_script reads it: within the first 256
 * bytes, the interpreter up to the first blank, then the rest of the line as one optional argument. */
#ifndef PARE_MINIFIER_SHEBANG_H
#define PARE_MINIFIER_SHEBANG_H
#include <stddef.h>

#define SHEBANG_BUF_SIZE 256 /* the kernel's BINPRM_BUF_SIZE */

struct shebang {
	char *interp; /* "/usr/bin/env", "/bin/sh" */
	char *arg;    /* the optional argument ("python3", "-S python3 -u", "-e"), or NULL */
};

/* Parse the start of a file (at least its first SHEBANG_BUF_SIZE bytes when it has them).
 * Returns 1 with *out filled for a "#!" script the kernel would run, 0 when it is not one
 * (no "#!", empty interpreter, or an interpreter name longer than the buffer). */
int shebang_parse(const void *buf, size_t len, struct shebang *out);
void shebang_release(struct shebang *sb);
/* When the interpreter is env(1): the command env runs (after its options, "-S" splitting and
 * NAME=VALUE assignments), as a new string; NULL otherwise. */
char *shebang_env_command(const struct shebang *sb);
#endif
