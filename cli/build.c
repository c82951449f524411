/* pare build IMAGE: run the application under the tracer, drive it with probes, keep what it needs
 * and write a slim image (doc/MINIFIER.md). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/build.h"
#include "cli/cli.h"
#include "image/image.h"
#include "image/layer_index.h"
#include "image/writer.h"
#include "lib/error.h"
#include "lib/path.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "minifier/keep.h"
#include "minifier/probe_exec.h"
#include "minifier/probe_http.h"

static void build_help(FILE *f)
{
	fprintf(f,
		"Usage: pare build IMAGE [-o OUT] [--tag NAME:TAG] [--format archive|oci-dir] [--report FILE.json]\n"
		"                  [probe options] [keep options] [run options] [output config options]\n\n"
		"Run the image's application under the file tracer, drive it with probes, and write a slim image\n"
		"that holds only what it used plus what its binaries need to load.\n\n"
		"Output:\n"
		"  -o, --output OUT        file (or directory with --format oci-dir); - streams the archive to stdout\n"
		"                          (default: the input's name + .slim.tar in the current directory)\n"
		"      --tag NAME:TAG      the slim image's name (default: the input's name + .slim)\n"
		"      --format F          archive (default: loadable by docker, podman, skopeo) or oci-dir\n"
		"      --compress C        layer compression: none (default for archive), gzip, zstd\n"
		"      --report FILE.json  every kept path with its reason, removed paths, probes, profile stats\n"
		"  -q, --quiet             only errors (the application's output is dropped too; otherwise it\n"
		"                          goes to stderr)\n"
		"Probes:\n"
		"      --http-probe[=on|off]   GET / and crawl same-origin links on every exposed TCP port\n"
		"                          (on by default when the image exposes TCP ports)\n"
		"      --http-probe-cmd [METHOD:]PATH   one more request (repeatable)\n"
		"      --http-probe-ports LIST   ports to probe instead of the exposed ones (\"80,8080-8081\")\n"
		"      --http-probe-wait SECONDS  how long the ports may take to accept connections (default 60)\n"
		"      --exec CMD          run CMD inside the running container, traced (repeatable; /bin/sh -c\n"
		"                          when the image has a shell)\n"
		"      --continue-after exit|probe|SECONDS  end of the analysis: when the application exits, after\n"
		"                          the last probe (default with probes), or after SECONDS (default 10)\n"
		"      --probe-failures fail|ignore  a failed probe fails the build (default) or is only reported\n"
		"      --stop-timeout SECONDS  grace between StopSignal and SIGKILL at the end (default 10)\n"
		"Keep:\n"
		"      --include-path PATH     keep PATH and everything below it (repeatable)\n"
		"      --include-bin PATH      keep a binary and its libraries (repeatable)\n"
		"      --include-exe NAME      keep NAME found on the image's PATH, with its libraries (repeatable)\n"
		"      --include-shell         keep a shell and basic utilities\n"
		"      --include-zoneinfo      keep the time zone database\n"
		"      --include-locales       keep locales and gconv modules\n"
		"      --include-certs=off     do not keep the CA certificate bundle\n"
		"      --exclude GLOB          drop matching paths (and what is below them), never the entrypoint\n"
		"Run options (the analysis run only):\n"
		"      --entrypoint PATH   replace the Entrypoint (and clear the Cmd)\n"
		"      --cmd ARG           replace the Cmd, one argument per --cmd (repeatable)\n"
		"  -e, --env KEY=VALUE     -w, --workdir DIR     -u, --user USER[:GROUP]\n"
		"      --network none|host -v, --volume SRC:DST[:ro]   --hostname NAME   --ref NAME:TAG\n"
		"      --no-fanotify       trace with ptrace alone\n"
		"Output config (the slim image's config; default: the original's):\n"
		"      --new-entrypoint CMD   --new-cmd CMD   (a JSON array, or words separated by blanks)\n"
		"      --new-env KEY=VALUE    --new-label KEY=VALUE   (repeatable)\n"
		"      --new-workdir DIR      --new-user USER[:GROUP]\n"
		"  -h, --help              this help\n");
}

enum {
	OPT_TAG = 256, OPT_FORMAT, OPT_COMPRESS, OPT_REPORT, OPT_HTTP, OPT_HTTP_CMD, OPT_HTTP_PORTS, OPT_HTTP_WAIT,
	OPT_EXEC, OPT_CONTINUE, OPT_PROBE_FAIL, OPT_STOP_TIMEOUT, OPT_INC_PATH, OPT_INC_BIN, OPT_INC_EXE,
	OPT_INC_SHELL, OPT_INC_ZONE, OPT_INC_LOCALES, OPT_INC_CERTS, OPT_EXCLUDE, OPT_ENTRYPOINT, OPT_CMD,
	OPT_NETWORK, OPT_HOSTNAME, OPT_REF, OPT_NO_FAN, OPT_NEW_EP, OPT_NEW_CMD, OPT_NEW_ENV, OPT_NEW_WD,
	OPT_NEW_USER, OPT_NEW_LABEL,
};

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "compress", required_argument, NULL, OPT_COMPRESS },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "http-probe", optional_argument, NULL, OPT_HTTP },
	{ "http-probe-cmd", required_argument, NULL, OPT_HTTP_CMD },
	{ "http-probe-ports", required_argument, NULL, OPT_HTTP_PORTS },
	{ "http-probe-wait", required_argument, NULL, OPT_HTTP_WAIT },
	{ "exec", required_argument, NULL, OPT_EXEC },
	{ "continue-after", required_argument, NULL, OPT_CONTINUE },
	{ "probe-failures", required_argument, NULL, OPT_PROBE_FAIL },
	{ "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
	{ "include-path", required_argument, NULL, OPT_INC_PATH },
	{ "include-bin", required_argument, NULL, OPT_INC_BIN },
	{ "include-exe", required_argument, NULL, OPT_INC_EXE },
	{ "include-shell", no_argument, NULL, OPT_INC_SHELL },
	{ "include-zoneinfo", no_argument, NULL, OPT_INC_ZONE },
	{ "include-locales", no_argument, NULL, OPT_INC_LOCALES },
	{ "include-certs", optional_argument, NULL, OPT_INC_CERTS },
	{ "exclude", required_argument, NULL, OPT_EXCLUDE },
	{ "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
	{ "cmd", required_argument, NULL, OPT_CMD },
	{ "env", required_argument, NULL, 'e' },
	{ "workdir", required_argument, NULL, 'w' },
	{ "user", required_argument, NULL, 'u' },
	{ "volume", required_argument, NULL, 'v' },
	{ "network", required_argument, NULL, OPT_NETWORK },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "ref", required_argument, NULL, OPT_REF },
	{ "no-fanotify", no_argument, NULL, OPT_NO_FAN },
	{ "new-entrypoint", required_argument, NULL, OPT_NEW_EP },
	{ "new-cmd", required_argument, NULL, OPT_NEW_CMD },
	{ "new-env", required_argument, NULL, OPT_NEW_ENV },
	{ "new-workdir", required_argument, NULL, OPT_NEW_WD },
	{ "new-user", required_argument, NULL, OPT_NEW_USER },
	{ "new-label", required_argument, NULL, OPT_NEW_LABEL },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct build_args {
	const char *input, *output, *tag, *report, *ref, *compress;
	enum image_write_format format;
	int http; /* -1 default, 0 off, 1 on */
	struct strvec http_cmds, execs, env, vols, cmd_args;
	const char *http_ports;
	unsigned http_wait, cont_seconds, grace;
	enum build_continue cont;
	bool ignore_failures, fanotify;
	struct keep_opts keep;
	struct strvec inc_paths, inc_bins, inc_exes, excludes;
	struct rt_image_options run;
	struct build_new_config nc;
	struct strvec new_env, new_labels;
};

