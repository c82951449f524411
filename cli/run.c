/* pare run: run an image's entrypoint in its own namespaces, like `docker run`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cli/cli.h"
#include "image/image.h"
#include "lib/error.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "runtime/runtime.h"

static void run_help(FILE *f)
{
	fprintf(f, "Usage: pare run [OPTIONS] IMAGE [ARG...]\n\n"
		   "Run the image's entrypoint in its own namespaces, as `docker run --rm IMAGE ARG...` would,\n"
		   "and exit with its status (128+N when it is killed by signal N).\n\n"
		   "Options (before IMAGE; everything after IMAGE is the container's command):\n"
		   "      --entrypoint PATH   replace the image's Entrypoint (and clear its Cmd); \"\" for none\n"
		   "  -e, --env KEY=VALUE     set an environment variable (KEY alone: take it from pare's environment)\n"
		   "  -w, --workdir DIR       working directory inside the container (created when missing)\n"
		   "  -u, --user USER[:GROUP] user name or uid, group name or gid (resolved in the image)\n"
		   "      --hostname NAME     the container's hostname (default: 12 random hex digits)\n"
		   "      --network MODE      none (default: only loopback) or host\n"
		   "  -v, --volume SRC:DST[:ro]  bind-mount a host path into the container\n"
		   "      --timeout SECONDS   stop the container after SECONDS (StopSignal, then SIGKILL)\n"
		   "      --stop-timeout SECONDS  grace period between StopSignal and SIGKILL (default 10)\n"
		   "      --ref NAME:TAG      which image of a multi-image archive\n"
		   "  -q, --quiet             no progress notes\n"
		   "  -h, --help              this help\n");
}

/* A note when the image is built for another architecture (the exec would fail with ENOEXEC). */
static void note_architecture(const struct image *img)
{
	json_t *a = img->config ? json_object_get(img->config, "architecture") : NULL;
	const char *arch = json_is_string(a) ? json_string_value(a) : NULL;
	struct utsname u;
	if (!arch || uname(&u) < 0)
		return;
	static const char *const map[][2] = { { "x86_64", "amd64" }, { "aarch64", "arm64" }, { "i686", "386" },
					       { "armv7l", "arm" }, { "ppc64le", "ppc64le" }, { "s390x", "s390x" },
					       { "riscv64", "riscv64" } };
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(u.machine, map[i][0]) && strcmp(arch, map[i][1]) != 0)
			pare_info("pare: note: the image is for %s, this machine is %s\n", arch, map[i][1]);
}

enum { OPT_ENTRYPOINT = 256, OPT_HOSTNAME, OPT_NETWORK, OPT_TIMEOUT, OPT_STOP_TIMEOUT, OPT_REF };

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
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
	const char *ref = NULL;
	int c, ret = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+e:w:u:v:qh", longopts, NULL)) != -1) {
		switch (c) {
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
				return cli_usage_error("run", "unknown network '%s' (none or host)", optarg);
			break;
		case OPT_TIMEOUT:
			if (cli_parse_seconds(optarg, &o.timeout) < 0)
				return cli_usage_error("run", "invalid --timeout '%s' (seconds)", optarg);
			break;
		case OPT_STOP_TIMEOUT: {
			unsigned g;
			if (cli_parse_seconds(optarg, &g) < 0)
				return cli_usage_error("run", "invalid --stop-timeout '%s' (seconds)", optarg);
			o.stop_grace = (int)g;
			break;
		}
		case 'h': run_help(stdout); return 0;
		default: return cli_usage_error("run", "invalid option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("run", "no image given");
	if (o.workdir && o.workdir[0] != '/')
		return cli_usage_error("run", "the working directory '%s' is invalid, it needs to be an absolute path", o.workdir);
	const char *input = argv[optind];
	o.args = argv + optind + 1;
	o.env = env.v;

	struct pare_error err = { 0 };
	struct image *img = NULL;
	struct rt_rootfs *rootfs = NULL;
	struct rt_container *ct = NULL;
	struct rt_config cfg;
	rt_config_init(&cfg);
	if (image_open(input, ref, &img, &err) < 0 || rt_config_from_image(&cfg, img, &o, &err) < 0)
		goto out;
	note_architecture(img);
	for (size_t i = 0; i < vols.n; i++) {
		if (cli_parse_volume(vols.v[i], &cfg) < 0) {
			pare_error_set(&err, 0, "invalid volume '%s' (expected /HOST:/CONTAINER[:ro])", vols.v[i]);
			goto out;
		}
	}
	/* No index given: it is built only when the image is not unpacked in the cache yet. */
	if (rt_rootfs_prepare(img, NULL, &rootfs, &err) < 0)
		goto out;
	if (rt_container_start(&cfg, rootfs, NULL, &ct, &err) < 0)
		goto out;
	rt_container_forward_signals(ct);
	int status;
	if (rt_container_wait(ct, &status, &err) < 0)
		goto out;
	if (rt_container_timed_out(ct))
		pare_info("pare: timeout: the container was stopped after %u s\n", cfg.timeout);
	ret = status;
out:
	if (err.msg[0])
		pare_error_print(&err);
	rt_container_free(ct);
	rt_rootfs_free(rootfs);
	if (img)
		image_free(img);
	rt_config_release(&cfg);
	strvec_release(&env);
	strvec_release(&vols);
	return ret;
}
