/* A Dockerfile read as BuildKit reads it: parser directives (escape), comments, line continuations,
 * heredocs (<<EOF, <<-EOF, quoted delimiters), JSON and shell forms, ARG before FROM, named stages. */
#ifndef PARE_LINT_DOCKERFILE_H
#define PARE_LINT_DOCKERFILE_H
#include <stdbool.h>
#include <stddef.h>

struct pare_error;

/* The longest logical line (after joining continuations) and the largest file accepted. */
#define DF_MAX_LINE (1u << 20)
#define DF_MAX_FILE (16u << 20)

struct df_instr {
	int line;	/* 1-based line of the keyword */
	char *cmd;	/* keyword in upper case: FROM, RUN, ... */
	char *args;	/* the rest, continuations joined with a space, flags included */
	bool json;	/* args is a JSON array (exec form) */
	char **argv;	/* JSON form: its strings (NULL-terminated); else NULL */
	char *heredoc;	/* bodies of heredocs, concatenated, or NULL */
	int stage;	/* index of its stage; -1 for ARG before the first FROM */
};

struct df_stage {
	int line;	/* the FROM line */
	char *base;	/* image reference after ARG defaults are substituted */
	char *name;	/* AS name (lower case) or NULL */
	int parent;	/* index of the stage named by base, or -1 */
};

struct dockerfile {
	char escape;
	struct df_instr *v;
	size_t n, cap;
	struct df_stage *stages;
	size_t nstages, stages_cap;
};

/* Parse buf (len bytes, not NUL-terminated). 0, or -1 with err naming the line and the problem. */
int dockerfile_parse(const char *buf, size_t len, struct dockerfile *df, struct pare_error *err);
/* Read path ("-": standard input) and parse it; errors name the file. */
int dockerfile_load(const char *path, struct dockerfile *df, struct pare_error *err);
void dockerfile_release(struct dockerfile *df);
/* The flag --NAME=VALUE of an instruction ("--from" -> "builder"), newly allocated, or NULL. */
char *df_instr_flag(const struct df_instr *in, const char *name);
/* The arguments after the flags (points into in->args). */
const char *df_instr_operands(const struct df_instr *in);
#endif
