/* The options of every command that reads or writes an image: how to reach a registry (docker://).
 * One table, one parser (cli/image_opts.c): a command puts CLI_IMAGE_LONGOPTS in its getopt_long
 * table and hands every option to cli_image_opts_parse (cli_run_opts_parse does for the running
 * commands). They set registry_opts (image/registry.h). */
#ifndef PARE_CLI_IMAGE_OPTS_H
#define PARE_CLI_IMAGE_OPTS_H
#include <getopt.h>
#include <stdio.h>

enum cli_image_opt {
	CLI_OPT_CREDS = 0x1100, /* above any command's own codes and the run options' */
	CLI_OPT_TLS_VERIFY,
	CLI_OPT_PLATFORM,
};

#define CLI_IMAGE_LONGOPTS                                                  \
	{ "creds", required_argument, NULL, CLI_OPT_CREDS },                \
	{ "tls-verify", optional_argument, NULL, CLI_OPT_TLS_VERIFY },      \
	{ "platform", required_argument, NULL, CLI_OPT_PLATFORM }

/* 0 when `c` was an image option (taken), 1 when it is not one, EXIT_USAGE after printing a usage
 * error for command cmd. --creds' value is copied and blanked in argv (ps shows no password). */
int cli_image_opts_parse(const char *cmd, int c, char *arg);
/* Their help lines. */
void cli_image_opts_help(FILE *f);
#endif
