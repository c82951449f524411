/* pare profile: run an image like `pare run`, traced, and write what it touched (doc/PROFILE.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "image/image.h"
#include "image/layer_index.h"
#include "lib/error.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "runtime/runtime.h"
#include "tracer/tracer.h"

static void profile_help(FILE *f)
{
	fprintf(f, "Usage: pare profile [-o PROFILE.json] [OPTIONS] IMAGE [ARG...]\n"
		   "       pare profile --host [-o PROFILE.json] COMMAND [ARG...]\n\n"
		   "Run the image's entrypoint as `pare run` does, under the file tracer (seccomp-filtered ptrace,\n"
		   "plus fanotify when pare has CAP_SYS_ADMIN), until it exits or --timeout expires; then write the\n"
		   "profile: every file, symlink and missing path it used (format: doc/PROFILE.md). The application's\n"
		   "input, output and exit status pass through unchanged; pare exits with its status.\n\n"
		   "Options (before IMAGE; everything after IMAGE is the container's command):\n"
		   "  -o, --output FILE       where to write the profile (default: profile.json; - for stdout)\n"
		   "      --no-fanotify       trace with ptrace alone\n"
		   "      --host              trace COMMAND on the host instead of an image (paths as on the host)\n"
		   "      --entrypoint PATH   replace the image's Entrypoint (and clear its Cmd); \"\" for none\n"
		   "  -e, --env KEY=VALUE     set an environment variable (KEY alone: take it from pare's environment)\n"
		   "  -w, --workdir DIR       working directory inside the container (created when missing)\n"
		   "  -u, --user USER[:GROUP] user name or uid, group name or gid (resolved in the image)\n"
		   "      --hostname NAME     the container's hostname\n"
		   "      --network MODE      none (default: only loopback) or host\n"
		   "  -v, --volume SRC:DST[:ro]  bind-mount a host path into the container\n"
		   "      --timeout SECONDS   stop the application after SECONDS (StopSignal, then SIGKILL)\n"
		   "      --stop-timeout SECONDS  grace period between StopSignal and SIGKILL (default 10)\n"
		   "      --ref NAME:TAG      which image of a multi-image archive\n"
		   "  -q, --quiet             no progress notes\n"
		   "  -h, --help              this help\n");
}

/* The runtime's hooks, bound to the tracer. */
static int hook_ready(pid_t pid, void *data)
{
	struct pare_error err = { 0 };
	if (tracer_seize(data, pid, &err) < 0) {
		pare_error_print(&err);
		return -1;
	}
	return 0;
}

static int hook_child(void *data)
{
	(void)data;
	struct pare_error err = { 0 };
	if (tracer_child_setup(&err) < 0) {
		pare_error_print(&err);
		return -1;
	}
	return 0;
}

static int hook_wait(pid_t pid, int *wstatus, void *data)
{
	(void)pid;
	struct pare_error err = { 0 };
	return tracer_run(data, wstatus, &err);
}

static int save(struct profile *p, const char *output)
{
	struct pare_error err = { 0 };
	if (profile_save(p, output, &err) < 0) {
		pare_error_print(&err);
		return -1;
	}
	if (p->stats.fanotify_overflows)
		fprintf(stderr, "pare: warning: fanotify lost events (%llu queue overflows): the profile may miss opens\n",
			(unsigned long long)p->stats.fanotify_overflows);
	return 0;
}

static int profile_host(char **argv, const char *output, bool fanotify)
{
	struct tracer_options to = { .fanotify = fanotify };
	struct profile *p = NULL;
	struct pare_error err = { 0 };
	int status;
	if (tracer_trace_command(argv, &to, &p, &status, &err) < 0) {
		pare_error_print(&err);
		return 1;
	}
	int ret = p->stats.exit_status;
	if (save(p, output) < 0)
		ret = 1;
	profile_free(p);
	return ret;
}

enum { OPT_ENTRYPOINT = 256, OPT_HOSTNAME, OPT_NETWORK, OPT_TIMEOUT, OPT_STOP_TIMEOUT, OPT_REF, OPT_NO_FAN, OPT_HOST };

