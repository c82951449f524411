/* pare build's analysis run: the application in its container under the tracer (in a thread of its
 * own, which is the tracer's thread), the probes (HTTP prober, --exec commands, each traced by a
 * tracer of its own in the probe thread), and the stop: StopSignal, grace period, SIGKILL; what the
 * application touches while shutting down is traced too. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/pipeline.h"
#include "lib/error.h"
#include "lib/interrupt.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "probe/probe_exec.h"
#include "probe/probe_http.h"
#include "tracer/census.h"
#include "tracer/tracer.h"

#define BUILD_DEFAULT_SECONDS 10

double pipeline_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct run_state {
	struct pipeline_run *br;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int evfd;
	/* application thread */
	struct tracer *tr;
	struct rt_container *ct;
	bool started, start_failed, app_exited;
	int app_status;
	struct pare_error app_err;
	/* probe thread */
	struct probe_http *prober;
	bool cancel, probes_done;
	struct profile **exec_profiles;
	size_t n_exec_profiles;
};

static void wake(struct run_state *s)
{
	uint64_t one = 1;
	ssize_t r = write(s->evfd, &one, sizeof(one));
	(void)r;
}

static int child_io(const struct pipeline_run *br)
{
	return pipeline_app_child_io(br->quiet_app);
}

struct hook_data {
	struct tracer *tr;
	const struct pipeline_run *br;
};

static int hook_seize(pid_t pid, void *data)
{
	struct hook_data *h = data;
	struct pare_error err = { 0 };
	if (tracer_seize(h->tr, pid, &err) < 0) {
		pare_error_print(&err);
		return -1;
	}
	return 0;
}

static int hook_child(void *data)
{
	struct hook_data *h = data;
	struct pare_error err = { 0 };
	child_io(h->br);
	if (tracer_child_setup(h->tr, &err) < 0) {
		pare_error_print(&err);
		return -1;
	}
	return 0;
}

static int hook_wait(pid_t pid, int *wstatus, void *data)
{
	(void)pid;
	struct hook_data *h = data;
	struct pare_error err = { 0 };
	return tracer_run(h->tr, wstatus, &err);
}

/* The application's thread: it starts the container (the tracer seizes PID 1 from here) and runs the
 * tracer's loop until every traced process is gone. */
static void *app_main(void *arg)
{
	struct run_state *s = arg;
	struct hook_data hd = { s->tr, s->br };
	struct rt_hooks hooks = {
		.parent_ready = hook_seize,
		.child_before_exec = hook_child,
		.parent_wait = hook_wait,
		.data = &hd,
	};
	struct pare_error err = { 0 };
	struct rt_container *ct = NULL;
	if (rt_container_start(s->br->cfg, s->br->rootfs, &hooks, &ct, &err) < 0) {
		pthread_mutex_lock(&s->mu);
		s->start_failed = true;
		s->app_err = err;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		wake(s);
		return NULL;
	}
	pthread_mutex_lock(&s->mu);
	s->ct = ct;
	s->started = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	int status = 1;
	if (rt_container_wait(ct, &status, &err) < 0) {
		pthread_mutex_lock(&s->mu);
		s->app_err = err;
		pthread_mutex_unlock(&s->mu);
	}
	pthread_mutex_lock(&s->mu);
	s->app_exited = true;
	s->app_status = status;
	pthread_mutex_unlock(&s->mu);
	wake(s);
	return NULL;
}

/* /bin/sh -c CMD, or CMD split into words (checked by cmd_build before the run). */
static char **exec_argv(const struct pipeline_run *br, const char *cmd)
{
	char **v = NULL;
	struct pare_error err = { 0 };
	return probe_exec_argv(cmd, br->exec_shell, &v, &err) == 0 ? v : xcalloc(1, sizeof(char *));
}

/* One --exec command, traced by a tracer of its own. ptrace wants one thread to seize the process and
 * run the loop, and the runtime's helper process must stay this thread's child (so that
 * rt_container_exec_wait reaps it, not the tracer's loop): a tracer thread of its own per command,
 * handed the pid from the runtime's parent_started hook. */
