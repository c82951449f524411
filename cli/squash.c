/* pare squash IMAGE [-o OUT] [--tag NAME:TAG] [--format archive|oci-dir] [--compress none|gzip|zstd]
 * [--ref NAME:TAG]: flatten an image into one layer holding its final filesystem. */
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/image_opts.h"
#include "image/image.h"
#include "image/layer_index.h"
#include "image/writer.h"
#include "lib/error.h"
#include "lib/path.h"
#include "lib/tmp.h"
#include "lib/xalloc.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: pare squash IMAGE [-o OUT] [--tag NAME:TAG] [--format archive|oci-dir]\n"
		   "                  [--compress none|gzip|zstd] [--ref NAME:TAG]\n\n"
		   "Flatten an image into one layer holding exactly its final filesystem (owners, modes,\n"
		   "times, xattrs and file capabilities, hardlinks kept), with its config (entrypoint, cmd,\n"
		   "env, user, workdir, ports, volumes, labels...) unchanged. The same input gives a\n"
		   "byte-identical output.\n\n"
		   "  -o, --output OUT     where to write; - for standard output (archive only). Default:\n"
		   "                       the input's name with .squashed.tar (oci-dir: .squashed) in the\n"
		   "                       current directory; required when IMAGE is -\n"
		   "  -t, --tag NAME:TAG   the name to give the image (default: the input's name with\n"
		   "                       .squashed appended, and its tag, e.g. app.squashed:1.0)\n"
		   "      --format FMT     archive (default): one tar that is both a docker-archive and an\n"
		   "                       OCI layout, for docker load, podman load, skopeo; oci-dir: an OCI\n"
		   "                       image layout directory\n"
		   "      --compress C     layer compression: none (default for archive: like docker save,\n"
		   "                       loads everywhere), gzip (default for oci-dir and docker://), zstd (docker 20.10\n"
		   "                       cannot load zstd layers)\n"
		   "      --ref NAME:TAG   pick one image of an archive that holds several\n"
		   "  -q, --quiet          print nothing but errors\n"
		   "      --verbose        a progress line per phase\n"
		   "  -h, --help           show this help\n\n"
		   "The output is written under a temporary name next to OUT and renamed when complete, so a\n"
		   "failed or interrupted run leaves nothing behind (except with -o -, where what was sent is\n"
		   "sent); SIGINT or SIGTERM ends it with status 130 or 143.\n\n");
	cli_image_opts_help(f);
}

int cmd_squash(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "tag", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "compress", required_argument, NULL, 'c' },
		{ "ref", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'V' },
		CLI_IMAGE_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL, *tag = NULL, *ref = NULL, *compress = NULL;
	enum image_write_format format = IMAGE_WRITE_ARCHIVE;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:t:qh", opts, NULL)) != -1) {
		int r = cli_image_opts_parse("squash", c, optarg);
		if (r != 1) {
			if (r != 0)
				return r;
			continue;
		}
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 't':
			tag = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "archive"))
				format = IMAGE_WRITE_ARCHIVE;
			else if (!strcmp(optarg, "oci-dir"))
				format = IMAGE_WRITE_OCI_DIR;
			else
				return cli_usage_error("squash", "--format wants archive or oci-dir, not '%s'", optarg);
			break;
		case 'c':
			compress = optarg;
			break;
		case 'r':
			ref = optarg;
			break;
		case 'q':
			pare_verbosity = 0;
			break;
		case 'V':
			pare_verbosity = 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_usage_error("squash", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("squash", "no image given");
	if (optind + 1 < argc)
		return cli_usage_error("squash", "one image only; unexpected '%s'", argv[optind + 1]);
	const char *input = argv[optind];

	enum image_compression comp = cli_default_compression(format == IMAGE_WRITE_OCI_DIR, output, input);
	if (compress) {
		if (!strcmp(compress, "none"))
			comp = IMAGE_COMP_NONE;
		else if (!strcmp(compress, "gzip"))
			comp = IMAGE_COMP_GZIP;
		else if (!strcmp(compress, "zstd"))
			comp = IMAGE_COMP_ZSTD;
		else
			return cli_usage_error("squash", "--compress wants none, gzip or zstd, not '%s'", compress);
	}
	if (tag) {
		struct pare_error terr = { 0 };
		struct image_tag t;
		if (image_tag_parse(tag, &t, &terr) < 0)
			return cli_usage_error("squash", "--tag: %s", terr.msg);
		image_tag_release(&t);
	}
	cleanup_free char *default_out = NULL;
	if (!output) {
		if (!strcmp(input, "-"))
			return cli_usage_error("squash", "reading standard input needs -o (a file, or - for standard output)");
		output = default_out = cli_default_output(input, "squashed", format == IMAGE_WRITE_OCI_DIR);
	}
	struct pare_error oerr = { 0 };
	if (image_write_check_output(output, &oerr) < 0)
		return cli_usage_error("squash", "-o: %s", oerr.msg);
	bool to_stdout = !strcmp(output, "-");
	if (to_stdout && format != IMAGE_WRITE_ARCHIVE)
		return cli_usage_error("squash", "-o - writes an archive; an OCI directory needs a path");
	if (to_stdout && isatty(STDOUT_FILENO))
		return cli_usage_error("squash", "refusing to write an image archive to a terminal");

	struct pare_error err = { 0 };
	struct image *img = NULL;
	struct layer_index *idx = NULL;
	struct image_write_result res = { 0 };
	cleanup_free char *default_tag = NULL;
	int status = 1;
	struct image_write_opts wo = {
		.output = output,
		.format = format,
		.compression = comp,
		.created_by = "pare squash",
		.result = &res,
	};

	cli_interrupt_install();
	tmp_reap_stale(); /* what a SIGKILLed run left */
	if (cli_phase("reading the image", &err) < 0 || cli_image_open(input, ref, &img, &err) < 0)
		goto out;
	if (layer_index_build(img, &idx, &err) < 0)
		goto out;
	wo.tag = tag ? tag : (default_tag = image_tag_default(img, ".squashed"));
	if (cli_phase("writing the squashed image", &err) < 0 || image_write(img, idx, &wo, &err) < 0)
		goto out;
	char b1[32], b2[32];
	pare_info("pare: wrote %s%s%s: %s, %zu layer%s flattened into one of %s (%" PRIu64 " entries, %s of files), "
		  "image id %s\n",
		  to_stdout ? "" : "'", to_stdout ? "standard output" : output, to_stdout ? "" : "'", res.tag,
		  img->n_layers, img->n_layers == 1 ? "" : "s", cli_human_size(res.layer_size, b1), res.entries,
		  cli_human_size(res.content_bytes, b2), res.image_id);
	status = 0;
out:
	if (status)
		pare_error_print(&err);
	status = cli_exit_status(status);
	image_write_result_release(&res);
	layer_index_free(idx);
	image_free(img);
	return status;
}
