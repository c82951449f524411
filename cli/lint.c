/* pare lint: check a Dockerfile against the rules in lint/rules.c (doc/LINT.md). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/error.h"
#include "lib/xalloc.h"
#include "lint/lint.h"

static void lint_help(FILE *f)
{
	fprintf(f, "Usage: pare lint [OPTIONS] [DOCKERFILE]\n\n"
		   "Check a Dockerfile (default ./Dockerfile, - for standard input) for what makes images large,\n"
		   "slow to rebuild or unsafe. Exit 0 when no finding reaches --fail-on, 1 when one does, 2 on usage.\n\n"
		   "  --json               print the findings as JSON (doc/LINT.md)\n"
		   "  --fail-on SEVERITY   error, warning, info (default) or none\n"
		   "  --enable IDS         run only these rules (comma-separated ids)\n"
		   "  --disable IDS        do not run these rules\n"
		   "  --context DIR        the build context, where .dockerignore is (default: the Dockerfile's directory)\n"
		   "  --list-rules         print the rules and exit\n"
		   "  -h, --help           show this help\n");
}

/* Set enabled[] for each id in a comma-separated list; -1 on an unknown id. */
static int set_rules(bool *enabled, const char *ids, bool value)
{
	cleanup_free char *copy = xstrdup(ids);
	char *save = NULL;
	for (char *id = strtok_r(copy, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
		const struct lint_rule *r = lint_rule_find(id);
		if (!r)
			return cli_usage_error("lint", "unknown rule '%s' (see pare lint --list-rules)", id);
		enabled[r - lint_rules] = value;
	}
	return 0;
}

static void print_text(const struct lint_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct lint_finding *x = &f->v[i];
		printf("%s:%d: %s %s: %s%s%s%s\n    fix: %s\n", x->file, x->line, lint_severity_name(x->rule->severity),
		       x->rule->id, x->rule->reason, x->detail ? " (" : "", x->detail ? x->detail : "",
		       x->detail ? ")" : "", x->rule->fix);
	}
}

int cmd_lint(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },	     { "fail-on", required_argument, NULL, 'f' },
		{ "enable", required_argument, NULL, 'e' },  { "disable", required_argument, NULL, 'd' },
		{ "context", required_argument, NULL, 'c' }, { "list-rules", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },	     { NULL, 0, NULL, 0 },
	};
	size_t nrules = 0;
	while (lint_rules[nrules].id)
		nrules++;
	cleanup_free bool *enabled = xcalloc(nrules, sizeof(*enabled));
	cleanup_free bool *only = xcalloc(nrules, sizeof(*only));
	bool json = false, have_only = false;
	int fail_on = LINT_INFO; /* none: SEVERITY_NONE */
	const char *context = NULL;
	cleanup_free char *disable = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'f':
			fail_on = severity_parse_fail_on(optarg);
			if (fail_on < 0)
				return cli_usage_error("lint", "--fail-on takes error, warning, info or none, not '%s'",
						       optarg);
			break;
		case 'e':
			if (set_rules(only, optarg, true) != 0)
				return EXIT_USAGE;
			have_only = true;
			break;
		case 'd':
			free(disable);
			disable = xstrdup(optarg);
			break;
		case 'c':
			context = optarg;
			break;
		case 'l':
			for (const struct lint_rule *r = lint_rules; r->id; r++)
				printf("%-26s %-8s %s\n", r->id, lint_severity_name(r->severity), r->reason);
			return 0;
		case 'h':
			lint_help(stdout);
			return 0;
		default:
			return cli_usage_error("lint", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("lint", "one Dockerfile at a time");
	for (size_t i = 0; i < nrules; i++)
		enabled[i] = have_only ? only[i] : true;
	if (disable && set_rules(enabled, disable, false) != 0)
		return EXIT_USAGE;
	const char *file = optind < argc ? argv[optind] : "Dockerfile";
	cleanup_free char *dir = NULL;
	if (!context && strcmp(file, "-")) {
		const char *slash = strrchr(file, '/');
		dir = slash ? xstrndup(file, (size_t)(slash - file) + (slash == file)) : xstrdup(".");
		context = dir;
	}
	struct pare_error err = { 0 };
	struct dockerfile df;
	if (dockerfile_load(file, &df, &err) < 0) {
		pare_error_print(&err);
		return 1;
	}
	struct lint_findings f;
	int r = lint_run(&df, strcmp(file, "-") ? file : "<stdin>", context, enabled, &f, &err);
	dockerfile_release(&df);
	if (r < 0) {
		pare_error_print(&err);
		return 1;
	}
	int status = 0;
	for (size_t i = 0; i < f.n; i++)
		if ((int)f.v[i].rule->severity >= fail_on)
			status = 1;
	if (json) {
		json_t *j = lint_findings_json(file, &f);
		if (json_dumpf(j, stdout, JSON_INDENT(1)) < 0 || putchar('\n') == EOF)
			status = 1;
		json_decref(j);
	} else {
		print_text(&f);
	}
	lint_findings_release(&f);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "pare: writing the findings failed\n");
		return 1;
	}
	return status;
}