struct exec_tracer {
	struct tracer *tr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pid_t pid;      /* 0: not yet, -1: give up */
	int seized;     /* 0: not yet, 1: ok, -1: failed */
	struct pare_error err;
	int wstatus;
};

static void *exec_tracer_main(void *arg)
{
	struct exec_tracer *x = arg;
	pthread_mutex_lock(&x->mu);
	while (x->pid == 0)
		pthread_cond_wait(&x->cv, &x->mu);
	pid_t pid = x->pid;
	pthread_mutex_unlock(&x->mu);
	if (pid < 0)
		return NULL;
	struct pare_error err = { 0 };
	int ok = tracer_seize(x->tr, pid, &err) == 0;
	pthread_mutex_lock(&x->mu);
	x->seized = ok ? 1 : -1;
	if (!ok)
		x->err = err;
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->mu);
	if (ok)
		tracer_run(x->tr, &x->wstatus, &err);
	return NULL;
}

static int exec_hook_started(pid_t pid, void *data)
{
	struct exec_tracer *x = data;
	pthread_mutex_lock(&x->mu);
	x->pid = pid;
	pthread_cond_broadcast(&x->cv);
	while (x->seized == 0)
		pthread_cond_wait(&x->cv, &x->mu);
	int ok = x->seized > 0;
	pthread_mutex_unlock(&x->mu);
	return ok ? 0 : -1;
}

static int exec_hook_child(void *data)
{
	struct exec_tracer *x = data;
	struct pare_error err = { 0 };
	if (tracer_child_setup(x->tr, &err) < 0) {
		pare_error_print(&err);
		return -1;
	}
	return 0;
}

/* Runs argv in the container, traced (pipeline_exec_run with the tracer's hooks); timeout 0 waits for
 * as long as it takes. */
static void exec_one_argv(struct run_state *s, char *const *argv, const char *cmd, double timeout,
			  struct pipeline_exec_result *res)
{
	const struct pipeline_run *br = s->br;
	struct tracer_options to = { .image = br->image_name, .fanotify = false, .image_only = true, .census = br->census };
	struct exec_tracer x = { .tr = tracer_new(&to) };
	pthread_mutex_init(&x.mu, NULL);
	pthread_cond_init(&x.cv, NULL);
	pthread_t th;
	if (pthread_create(&th, NULL, exec_tracer_main, &x) != 0) {
		memset(res, 0, sizeof(*res));
		res->command = xstrdup(cmd);
		res->status = -1;
		res->error = xstrdup("cannot start a tracer thread");
		goto out;
	}
	struct rt_hooks hooks = { .parent_started = exec_hook_started, .child_before_exec = exec_hook_child, .data = &x };
	pipeline_exec_run(s->ct, argv, cmd, timeout, &hooks, br->quiet_app ? -1 : STDERR_FILENO, res);
	pthread_mutex_lock(&x.mu);
	if (x.seized < 0 && res->error) {
		free(res->error);
		res->error = xstrdup(x.err.msg);
	}
	if (x.pid == 0)
		x.pid = -1; /* the hook never ran: let the thread go */
	pthread_cond_broadcast(&x.cv);
	pthread_mutex_unlock(&x.mu);
	pthread_join(th, NULL);
	pthread_mutex_lock(&s->mu);
	if (tracer_blind(x.tr) && !s->app_err.msg[0])
		pare_error_set(&s->app_err, 0, "--exec '%s': %s", cmd, tracer_blind(x.tr));
	s->exec_profiles = xrealloc(s->exec_profiles, (s->n_exec_profiles + 1) * sizeof(*s->exec_profiles));
	s->exec_profiles[s->n_exec_profiles++] = tracer_steal_profile(x.tr);
	pthread_mutex_unlock(&s->mu);
out:
	tracer_free(x.tr);
	pthread_mutex_destroy(&x.mu);
	pthread_cond_destroy(&x.cv);
}

static void exec_one(struct run_state *s, const char *cmd, struct pipeline_exec_result *res)
{
	cleanup_strv char **argv = exec_argv(s->br, cmd);
	exec_one_argv(s, argv, cmd, 0, res);
}

