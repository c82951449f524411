/* Dockerfile rules (lint/rules.c: one table, one row per rule) run over a parsed Dockerfile. */
#ifndef PARE_LINT_H
#define PARE_LINT_H
#include <stdbool.h>
#include <stddef.h>

#include "lib/severity.h"
#include "lint/dockerfile.h"

struct pare_error;

/* The shared severities (lib/severity.h), under lint's names. */
enum lint_severity { LINT_INFO = SEVERITY_INFO, LINT_WARNING = SEVERITY_WARNING, LINT_ERROR = SEVERITY_ERROR };

struct lint_finding;
struct lint_ctx;

struct lint_rule {
	const char *id;
	enum lint_severity severity;
	const char *reason; /* one line: what is wrong and what it costs */
	const char *fix;    /* one line: what to write instead */
	void (*check)(struct lint_ctx *ctx, const struct lint_rule *rule);
};

struct lint_finding {
	const struct lint_rule *rule;
	char *file; /* the Dockerfile's name, or the .dockerignore's */
	int line;   /* 1-based */
	char *detail; /* what matched ("FROM node"), or NULL */
};

struct lint_findings {
	struct lint_finding *v;
	size_t n, cap;
};

/* The rule table, terminated by a row with id NULL. */
extern const struct lint_rule lint_rules[];
const struct lint_rule *lint_rule_find(const char *id);
const char *lint_severity_name(enum lint_severity s);
/* "error", "warning", "info"; -1 when unknown. */
int lint_severity_parse(const char *s);

/* Run every rule whose enabled[index] is true (NULL: all) over df. file names the Dockerfile in the
 * findings; context_dir (or NULL: no build context known) is where .dockerignore is looked for. The
 * findings are sorted by line. */
int lint_run(const struct dockerfile *df, const char *file, const char *context_dir, const bool *enabled,
	     struct lint_findings *out, struct pare_error *err);
/* {"file", "findings": [{"file", "line", "rule", "severity", "reason", "fix", "detail"}],
 *  "counts": {"error", "warning", "info"}} (doc/LINT.md); a new reference. */
struct json_t;
struct json_t *lint_findings_json(const char *file, const struct lint_findings *f);
void lint_findings_release(struct lint_findings *f);
#endif
