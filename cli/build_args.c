/* pare build's options: the table, the parser, the help. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/build.h"
#include "cli/cli.h"
#include "cli/run_opts.h"
#include "lib/error.h"
#include "lib/xalloc.h"

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
		"      --compress C        layer compression: none (default for archive), gzip (oci-dir, docker://), zstd\n"
		"      --report FILE.json  every kept path with its reason, removed paths, probes, profile stats\n"
		"      --verify            then run the slim image with the same probes (replayed, untraced) and\n"
		"                          compare with the original; exit status 3 when it answers differently\n"
		"      --seccomp-profile FILE.json  Docker seccomp profile of the syscalls seen (a stop per syscall)\n"
		"      --sbom FILE.json    the slim image's SBOM: packages (dpkg, Python, Node) with versions,\n"
		"                          purls, licences, files with SHA-256, the image's digests (doc/SBOM.md)\n"
		"      --sbom-format F     spdx-json (default: SPDX 2.3) or cyclonedx-json (CycloneDX 1.5)\n"
		"      --package-db=off    keep the package database as the minifier decided (default: rewritten\n"
		"                          to list exactly the packages with files left, doc/MINIFIER.md)\n"
		"  -q, --quiet             only errors (the application's output is dropped too; otherwise it\n"
		"                          goes to stderr)\n"
		"      --verbose           a progress line per phase (also without a terminal), notes on what\n"
		"                          was kept; SIGINT/SIGTERM in any phase: no output, status 130/143\n"
		"Probes:\n"
		"      --http-probe[=on|off]   GET / and crawl same-origin links on every exposed TCP port\n"
		"                          (on by default when the image exposes TCP ports)\n"
		"      --http-probe-cmd [METHOD:]PATH   one more request (repeatable)\n"
		"      --http-probe-ports LIST   ports to probe instead of the exposed ones (\"80,8080-8081\")\n"
		"      --http-probe-wait SECONDS  how long the ports may take to accept connections (default 60)\n"
		"      --http-crawl-depth N    links followed from GET / and each --http-probe-cmd (default 3;\n"
		"                          0: only those requests)\n"
		"      --http-crawl-pages N    crawled requests per port at most (default 500)\n"
		"      --exec CMD          run CMD inside the running container, traced (repeatable; /bin/sh -c\n"
		"                          when the image has a shell); after the HTTP probe, or with it off\n"
		"                          once the exposed ports (--http-probe-ports) accept connections\n"
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
		"      --disk-limit SIZE   size of the container's writable layer (default 2G; 0: none)\n"
		"      --pids-limit N      most processes in the container (default 4096; 0: none)\n"
		"      --no-fanotify       trace with ptrace alone\n"
		"Output config (the slim image's config; default: the original's):\n"
		"      --new-entrypoint CMD   --new-cmd CMD   (a JSON array, or words separated by blanks)\n"
		"      --new-env KEY=VALUE    --new-label KEY=VALUE   (repeatable)\n"
		"      --new-workdir DIR      --new-user USER[:GROUP]\n"
		"  -h, --help              this help\n");
	cli_image_opts_help(f);
}

enum {
	OPT_TAG = 256, OPT_FORMAT, OPT_COMPRESS, OPT_REPORT, OPT_HTTP, OPT_HTTP_CMD, OPT_HTTP_PORTS, OPT_HTTP_WAIT,
	OPT_CRAWL_DEPTH, OPT_CRAWL_PAGES,
	OPT_EXEC, OPT_CONTINUE, OPT_PROBE_FAIL, OPT_INC_PATH, OPT_INC_BIN, OPT_INC_EXE, OPT_INC_SHELL,
	OPT_INC_ZONE, OPT_INC_LOCALES, OPT_INC_CERTS, OPT_EXCLUDE, OPT_CMD, OPT_NEW_EP, OPT_NEW_CMD, OPT_NEW_ENV,
	OPT_NEW_WD, OPT_NEW_USER, OPT_NEW_LABEL, OPT_VERIFY, OPT_SECCOMP, OPT_PKGDB, OPT_SBOM,
	OPT_SBOM_FORMAT,
};

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "compress", required_argument, NULL, OPT_COMPRESS },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "seccomp-profile", required_argument, NULL, OPT_SECCOMP },
	{ "package-db", optional_argument, NULL, OPT_PKGDB },
	{ "sbom", required_argument, NULL, OPT_SBOM },
	{ "sbom-format", required_argument, NULL, OPT_SBOM_FORMAT },
	{ "http-probe", optional_argument, NULL, OPT_HTTP },
	{ "http-probe-cmd", required_argument, NULL, OPT_HTTP_CMD },
	{ "http-probe-ports", required_argument, NULL, OPT_HTTP_PORTS },
	{ "http-probe-wait", required_argument, NULL, OPT_HTTP_WAIT },
	{ "http-crawl-depth", required_argument, NULL, OPT_CRAWL_DEPTH },
	{ "http-crawl-pages", required_argument, NULL, OPT_CRAWL_PAGES },
	{ "exec", required_argument, NULL, OPT_EXEC },
	{ "continue-after", required_argument, NULL, OPT_CONTINUE },
	{ "probe-failures", required_argument, NULL, OPT_PROBE_FAIL },
	{ "include-path", required_argument, NULL, OPT_INC_PATH },
	{ "include-bin", required_argument, NULL, OPT_INC_BIN },
	{ "include-exe", required_argument, NULL, OPT_INC_EXE },
	{ "include-shell", no_argument, NULL, OPT_INC_SHELL },
	{ "include-zoneinfo", no_argument, NULL, OPT_INC_ZONE },
	{ "include-locales", no_argument, NULL, OPT_INC_LOCALES },
	{ "include-certs", optional_argument, NULL, OPT_INC_CERTS },
	{ "exclude", required_argument, NULL, OPT_EXCLUDE },
	{ "cmd", required_argument, NULL, OPT_CMD },
	CLI_RUN_LONGOPTS,
	CLI_RUN_LONGOPT_NO_FANOTIFY,
	{ "new-entrypoint", required_argument, NULL, OPT_NEW_EP },
	{ "new-cmd", required_argument, NULL, OPT_NEW_CMD },
	{ "new-env", required_argument, NULL, OPT_NEW_ENV },
	{ "new-workdir", required_argument, NULL, OPT_NEW_WD },
	{ "new-user", required_argument, NULL, OPT_NEW_USER },
	{ "new-label", required_argument, NULL, OPT_NEW_LABEL },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};


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

/* A whole number 0..1000000 (crawl bounds). */
static int parse_count(const char *s, int *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > 1000000)
		return -1;
	*out = (int)v;
	return 0;
}

