/* pare profile: run an image like `pare run`, traced, and write what it touched (doc/PROFILE.md). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run_opts.h"
#include "image/image.h"
#include "image/layer_index.h"
#include "lib/error.h"
#include "lib/interrupt.h"
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
		   "      --host              trace COMMAND on the host instead of an image (paths as on the host)\n");
	cli_run_opts_help(f, "the application");
	fprintf(f, "  -h, --help              this help\n");
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
	struct pare_error err = { 0 };
	if (tracer_child_setup(data, &err) < 0) {
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

enum { OPT_HOST = 256 };

int cmd_profile(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		CLI_RUN_LONGOPT_NO_FANOTIFY,
		{ "host", no_argument, NULL, OPT_HOST },
		CLI_RUN_LONGOPTS,
		CLI_RUN_LONGOPT_TIMEOUT,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	cleanup_run_opts struct cli_run_opts ro;
	cli_run_opts_init(&ro);
	const char *output = "profile.json";
	bool host = false;
	int c, r;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:" CLI_RUN_SHORTOPTS "h", longopts, NULL)) != -1) {
		if ((r = cli_run_opts_parse(&ro, "profile", c, optarg)) == 0)
			continue;
		if (r != 1)
			return r;
		switch (c) {
		case 'o': output = optarg; break;
		case OPT_HOST: host = true; break;
		case 'h': profile_help(stdout); return 0;
		default: return cli_usage_error("profile", "invalid option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("profile", host ? "no command given" : "no image given");
	if (!*output)
		return cli_usage_error("profile", "empty --output");
	if (host)
		return profile_host(argv + optind, output, ro.fanotify);
	if ((r = cli_run_opts_finish(&ro, "profile")) != 0)
		return r;
	int ret = 1;
	const char *input = argv[optind];
	ro.o.args = argv + optind + 1;

	struct pare_error err = { 0 };
	struct image *img = NULL;
	struct layer_index *idx = NULL;
	struct rt_rootfs *rootfs = NULL;
	struct rt_container *ct = NULL;
	struct tracer *tr = NULL;
	struct rt_config cfg;
	rt_config_init(&cfg);
	cli_interrupt_install();
	if (cli_phase("reading the image", &err) < 0 || cli_image_open(input, ro.ref, &img, &err) < 0 ||
	    rt_config_from_image(&cfg, img, &ro.o, &err) < 0 || cli_run_opts_apply(&ro, &cfg, &err) < 0)
		goto out;
	/* No index: the runtime builds one only when the image is not unpacked in its cache yet, so a
	 * cached image starts as fast as under pare run. */
	if (cli_phase("unpacking", &err) < 0 || rt_rootfs_prepare(img, NULL, &rootfs, &err) < 0)
		goto out;
	if (cli_phase("running the application under the tracer", &err) < 0)
		goto out;
	struct tracer_options to = { .image = input, .fanotify = ro.fanotify, .image_only = true };
	tr = tracer_new(&to);
	struct rt_hooks hooks = {
		.parent_ready = hook_ready,
		.child_before_exec = hook_child,
		.parent_wait = hook_wait,
		.data = tr,
	};
	if (rt_container_start(&cfg, rootfs, &hooks, &ct, &err) < 0)
		goto out;
	/* From here on signals go to the application, as under pare run; one that came before is pare's:
	 * stop the application (no profile is written: the next phase sees the interrupt). */
	rt_container_forward_signals(ct);
	if (pare_interrupt_signal)
		rt_container_kill(ct, SIGKILL);
	int status;
	if (rt_container_wait(ct, &status, &err) < 0)
		goto out;
	if (rt_container_timed_out(ct))
		pare_info("pare: timeout: the container was stopped after %u s\n", cfg.timeout);
	rt_container_free(ct); /* pare's own signal handlers are back */
	ct = NULL;
	if (cli_phase("writing the profile", &err) < 0)
		goto out;
	struct profile *p = tracer_profile(tr);
	p->stats.exit_status = status;
	ret = save(p, output) < 0 ? 1 : status;
out:
	if (err.msg[0])
		pare_error_print(&err);
	ret = cli_exit_status(ret);
	rt_container_free(ct);
	tracer_free(tr);
	rt_rootfs_free(rootfs);
	if (idx)
		layer_index_free(idx);
	if (img)
		image_free(img);
	rt_config_release(&cfg);
	return ret;
}
