/* From an image config plus `docker run`-style overrides to an rt_config, with Docker's rules. */
#include "runtime/internal.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "lib/path.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"

unsigned long long rt_disk_limit_default(void)
{
	struct sysinfo si;
	unsigned long long quarter = sysinfo(&si) == 0 ? (unsigned long long)si.totalram * si.mem_unit / 4 : 0;
	return quarter && quarter < RT_DISK_LIMIT_MAX_DEFAULT ? quarter : RT_DISK_LIMIT_MAX_DEFAULT;
}

void rt_config_init(struct rt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->stop_signal = SIGTERM;
	cfg->stop_grace = 10;
	cfg->network = RT_NETWORK_NONE;
	cfg->disk_limit = rt_disk_limit_default();
	cfg->pids_limit = RT_PIDS_LIMIT_DEFAULT;
}

void rt_config_release(struct rt_config *cfg)
{
	strv_free(cfg->argv);
	strv_free(cfg->env);
	strv_free(cfg->volumes);
	free(cfg->cwd);
	free(cfg->user);
	free(cfg->hostname);
	for (size_t i = 0; i < cfg->n_binds; i++) {
		free(cfg->binds[i].source);
		free(cfg->binds[i].target);
	}
	free(cfg->binds);
	rt_config_init(cfg);
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP },     { "INT", SIGINT },       { "QUIT", SIGQUIT }, { "ILL", SIGILL },       { "TRAP", SIGTRAP },
	{ "ABRT", SIGABRT },   { "IOT", SIGIOT },       { "BUS", SIGBUS },   { "FPE", SIGFPE },       { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },     { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },
	{ "TERM", SIGTERM },   { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },     { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },   { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU }, { "URG", SIGURG },       { "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ },   { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },   { "IO", SIGIO },
	{ "POLL", SIGPOLL },   { "PWR", SIGPWR },       { "SYS", SIGSYS },
};

int rt_signal_parse(const char *s)
{
	if (!s || !*s)
		return -1;
	if (isdigit((unsigned char)s[0])) {
		char *end;
		long v = strtol(s, &end, 10);
		return (*end || v < 1 || v > SIGRTMAX) ? -1 : (int)v;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (!strcasecmp(s, signals[i].name))
			return signals[i].sig;
	/* RTMIN+N / RTMAX-N */
	if (!strncasecmp(s, "RTMIN", 5) || !strncasecmp(s, "RTMAX", 5)) {
		int base = !strncasecmp(s, "RTMIN", 5) ? SIGRTMIN : SIGRTMAX;
		if (!s[5])
			return base;
		char *end;
		long off = strtol(s + 5, &end, 10);
		int v = base + (int)off;
		return (*end || v < SIGRTMIN || v > SIGRTMAX) ? -1 : v;
	}
	return -1;
}

static size_t key_len(const char *kv)
{
	return strcspn(kv, "=");
}

static bool same_key(const char *a, const char *b)
{
	size_t la = key_len(a), lb = key_len(b);
	return la == lb && !strncmp(a, b, la);
}

const char *rt_env_get(char *const *env, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], key, n) && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

/* Docker's ReplaceOrAppendEnvValues: "K=V" replaces K or is appended; "K" alone removes K. */
static void env_replace_or_append(struct strvec *sv, const char *kv)
{
	bool del = !strchr(kv, '=');
	for (size_t i = 0; i < sv->n; i++) {
		if (!same_key(sv->v[i], kv))
			continue;
		free(sv->v[i]);
		if (del) {
			memmove(&sv->v[i], &sv->v[i + 1], (sv->n - i) * sizeof(char *));
			sv->n--;
		} else {
			sv->v[i] = xstrdup(kv);
		}
		return;
	}
	if (!del)
		strvec_push(sv, kv);
}

char **rt_env_build(char *const *env, const char *hostname, const char *home)
{
	struct strvec sv = STRVEC_INIT;
	strvec_push(&sv, RT_DEFAULT_PATH);
	strvec_pushf(&sv, "HOSTNAME=%s", hostname);
	for (size_t i = 0; env && env[i]; i++)
		env_replace_or_append(&sv, env[i]);
	if (!rt_env_get(sv.v, "HOME"))
		strvec_pushf(&sv, "HOME=%s", home ? home : "/");
	return strvec_detach(&sv);
}