static int parse_seconds(const char *s, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > 100000000UL || s[0] == '-')
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_volume(const char *spec, struct rt_config *cfg)
{
	cleanup_free char *s = xstrdup(spec);
	char *dst = strchr(s, ':');
	if (!dst || s[0] != '/')
		return -1;
	*dst++ = '\0';
	char *mode = strchr(dst, ':');
	if (mode)
		*mode++ = '\0';
	if (dst[0] != '/' || (mode && strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0))
		return -1;
	cfg->binds = xrealloc(cfg->binds, (cfg->n_binds + 1) * sizeof(*cfg->binds));
	struct rt_bind *b = &cfg->binds[cfg->n_binds++];
	b->source = xstrdup(s);
	b->target = xstrdup(dst);
	b->readonly = mode && !strcmp(mode, "ro");
	return 0;
}

static bool on_off(const char *v, bool *out)
{
	if (!v || !strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes"))
		*out = true;
	else if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no"))
		*out = false;
	else
		return false;
	return true;
}

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct build_args *a)
{
	int c;
	bool b;
	struct pare_error perr = { 0 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qe:w:u:v:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': a->output = optarg; break;
		case OPT_TAG: a->tag = optarg; break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "archive"))
				a->format = IMAGE_WRITE_ARCHIVE;
			else if (!strcmp(optarg, "oci-dir"))
				a->format = IMAGE_WRITE_OCI_DIR;
			else
				return cli_usage_error("build", "--format wants archive or oci-dir, not '%s'", optarg);
			break;
		case OPT_COMPRESS: a->compress = optarg; break;
		case OPT_REPORT: a->report = optarg; break;
		case 'q': pare_verbosity = 0; break;
		case OPT_HTTP:
			if (!on_off(optarg, &b))
				return cli_usage_error("build", "--http-probe wants on or off, not '%s'", optarg);
			a->http = b;
			break;
		case OPT_HTTP_CMD: {
			cleanup_free char *m = NULL, *path = NULL;
			if (probe_http_parse_request(optarg, &m, &path, &perr) < 0)
				return cli_usage_error("build", "--http-probe-cmd: %s", perr.msg);
			strvec_push(&a->http_cmds, optarg);
			break;
		}
		case OPT_HTTP_PORTS: {
			cleanup_free uint16_t *ports = NULL;
			size_t n_ports;
			if (probe_http_parse_ports(optarg, &ports, &n_ports, &perr) < 0)
				return cli_usage_error("build", "--http-probe-ports: %s", perr.msg);
			a->http_ports = optarg;
			break;
		}
		case OPT_HTTP_WAIT:
			if (parse_seconds(optarg, &a->http_wait) < 0)
				return cli_usage_error("build", "invalid --http-probe-wait '%s' (seconds)", optarg);
			break;
		case OPT_EXEC: strvec_push(&a->execs, optarg); break;
		case OPT_CONTINUE:
			if (!strcmp(optarg, "exit"))
				a->cont = BUILD_CONT_EXIT;
			else if (!strcmp(optarg, "probe"))
				a->cont = BUILD_CONT_PROBE;
			else if (parse_seconds(optarg, &a->cont_seconds) == 0 && a->cont_seconds > 0)
				a->cont = BUILD_CONT_SECONDS;
			else
				return cli_usage_error("build", "--continue-after wants exit, probe or a number of seconds, not '%s'", optarg);
			break;
		case OPT_PROBE_FAIL:
			if (!strcmp(optarg, "ignore"))
				a->ignore_failures = true;
			else if (!strcmp(optarg, "fail"))
				a->ignore_failures = false;
			else
				return cli_usage_error("build", "--probe-failures wants fail or ignore, not '%s'", optarg);
			break;
		case OPT_STOP_TIMEOUT:
			if (parse_seconds(optarg, &a->grace) < 0)
				return cli_usage_error("build", "invalid --stop-timeout '%s' (seconds)", optarg);
			break;
		case OPT_INC_PATH:
		case OPT_INC_BIN:
			if (optarg[0] != '/')
				return cli_usage_error("build", "'%s' is not an absolute path", optarg);
			strvec_push(c == OPT_INC_PATH ? &a->inc_paths : &a->inc_bins, optarg);
			break;
		case OPT_INC_EXE: strvec_push(&a->inc_exes, optarg); break;
		case OPT_INC_SHELL: a->keep.include_shell = true; break;
		case OPT_INC_ZONE: a->keep.include_zoneinfo = true; break;
		case OPT_INC_LOCALES: a->keep.include_locales = true; break;
		case OPT_INC_CERTS:
			if (!on_off(optarg, &b))
				return cli_usage_error("build", "--include-certs wants on or off, not '%s'", optarg);
			a->keep.no_certs = !b;
			break;
		case OPT_EXCLUDE: strvec_push(&a->excludes, optarg); break;
		case OPT_ENTRYPOINT: a->run.entrypoint = optarg; break;
		case OPT_CMD: strvec_push(&a->cmd_args, optarg); break;
		case 'e': strvec_push(&a->env, optarg); break;
		case 'w': a->run.workdir = optarg; break;
		case 'u': a->run.user = optarg; break;
		case 'v': strvec_push(&a->vols, optarg); break;
		case OPT_HOSTNAME: a->run.hostname = optarg; break;
		case OPT_REF: a->ref = optarg; break;
		case OPT_NO_FAN: a->fanotify = false; break;
		case OPT_NETWORK:
			if (!strcmp(optarg, "none"))
				a->run.network = RT_NETWORK_NONE;
			else if (!strcmp(optarg, "host"))
				a->run.network = RT_NETWORK_HOST;
			else
				return cli_usage_error("build", "unknown network '%s' (none or host)", optarg);
			break;
		case OPT_NEW_EP: a->nc.entrypoint = optarg; break;
		case OPT_NEW_CMD: a->nc.cmd = optarg; break;
		case OPT_NEW_ENV: strvec_push(&a->new_env, optarg); break;
		case OPT_NEW_WD: a->nc.workdir = optarg; break;
		case OPT_NEW_USER: a->nc.user = optarg; break;
		case OPT_NEW_LABEL: strvec_push(&a->new_labels, optarg); break;
		case 'h': build_help(stdout); return 0;
		default: return cli_usage_error("build", "invalid option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("build", "no image given");
	if (optind + 1 < argc)
		return cli_usage_error("build", "one image only; unexpected '%s' (use --cmd for the command's arguments)",
				       argv[optind + 1]);
	a->input = argv[optind];
	if (a->run.workdir && a->run.workdir[0] != '/')
		return cli_usage_error("build", "the working directory '%s' is invalid, it needs to be an absolute path",
				       a->run.workdir);
	a->run.env = a->env.v;
	a->run.args = a->cmd_args.v;
	a->nc.env = a->new_env.v;
	a->nc.labels = a->new_labels.v;
	a->keep.include_paths = a->inc_paths.v;
	a->keep.include_bins = a->inc_bins.v;
	a->keep.include_exes = a->inc_exes.v;
	a->keep.excludes = a->excludes.v;
	return -1;
}

