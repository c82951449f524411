/* The run options shared by the commands that run an image (run, profile, build): cli/run_opts.h. */
#include "cli/run_opts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/xalloc.h"

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

int cli_parse_size(const char *s, unsigned long long *out)
{
	if (!strcmp(s, "none") || !strcmp(s, "unlimited")) {
		*out = 0;
		return 0;
	}
	if (!(*s >= '0' && *s <= '9'))
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s)
		return -1;
	static const char units[] = "kmgt";
	const char *u = *end ? strchr(units, *end | 0x20) : NULL;
	double mult = 1;
	if (u) {
		for (const char *p = units; p <= u; p++)
			mult *= 1024;
		end++;
		if (*end == 'i' && end[1] == 'B')
			end += 2;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v * mult >= 18446744073709551615.0)
		return -1;
	*out = (unsigned long long)(v * mult);
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

void cli_run_opts_init(struct cli_run_opts *r)
{
	memset(r, 0, sizeof(*r));
	r->o.network = RT_NETWORK_NONE;
	r->o.stop_grace = -1;
	r->fanotify = true;
}

void cli_run_opts_release(struct cli_run_opts *r)
{
	strvec_release(&r->env);
	strvec_release(&r->vols);
	r->o.env = NULL;
}

int cli_run_opts_parse(struct cli_run_opts *r, const char *cmd, int c, char *arg)
{
	unsigned n;
	switch (c) {
	case CLI_OPT_ENTRYPOINT: r->o.entrypoint = arg; break;
	case 'e': strvec_push(&r->env, arg); break;
	case 'w': r->o.workdir = arg; break;
	case 'u': r->o.user = arg; break;
	case CLI_OPT_HOSTNAME: r->o.hostname = arg; break;
	case 'v': strvec_push(&r->vols, arg); break;
	case CLI_OPT_REF: r->ref = arg; break;
	case CLI_OPT_NO_FANOTIFY: r->fanotify = false; break;
	case 'q': pare_verbosity = 0; break;
	case CLI_OPT_VERBOSE: pare_verbosity = 2; break;
	case CLI_OPT_NETWORK:
		if (!strcmp(arg, "none"))
			r->o.network = RT_NETWORK_NONE;
		else if (!strcmp(arg, "host"))
			r->o.network = RT_NETWORK_HOST;
		else
			return cli_usage_error(cmd, "unknown network '%s' (none or host)", arg);
		break;
	case CLI_OPT_TIMEOUT:
		if (cli_parse_seconds(arg, &r->o.timeout) < 0)
			return cli_usage_error(cmd, "invalid --timeout '%s' (seconds)", arg);
		break;
	case CLI_OPT_DISK_LIMIT:
		if (cli_parse_size(arg, &r->disk_limit) < 0)
			return cli_usage_error(cmd, "invalid --disk-limit '%s' (a size like 512M or 2G, or 0 for none)", arg);
		if (r->disk_limit && r->disk_limit < (1ULL << 20))
			return cli_usage_error(cmd, "--disk-limit '%s' is below 1M", arg);
		r->disk_limit_set = true;
		break;
	case CLI_OPT_PIDS_LIMIT:
		if (!strcmp(arg, "none") || !strcmp(arg, "unlimited") || !strcmp(arg, "-1"))
			r->pids_limit = 0;
		else if (cli_parse_seconds(arg, &r->pids_limit) < 0 || r->pids_limit > 4194304)
			return cli_usage_error(cmd, "invalid --pids-limit '%s' (a number of processes, or 0 for none)", arg);
		r->pids_limit_set = true;
		break;
	case CLI_OPT_STOP_TIMEOUT:
		if (cli_parse_seconds(arg, &n) < 0)
			return cli_usage_error(cmd, "invalid --stop-timeout '%s' (seconds)", arg);
		r->o.stop_grace = (int)n;
		break;
	default: return cli_image_opts_parse(cmd, c, arg);
	}
	return 0;
}

int cli_run_opts_finish(struct cli_run_opts *r, const char *cmd)
{
	if (r->o.workdir && r->o.workdir[0] != '/')
		return cli_usage_error(cmd, "the working directory '%s' is invalid, it needs to be an absolute path",
				       r->o.workdir);
	r->o.env = r->env.v;
	return 0;
}

int cli_run_opts_apply(const struct cli_run_opts *r, struct rt_config *cfg, struct pare_error *err)
{
	for (size_t i = 0; i < r->vols.n; i++)
		if (cli_parse_volume(r->vols.v[i], cfg) < 0)
			return pare_error_set(err, 0, "invalid volume '%s' (expected /HOST:/CONTAINER[:ro])", r->vols.v[i]);
	if (r->disk_limit_set)
		cfg->disk_limit = r->disk_limit;
	if (r->pids_limit_set)
		cfg->pids_limit = r->pids_limit;
	return 0;
}

void cli_run_opts_help(FILE *f, const char *stopped)
{
	fprintf(f,
		"      --entrypoint PATH   replace the image's Entrypoint (and clear its Cmd); \"\" for none\n"
		"  -e, --env KEY=VALUE     set an environment variable (KEY alone: take it from pare's environment)\n"
		"  -w, --workdir DIR       working directory inside the container (created when missing)\n"
		"  -u, --user USER[:GROUP] user name or uid, group name or gid (resolved in the image)\n"
		"      --hostname NAME     the container's hostname (default: 12 random hex digits)\n"
		"      --network MODE      none (default: only loopback) or host\n"
		"  -v, --volume SRC:DST[:ro]  bind-mount a host path into the container\n"
		"      --timeout SECONDS   stop %s after SECONDS (StopSignal, then SIGKILL)\n"
		"      --stop-timeout SECONDS  grace period between StopSignal and SIGKILL (default 10)\n"
		"      --disk-limit SIZE   size of the container's writable layer (a tmpfs; 512M, 2G...; 0: none,\n"
		"                          on $TMPDIR's disk); default 2G or a quarter of the memory if less\n"
		"      --pids-limit N      most processes and threads in the container (cgroup pids.max; 0: no\n"
		"                          limit); default 4096\n"
		"      --ref NAME:TAG      which image of a multi-image archive\n"
		"  -q, --quiet             no progress notes\n"
		"      --verbose           more notes: a progress line per phase, why files were kept\n",
		stopped);
	cli_image_opts_help(f);
}
