/* pare xray IMAGE [--json] [--ref NAME:TAG] [--top N] [--fail-on SEVERITY] [--slim-report FILE]: what is in an
 * image and what to change, as text or JSON (doc/XRAY.md). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/image_opts.h"
#include "cli/xray_print.h"
#include "image/image.h"
#include "image/layer_index.h"
#include "image/xray.h"
#include "lib/error.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: pare xray IMAGE [--json] [--ref NAME:TAG] [--top N] [--fail-on SEVERITY] [--slim-report FILE]\n\n"
		   "Show what is in an image before slimming it: its config, each layer with the command that\n"
		   "made it, totals, the largest files, the bytes wasted by files overwritten or deleted in later\n"
		   "layers, and findings (caches, build tools, root user, unpinned base and more), each with a\n"
		   "severity, the technique that fixes it and the bytes that saves, and a score (doc/XRAY.md).\n\n"
		   "  --json               print the report as JSON\n"
		   "  --fail-on SEVERITY   exit 1 when a finding is at or above error, warning or info (default none)\n"
		   "  --slim-report FILE   a pare build --report of this image: show what the build removes\n"
		   "  --ref NAME:TAG       pick one image of an archive that holds several\n"
		   "  --top N              list the N largest files (default %d)\n"
		   "  -h, --help           show this help\n",
		XRAY_TOP_FILES);
	cli_image_opts_help(f);
}

int cmd_xray(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "ref", required_argument, NULL, 'r' },
		{ "top", required_argument, NULL, 't' },
		{ "fail-on", required_argument, NULL, 'f' },
		{ "slim-report", required_argument, NULL, 's' },
		CLI_IMAGE_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	const char *ref = NULL;
	size_t top = XRAY_TOP_FILES;
	const char *slim_file = NULL;
	int fail_on = SEVERITY_NONE;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int r = cli_image_opts_parse("xray", c, optarg);
		if (r != 1) {
			if (r != 0)
				return r;
			continue;
		}
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'r':
			ref = optarg;
			break;
		case 't': {
			char *end;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (!*optarg || *end || optarg[0] == '-' || v > 100000)
				return cli_usage_error("xray", "--top wants a number from 0 to 100000, not '%s'", optarg);
			top = (size_t)v;
			break;
		}
		case 'f':
			fail_on = severity_parse_fail_on(optarg);
			if (fail_on < 0)
				return cli_usage_error("xray", "--fail-on takes error, warning, info or none, not '%s'", optarg);
			break;
		case 's':
			slim_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_usage_error("xray", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("xray", "no image given");
	if (optind + 1 < argc)
		return cli_usage_error("xray", "one image only; unexpected '%s'", argv[optind + 1]);

	struct pare_error err = { 0 };
	struct image *img = NULL;
	struct layer_index *idx = NULL;
	struct xray_report *r = NULL;
	struct xray_slim slim = { 0 };
	int status = 1;

	if (slim_file && xray_slim_load(slim_file, &slim, &err) < 0)
		goto out;
	if (cli_image_open(argv[optind], ref, &img, &err) < 0)
		goto out;
	if (layer_index_build(img, &idx, &err) < 0)
		goto out;
	if (slim_file && xray_slim_apply(&slim, idx, &err) < 0)
		goto out;
	if ((slim_file ? xray_analyze_slim : xray_analyze)(img, idx, top, &r, &err) < 0)
		goto out;
	if ((json ? xray_print_json(stdout, img, r) : xray_print_text(stdout, img, r)) < 0 || fflush(stdout) != 0) {
		pare_error_errno(&err, "writing the report");
		goto out;
	}
	status = xray_worst_severity(r) >= fail_on ? 1 : 0;
	goto done;
out:
	pare_error_print(&err);
done:
	xray_slim_release(&slim);
	xray_report_free(r);
	layer_index_free(idx);
	image_free(img);
	return status;
}