static void build_args_release(struct build_args *a)
{
	struct strvec *v[] = { &a->http_cmds, &a->execs,     &a->env,	   &a->vols,	   &a->cmd_args, &a->inc_paths,
			       &a->inc_bins,  &a->inc_exes, &a->excludes, &a->new_env, &a->new_labels };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		strvec_release(v[i]);
}

static char *default_output(const char *input, bool oci_dir)
{
	cleanup_free char *copy = xstrdup(input);
	size_t n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	const char *slash = strrchr(copy, '/');
	cleanup_free char *base = xstrdup(slash ? slash + 1 : copy);
	static const char *const exts[] = { ".tar.gz", ".tar.zst", ".tgz", ".tar", ".oci", NULL };
	for (size_t i = 0; exts[i]; i++) {
		size_t bl = strlen(base), el = strlen(exts[i]);
		if (bl > el && !strcmp(base + bl - el, exts[i])) {
			base[bl - el] = '\0';
			break;
		}
	}
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return xstrdup(oci_dir ? "image.slim" : "image.slim.tar");
	return xasprintf("%s.slim%s", base, oci_dir ? "" : ".tar");
}

static void on_signal(int sig)
{
	image_write_abort();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void handle_write_signals(void)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static const char *human(uint64_t n, char buf[32])
{
	if (n < 1024)
		snprintf(buf, 32, "%" PRIu64 " B", n);
	else if (n < 1024 * 1024)
		snprintf(buf, 32, "%.1f KiB", (double)n / 1024);
	else if (n < 1024ull * 1024 * 1024)
		snprintf(buf, 32, "%.1f MiB", (double)n / (1024 * 1024));
	else
		snprintf(buf, 32, "%.2f GiB", (double)n / (1024.0 * 1024 * 1024));
	return buf;
}

static bool progress;
static void phase(const char *what)
{
	if (progress)
		fprintf(stderr, "pare: %s...\n", what);
}

struct timings {
	double index, unpack, run, probes, minify, write;
};

static char **config_strv(const json_t *config, const char *key)
{
	struct strvec sv = STRVEC_INIT;
	json_t *v = json_object_get(json_object_get(config, "config"), key);
	size_t i;
	json_t *s;
	json_array_foreach(v, i, s)
	{
		if (json_is_string(s))
			strvec_push(&sv, json_string_value(s));
	}
	return strvec_detach(&sv);
}

static const char *config_str(const json_t *config, const char *key)
{
	return json_string_value(json_object_get(json_object_get(config, "config"), key));
}

static char **config_keys(const json_t *config, const char *key)
{
	struct strvec sv = STRVEC_INIT;
	json_t *o = json_object_get(json_object_get(config, "config"), key);
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) strvec_push(&sv, k);
	return strvec_detach(&sv);
}

