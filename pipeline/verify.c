/* pare build --verify: the slim image proves itself. The recorded probes of the analysis (every HTTP
 * request the crawl and --http-probe-cmd sent, the --exec commands, the HEALTHCHECK) are replayed,
 * untraced, against a second run of the original (the reference: what differs between two runs of the
 * same image is compared by status only) and against a run of the slim image; each answer of the slim
 * image is compared with the analysis run's. doc/VERIFY.md. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/interrupt.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "pipeline/pipeline.h"
#include "probe/probe_exec.h"

struct verify_state {
	pthread_mutex_t mu;
	struct rt_container *ct;
	struct probe_http *prober;
	bool exited, stop;
	int status;
};

static int app_child(void *data)
{
	const struct pipeline_run *br = data;
	return pipeline_app_child_io(br->quiet_app);
}

/* Watches PID 1: its exit (or an interrupt) cancels the prober, so that nothing waits for a dead
 * application. */
static void *waiter_main(void *arg)
{
	struct verify_state *s = arg;
	for (;;) {
		struct pollfd p = { .fd = rt_container_pidfd(s->ct), .events = POLLIN };
		int r = poll(&p, 1, 200);
		pthread_mutex_lock(&s->mu);
		bool stop = s->stop;
		pthread_mutex_unlock(&s->mu);
		if (pare_interrupt_signal && !stop)
			rt_container_kill(s->ct, SIGKILL);
		if (r > 0 || stop || pare_interrupt_signal)
			break;
	}
	int status = 1;
	struct pare_error err = { 0 };
	rt_container_wait(s->ct, &status, &err);
	pthread_mutex_lock(&s->mu);
	s->exited = true;
	s->status = status;
	if (s->prober)
		probe_http_cancel(s->prober);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static bool app_gone(void *arg)
{
	struct verify_state *s = arg;
	pthread_mutex_lock(&s->mu);
	bool gone = s->exited;
	pthread_mutex_unlock(&s->mu);
	return gone || pare_interrupt_signal;
}

/* The replayed requests: those of the analysis that got an answer. */
static void replay_list(const struct pipeline_run *br, struct probe_http_result **out, size_t *n)
{
	*out = xcalloc(br->http_report.n + 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; br->http_ran && i < br->http_report.n; i++)
		if (br->http_report.results[i].status > 0)
			(*out)[(*n)++] = br->http_report.results[i];
}

static void http_replay(struct verify_state *s, const struct pipeline_run *br, struct pipeline_verify_run *vr)
{
	struct probe_http_opts po;
	probe_http_opts_init(&po);
	struct probe_net net;
	pipeline_probe_net(s->ct, &net);
	po.net = &net;
	po.crawl = false;
	if (br->http_wait_ms)
		po.wait_ms = br->http_wait_ms;
	cleanup_free struct probe_http_result *list = NULL;
	replay_list(br, &list, &po.n_replay);
	po.replay = list;
	vr->http_ran = pipeline_http_run_locked(&po, &s->mu, &s->prober, &s->exited, "verify: HTTP probe", &vr->http);
}

/* One untraced run of rootfs with the analysis' command and options, driven by the recorded probes. */
static int verify_one(const struct pipeline_verify *v, const struct rt_rootfs *rootfs, struct pipeline_verify_run *vr,
		      struct pare_error *err)
{
	const struct pipeline_run *br = v->analysis;
	double t0 = pipeline_now();
	struct verify_state s = { .mu = PTHREAD_MUTEX_INITIALIZER };
	struct rt_hooks hooks = { .child_before_exec = app_child, .data = (void *)br };
	if (rt_container_start(br->cfg, rootfs, &hooks, &s.ct, err) < 0)
		return -1;
	pthread_t waiter;
	if (pthread_create(&waiter, NULL, waiter_main, &s) != 0) {
		rt_container_free(s.ct);
		return pare_error_errno(err, "starting a thread");
	}
	if (br->http_ran)
		http_replay(&s, br, vr);
	if (br->n_exec_results && !br->http && br->n_ports) {
		char *why = NULL;
		unsigned wait_ms = br->http_wait_ms ? br->http_wait_ms : PROBE_HTTP_DEFAULT_WAIT_MS;
		struct probe_net net;
		pipeline_probe_net(s.ct, &net);
		probe_ports_wait(&net, br->ports, br->n_ports, wait_ms, app_gone, &s, &why);
		free(why);
	}
	int fwd = br->quiet_app ? -1 : STDERR_FILENO;
	vr->execs = xcalloc(br->n_exec_results + 1, sizeof(*vr->execs));
	for (size_t i = 0; i < br->n_exec_results && !app_gone(&s); i++) {
		cleanup_strv char **argv = NULL;
		struct pare_error e = { 0 };
		if (probe_exec_argv(br->exec_results[i].command, br->exec_shell, &argv, &e) < 0)
			argv = xcalloc(1, sizeof(char *));
		pipeline_exec_run(s.ct, argv, br->exec_results[i].command, 0, NULL, fwd, &vr->execs[i]);
		vr->n_execs = i + 1;
	}
	if (br->health_ran && br->health && br->health->argv && !app_gone(&s)) {
		pipeline_exec_run(s.ct, br->health->argv, br->health->command, br->health->timeout, NULL, fwd, &vr->health);
		vr->health_ran = true;
	}
	pthread_mutex_lock(&s.mu);
	bool exited = s.exited;
	s.stop = true;
	pthread_mutex_unlock(&s.mu);
	vr->app_exited = exited;
	if (!exited)
		rt_container_stop(s.ct, br->grace);
	pthread_join(waiter, NULL);
	vr->app_status = s.status;
	rt_container_free(s.ct);
	vr->seconds = pipeline_now() - t0;
	if (pare_interrupt_signal)
		return pare_interrupt_error(err, pare_interrupt_signal);
	return 0;
}

/* "200 sha256:0123456789ab (12 B)" or "failed: why". */
static char *answer_cell(bool http, long status, const char *digest, uint64_t bytes, const char *error)
{
	if (http ? status <= 0 : error != NULL)
		return xasprintf("failed: %.60s", error ? error : "no answer");
	const char *hex = digest && !strncmp(digest, "sha256:", 7) ? digest + 7 : "-";
	return xasprintf("%s%ld %.12s (%llu B)", http ? "" : "exit ", status, hex, (unsigned long long)bytes);
}

struct answer {
	long status;
	const char *digest;
	uint64_t bytes;
	const char *error;
};

static bool same_answer(const struct answer *a, const struct answer *b)
{
	return a->status == b->status && a->digest && b->digest && !strcmp(a->digest, b->digest);
}

/* a: the analysis, r: the reference run (NULL: it did not get there), s: the slim image (NULL: same). */
static void add_row(struct pipeline_verify *v, char *what, bool http, const struct answer *a, const struct answer *r,
		    const struct answer *s)
{
	v->rows = xrealloc(v->rows, (v->n_rows + 1) * sizeof(*v->rows));
	struct pipeline_verify_row *row = &v->rows[v->n_rows++];
	memset(row, 0, sizeof(*row));
	row->what = what;
	row->original = answer_cell(http, a->status, a->digest, a->bytes, a->error);
	row->slim = s ? answer_cell(http, s->status, s->digest, s->bytes, s->error) : xstrdup("not run");
	row->status_only = !r || !same_answer(a, r);
	if (!s)
		row->verdict = PIPELINE_VERIFY_DIFFERS;
	else if (!row->status_only)
		row->verdict = same_answer(a, s) ? PIPELINE_VERIFY_SAME : PIPELINE_VERIFY_DIFFERS;
	else
		row->verdict = s->status == a->status || (r && s->status == r->status) ? PIPELINE_VERIFY_SAME_STATUS
										    : PIPELINE_VERIFY_DIFFERS;
	if (row->verdict == PIPELINE_VERIFY_DIFFERS)
		v->n_differ++;
	else if (row->verdict == PIPELINE_VERIFY_SAME_STATUS)
		v->n_status_only++;
}

static struct answer http_answer(const struct probe_http_result *x)
{
	return (struct answer){ x->status, x->sha256, x->bytes, x->error };
}

static struct answer exec_answer(const struct pipeline_exec_result *x)
{
	return (struct answer){ x->status, x->output_sha256[0] ? x->output_sha256 : NULL, x->output_bytes, x->error };
}

/* "GET /path?q" from the recorded URL. */
static char *http_what(const struct probe_http_result *x)
{
	const char *h = strstr(x->url, "://");
	const char *path = h ? strchr(h + 3, '/') : NULL;
	return xasprintf("%s %s", x->method, path ? path : x->url);
}

static void compare(struct pipeline_verify *v)
{
	const struct pipeline_run *br = v->analysis;
	const struct pipeline_verify_run *ref = &v->reference, *slim = &v->slim_run;
	cleanup_free struct probe_http_result *list = NULL;
	size_t n;
	replay_list(br, &list, &n);
	for (size_t i = 0; i < n; i++) {
		struct answer a = http_answer(&list[i]), r, s;
		if (i < ref->http.n)
			r = http_answer(&ref->http.results[i]);
		if (i < slim->http.n)
			s = http_answer(&slim->http.results[i]);
		add_row(v, http_what(&list[i]), true, &a, i < ref->http.n ? &r : NULL, i < slim->http.n ? &s : NULL);
	}
	for (size_t i = 0; i < br->n_exec_results; i++) {
		struct answer a = exec_answer(&br->exec_results[i]), r, s;
		if (i < ref->n_execs)
			r = exec_answer(&ref->execs[i]);
		if (i < slim->n_execs)
			s = exec_answer(&slim->execs[i]);
		add_row(v, xasprintf("exec %s", br->exec_results[i].command), false, &a, i < ref->n_execs ? &r : NULL,
			i < slim->n_execs ? &s : NULL);
	}
	if (br->health_ran) {
		struct answer a = exec_answer(&br->health_result), r = exec_answer(&ref->health),
			      s = exec_answer(&slim->health);
		add_row(v, xasprintf("healthcheck %s", br->health_result.command), false, &a,
			ref->health_ran ? &r : NULL, slim->health_ran ? &s : NULL);
	}
}

int pipeline_verify(struct pipeline_verify *v, struct pare_error *err)
{
	if (v->phase && v->phase("verifying: a second run of the original", err) < 0)
		return -1;
	if (verify_one(v, v->original, &v->reference, err) < 0)
		return pare_error_prefix(err, "verify: the run of the original");
	if (v->phase && v->phase("verifying: the slim image", err) < 0)
		return -1;
	if (verify_one(v, v->slim, &v->slim_run, err) < 0)
		return pare_error_prefix(err, "verify: the run of the slim image");
	compare(v);
	return 0;
}

static void run_release(struct pipeline_verify_run *vr)
{
	probe_http_report_release(&vr->http);
	for (size_t i = 0; i < vr->n_execs; i++)
		pipeline_exec_result_release(&vr->execs[i]);
	free(vr->execs);
	pipeline_exec_result_release(&vr->health);
	memset(vr, 0, sizeof(*vr));
}

void pipeline_verify_release(struct pipeline_verify *v)
{
	run_release(&v->reference);
	run_release(&v->slim_run);
	for (size_t i = 0; i < v->n_rows; i++) {
		free(v->rows[i].what);
		free(v->rows[i].original);
		free(v->rows[i].slim);
	}
	free(v->rows);
	v->rows = NULL;
	v->n_rows = v->n_differ = v->n_status_only = 0;
}

const char *pipeline_verify_verdict_name(enum pipeline_verify_verdict x)
{
	switch (x) {
	case PIPELINE_VERIFY_SAME: return "same";
	case PIPELINE_VERIFY_SAME_STATUS: return "same status";
	case PIPELINE_VERIFY_DIFFERS: return "differs";
	}
	return "?";
}

json_t *pipeline_verify_json(const struct pipeline_verify *v)
{
	json_t *rows = json_array();
	for (size_t i = 0; i < v->n_rows; i++) {
		const struct pipeline_verify_row *r = &v->rows[i];
		json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:s}", "probe", r->what, "original",
						      r->original, "slim", r->slim, "verdict",
						      pipeline_verify_verdict_name(r->verdict), "compared",
						      r->status_only ? "status only: the original's answer varies between runs"
								     : "status and body or output hash"));
	}
	json_t *runs = json_pack("{s:{s:f, s:o, s:[]}, s:{s:f, s:o, s:[]}}",
				 "reference", "seconds", v->reference.seconds, "http",
				 probe_http_report_json(&v->reference.http), "exec",
				 "slim", "seconds", v->slim_run.seconds, "http", probe_http_report_json(&v->slim_run.http), "exec");
	const struct pipeline_verify_run *vr[2] = { &v->reference, &v->slim_run };
	const char *names[2] = { "reference", "slim" };
	for (int k = 0; k < 2; k++) {
		json_t *o = json_object_get(runs, names[k]);
		for (size_t i = 0; i < vr[k]->n_execs; i++)
			json_array_append_new(json_object_get(o, "exec"), pipeline_exec_result_json(&vr[k]->execs[i]));
		if (vr[k]->health_ran)
			json_object_set_new(o, "healthcheck", pipeline_exec_result_json(&vr[k]->health));
		json_object_set_new(o, "application_exited", json_boolean(vr[k]->app_exited));
	}
	return json_pack("{s:b, s:I, s:I, s:I, s:o, s:o}", "passed", v->n_differ == 0, "compared",
			 (json_int_t)v->n_rows, "differ", (json_int_t)v->n_differ, "status_only",
			 (json_int_t)v->n_status_only, "results", rows, "runs", runs);
}
