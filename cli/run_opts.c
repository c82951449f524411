/* Option values shared by the commands that run an image (run, profile, build). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/xalloc.h"
#include "runtime/runtime.h"

int cli_parse_seconds(const char *s, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > 100000000UL || s[0] == '-')
		return -1;
	*out = (unsigned)v;
	return 0;
}

int cli_parse_volume(const char *spec, struct rt_config *cfg)
{
	cleanup_free char *s = xstrdup(spec);
	char *dst = strchr(s, ':');
	if (!dst || s[0] != '/')
		return -1;
	*dst++ = '\0';
	char *mode = strchr(dst, ':');
	if (mode)
		*mode++ = '\0';
	if (dst[0] != '/' || (mode && strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0))
		return -1;
	cfg->binds = xrealloc(cfg->binds, (cfg->n_binds + 1) * sizeof(*cfg->binds));
	struct rt_bind *b = &cfg->binds[cfg->n_binds++];
	b->source = xstrdup(s);
	b->target = xstrdup(dst);
	b->readonly = mode && !strcmp(mode, "ro");
	return 0;
}
