/* pare xray IMAGE [--json] [--ref NAME:TAG] [--top N]: what is in an image, as text or JSON. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/xray_print.h"
#include "image/image.h"
#include "image/layer_index.h"
#include "image/xray.h"
#include "lib/error.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: pare xray IMAGE [--json] [--ref NAME:TAG] [--top N]\n\n"
		   "Show what is in an image before slimming it: its config, each layer with the command that\n"
		   "made it, totals, the largest files, the bytes wasted by files overwritten or deleted in later\n"
		   "layers, and flags for caches, build tools, root user, unpinned base and more.\n\n"
		   "  --json          print the report as JSON\n"
		   "  --ref NAME:TAG  pick one image of an archive that holds several\n"
		   "  --top N         list the N largest files (default %d)\n"
		   "  -h, --help      show this help\n",
		XRAY_TOP_FILES);
}

int cmd_xray(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "ref", required_argument, NULL, 'r' },
		{ "top", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	const char *ref = NULL;
	size_t top = XRAY_TOP_FILES;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
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
	int status = 1;

	if (cli_image_open(argv[optind], ref, &img, &err) < 0)
		goto out;
	if (layer_index_build(img, &idx, &err) < 0)
		goto out;
	if (xray_analyze(img, idx, top, &r, &err) < 0)
		goto out;
	if ((json ? xray_print_json(stdout, img, r) : xray_print_text(stdout, img, r)) < 0 || fflush(stdout) != 0) {
		pare_error_errno(&err, "writing the report");
		goto out;
	}
	status = 0;
out:
	if (status)
		pare_error_print(&err);
	xray_report_free(r);
	layer_index_free(idx);
	image_free(img);
	return status;
}
