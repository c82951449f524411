/* Severities of findings, shared by pare lint and pare xray: their names and --fail-on. */
#ifndef PARE_SEVERITY_H
#define PARE_SEVERITY_H

enum severity { SEVERITY_INFO, SEVERITY_WARNING, SEVERITY_ERROR };
#define SEVERITY_NONE (SEVERITY_ERROR + 1) /* --fail-on none: no finding fails */

const char *severity_name(enum severity s);
/* "error", "warning", "info"; -1 when unknown. */
int severity_parse(const char *s);
/* --fail-on's value: a severity or "none" (SEVERITY_NONE); -1 when unknown. */
int severity_parse_fail_on(const char *s);
#endif
