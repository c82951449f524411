/* The build pipeline's library parts (pipeline/): the traced analysis run with its probes and stop
 * (analysis.c), the image's HEALTHCHECK (health.c), the output config (config.c), and the helpers
 * pare build's report is made from (report.c). cli/build.c parses, calls these, and prints. */
#ifndef PARE_PIPELINE_H
#define PARE_PIPELINE_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/error.h"
#include "probe/probe_http.h"
#include "runtime/runtime.h"
#include "tracer/profile.h"

enum pipeline_continue { PIPELINE_CONT_DEFAULT, PIPELINE_CONT_EXIT, PIPELINE_CONT_PROBE, PIPELINE_CONT_SECONDS };

struct pipeline_exec_result {
	char *command;
	int status;     /* docker-style: exit code, 128+N on signal N, -1 when it could not start */
	char *error;    /* why it could not start, or NULL */
	double seconds;
};

/* The image's HEALTHCHECK as the engine runs it (pipeline/health.c). */
struct pipeline_health {
	char **argv;    /* NULL: nothing to run (no Healthcheck, NONE, or an empty inherited test) */
	char *command;  /* as the user wrote it, for messages and the report */
	double timeout; /* seconds: the image's Timeout, or Docker's default 30 */
};
/* Reads config.Healthcheck.Test: ["CMD", args...] runs args, ["CMD-SHELL", cmd] runs /bin/sh -c cmd. */
int pipeline_health_from_config(const json_t *config, struct pipeline_health *h, struct pare_error *err);
void pipeline_health_release(struct pipeline_health *h);

/* The analysis run: inputs filled by build.c, results by pipeline_run_analysis. */
struct pipeline_run {
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
	const struct pipeline_health *health; /* run once at the end of the analysis, before the stop */
	/* Called as a phase starts ("probing"); cli/ prints it. NULL: nothing. */
	int (*phase)(const char *what, struct pare_error *err);
	enum pipeline_continue cont;
	unsigned cont_seconds;
	unsigned grace;              /* seconds between StopSignal and SIGKILL */
	/* results */
	struct profile *profile;     /* merged profile of the application and the --exec commands */
	int app_status;              /* docker-style status of the application */
	bool app_exited_itself;      /* it ended before the analysis asked it to stop */
	bool stopped_by_kill;        /* it needed SIGKILL after the grace period */
	struct probe_http_report http_report;
	bool http_ran;
	struct pipeline_exec_result *exec_results;
	size_t n_exec_results;
	struct pipeline_exec_result health_result;
	bool health_ran;
	double seconds_run, seconds_probes;
};

int pipeline_run_analysis(struct pipeline_run *br, struct pare_error *err);
void pipeline_run_release(struct pipeline_run *br);
/* The first probe failure as a message (new string), or NULL when every probe passed. */
char *pipeline_run_probe_failure(const struct pipeline_run *br);
/* {"http": [...], "exec": [...]} for the report. */
json_t *pipeline_run_probes_json(const struct pipeline_run *br);

/* Output config changes (--new-*). */
struct pipeline_new_config {
	const char *entrypoint, *cmd, *workdir, *user;
	char **env;    /* KEY=VALUE */
	char **labels; /* KEY=VALUE */
};
/* A copy of the image's config with the changes applied; NULL with err on a bad value. */
json_t *pipeline_output_config(const json_t *config, const struct pipeline_new_config *nc, struct pare_error *err);
/* Split a command given as a JSON array or as words separated by blanks. */
char **pipeline_parse_command(const char *s, struct pare_error *err);

double pipeline_now(void);

/* Config helpers (pipeline/report.c): a string array (NULL-terminated, caller frees; empty when
 * absent), a string (borrowed, NULL when absent), an object's keys (caller frees). */
char **pipeline_config_strv(const json_t *config, const char *key);
const char *pipeline_config_str(const json_t *config, const char *key);
char **pipeline_config_keys(const json_t *config, const char *key);
/* A warning when the analysed command differs from the output image's (new string), or NULL. */
char *pipeline_command_mismatch(char *const *analysed, char *const *out);
/* The report to FILE ("-": standard output; a device or FIFO written as it is, else renamed into place). */
int pipeline_write_report(const char *file, json_t *report, struct pare_error *err);
/* The profile's counts for the report. */
json_t *pipeline_profile_summary(const struct profile *p);
#endif
