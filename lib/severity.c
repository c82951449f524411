#include "lib/severity.h"

#include <string.h>

const char *severity_name(enum severity s)
{
	return s == SEVERITY_ERROR ? "error" : s == SEVERITY_WARNING ? "warning" : "info";
}

int severity_parse(const char *s)
{
	if (!strcmp(s, "error"))
		return SEVERITY_ERROR;
	if (!strcmp(s, "warning"))
		return SEVERITY_WARNING;
	if (!strcmp(s, "info"))
		return SEVERITY_INFO;
	return -1;
}

int severity_parse_fail_on(const char *s)
{
	return !strcmp(s, "none") ? SEVERITY_NONE : severity_parse(s);
}
