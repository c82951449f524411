#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/error.h"

#ifndef PARE_VERSION
#define PARE_VERSION "0.0.0"
#endif

static const struct pare_command commands[] = {
	/* name       function       summary */
	{ "build", cmd_build, "run an image under the tracer and probes, write a slim image of what it needs" },
	{ "profile", cmd_profile, "run an image traced and write the files it used (profile JSON)" },
	{ "run", cmd_run, "run an image's entrypoint in its own namespaces, like docker run" },
	{ "squash", cmd_squash, "flatten an image into one layer with the same filesystem and config" },
	{ "xray", cmd_xray, "show what is in an image: layers, largest files, waste, caches, build tools" },
	{ "lint", cmd_lint, "check a Dockerfile for what makes images large, slow to rebuild or unsafe" },
	{ NULL, NULL, NULL },
};

static void print_help(FILE *f)
{
	fprintf(f, "Usage: pare COMMAND [OPTIONS] IMAGE ...\n\n"
		   "Shrink container images: run the application under a file tracer and keep only what it uses.\n\n"
		   "Commands:\n");
	for (const struct pare_command *c = commands; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->summary);
	fprintf(f, "\nIMAGE is a docker-archive or oci-archive tarball (optionally gzip/zstd-compressed),\n"
		   "an OCI layout directory, or - for standard input.\n\n"
		   "Run 'pare COMMAND --help' for a command's options; see pare(1).\n");
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fputs("pare: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'pare %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(NULL, "no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		print_help(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("pare %s\n", PARE_VERSION);
		return 0;
	}
	for (const struct pare_command *c = commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->fn(argc - 1, argv + 1);
	return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
}
