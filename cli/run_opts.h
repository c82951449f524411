/* The run options shared by pare run, pare profile and pare build: one table, one parser
 * (cli/run_opts.c). A command puts CLI_RUN_LONGOPTS (and the optional rows it offers) in its getopt_long
 * table, CLI_RUN_SHORTOPTS in its short options, and hands every option to cli_run_opts_parse first. */
#ifndef PARE_CLI_RUN_OPTS_H
#define PARE_CLI_RUN_OPTS_H
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/image_opts.h"
#include "lib/error.h"
#include "lib/strvec.h"
#include "runtime/runtime.h"

enum cli_run_opt {
	CLI_OPT_ENTRYPOINT = 0x1000, /* above any command's own codes */
	CLI_OPT_HOSTNAME,
	CLI_OPT_NETWORK,
	CLI_OPT_TIMEOUT,
	CLI_OPT_STOP_TIMEOUT,
	CLI_OPT_REF,
	CLI_OPT_NO_FANOTIFY,
	CLI_OPT_DISK_LIMIT,
	CLI_OPT_PIDS_LIMIT,
	CLI_OPT_VERBOSE,
};

/* Rows every running command has. */
#define CLI_RUN_LONGOPTS                                                                 \
	{ "entrypoint", required_argument, NULL, CLI_OPT_ENTRYPOINT },                   \
	{ "env", required_argument, NULL, 'e' },                                         \
	{ "workdir", required_argument, NULL, 'w' },                                     \
	{ "user", required_argument, NULL, 'u' },                                        \
	{ "hostname", required_argument, NULL, CLI_OPT_HOSTNAME },                       \
	{ "network", required_argument, NULL, CLI_OPT_NETWORK },                         \
	{ "net", required_argument, NULL, CLI_OPT_NETWORK },                             \
	{ "volume", required_argument, NULL, 'v' },                                      \
	{ "stop-timeout", required_argument, NULL, CLI_OPT_STOP_TIMEOUT },               \
	{ "ref", required_argument, NULL, CLI_OPT_REF },                                 \
	{ "disk-limit", required_argument, NULL, CLI_OPT_DISK_LIMIT },                   \
	{ "pids-limit", required_argument, NULL, CLI_OPT_PIDS_LIMIT },                   \
	{ "verbose", no_argument, NULL, CLI_OPT_VERBOSE },                               \
	{ "quiet", no_argument, NULL, 'q' },                                             \
	CLI_IMAGE_LONGOPTS
/* Optional rows: --timeout (run, profile), --no-fanotify (the traced commands). */
#define CLI_RUN_LONGOPT_TIMEOUT { "timeout", required_argument, NULL, CLI_OPT_TIMEOUT }
#define CLI_RUN_LONGOPT_NO_FANOTIFY { "no-fanotify", no_argument, NULL, CLI_OPT_NO_FANOTIFY }
#define CLI_RUN_SHORTOPTS "e:w:u:v:q"

struct cli_run_opts {
	struct rt_image_options o; /* o.env points into env once cli_run_opts_finish has run */
	struct strvec env, vols;
	const char *ref;
	bool fanotify;
	bool disk_limit_set, pids_limit_set;
	unsigned long long disk_limit; /* bytes, 0 = unlimited (--disk-limit) */
	unsigned pids_limit;           /* 0 = unlimited (--pids-limit) */
};

void cli_run_opts_init(struct cli_run_opts *r);
void cli_run_opts_release(struct cli_run_opts *r);
#define cleanup_run_opts __attribute__((cleanup(cli_run_opts_release)))
/* One option from getopt_long: 0 when it was a run option or an image option (taken), 1 when it is not one (the command's
 * own), EXIT_USAGE after printing a usage error for command cmd. */
int cli_run_opts_parse(struct cli_run_opts *r, const char *cmd, int c, char *arg);
/* After the options: checks that need them all (the working directory is absolute); 0 or EXIT_USAGE. */
int cli_run_opts_finish(struct cli_run_opts *r, const char *cmd);
/* What rt_config_from_image does not take: the -v binds, the limits. 0, or -1 with err. */
int cli_run_opts_apply(const struct cli_run_opts *r, struct rt_config *cfg, struct pare_error *err);
/* The help lines of the run options, as run and profile print them; stopped names what --timeout stops. */
void cli_run_opts_help(FILE *f, const char *stopped);
#endif
