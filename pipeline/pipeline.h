/* The build pipeline's library parts (pipeline/): the traced analysis run with its probes and stop
 * (analysis.c), the image's HEALTHCHECK (health.c), the output config (config.c), and the helpers
 * pare build's report is made from (report.c); pipeline/build.h runs them in order. */
#ifndef PARE_PIPELINE_H
#define PARE_PIPELINE_H
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/error.h"
#include "lib/hash.h"
#include "probe/probe_http.h"
#include "runtime/runtime.h"
#include "tracer/profile.h"

enum pipeline_continue { PIPELINE_CONT_DEFAULT, PIPELINE_CONT_EXIT, PIPELINE_CONT_PROBE, PIPELINE_CONT_SECONDS };

struct pipeline_exec_result {
	char *command;
	int status;     /* docker-style: exit code, 128+N on signal N, -1 when it could not start */
	char *error;    /* why it could not start, or NULL */
	double seconds;
	char output_sha256[SHA256_DIGEST_STR]; /* of stdout and stderr together; "" when it did not run */
	uint64_t output_bytes;
};

/* Runs argv in ct (pipeline/exec.c): stdin /dev/null, stdout and stderr hashed into res and passed on
 * to forward_fd (-1: dropped), hooks (may be NULL: untraced) chained after pare's own; killed after
 * timeout seconds (0: none). res is filled (pipeline_exec_result_release frees it). */
void pipeline_exec_run(struct rt_container *ct, char *const *argv, const char *cmd, double timeout,
		       const struct rt_hooks *hooks, int forward_fd, struct pipeline_exec_result *res);
void pipeline_exec_result_release(struct pipeline_exec_result *r);
/* In the application's process, before exec: no terminal input, and nothing on pare's stdout (it may
 * carry the image): stdout to stderr, both to /dev/null when quiet. */
int pipeline_app_child_io(bool quiet);
/* The HTTP prober run to its end, with *slot (under mu) naming it while it runs, so that another
 * thread can cancel it when *cancel (read under mu) is set; failures to run are printed with label.
 * Returns whether it ran. */
bool pipeline_http_run_locked(const struct probe_http_opts *po, pthread_mutex_t *mu, struct probe_http **slot,
			      const bool *cancel, const char *label, struct probe_http_report *out);
/* The container's network as the prober reaches it: the thread enters it (rt_container_enter_netns) and
 * makes its sockets with rt_container_socket (rootless: from the runtime's helper inside it). net->data
 * is ct (borrowed). */
void pipeline_probe_net(const struct rt_container *ct, struct probe_net *net);
/* {command, status, seconds, output_bytes, output_sha256[, error]}. */
json_t *pipeline_exec_result_json(const struct pipeline_exec_result *r);

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
	bool census;                 /* take the syscall census (--seccomp-profile): profile->census */
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

/* pare build --verify (pipeline/verify.c, doc/VERIFY.md): the analysis' recorded probes replayed,
 * untraced, against a second run of the original (the reference) and a run of the slim image. */
struct pipeline_verify_run {
	struct probe_http_report http; /* one result per replayed request, in order */
	bool http_ran;
	struct pipeline_exec_result *execs;
	size_t n_execs;
	struct pipeline_exec_result health;
	bool health_ran;
	bool app_exited; /* before the probes were done */
	int app_status;
	double seconds;
};

enum pipeline_verify_verdict { PIPELINE_VERIFY_SAME, PIPELINE_VERIFY_SAME_STATUS, PIPELINE_VERIFY_DIFFERS };

struct pipeline_verify_row {
	char *what;           /* "GET /path", "exec CMD", "healthcheck CMD" */
	char *original, *slim; /* "200 0123456789ab (12 B)", "exit 0 ...", "failed: why" */
	bool status_only;     /* the original's answer varied between the analysis and the reference */
	enum pipeline_verify_verdict verdict;
};

struct pipeline_verify {
	const struct pipeline_run *analysis;   /* its options, command and recorded results */
	const struct rt_rootfs *original, *slim;
	int (*phase)(const char *what, struct pare_error *err);
	/* results */
	struct pipeline_verify_run reference, slim_run;
	struct pipeline_verify_row *rows;
	size_t n_rows, n_differ, n_status_only;
};
/* Both runs and the comparison; -1 only when a run could not be made (or an interrupt). */
int pipeline_verify(struct pipeline_verify *v, struct pare_error *err);
void pipeline_verify_release(struct pipeline_verify *v);
const char *pipeline_verify_verdict_name(enum pipeline_verify_verdict x);
/* The report's "verify" object. */
json_t *pipeline_verify_json(const struct pipeline_verify *v);

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
/* Docker's seccomp profile JSON for the census of p (pipeline/seccomp.c): the syscalls seen plus
 * what runc needs after it applied the profile, on the architectures seen; written atomically to
 * file. architecture is the image's ("amd64"); other architectures are refused. */
int pipeline_write_seccomp_profile(const struct profile *p, const char *architecture, const char *file,
				   size_t *n_syscalls, struct pare_error *err);
/* The profile's counts for the report. */
json_t *pipeline_profile_summary(const struct profile *p);
#endif