int cmd_profile(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "no-fanotify", no_argument, NULL, OPT_NO_FAN },
		{ "host", no_argument, NULL, OPT_HOST },
		{ "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' },
		{ "hostname", required_argument, NULL, OPT_HOSTNAME },
		{ "network", required_argument, NULL, OPT_NETWORK },
		{ "net", required_argument, NULL, OPT_NETWORK },
		{ "volume", required_argument, NULL, 'v' },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
		{ "ref", required_argument, NULL, OPT_REF },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rt_image_options o = { .network = RT_NETWORK_NONE, .stop_grace = -1 };
	struct strvec env = STRVEC_INIT, vols = STRVEC_INIT;
	const char *ref = NULL, *output = "profile.json";
	bool fanotify = true, host = false;
	int c, ret = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:e:w:u:v:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case OPT_NO_FAN: fanotify = false; break;
		case OPT_HOST: host = true; break;
		case OPT_ENTRYPOINT: o.entrypoint = optarg; break;
		case 'e': strvec_push(&env, optarg); break;
		case 'w': o.workdir = optarg; break;
		case 'u': o.user = optarg; break;
		case OPT_HOSTNAME: o.hostname = optarg; break;
		case 'v': strvec_push(&vols, optarg); break;
		case OPT_REF: ref = optarg; break;
		case 'q': pare_verbosity = 0; break;
		case OPT_NETWORK:
			if (!strcmp(optarg, "none"))
				o.network = RT_NETWORK_NONE;
			else if (!strcmp(optarg, "host"))
				o.network = RT_NETWORK_HOST;
			else
				return cli_usage_error("profile", "unknown network '%s' (none or host)", optarg);
			break;
		case OPT_TIMEOUT:
			if (cli_parse_seconds(optarg, &o.timeout) < 0)
				return cli_usage_error("profile", "invalid --timeout '%s' (seconds)", optarg);
			break;
		case OPT_STOP_TIMEOUT: {
			unsigned g;
			if (cli_parse_seconds(optarg, &g) < 0)
				return cli_usage_error("profile", "invalid --stop-timeout '%s' (seconds)", optarg);
			o.stop_grace = (int)g;
			break;
		}
		case 'h': profile_help(stdout); return 0;
		default: return cli_usage_error("profile", "invalid option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("profile", host ? "no command given" : "no image given");
	if (!*output)
		return cli_usage_error("profile", "empty --output");
	if (host) {
		strvec_release(&env);
		strvec_release(&vols);
		return profile_host(argv + optind, output, fanotify);
	}
	if (o.workdir && o.workdir[0] != '/')
		return cli_usage_error("profile", "the working directory '%s' is invalid, it needs to be an absolute path", o.workdir);
	const char *input = argv[optind];
	o.args = argv + optind + 1;
	o.env = env.v;

	struct pare_error err = { 0 };
	struct image *img = NULL;
	struct layer_index *idx = NULL;
	struct rt_rootfs *rootfs = NULL;
	struct rt_container *ct = NULL;
	struct tracer *tr = NULL;
	struct rt_config cfg;
	rt_config_init(&cfg);
	if (image_open(input, ref, &img, &err) < 0 || rt_config_from_image(&cfg, img, &o, &err) < 0)
		goto out;
	for (size_t i = 0; i < vols.n; i++) {
		if (cli_parse_volume(vols.v[i], &cfg) < 0) {
			pare_error_set(&err, 0, "invalid volume '%s' (expected /HOST:/CONTAINER[:ro])", vols.v[i]);
			goto out;
		}
	}
	/* No index: the runtime builds one only when the image is not unpacked in its cache yet, so a
	 * cached image starts as fast as under pare run. */
	if (rt_rootfs_prepare(img, NULL, &rootfs, &err) < 0)
		goto out;
	struct tracer_options to = { .image = input, .fanotify = fanotify, .image_only = true };
	tr = tracer_new(&to);
	struct rt_hooks hooks = {
		.parent_ready = hook_ready,
		.child_before_exec = hook_child,
		.parent_wait = hook_wait,
		.data = tr,
	};
	if (rt_container_start(&cfg, rootfs, &hooks, &ct, &err) < 0)
		goto out;
	rt_container_forward_signals(ct);
	int status;
	if (rt_container_wait(ct, &status, &err) < 0)
		goto out;
	if (rt_container_timed_out(ct))
		pare_info("pare: timeout: the container was stopped after %u s\n", cfg.timeout);
	struct profile *p = tracer_profile(tr);
	p->stats.exit_status = status;
	ret = save(p, output) < 0 ? 1 : status;
out:
	if (err.msg[0])
		pare_error_print(&err);
	rt_container_free(ct);
	tracer_free(tr);
	rt_rootfs_free(rootfs);
	if (idx)
		layer_index_free(idx);
	if (img)
		image_free(img);
	rt_config_release(&cfg);
	strvec_release(&env);
	strvec_release(&vols);
	return ret;
}