static bool probe_cancelled(void *arg)
{
	struct run_state *s = arg;
	pthread_mutex_lock(&s->mu);
	bool stop = s->cancel || s->app_exited;
	pthread_mutex_unlock(&s->mu);
	return stop;
}

static void *probe_main(void *arg)
{
	struct run_state *s = arg;
	struct pipeline_run *br = s->br;
	if (br->phase)
		br->phase("probing", NULL); /* an interrupt is read from the signalfd by the analysis loop */
	if (br->http && br->n_ports) {
		struct probe_http_opts po;
		probe_http_opts_init(&po);
		struct probe_net net;
		pipeline_probe_net(s->ct, &net);
		po.net = &net;
		po.ports = br->ports;
		po.n_ports = br->n_ports;
		po.requests = br->http_requests;
		if (br->http_wait_ms)
			po.wait_ms = br->http_wait_ms;
		if (br->crawl_depth >= 0)
			po.max_depth = (unsigned)br->crawl_depth;
		if (br->crawl_pages >= 0)
			po.max_pages = (unsigned)br->crawl_pages;
		br->http_ran = pipeline_http_run_locked(&po, &s->mu, &s->prober, &s->cancel, "HTTP probe", &br->http_report);
	}
	size_t n = strv_len(br->execs);
	br->exec_results = xcalloc(n ? n : 1, sizeof(*br->exec_results));
	if (n && !br->http && br->n_ports) {
		/* No HTTP probe waited for the server: a client run before it listens only fails. */
		char *why = NULL;
		unsigned wait_ms = br->http_wait_ms ? br->http_wait_ms : PROBE_HTTP_DEFAULT_WAIT_MS;
		struct probe_net net;
		pipeline_probe_net(s->ct, &net);
		if (probe_ports_wait(&net, br->ports, br->n_ports, wait_ms, probe_cancelled, s,
				     &why) < 0)
			pare_info("pare: %s; running the --exec commands anyway\n", why);
		free(why);
	}
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_lock(&s->mu);
		bool stop = s->cancel || s->app_exited;
		pthread_mutex_unlock(&s->mu);
		if (stop)
			break;
		exec_one(s, br->execs[i], &br->exec_results[i]);
		br->n_exec_results = i + 1;
	}
	pthread_mutex_lock(&s->mu);
	s->probes_done = true;
	pthread_mutex_unlock(&s->mu);
	wake(s);
	return NULL;
}

static void merge_profile(struct profile *into, const struct profile *p)
{
	for (size_t i = 0; i < p->n_files; i++)
		profile_add_file(into, p->files[i].path, p->files[i].kinds, p->files[i].exists);
	for (size_t i = 0; i < p->n_symlinks; i++)
		profile_add_symlink(into, p->symlinks[i].path, p->symlinks[i].target);
	for (size_t i = 0; i < p->n_missing; i++)
		profile_add_missing(into, p->missing[i]);
	for (size_t i = 0; i < p->n_processes; i++)
		profile_add_process(into, p->processes[i].pid, p->processes[i].exe, p->processes[i].argv);
	census_merge(&into->census, &p->census);
}

/* Whether pid has a handler for sig. A PID namespace's init without one never sees the signal (the
 * kernel drops it), so waiting out the grace period would only waste time. */
static bool handles_signal(pid_t pid, int sig)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	cleanup_file FILE *f = fopen(path, "re");
	if (!f)
		return true;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long mask;
		if (sscanf(line, "SigCgt: %llx", &mask) == 1)
			return sig >= 1 && sig <= 64 && (mask >> (sig - 1)) & 1;
	}
	return true;
}

/* When the analysis ends, in seconds after the start (0: only when the application exits). */
static double deadline_for(const struct pipeline_run *br, bool have_probes)
{
	switch (br->cont) {
	case PIPELINE_CONT_EXIT: return 0;
	case PIPELINE_CONT_SECONDS: return br->cont_seconds;
	case PIPELINE_CONT_PROBE: return 0;
	case PIPELINE_CONT_DEFAULT: return have_probes ? 0 : BUILD_DEFAULT_SECONDS;
	}
	return 0;
}