static int write_report(const char *file, json_t *report, struct pare_error *err)
{
	if (!strcmp(file, "-")) {
		if (json_dumpf(report, stderr, JSON_INDENT(1) | JSON_SORT_KEYS) < 0)
			return pare_error_set(err, 0, "writing the report failed");
		fputc('\n', stderr);
		return 0;
	}
	cleanup_free char *tmp = xasprintf("%s.tmp%d", file, (int)getpid());
	if (json_dump_file(report, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) < 0) {
		unlink(tmp);
		return pare_error_errno(err, "writing the report '%s'", file);
	}
	if (rename(tmp, file) < 0) {
		unlink(tmp);
		return pare_error_errno(err, "writing the report '%s'", file);
	}
	return 0;
}

static json_t *profile_summary(const struct profile *p)
{
	json_t *sensors = json_array();
	for (char **s = p->sensors; s && *s; s++)
		json_array_append_new(sensors, json_string(*s));
	const struct profile_stats *st = &p->stats;
	return json_pack("{s:o, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i}}", "sensors", sensors,
			 "files", (json_int_t)p->n_files, "symlinks", (json_int_t)p->n_symlinks, "missing",
			 (json_int_t)p->n_missing, "processes", (json_int_t)p->n_processes, "stats", "seccomp_stops",
			 (json_int_t)st->seccomp_stops, "paths", (json_int_t)st->paths, "outside_image",
			 (json_int_t)st->outside_image, "processes", (json_int_t)st->processes, "execs",
			 (json_int_t)st->execs, "fanotify_events", (json_int_t)st->fanotify_events,
			 "fanotify_overflows", (json_int_t)st->fanotify_overflows, "duration_ms",
			 (json_int_t)st->duration_ms, "exit_status", st->exit_status);
}

