/* Commands: one file each, dispatched from the table in cli/main.c. Only cli/ parses argv and prints. */
#ifndef PARE_CLI_H
#define PARE_CLI_H

struct pare_command {
	const char *name;
	int (*fn)(int argc, char **argv); /* returns the exit status */
	const char *summary;
};

/* Exit statuses: 0 success, 1 failure, 2 usage error. */
#define EXIT_USAGE 2

/* Print "pare: msg" and "Try 'pare CMD --help'." and return EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Options shared by run, profile and build (cli/run_opts.c). */
struct rt_config;
/* A whole number of seconds (0 to 10^8); -1 when malformed. */
int cli_parse_seconds(const char *s, unsigned *out);
/* A size: bytes, or with a binary suffix K, M, G, T (k/m/g/t; "B" or "iB" may follow: 512M, 1.5GiB);
 * "0", "none" and "unlimited" give 0. -1 when malformed. */
int cli_parse_size(const char *s, unsigned long long *out);
/* -v SRC:DST[:ro|rw] appended to cfg->binds; -1 when malformed. */
int cli_parse_volume(const char *spec, struct rt_config *cfg);

/* Output helpers shared by squash and build (cli/output.c). */
#include <stdbool.h>
#include <stdint.h>
/* "dir/app.tar" -> "app.SUFFIX.tar" in the current directory ("app.SUFFIX" for an OCI directory). */
char *cli_default_output(const char *input, const char *suffix, bool oci_dir);
/* Layers' default compression: gzip for an OCI directory and for a registry (-o docker://, or no -o
 * with a docker:// input: its default output is there), else none (like docker save). */
int cli_default_compression(int oci_dir, const char *output, const char *input);
/* SIGINT/SIGTERM/SIGHUP set pare_interrupt_signal (lib/interrupt.h): the work stops at the next check
 * and cleans up; the command exits 128+N. A second one removes the image being written and ends pare
 * as the signal would. SIGPIPE is ignored so that a closed pipe on -o - is an error, not a kill. */
void cli_interrupt_install(void);
/* Start a phase: fails (EINTR) when interrupted; prints "pare: WHAT..." with --verbose (or at the
 * normal verbosity on a terminal). */
struct pare_error;
int cli_phase(const char *what, struct pare_error *err);
/* The same, printing only with --verbose (pare run: its stderr is the application's). */
int cli_phase_quiet(const char *what, struct pare_error *err);
/* A failed command's status: 128+N when signal N interrupted it (130 for SIGINT, 143 for SIGTERM). */
int cli_exit_status(int status);
/* image_open(), then its notes about the input printed as "pare: warning: ..." lines. */
struct image;
int cli_image_open(const char *input, const char *ref, struct image **out, struct pare_error *err);
/* "12.3 MiB" into buf. */
const char *cli_human_size(uint64_t n, char buf[32]);

/* Commands (one file each under cli/). */
int cmd_run(int argc, char **argv);
int cmd_squash(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_xray(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_profile(int argc, char **argv);
#endif
