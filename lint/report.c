/* The JSON form of lint findings (doc/LINT.md). */
#include <jansson.h>

#include "lint/lint.h"

json_t *lint_findings_json(const char *file, const struct lint_findings *f)
{
	json_t *list = json_array();
	size_t counts[3] = { 0, 0, 0 };
	for (size_t i = 0; i < f->n; i++) {
		const struct lint_finding *x = &f->v[i];
		counts[x->rule->severity]++;
		json_array_append_new(list, json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s?}", "file", x->file, "line",
						      x->line, "rule", x->rule->id, "severity",
						      lint_severity_name(x->rule->severity), "reason", x->rule->reason,
						      "fix", x->rule->fix, "detail", x->detail));
	}
	return json_pack("{s:s, s:o, s:{s:I, s:I, s:I}}", "file", file, "findings", list, "counts", "error",
			 (json_int_t)counts[LINT_ERROR], "warning", (json_int_t)counts[LINT_WARNING], "info",
			 (json_int_t)counts[LINT_INFO]);
}
