/* pare build: options (cli/build_args.c) and the command (cli/build.c), which calls pipeline/. */
#ifndef PARE_CLI_BUILD_H
#define PARE_CLI_BUILD_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli/run_opts.h"
#include "image/writer.h"
#include "lib/strvec.h"
#include "minifier/keep.h"
#include "pipeline/pipeline.h"
#include "runtime/runtime.h"
#include "sbom/sbom.h"
#include "tracer/profile.h"

/* Options (cli/build_args.c). */
struct build_args {
	const char *input, *output, *tag, *report, *compress;
	const char *seccomp_profile; /* --seccomp-profile FILE, or NULL */
	enum image_write_format format;
	int http; /* -1 default, 0 off, 1 on */
	struct strvec http_cmds, execs, cmd_args;
	const char *http_ports;
	unsigned http_wait, cont_seconds;
	int crawl_depth, crawl_pages; /* -1: the prober's defaults */
	enum pipeline_continue cont;
	bool ignore_failures;
	bool verify; /* --verify */
	bool no_pkgdb; /* --package-db=off */
	const char *sbom; /* --sbom FILE, or NULL */
	enum sbom_format sbom_format; /* --sbom-format, SBOM_DEFAULT_FORMAT */
	bool sbom_format_set;
	struct keep_opts keep;
	struct strvec inc_paths, inc_bins, inc_exes, excludes;
	struct cli_run_opts ro; /* the analysis run: --entrypoint, -e, -v... (cli/run_opts.h) */
	struct pipeline_new_config nc;
	struct strvec new_env, new_labels;
};
/* Fills a (build_args_init'ed); returns -1 to go on, or the exit status (help printed, usage error). */
void build_args_init(struct build_args *a);
int build_parse_args(int argc, char **argv, struct build_args *a);
void build_args_release(struct build_args *a);

/* --verify's verdict: the slim image answered differently (cli/build_verify.c prints the table). */
#define BUILD_EXIT_VERIFY_FAILED 3
/* The table on stderr: every row, or (--quiet) only the rows that differ. */
void build_verify_print(const struct pipeline_verify *v);
#endif
