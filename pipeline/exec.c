/* One probe command (--exec, the HEALTHCHECK) in a running container, as `docker exec` runs it: stdin
 * /dev/null, stdout and stderr hashed (probe/probe_output.h) and passed on, killed after its timeout.
 * The analysis adds its tracer through the hooks; --verify's runs use none. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "pipeline/pipeline.h"
#include "probe/probe_output.h"

/* Kills a command that outlives its timeout (a HEALTHCHECK's Timeout), as the engine would. */
struct exec_watchdog {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done, fired;
	pid_t pid;
	double timeout;
};

static void *exec_watchdog_main(void *arg)
{
	struct exec_watchdog *w = arg;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)w->timeout;
	until.tv_nsec += (long)((w->timeout - (double)(time_t)w->timeout) * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mu);
	while (!w->done)
		if (pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT)
			break;
	if (!w->done) {
		w->fired = true;
		kill(w->pid, SIGKILL);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int pipeline_app_child_io(bool quiet)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		if (quiet)
			dup2(fd, STDERR_FILENO);
		close(fd);
	}
	dup2(STDERR_FILENO, STDOUT_FILENO);
	return 0;
}

struct io_hooks {
	const struct rt_hooks *inner;
	int out_fd;
};

static int io_started(pid_t pid, void *data)
{
	const struct io_hooks *h = data;
	return h->inner && h->inner->parent_started ? h->inner->parent_started(pid, h->inner->data) : 0;
}

/* In the command's process, before exec. */
static int io_child(void *data)
{
	const struct io_hooks *h = data;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	dup2(h->out_fd, STDOUT_FILENO);
	dup2(h->out_fd, STDERR_FILENO);
	return h->inner && h->inner->child_before_exec ? h->inner->child_before_exec(h->inner->data) : 0;
}

void pipeline_exec_run(struct rt_container *ct, char *const *argv, const char *cmd, double timeout,
		       const struct rt_hooks *hooks, int forward_fd, struct pipeline_exec_result *res)
{
	memset(res, 0, sizeof(*res));
	res->command = xstrdup(cmd);
	res->status = -1;
	double t0 = pipeline_now();
	if (!argv[0]) {
		res->error = xstrdup("empty command");
		return;
	}
	struct pare_error err = { 0 };
	struct probe_output *out;
	if (probe_output_start(forward_fd, &out, &err) < 0) {
		res->error = xstrdup(err.msg);
		return;
	}
	struct io_hooks io = { hooks, probe_output_writer(out) };
	struct rt_hooks h = { .parent_started = io_started, .child_before_exec = io_child, .data = &io };
	struct exec_watchdog w = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .timeout = timeout };
	pthread_t wt;
	bool watching = false;
	pid_t pid;
	int status;
	if (rt_container_exec_start(ct, argv, NULL, &h, &pid, &err) < 0) {
		res->error = xstrdup(err.msg);
	} else {
		probe_output_close_writer(out);
		w.pid = pid;
		watching = timeout > 0 && pthread_create(&wt, NULL, exec_watchdog_main, &w) == 0;
		if (rt_container_exec_wait(ct, pid, NULL, &status, &err) < 0)
			res->error = xstrdup(err.msg);
		else
			res->status = status;
	}
	if (watching) {
		pthread_mutex_lock(&w.mu);
		w.done = true;
		pthread_cond_broadcast(&w.cv);
		pthread_mutex_unlock(&w.mu);
		pthread_join(wt, NULL);
		if (w.fired && !res->error)
			res->error = xasprintf("timed out after %g s", timeout);
	}
	probe_output_finish(out, res->output_sha256, &res->output_bytes);
	res->seconds = pipeline_now() - t0;
}

void pipeline_exec_result_release(struct pipeline_exec_result *r)
{
	free(r->command);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

json_t *pipeline_exec_result_json(const struct pipeline_exec_result *r)
{
	json_t *o = json_pack("{s:s, s:i, s:f, s:I}", "command", r->command, "status", r->status, "seconds",
			      r->seconds, "output_bytes", (json_int_t)r->output_bytes);
	json_object_set_new(o, "output_sha256", r->output_sha256[0] ? json_string(r->output_sha256) : json_null());
	if (r->error)
		json_object_set_new(o, "error", json_string(r->error));
	return o;
}

static int net_enter(void *ct, struct pare_error *err)
{
	return rt_container_enter_netns(ct, err);
}

static int net_socket(void *ct, int domain, int type, int protocol)
{
	return rt_container_socket(ct, domain, type, protocol);
}

void pipeline_probe_net(const struct rt_container *ct, struct probe_net *net)
{
	net->enter = net_enter;
	net->socket = net_socket;
	net->data = (void *)ct;
}

bool pipeline_http_run_locked(const struct probe_http_opts *po, pthread_mutex_t *mu, struct probe_http **slot,
			      const bool *cancel, const char *label, struct probe_http_report *out)
{
	struct probe_http *p = NULL;
	struct pare_error err = { 0 };
	pthread_mutex_lock(mu);
	bool cancelled = *cancel;
	pthread_mutex_unlock(mu);
	if (cancelled)
		return false;
	if (probe_http_start(po, NULL, NULL, &p, &err) < 0) {
		pare_info("pare: %s: %s\n", label, err.msg);
		return false;
	}
	pthread_mutex_lock(mu);
	*slot = p;
	if (*cancel)
		probe_http_cancel(p);
	pthread_mutex_unlock(mu);
	bool ran = probe_http_wait(p, out, &err) == 0;
	if (!ran)
		pare_info("pare: %s: %s\n", label, err.msg);
	pthread_mutex_lock(mu);
	*slot = NULL;
	pthread_mutex_unlock(mu);
	return ran;
}