void build_args_init(struct build_args *a)
{
	memset(a, 0, sizeof(*a));
	a->http = -1;
	a->crawl_depth = a->crawl_pages = -1;
	a->format = IMAGE_WRITE_ARCHIVE;
	a->sbom_format = SBOM_DEFAULT_FORMAT;
	cli_run_opts_init(&a->ro);
}

int build_parse_args(int argc, char **argv, struct build_args *a)
{
	int c;
	bool b;
	struct pare_error perr = { 0 };
	optind = 1;
	opterr = 0; /* one message, ours */
	while ((c = getopt_long(argc, argv, ":o:" CLI_RUN_SHORTOPTS "h", longopts, NULL)) != -1) {
		int r = cli_run_opts_parse(&a->ro, "build", c, optarg);
		if (r != 1) {
			if (r != 0)
				return r;
			continue;
		}
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
		case OPT_VERIFY: a->verify = true; break;
		case OPT_SECCOMP: a->seccomp_profile = optarg; break;
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
			if (cli_parse_seconds(optarg, &a->http_wait) < 0)
				return cli_usage_error("build", "invalid --http-probe-wait '%s' (seconds)", optarg);
			break;
		case OPT_CRAWL_DEPTH:
		case OPT_CRAWL_PAGES:
			if (parse_count(optarg, c == OPT_CRAWL_DEPTH ? &a->crawl_depth : &a->crawl_pages) < 0)
				return cli_usage_error("build", "invalid --%s '%s' (a whole number)",
						       c == OPT_CRAWL_DEPTH ? "http-crawl-depth" : "http-crawl-pages", optarg);
			break;
		case OPT_EXEC: strvec_push(&a->execs, optarg); break;
		case OPT_CONTINUE:
			if (!strcmp(optarg, "exit"))
				a->cont = PIPELINE_CONT_EXIT;
			else if (!strcmp(optarg, "probe"))
				a->cont = PIPELINE_CONT_PROBE;
			else if (cli_parse_seconds(optarg, &a->cont_seconds) == 0 && a->cont_seconds > 0)
				a->cont = PIPELINE_CONT_SECONDS;
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
		case OPT_PKGDB:
			if (!on_off(optarg, &b))
				return cli_usage_error("build", "--package-db wants on or off, not '%s'", optarg);
			a->no_pkgdb = !b;
			break;
		case OPT_SBOM: a->sbom = optarg; break;
		case OPT_SBOM_FORMAT:
			if (sbom_format_parse(optarg, &a->sbom_format) < 0)
				return cli_usage_error("build", "--sbom-format wants spdx-json or cyclonedx-json, not '%s'", optarg);
			a->sbom_format_set = true;
			break;
		case OPT_EXCLUDE: strvec_push(&a->excludes, optarg); break;
		case OPT_CMD: strvec_push(&a->cmd_args, optarg); break;
		case OPT_NEW_EP: a->nc.entrypoint = optarg; break;
		case OPT_NEW_CMD: a->nc.cmd = optarg; break;
		case OPT_NEW_ENV: strvec_push(&a->new_env, optarg); break;
		case OPT_NEW_WD: a->nc.workdir = optarg; break;
		case OPT_NEW_USER: a->nc.user = optarg; break;
		case OPT_NEW_LABEL: strvec_push(&a->new_labels, optarg); break;
		case 'h': build_help(stdout); return 0;
		case ':': return cli_usage_error("build", "option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error("build", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("build", "no image given");
	if (optind + 1 < argc)
		return cli_usage_error("build", "one image only; unexpected '%s' (use --cmd for the command's arguments)",
				       argv[optind + 1]);
	a->input = argv[optind];
	if (a->sbom_format_set && !a->sbom)
		return cli_usage_error("build", "--sbom-format needs --sbom FILE");
	if (a->sbom && a->no_pkgdb)
		return cli_usage_error("build", "--sbom lists the rewritten package database: not with --package-db=off");
	int r = cli_run_opts_finish(&a->ro, "build");
	if (r != 0)
		return r;
	a->ro.o.args = a->cmd_args.v;
	a->nc.env = a->new_env.v;
	a->nc.labels = a->new_labels.v;
	a->keep.include_paths = a->inc_paths.v;
	a->keep.include_bins = a->inc_bins.v;
	a->keep.include_exes = a->inc_exes.v;
	a->keep.excludes = a->excludes.v;
	return -1;
}

void build_args_release(struct build_args *a)
{
	struct strvec *v[] = { &a->http_cmds, &a->execs,    &a->cmd_args, &a->inc_paths,  &a->inc_bins,
			       &a->inc_exes,  &a->excludes, &a->new_env,  &a->new_labels };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		strvec_release(v[i]);
	cli_run_opts_release(&a->ro);
}