int pipeline_run_analysis(struct pipeline_run *br, struct pare_error *err)
{
	struct run_state s = { .br = br };
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.cv, NULL);
	s.evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s.evfd < 0)
		return pare_error_errno(err, "eventfd");
	struct tracer_options to = { .image = br->image_name, .fanotify = br->fanotify, .image_only = true,
				     .census = br->census };
	s.tr = tracer_new(&to);
	/* Ctrl-C (or SIGTERM, SIGHUP) ends the build, not just the application: pare build must not go
	 * on to write an image from an analysis the user interrupted. The signals are blocked in every
	 * thread (the threads below inherit the mask; the container's processes reset it before exec)
	 * and read from a signalfd here, whatever handlers other modules install. */
	int interrupted = 0;
	sigset_t intr, old_mask;
	sigemptyset(&intr);
	sigaddset(&intr, SIGINT);
	sigaddset(&intr, SIGTERM);
	sigaddset(&intr, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &intr, &old_mask);
	int sfd = signalfd(-1, &intr, SFD_CLOEXEC | SFD_NONBLOCK);
	interrupted = pare_interrupt_signal; /* one that came before the signals were blocked */
	double t0 = pipeline_now();
	int ret = -1;
	pthread_t app, prob;
	bool prob_started = false;
	if (pthread_create(&app, NULL, app_main, &s) != 0) {
		pare_error_errno(err, "starting the analysis thread");
		goto out_free;
	}
	pthread_mutex_lock(&s.mu);
	while (!s.started && !s.start_failed)
		pthread_cond_wait(&s.cv, &s.mu);
	pthread_mutex_unlock(&s.mu);
	if (s.start_failed) {
		*err = s.app_err;
		pthread_join(app, NULL);
		goto out_free;
	}
	bool have_probes = (br->http && br->n_ports) || strv_len(br->execs) > 0;
	if (have_probes) {
		if (pthread_create(&prob, NULL, probe_main, &s) != 0) {
			pare_error_errno(err, "starting the probe thread");
			rt_container_kill(s.ct, SIGKILL);
			pthread_join(app, NULL);
			goto out_ct;
		}
		prob_started = true;
	}
	bool wait_probes = br->cont == PIPELINE_CONT_PROBE || (br->cont == PIPELINE_CONT_DEFAULT && have_probes);
	double deadline = deadline_for(br, have_probes);
	double probes_end = 0;
	for (;;) {
		pthread_mutex_lock(&s.mu);
		bool exited = s.app_exited, pdone = s.probes_done;
		pthread_mutex_unlock(&s.mu);
		if (pdone && !probes_end)
			probes_end = pipeline_now();
		if (exited || interrupted)
			break;
		if (wait_probes && (pdone || !have_probes))
			break;
		double now = pipeline_now();
		if (deadline > 0 && now - t0 >= deadline)
			break;
		int ms = -1;
		if (deadline > 0)
			ms = (int)((deadline - (now - t0)) * 1000) + 1;
		struct pollfd p[2] = { { .fd = s.evfd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
		if (poll(p, sfd >= 0 ? 2 : 1, ms) > 0) {
			uint64_t v;
			ssize_t r = read(s.evfd, &v, sizeof(v));
			(void)r;
			struct signalfd_siginfo si;
			if (sfd >= 0 && read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				interrupted = (int)si.ssi_signo;
		}
	}
	/* The HEALTHCHECK, once, after the probes (or the analysis time) and before the stop: the engine
	 * runs it in the container all the time, so what it uses must be in the slim image. (Probes still
	 * running when a deadline ended the loop are cancelled after it; exec profiles are locked.) */
	pthread_mutex_lock(&s.mu);
	bool alive = !s.app_exited;
	pthread_mutex_unlock(&s.mu);
	if (alive && !interrupted && br->health && br->health->argv) {
		exec_one_argv(&s, br->health->argv, br->health->command, br->health->timeout, &br->health_result);
		br->health_ran = true;
	}
	pthread_mutex_lock(&s.mu);
	br->app_exited_itself = s.app_exited;
	s.cancel = true;
	if (s.prober)
		probe_http_cancel(s.prober);
	pthread_mutex_unlock(&s.mu);
	if (interrupted)
		rt_container_kill(s.ct, SIGKILL);
	/* Stop as `docker stop` does; the tracer keeps recording during the shutdown. */
	if (!br->app_exited_itself && !interrupted) {
		unsigned grace = br->grace;
		if (!handles_signal(rt_container_pid(s.ct), br->cfg->stop_signal > 0 ? br->cfg->stop_signal : SIGTERM))
			grace = 0;
		double ts = pipeline_now();
		rt_container_stop(s.ct, grace);
		br->stopped_by_kill = pipeline_now() - ts >= grace;
	}
	if (prob_started)
		pthread_join(prob, NULL);
	pthread_join(app, NULL);
	if (interrupted) {
		pare_interrupt_signal = interrupted; /* the phases after this one stop too */
		pare_interrupt_error(err, interrupted);
		goto out_ct;
	}
	br->seconds_run = pipeline_now() - t0;
	br->seconds_probes = probes_end ? probes_end - t0 : (have_probes ? br->seconds_run : 0);
	if (!s.app_err.msg[0] && tracer_blind(s.tr))
		pare_error_set(&s.app_err, 0, "%s", tracer_blind(s.tr));
	if (s.app_err.msg[0]) {
		*err = s.app_err;
		goto out_ct;
	}
	br->app_status = s.app_status;
	br->profile = tracer_steal_profile(s.tr);
	for (size_t i = 0; i < s.n_exec_profiles; i++)
		if (s.exec_profiles[i])
			merge_profile(br->profile, s.exec_profiles[i]);
	profile_finish(br->profile);
	ret = 0;
out_ct:
	rt_container_free(s.ct);
out_free:
	if (sfd >= 0)
		close(sfd);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	for (size_t i = 0; i < s.n_exec_profiles; i++)
		profile_free(s.exec_profiles[i]);
	free(s.exec_profiles);
	tracer_free(s.tr);
	close(s.evfd);
	pthread_mutex_destroy(&s.mu);
	pthread_cond_destroy(&s.cv);
	return ret;
}

void pipeline_run_release(struct pipeline_run *br)
{
	profile_free(br->profile);
	br->profile = NULL;
	probe_http_report_release(&br->http_report);
	for (size_t i = 0; i < br->n_exec_results; i++)
		pipeline_exec_result_release(&br->exec_results[i]);
	free(br->exec_results);
	br->exec_results = NULL;
	br->n_exec_results = 0;
	pipeline_exec_result_release(&br->health_result);
	br->health_ran = false;
}

char *pipeline_run_probe_failure(const struct pipeline_run *br)
{
	const struct probe_http_result *f = br->http_ran ? probe_http_report_first_failure(&br->http_report) : NULL;
	if (f) {
		if (f->status)
			return xasprintf("HTTP probe %s %s answered %ld", f->method, f->url, f->status);
		return xasprintf("HTTP probe %s %s failed: %s", f->method, f->url, f->error ? f->error : "no response");
	}
	if (br->http && br->n_ports && !br->http_ran)
		return xasprintf("the HTTP probe did not run");
	for (size_t i = 0; i < br->n_exec_results; i++) {
		const struct pipeline_exec_result *r = &br->exec_results[i];
		if (r->error)
			return xasprintf("--exec '%s' could not run: %s", r->command, r->error);
		if (r->status != 0)
			return xasprintf("--exec '%s' exited with status %d", r->command, r->status);
	}
	if (strv_len(br->execs) > br->n_exec_results)
		return xasprintf("--exec '%s' did not run: the application had already exited",
				 br->execs[br->n_exec_results]);
	return NULL;
}

json_t *pipeline_run_probes_json(const struct pipeline_run *br)
{
	json_t *exec = json_array();
	for (size_t i = 0; i < br->n_exec_results; i++)
		json_array_append_new(exec, pipeline_exec_result_json(&br->exec_results[i]));
	json_t *http = br->http_ran ? probe_http_report_json(&br->http_report) : json_array();
	json_t *o = json_pack("{s:o, s:o}", "http", http, "exec", exec);
	if (br->health_ran)
		json_object_set_new(o, "healthcheck", pipeline_exec_result_json(&br->health_result));
	return o;
}