char **rt_env_merge(char *const *env, char *const *extra)
{
	struct strvec sv = STRVEC_INIT;
	for (size_t i = 0; env && env[i]; i++)
		strvec_push(&sv, env[i]);
	for (size_t i = 0; extra && extra[i]; i++)
		env_replace_or_append(&sv, extra[i]);
	return strvec_detach(&sv);
}

/* Docker's merge of the user's -e list with the image's Env: the user's entries first (KEY alone
 * taking its value from our environment, or kept bare to delete KEY), then the image's entries whose
 * key the user did not give. */
static char **env_merge(char *const *image_env, char *const *user_env)
{
	struct strvec sv = STRVEC_INIT;
	for (size_t i = 0; user_env && user_env[i]; i++) {
		const char *kv = user_env[i];
		if (!strchr(kv, '=')) {
			const char *v = getenv(kv);
			if (v) {
				strvec_pushf(&sv, "%s=%s", kv, v);
				continue;
			}
		}
		strvec_push(&sv, kv);
	}
	for (size_t i = 0; image_env && image_env[i]; i++) {
		bool found = false;
		for (size_t j = 0; j < sv.n && !found; j++)
			found = same_key(sv.v[j], image_env[i]);
		if (!found)
			strvec_push(&sv, image_env[i]);
	}
	/* Bare keys remain as deletions; rt_env_build applies them in order. */
	return strvec_detach(&sv);
}

int rt_config_from_image(struct rt_config *cfg, const struct image *img, const struct rt_image_options *o,
			 struct pare_error *err)
{
	rt_config_init(cfg);
	cleanup_strv char **ep = NULL, **cmd = NULL, **img_env = NULL;
	if (o->entrypoint) {
		ep = xcalloc(2, sizeof(char *));
		if (*o->entrypoint)
			ep[0] = xstrdup(o->entrypoint);
	} else {
		ep = image_config_strv(img, "Entrypoint");
	}
	if (o->args && o->args[0])
		cmd = strv_dup(o->args);
	else if (!o->entrypoint)
		cmd = image_config_strv(img, "Cmd");
	struct strvec argv = STRVEC_INIT;
	for (size_t i = 0; ep && ep[i]; i++)
		strvec_push(&argv, ep[i]);
	for (size_t i = 0; cmd && cmd[i]; i++)
		strvec_push(&argv, cmd[i]);
	if (argv.n == 0) {
		strvec_release(&argv);
		return pare_error_set(err, 0, "no command specified: the image has no Entrypoint or Cmd (give a command after the image)");
	}
	cfg->argv = strvec_detach(&argv);

	img_env = image_config_strv(img, "Env");
	cfg->env = env_merge(img_env, o->env);

	const char *wd = o->workdir ? o->workdir : image_config_str(img, "WorkingDir");
	if (wd && *wd) {
		if (wd[0] != '/' && o->workdir) {
			rt_config_release(cfg);
			return pare_error_set(err, 0, "the working directory '%s' is invalid, it needs to be an absolute path", wd);
		}
		cfg->cwd = path_normalize(wd);
	}
	const char *user = o->user ? o->user : image_config_str(img, "User");
	if (user && *user)
		cfg->user = xstrdup(user);
	if (o->hostname && *o->hostname)
		cfg->hostname = xstrdup(o->hostname);
	cfg->network = o->network;
	cfg->timeout = o->timeout;
	if (o->stop_grace >= 0)
		cfg->stop_grace = (unsigned)o->stop_grace;
	const char *ss = image_config_str(img, "StopSignal");
	if (ss && *ss) {
		int sig = rt_signal_parse(ss);
		if (sig < 0) {
			rt_config_release(cfg);
			return pare_error_set(err, 0, "invalid StopSignal '%s' in the image config", ss);
		}
		cfg->stop_signal = sig;
	}
	cfg->volumes = image_config_keys(img, "Volumes");
	return 0;
}
