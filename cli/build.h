/* pare build, split in three: build.c (options, phases, summary), build_run.c (the traced analysis
 * run with its probes and stop), build_out.c (the output config and the report). */
#ifndef PARE_CLI_BUILD_H
#define PARE_CLI_BUILD_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli/run_opts.h"
#include "image/writer.h"
#include "lib/strvec.h"
#include "minifier/keep.h"
#include "minifier/probe_http.h"
#include "runtime/runtime.h"
#include "tracer/profile.h"

enum build_continue { BUILD_CONT_DEFAULT, BUILD_CONT_EXIT, BUILD_CONT_PROBE, BUILD_CONT_SECONDS };

struct build_exec_result {
	char *command;
	int status;     /* docker-style: exit code, 128+N on signal N, -1 when it could not start */
	char *error;    /* why it could not start, or NULL */
	double seconds;
};

/* The image's HEALTHCHECK as the engine runs it (cli/build_health.c). */
struct build_health {
	char **argv;    /* NULL: nothing to run (no Healthcheck, NONE, or an empty inherited test) */
	char *command;  /* as the user wrote it, for messages and the report */
	double timeout; /* seconds: the image's Timeout, or Docker's default 30 */
};
/* Reads config.Healthcheck.Test: ["CMD", args...] runs args, ["CMD-SHELL", cmd] runs /bin/sh -c cmd. */
int build_health_from_config(const json_t *config, struct build_health *h, struct pare_error *err);
void build_health_release(struct build_health *h);

/* The analysis run: inputs filled by build.c, results by build_run_analysis. */
struct build_run {
	const struct rt_config *cfg;
	const struct rt_rootfs *rootfs;
	const char *image_name;
	bool fanotify;
	bool quiet_app;              /* the application's output goes to /dev/null (--quiet); otherwise its
				      * stdout goes to stderr: pare's stdout may carry the image (-o -) */
	/* probes */
	bool http;
	uint16_t *ports;
	size_t n_ports;
	char **http_requests;        /* "[METHOD:]PATH" */
	unsigned http_wait_ms;
	int crawl_depth, crawl_pages; /* -1: the prober's defaults */
	char **execs;                /* --exec commands */
	bool exec_shell;             /* run them with /bin/sh -c (the image has a shell) */
	const struct build_health *health; /* run once at the end of the analysis, before the stop */
	enum build_continue cont;
	unsigned cont_seconds;
	unsigned grace;              /* seconds between StopSignal and SIGKILL */
	/* results */
	struct profile *profile;     /* merged profile of the application and the --exec commands */
	int app_status;              /* docker-style status of the application */
	bool app_exited_itself;      /* it ended before the analysis asked it to stop */
	bool stopped_by_kill;        /* it needed SIGKILL after the grace period */
	struct probe_http_report http_report;
	bool http_ran;
	struct build_exec_result *exec_results;
	size_t n_exec_results;
	struct build_exec_result health_result;
	bool health_ran;
	double seconds_run, seconds_probes;
};

int build_run_analysis(struct build_run *br, struct pare_error *err);
void build_run_release(struct build_run *br);
/* The first probe failure as a message (new string), or NULL when every probe passed. */
char *build_run_probe_failure(const struct build_run *br);
/* {"http": [...], "exec": [...]} for the report. */
json_t *build_run_probes_json(const struct build_run *br);

/* Output config changes (--new-*). */
struct build_new_config {
	const char *entrypoint, *cmd, *workdir, *user;
	char **env;    /* KEY=VALUE */
	char **labels; /* KEY=VALUE */
};
/* A copy of the image's config with the changes applied; NULL with err on a bad value. */
json_t *build_output_config(const json_t *config, const struct build_new_config *nc, struct pare_error *err);
/* Split a command given as a JSON array or as words separated by blanks. */
char **build_parse_command(const char *s, struct pare_error *err);

double build_now(void);

/* Options (cli/build_args.c). */
struct build_args {
	const char *input, *output, *tag, *report, *compress;
	enum image_write_format format;
	int http; /* -1 default, 0 off, 1 on */
	struct strvec http_cmds, execs, cmd_args;
	const char *http_ports;
	unsigned http_wait, cont_seconds;
	int crawl_depth, crawl_pages; /* -1: the prober's defaults */
	enum build_continue cont;
	bool ignore_failures;
	struct keep_opts keep;
	struct strvec inc_paths, inc_bins, inc_exes, excludes;
	struct cli_run_opts ro; /* the analysis run: --entrypoint, -e, -v... (cli/run_opts.h) */
	struct build_new_config nc;
	struct strvec new_env, new_labels;
};
/* Fills a (build_args_init'ed); returns -1 to go on, or the exit status (help printed, usage error). */
void build_args_init(struct build_args *a);
int build_parse_args(int argc, char **argv, struct build_args *a);
void build_args_release(struct build_args *a);
#endif