int cmd_build(int argc, char **argv)
{
	struct build_args a = { .http = -1, .fanotify = true, .grace = 10, .format = IMAGE_WRITE_ARCHIVE };
	a.run.network = RT_NETWORK_NONE;
	a.run.stop_grace = -1;
	int r = parse_args(argc, argv, &a);
	if (r >= 0) {
		build_args_release(&a);
		return r;
	}
	enum image_compression comp = a.format == IMAGE_WRITE_OCI_DIR ? IMAGE_COMP_GZIP : IMAGE_COMP_NONE;
	if (a.compress) {
		if (!strcmp(a.compress, "none"))
			comp = IMAGE_COMP_NONE;
		else if (!strcmp(a.compress, "gzip"))
			comp = IMAGE_COMP_GZIP;
		else if (!strcmp(a.compress, "zstd"))
			comp = IMAGE_COMP_ZSTD;
		else {
			build_args_release(&a);
			return cli_usage_error("build", "--compress wants none, gzip or zstd, not '%s'", a.compress);
		}
	}
	if (a.tag) {
		struct pare_error terr = { 0 };
		struct image_tag t;
		if (image_tag_parse(a.tag, &t, &terr) < 0) {
			build_args_release(&a);
			return cli_usage_error("build", "--tag: %s", terr.msg);
		}
		image_tag_release(&t);
	}
	cleanup_free char *default_out = NULL;
	if (!a.output) {
		if (!strcmp(a.input, "-")) {
			build_args_release(&a);
			return cli_usage_error("build", "reading standard input needs -o (a file, or - for standard output)");
		}
		a.output = default_out = default_output(a.input, a.format == IMAGE_WRITE_OCI_DIR);
	}
	bool to_stdout = !strcmp(a.output, "-");
	if (to_stdout && a.format != IMAGE_WRITE_ARCHIVE) {
		build_args_release(&a);
		return cli_usage_error("build", "-o - writes an archive; an OCI directory needs a path");
	}
	if (to_stdout && isatty(STDOUT_FILENO)) {
		build_args_release(&a);
		return cli_usage_error("build", "refusing to write an image archive to a terminal");
	}
	progress = pare_verbosity > 0 && isatty(STDERR_FILENO);
	signal(SIGPIPE, SIG_IGN);

	struct pare_error err = { 0 };
	struct image *img = NULL;
	struct layer_index *idx = NULL;
	struct rt_rootfs *rootfs = NULL;
	struct keep_set *ks = NULL;
	json_t *out_config = NULL, *report = NULL;
	struct image_write_result res = { 0 };
	struct build_run br = { 0 };
	cleanup_free char *default_tag = NULL, *failure = NULL;
	cleanup_strv char **ep_keys = NULL, **out_cmd = NULL, **out_env = NULL, **out_vols = NULL;
	struct timings tm = { 0 };
	int status = 1;
	struct rt_config cfg;
	rt_config_init(&cfg);

	double t = build_now(), t_start = t;
	phase("reading the image");
	if (image_open(a.input, a.ref, &img, &err) < 0 || layer_index_build(img, &idx, &err) < 0)
		goto out;
	if (!(out_config = build_output_config(img->config, &a.nc, &err)))
		goto out;
	if (rt_config_from_image(&cfg, img, &a.run, &err) < 0)
		goto out;
	for (size_t i = 0; i < a.vols.n; i++) {
		if (parse_volume(a.vols.v[i], &cfg) < 0) {
			pare_error_set(&err, 0, "invalid volume '%s' (expected /HOST:/CONTAINER[:ro])", a.vols.v[i]);
			goto out;
		}
	}
	tm.index = build_now() - t;

	/* Probes. */
	br.cfg = &cfg;
	br.image_name = a.input;
	br.fanotify = a.fanotify;
	br.quiet_app = pare_verbosity == 0;
	br.grace = a.run.stop_grace >= 0 ? (unsigned)a.run.stop_grace : a.grace;
	br.cont = a.cont;
	br.cont_seconds = a.cont_seconds;
	br.http_requests = a.http_cmds.v;
	br.http_wait_ms = a.http_wait * 1000;
	br.execs = a.execs.v;
	if (a.http != 0) {
		if (a.http_ports) {
			if (probe_http_parse_ports(a.http_ports, &br.ports, &br.n_ports, &err) < 0)
				goto out;
		} else {
			ep_keys = image_config_keys(img, "ExposedPorts");
			if (probe_http_exposed_ports(ep_keys, &br.ports, &br.n_ports, &err) < 0)
				goto out;
		}
		if (a.http == 1 && !br.n_ports) {
			pare_error_set(&err, 0, "--http-probe: the image exposes no TCP port (give --http-probe-ports)");
			goto out;
		}
		br.http = br.n_ports > 0;
	}
	if (a.http_cmds.n && !br.http) {
		pare_error_set(&err, 0, "--http-probe-cmd needs a port to send it to (the image exposes none: give --http-probe-ports)");
		goto out;
	}
	br.exec_shell = probe_exec_has_shell(idx);
	for (size_t i = 0; i < a.execs.n; i++) { /* before the run: a command that cannot run is an error now */
		cleanup_strv char **words = NULL;
		if (probe_exec_argv(a.execs.v[i], br.exec_shell, &words, &err) < 0)
			goto out;
	}

	t = build_now();
	phase("unpacking");
	if (rt_rootfs_prepare(img, idx, &rootfs, &err) < 0)
		goto out;
	tm.unpack = build_now() - t;
	br.rootfs = rootfs;

	phase("running the application under the tracer");
	if (build_run_analysis(&br, &err) < 0) {
		if (err.code != EINTR)
			pare_error_prefix(&err, "analysis run");
		goto out;
	}
	tm.run = br.seconds_run;
	tm.probes = br.seconds_probes;
	if (br.app_status == 126 || br.app_status == 127) {
		pare_error_set(&err, 0, "the application could not be started (status %d): nothing to build from",
			       br.app_status);
		goto out;
	}
	if (br.app_exited_itself && br.app_status != 0)
		pare_info("pare: warning: the application exited by itself with status %d during the analysis\n",
			  br.app_status);
	if (br.profile->stats.fanotify_overflows)
		pare_info("pare: warning: fanotify lost events (%" PRIu64 " overflows); ptrace still saw every traced call\n",
			  br.profile->stats.fanotify_overflows);
	failure = build_run_probe_failure(&br);
	if (failure && !a.ignore_failures) {
		pare_error_set(&err, 0, "%s (--probe-failures=ignore to build anyway)", failure);
		goto out;
	}
	if (failure)
		pare_info("pare: warning: %s\n", failure);

	/* Minify. */
	t = build_now();
	phase("deciding what to keep");
	out_cmd = config_strv(out_config, "Entrypoint");
	{
		cleanup_strv char **cmd = config_strv(out_config, "Cmd");
		struct strvec sv = STRVEC_INIT;
		for (char **p = out_cmd; *p; p++)
			strvec_push(&sv, *p);
		for (char **p = cmd; *p; p++)
			strvec_push(&sv, *p);
		strv_free(out_cmd);
		out_cmd = strvec_detach(&sv);
	}
	out_env = config_strv(out_config, "Env");
	out_vols = config_keys(out_config, "Volumes");
	a.keep.env = out_env;
	a.keep.user = config_str(out_config, "User");
	a.keep.workdir = config_str(out_config, "WorkingDir");
	a.keep.volumes = out_vols;
	a.keep.command = out_cmd;
	if (keep_set_new(idx, rt_rootfs_dir(rootfs), &a.keep, &ks, &err) < 0 ||
	    keep_add_profile(ks, br.profile, &err) < 0 || keep_apply_rules(ks, &err) < 0 || keep_finish(ks, &err) < 0)
		goto out;
	tm.minify = build_now() - t;
	if (pare_verbosity > 1)
		for (char *const *w = keep_warnings(ks); *w; w++)
			pare_info("pare: note: %s\n", *w);

	/* Write. */
	t = build_now();
	phase("writing the slim image");
	if (!a.tag)
		a.tag = default_tag = image_tag_default(img, ".slim");
	handle_write_signals();
	struct image_write_opts wo = {
		.output = a.output,
		.format = a.format,
		.compression = comp,
		.tag = a.tag,
		.only_kept = true,
		.config = out_config,
		.created_by = "pare build",
		.result = &res,
	};
	if (image_write(img, idx, &wo, &err) < 0)
		goto out;
	tm.write = build_now() - t;

	struct keep_totals kt;
	keep_totals(ks, &kt);
	const struct layer_index_stats *st = layer_index_stats(idx);
	char b1[32], b2[32], b3[32];
	double ratio = kt.kept_bytes ? (double)st->bytes / (double)kt.kept_bytes : 0;
	size_t n_warn = 0;
	for (char *const *w = keep_warnings(ks); *w; w++)
		n_warn++;
	pare_info("pare: %s -> %s: %s -> %s of files (%.1fx smaller), %" PRIu64 " files kept, %" PRIu64
		  " removed; layer %s\n",
		  a.input, to_stdout ? "standard output" : a.output, human(st->bytes, b1), human(kt.kept_bytes, b2), ratio,
		  kt.kept_files, kt.removed_files, human(res.layer_size, b3));
	pare_info("pare: time: read %.1fs, unpack %.1fs, run %.1fs (probes %.1fs), minify %.1fs, write %.1fs; "
		  "image %s, id %.19s\n",
		  tm.index, tm.unpack, tm.run, tm.probes, tm.minify, tm.write, res.tag ? res.tag : "", res.image_id ? res.image_id : "");
	if (n_warn && pare_verbosity == 1)
		pare_info("pare: %zu note%s about what was kept (see --report)\n", n_warn, n_warn == 1 ? "" : "s");

	if (a.report) {
		report = keep_report_json(ks);
		json_object_set_new(report, "image", json_string(a.input));
		json_object_set_new(report, "output", json_string(a.output));
		json_object_set_new(report, "tag", json_string(res.tag ? res.tag : ""));
		json_object_set_new(report, "image_id", json_string(res.image_id ? res.image_id : ""));
		json_object_set_new(report, "sizes",
				    json_pack("{s:I, s:I, s:I, s:I, s:f}", "original_bytes", (json_int_t)st->bytes,
					      "original_files", (json_int_t)st->files, "slim_bytes",
					      (json_int_t)kt.kept_bytes, "layer_bytes", (json_int_t)res.layer_size,
					      "ratio", ratio));
		json_object_set_new(report, "phases",
				    json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "read", tm.index, "unpack", tm.unpack,
					      "run", tm.run, "probes", tm.probes, "minify", tm.minify, "write", tm.write,
					      "total", build_now() - t_start));
		json_object_set_new(report, "probes", build_run_probes_json(&br));
		json_object_set_new(report, "application",
				    json_pack("{s:i, s:b, s:b}", "status", br.app_status, "exited_by_itself",
					      br.app_exited_itself, "killed", br.stopped_by_kill));
		json_object_set_new(report, "profile", profile_summary(br.profile));
		if (write_report(a.report, report, &err) < 0)
			goto out;
	}
	status = 0;
out:
	if (status)
		pare_error_print(&err);
	if (status && err.code == EINTR && err.status > 128)
		status = err.status;
	json_decref(report);
	json_decref(out_config);
	image_write_result_release(&res);
	keep_set_free(ks);
	build_run_release(&br);
	free(br.ports);
	rt_rootfs_free(rootfs);
	if (idx)
		layer_index_free(idx);
	if (img)
		image_free(img);
	rt_config_release(&cfg);
	build_args_release(&a);
	return status;
}
