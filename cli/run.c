/* pare run: run an image's entrypoint in its own namespaces, like `docker run`. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cli/cli.h"
#include "cli/run_opts.h"
#include "image/image.h"
#include "lib/error.h"
#include "lib/interrupt.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "runtime/runtime.h"

static void run_help(FILE *f)
{
	fprintf(f, "Usage: pare run [OPTIONS] IMAGE [ARG...]\n\n"
		   "Run the image's entrypoint in its own namespaces, as `docker run --rm IMAGE ARG...` would,\n"
		   "and exit with its status (128+N when it is killed by signal N).\n\n"
		   "Options (before IMAGE; everything after IMAGE is the container's command):\n");
	cli_run_opts_help(f, "the container");
	fprintf(f, "  -h, --help              this help\n");
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

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_RUN_LONGOPTS,
		CLI_RUN_LONGOPT_TIMEOUT,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	cleanup_run_opts struct cli_run_opts ro;
	cli_run_opts_init(&ro);
	int c, r;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+" CLI_RUN_SHORTOPTS "h", longopts, NULL)) != -1) {
		if ((r = cli_run_opts_parse(&ro, "run", c, optarg)) == 0)
			continue;
		if (r != 1)
			return r;
		if (c == 'h') {
			run_help(stdout);
			return 0;
		}
		return cli_usage_error("run", "invalid option");
	}
	if (optind >= argc)
		return cli_usage_error("run", "no image given");
	if ((r = cli_run_opts_finish(&ro, "run")) != 0)
		return r;
	int ret = 1;
	const char *input = argv[optind];
	ro.o.args = argv + optind + 1;

	struct pare_error err = { 0 };
	struct image *img = NULL;
	struct rt_rootfs *rootfs = NULL;
	struct rt_container *ct = NULL;
	struct rt_config cfg;
	rt_config_init(&cfg);
	/* Until the application runs, SIGINT/SIGTERM stop pare cleanly (lib/interrupt.h); then they are
	 * the application's. */
	cli_interrupt_install();
	if (cli_phase_quiet("reading the image", &err) < 0 || cli_image_open(input, ro.ref, &img, &err) < 0 ||
	    rt_config_from_image(&cfg, img, &ro.o, &err) < 0)
		goto out;
	note_architecture(img);
	if (cli_run_opts_apply(&ro, &cfg, &err) < 0)
		goto out;
	/* No index given: it is built only when the image is not unpacked in the cache yet. */
	if (cli_phase_quiet("unpacking", &err) < 0 || rt_rootfs_prepare(img, NULL, &rootfs, &err) < 0)
		goto out;
	if (cli_phase_quiet("running the application", &err) < 0 || rt_container_start(&cfg, rootfs, NULL, &ct, &err) < 0)
		goto out;
	rt_container_forward_signals(ct);
	if (pare_interrupt_signal) /* came while it started: pare's, not the application's */
		rt_container_kill(ct, SIGKILL);
	int status;
	if (rt_container_wait(ct, &status, &err) < 0)
		goto out;
	if (rt_container_timed_out(ct))
		pare_info("pare: timeout: the container was stopped after %u s\n", cfg.timeout);
	if (pare_interrupt_signal) {
		pare_interrupt_error(&err, pare_interrupt_signal);
		goto out;
	}
	ret = status;
out:
	if (err.msg[0])
		pare_error_print(&err);
	ret = cli_exit_status(ret);
	rt_container_free(ct);
	rt_rootfs_free(rootfs);
	if (img)
		image_free(img);
	rt_config_release(&cfg);
	return ret;
}
