/* The lint rules: one row each in lint_rules[]; each check walks the parsed Dockerfile. Patterns are
 * POSIX extended regular expressions over an instruction's text (continuations joined, heredoc bodies
 * appended). Size rules (apt, pip, npm) look only at stages that end up in the final image. */
#include "lint/lint.h"

#include <ctype.h>
#include <stdarg.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/xalloc.h"

struct lint_ctx {
	const struct dockerfile *df;
	const char *file;
	const char *context_dir;
	bool *shipped; /* per stage: its files are in the final image */
	struct lint_findings *out;
};

/* Word edges that treat '-', '.', '/' and '+' as part of a word (package names, paths). */
#define W0 "(^|[^A-Za-z0-9_.+/-])"
#define W1 "([^A-Za-z0-9_.+/-]|$)"

#define RE_BUILD_TOOLS                                                                                    \
	W0 "(build-essential|gcc|g\\+\\+|clang|make|cmake|golang|build-base|cargo|rustc|maven|mvn|gradle|" \
	   "[a-z0-9.+]+-dev|[a-z0-9.+]+-devel|go build|npm run build|yarn build)" W1
#define RE_DEP_INSTALL                                                                              \
	W0 "(npm (ci|install|i)|yarn( install)?|pnpm (i|install)|pip3? install|python3? -m pip install|" \
	   "go mod download|bundle install|composer install|poetry install|pipenv install)" W1
#define RE_APT_INSTALL W0 "(apt-get|apt) +(-[^ ]+ +)*install" W1
#define RE_APT_ANY W0 "(apt-get|apt) +(-[^ ]+ +)*(update|install)" W1
#define RE_APT_LISTS_RM "rm +(-[^ ]+ +)*[^;&|]*/var/lib/apt/lists"
#define RE_PIP_INSTALL W0 "(pip3?|python3? +-m +pip) +(-[^ ]+ +)*install" W1
#define RE_NPM_INSTALL W0 "npm +(install|i|add)" W1
#define RE_SECRET "(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL)"

static bool lint_match(const char *pattern, const char *text)
{
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB | REG_ICASE) != 0)
		abort(); /* the patterns are constants of this file */
	bool m = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

static void add(struct lint_ctx *c, const struct lint_rule *r, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void add(struct lint_ctx *c, const struct lint_rule *r, const char *file, int line, const char *fmt, ...)
{
	struct lint_findings *o = c->out;
	o->v = xgrow(o->v, &o->cap, o->n + 1, sizeof(*o->v));
	struct lint_finding *f = &o->v[o->n++];
	f->rule = r;
	f->file = xstrdup(file);
	f->line = line;
	f->detail = NULL;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		if (vasprintf(&f->detail, fmt, ap) < 0)
			abort();
		va_end(ap);
	}
}

/* An instruction's text as a shell would see it: the shell form, a JSON form joined by spaces, and the
 * heredoc bodies after a newline. */
static char *instr_text(const struct df_instr *in)
{
	char *s;
	if (in->json) {
		size_t n = 1;
		for (char **p = in->argv; *p; p++)
			n += strlen(*p) + 1;
		s = xcalloc(1, n);
		for (char **p = in->argv; *p; p++) {
			if (p != in->argv)
				strncat(s, " ", n - strlen(s) - 1);
			strncat(s, *p, n - strlen(s) - 1);
		}
	} else {
		s = xstrdup(df_instr_operands(in));
	}
	if (in->heredoc) {
		char *t = xasprintf("%s\n%s", s, in->heredoc);
		free(s);
		s = t;
	}
	return s;
}

/* A short quote of an instruction for a finding's detail. */
static char *instr_quote(const struct df_instr *in)
{
	const char *a = in->args;
	size_t l = strcspn(a, "\n");
	return l > 60 ? xasprintf("%s %.57s...", in->cmd, a) : xasprintf("%s %.*s", in->cmd, (int)l, a);
}

static bool is_cmd(const struct df_instr *in, const char *cmd)
{
	return !strcmp(in->cmd, cmd);
}

static bool shipped(const struct lint_ctx *c, const struct df_instr *in)
{
	return in->stage >= 0 && c->shipped[in->stage];
}

static void check_run_pattern(struct lint_ctx *c, const struct lint_rule *r, const char *has, const char *lacks,
			      const char *lacks_re)
{
	for (size_t i = 0; i < c->df->n; i++) {
		const struct df_instr *in = &c->df->v[i];
		if (!is_cmd(in, "RUN") || !shipped(c, in))
			continue;
		cleanup_free char *t = instr_text(in);
		if (!lint_match(has, t))
			continue;
		if (lacks && strstr(t, lacks))
			continue;
		if (lacks_re && (lint_match(lacks_re, t) || lint_match(lacks_re, in->args)))
			continue; /* in->args: the flags (RUN --mount=...) too */
		cleanup_free char *q = instr_quote(in);
		add(c, r, c->file, in->line, "%s", q);
	}
}

static void check_single_stage_tools(struct lint_ctx *c, const struct lint_rule *r)
{
	if (c->df->nstages != 1)
		return;
	for (size_t i = 0; i < c->df->n; i++) {
		const struct df_instr *in = &c->df->v[i];
		if (!is_cmd(in, "RUN"))
			continue;
		cleanup_free char *t = instr_text(in);
		if (lint_match(RE_BUILD_TOOLS, t)) {
			cleanup_free char *q = instr_quote(in);
			add(c, r, c->file, in->line, "%s", q);
			return; /* once: the fix is one restructuring */
		}
	}
}

static void check_from_tag(struct lint_ctx *c, const struct lint_rule *r)
{
	for (size_t i = 0; i < c->df->nstages; i++) {
		const struct df_stage *st = &c->df->stages[i];
		const char *b = st->base;
		if (st->parent >= 0 || !strcmp(b, "scratch") || strchr(b, '$') || strchr(b, '@'))
			continue;
		const char *slash = strrchr(b, '/');
		const char *colon = strchr(slash ? slash : b, ':');
		if (!colon)
			add(c, r, c->file, st->line, "FROM %s has no tag", b);
		else if (!strcmp(colon + 1, "latest"))
			add(c, r, c->file, st->line, "FROM %s", b);
	}
}

/* Does this COPY/ADD take the whole build context ("." or "./" among its sources)? */
static bool copies_context(const struct df_instr *in)
{
	if (!is_cmd(in, "COPY") && !is_cmd(in, "ADD"))
		return false;
	cleanup_free char *from = df_instr_flag(in, "--from");
	if (from)
		return false;
	if (in->json) {
		size_t n = 0;
		while (in->argv[n])
			n++;
		for (size_t k = 0; k + 1 < n; k++)
			if (!strcmp(in->argv[k], ".") || !strcmp(in->argv[k], "./"))
				return true;
		return false;
	}
	const char *p = df_instr_operands(in);
	const char *last = p + strlen(p);
	while (last > p && last[-1] != ' ' && last[-1] != '\t')
		last--;
	for (; p < last;) {
		size_t l = strcspn(p, " \t");
		if ((l == 1 && p[0] == '.') || (l == 2 && !strncmp(p, "./", 2)))
			return true;
		p += l;
		p += strspn(p, " \t");
	}
	return false;
}

static void check_copy_before_install(struct lint_ctx *c, const struct lint_rule *r)
{
	for (size_t i = 0; i < c->df->n; i++) {
		const struct df_instr *in = &c->df->v[i];
		if (!copies_context(in))
			continue;
		for (size_t k = i + 1; k < c->df->n && c->df->v[k].stage == in->stage; k++) {
			const struct df_instr *run = &c->df->v[k];
			if (!is_cmd(run, "RUN"))
				continue;
			cleanup_free char *t = instr_text(run);
			if (lint_match(RE_DEP_INSTALL, t)) {
				add(c, r, c->file, in->line, "%s %s, then line %d installs dependencies", in->cmd,
				    df_instr_operands(in), run->line);
				break;
			}
		}
	}
}

static void check_apt_recommends(struct lint_ctx *c, const struct lint_rule *r)
{
	check_run_pattern(c, r, RE_APT_INSTALL, "--no-install-recommends", "Install-Recommends=(false|0)");
}

static void check_apt_lists(struct lint_ctx *c, const struct lint_rule *r)
{
	check_run_pattern(c, r, RE_APT_ANY, NULL, RE_APT_LISTS_RM "|--mount=[^ ]*target=/var/lib/apt");
}

/* pip's cache off for the stage: ENV PIP_NO_CACHE_DIR before the RUN. */
static bool pip_cache_off(const struct lint_ctx *c, size_t upto)
{
	int stage = c->df->v[upto].stage;
	for (size_t i = 0; i < upto; i++) {
		const struct df_instr *in = &c->df->v[i];
		if (is_cmd(in, "ENV") && (in->stage == stage || in->stage == -1) && strstr(in->args, "PIP_NO_CACHE_DIR"))
			return true;
	}
	return false;
}

static void check_pip_cache(struct lint_ctx *c, const struct lint_rule *r)
{
	for (size_t i = 0; i < c->df->n; i++) {
		const struct df_instr *in = &c->df->v[i];
		if (!is_cmd(in, "RUN") || !shipped(c, in))
			continue;
		cleanup_free char *t = instr_text(in);
		if (!lint_match(RE_PIP_INSTALL, t) || strstr(t, "--no-cache-dir") || pip_cache_off(c, i) ||
		    lint_match("--mount=[^ ]*target=[^ ]*\\.cache", in->args))
			continue;
		cleanup_free char *q = instr_quote(in);
		add(c, r, c->file, in->line, "%s", q);
	}
}

/* Blank out each match of pattern in s (npm install -g: a global tool, not the app's dependencies). */
static void blank_matches(char *s, const char *pattern)
{
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_ICASE) != 0)
		abort();
	regmatch_t m;
	for (char *p = s; *p && regexec(&re, p, 1, &m, 0) == 0 && m.rm_eo > m.rm_so; p += m.rm_eo)
		memset(p + m.rm_so, ' ', (size_t)(m.rm_eo - m.rm_so));
	regfree(&re);
}

static void check_npm_install(struct lint_ctx *c, const struct lint_rule *r)
{
	for (size_t i = 0; i < c->df->n; i++) {
		const struct df_instr *in = &c->df->v[i];
		if (!is_cmd(in, "RUN") || !shipped(c, in))
			continue;
		cleanup_free char *t = instr_text(in);
		blank_matches(t, "npm +(install|i|add) +(-g|--global)" W1);
		if (!lint_match(RE_NPM_INSTALL, t))
			continue;
		cleanup_free char *q = instr_quote(in);
		add(c, r, c->file, in->line, "%s", q);
	}
}

static void check_user(struct lint_ctx *c, const struct lint_rule *r)
{
	const struct dockerfile *df = c->df;
	/* The final stage and the stages it is built on, last first. */
	for (int s = (int)df->nstages - 1; s >= 0; s = df->stages[s].parent) {
		for (size_t i = df->n; i-- > 0;) {
			const struct df_instr *in = &df->v[i];
			if (in->stage != s || !is_cmd(in, "USER"))
				continue;
			const char *u = df_instr_operands(in);
			size_t l = strcspn(u, ":");
			if ((l == 4 && !strncmp(u, "root", 4)) || (l == 1 && u[0] == '0'))
				add(c, r, c->file, in->line, "USER %s", u);
			return;
		}
		if (df->stages[s].parent < 0) {
			const char *b = df->stages[s].base;
			if (strstr(b, "nonroot") || strstr(b, "rootless"))
				return; /* the base image sets a non-root user */
			add(c, r, c->file, df->stages[df->nstages - 1].line, "final stage FROM %s",
			    df->stages[df->nstages - 1].base);
			return;
		}
	}
}

static bool is_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8) || !strncmp(s, "git@", 4);
}

static bool is_tar_name(const char *s, size_t l)
{
	static const char *const ext[] = { ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz",
					   ".tar.zst", NULL };
	for (const char *const *e = ext; *e; e++) {
		size_t el = strlen(*e);
		if (l > el && !strncasecmp(s + l - el, *e, el))
			return true;
	}
	return false;
}

/* Each source of an ADD: fn(ctx, rule, in, src, len). */
static void each_add_source(struct lint_ctx *c, const struct lint_rule *r,
			    void (*fn)(struct lint_ctx *, const struct lint_rule *, const struct df_instr *,
				       const char *, size_t))
{
	for (size_t i = 0; i < c->df->n; i++) {
		const struct df_instr *in = &c->df->v[i];
		if (!is_cmd(in, "ADD"))
			continue;
		if (in->json) {
			size_t n = 0;
			while (in->argv[n])
				n++;
			for (size_t k = 0; k + 1 < n; k++)
				fn(c, r, in, in->argv[k], strlen(in->argv[k]));
			continue;
		}
		const char *p = df_instr_operands(in);
		const char *last = p + strlen(p);
		while (last > p && last[-1] != ' ' && last[-1] != '\t')
			last--;
		while (p < last) {
			size_t l = strcspn(p, " \t");
			fn(c, r, in, p, l);
			p += l;
			p += strspn(p, " \t");
		}
	}
}

static void add_url_one(struct lint_ctx *c, const struct lint_rule *r, const struct df_instr *in, const char *s,
			size_t l)
{
	cleanup_free char *sum = df_instr_flag(in, "--checksum");
	if (is_url(s) && !sum)
		add(c, r, c->file, in->line, "ADD %.*s", (int)(l > 80 ? 80 : l), s);
}

static void add_local_one(struct lint_ctx *c, const struct lint_rule *r, const struct df_instr *in, const char *s,
			  size_t l)
{
	if (!is_url(s) && !is_tar_name(s, l) && strncmp(s, "<<", 2))
		add(c, r, c->file, in->line, "ADD %.*s", (int)(l > 80 ? 80 : l), s);
}

static void check_add_url(struct lint_ctx *c, const struct lint_rule *r)
{
	each_add_source(c, r, add_url_one);
}

static void check_add_local(struct lint_ctx *c, const struct lint_rule *r)
{
	each_add_source(c, r, add_local_one);
}

/* ENV K=V K2=V2, ENV K V, ARG K[=V]: each key whose name says secret. */
static void check_secrets(struct lint_ctx *c, const struct lint_rule *r)
{
	for (size_t i = 0; i < c->df->n; i++) {
		const struct df_instr *in = &c->df->v[i];
		if (!is_cmd(in, "ENV") && !is_cmd(in, "ARG"))
			continue;
		bool pairs = is_cmd(in, "ARG") || strchr(in->args, '=');
		for (const char *p = in->args; *p;) {
			size_t l = strcspn(p, " \t");
			size_t kl = strcspn(p, "= \t");
			cleanup_free char *key = xstrndup(p, kl);
			bool names_file = lint_match("_(FILE|PATH|DIR)$", key);
			if (lint_match(RE_SECRET, key) && !names_file) {
				add(c, r, c->file, in->line, "%s %s", in->cmd, key);
				break;
			}
			if (!pairs)
				break; /* ENV K V: one key, the rest is the value */
			/* skip a quoted value with spaces */
			const char *eq = memchr(p, '=', l);
			if (eq && (eq[1] == '"' || eq[1] == '\'')) {
				const char *end = strchr(eq + 2, eq[1]);
				p = end ? end + 1 : p + strlen(p);
				l = 0;
			}
			p += l;
			p += strspn(p, " \t");
		}
	}
}

static bool uses_context(const struct dockerfile *df)
{
	for (size_t i = 0; i < df->n; i++) {
		const struct df_instr *in = &df->v[i];
		if (!is_cmd(in, "COPY") && !is_cmd(in, "ADD"))
			continue;
		cleanup_free char *from = df_instr_flag(in, "--from");
		if (!from && !in->heredoc)
			return true;
	}
	return false;
}

/* A .dockerignore line ignores NAME: "NAME", "/NAME", "**" "/NAME", "NAME/", "NAME*"-like globs. */
static bool ignores(char **lines, const char *const *names)
{
	for (char **l = lines; *l; l++) {
		char *s = *l;
		if (*s == '!')
			continue;
		if (!strcmp(s, "*") || !strcmp(s, "**"))
			return true;
		if (!strncmp(s, "**/", 3))
			s += 3;
		while (*s == '/')
			s++;
		if (!strncmp(s, "./", 2))
			s += 2;
		size_t n = strlen(s);
		while (n && s[n - 1] == '/')
			n--;
		if (n >= 3 && !strncmp(s + n - 3, "/**", 3))
			n -= 3;
		for (const char *const *nm = names; *nm; nm++) {
			size_t nl = strlen(*nm);
			if (n == nl && !strncmp(s, *nm, nl))
				return true;
			if (n == nl + 1 && !strncmp(s, *nm, nl) && s[nl] == '*')
				return true;
		}
	}
	return false;
}

static char **read_lines(FILE *f)
{
	char **v = xcalloc(1, sizeof(*v));
	size_t n = 0, cap = 1;
	cleanup_free char *line = NULL;
	size_t lcap = 0;
	ssize_t got;
	while ((got = getline(&line, &lcap, f)) >= 0 && n < 100000) {
		while (got > 0 && isspace((unsigned char)line[got - 1]))
			line[--got] = 0;
		char *s = line + strspn(line, " \t");
		if (!*s || *s == '#')
			continue;
		v = xgrow(v, &cap, n + 2, sizeof(*v));
		v[n++] = xstrdup(s);
		v[n] = NULL;
	}
	return v;
}

static void check_dockerignore(struct lint_ctx *c, const struct lint_rule *r)
{
	if (!c->context_dir || !uses_context(c->df))
		return;
	/* BuildKit also reads <Dockerfile>.dockerignore beside the Dockerfile; we look in the context. */
	cleanup_free char *path = xasprintf("%s/.dockerignore", c->context_dir);
	cleanup_file FILE *f = fopen(path, "re");
	if (!f) {
		add(c, r, c->file, 1, "no %s: the whole context (.git, node_modules, .env) is sent and COPY . takes it",
		    path);
		return;
	}
	cleanup_strv char **lines = read_lines(f);
	static const char *const git[] = { ".git", NULL }, *const nm[] = { "node_modules", NULL },
				 *const env[] = { ".env", NULL }, *const venv[] = { ".venv", "venv", NULL };
	static const char *const *const want[] = { git, nm, env, venv, NULL };
	char missing[128] = "";
	for (const char *const *const *w = want; *w; w++)
		if (!ignores(lines, *w)) {
			size_t m = strlen(missing);
			snprintf(missing + m, sizeof(missing) - m, "%s%s", m ? ", " : "", (*w)[0]);
		}
	if (missing[0])
		add(c, r, path, 1, ".dockerignore does not exclude %s", missing);
}

const struct lint_rule lint_rules[] = {
	{ "single-stage-build-tools", LINT_WARNING,
	  "build tools are installed in the only stage, so they ship in the image",
	  "use a multi-stage build: build in a stage 'AS builder', COPY --from=builder only the result into a slim base",
	  check_single_stage_tools },
	{ "from-untagged", LINT_WARNING, "the base image has no tag or 'latest', so builds are not reproducible",
	  "pin a version tag of a slim variant (debian:12-slim, python:3.12-slim) or a digest", check_from_tag },
	{ "copy-before-install", LINT_WARNING,
	  "the whole context is copied before the dependency install, so any source change re-runs the install",
	  "COPY the dependency manifests (package*.json, requirements.txt, go.mod) first, install, then COPY . .",
	  check_copy_before_install },
	{ "apt-no-recommends", LINT_WARNING, "apt-get install without --no-install-recommends pulls in recommended packages",
	  "apt-get install -y --no-install-recommends PACKAGES", check_apt_recommends },
	{ "apt-lists", LINT_WARNING, "apt's package lists stay in the layer (/var/lib/apt/lists, tens of MB)",
	  "end the same RUN with: && apt-get clean && rm -rf /var/lib/apt/lists/*", check_apt_lists },
	{ "pip-cache", LINT_WARNING, "pip install keeps its download cache in the layer",
	  "pip install --no-cache-dir (or ENV PIP_NO_CACHE_DIR=1)", check_pip_cache },
	{ "npm-install", LINT_WARNING,
	  "npm install resolves versions afresh and installs dev dependencies into the image",
	  "npm ci --omit=dev (with a package-lock.json)", check_npm_install },
	{ "root-user", LINT_WARNING, "the container runs as root",
	  "create a user (adduser --system app) and switch to it with USER app before CMD", check_user },
	{ "add-url", LINT_WARNING, "ADD of a URL fetches an unverified file into its own layer",
	  "RUN curl -fsSLo FILE URL && echo 'SHA256  FILE' | sha256sum -c - (same RUN as its use), or ADD --checksum=sha256:...",
	  check_add_url },
	{ "add-local", LINT_INFO, "ADD of a local file that is not an archive: ADD's extra behaviour is not wanted",
	  "use COPY for local files", check_add_local },
	{ "secret-in-env", LINT_ERROR, "a secret in ENV or ARG is stored in the image's config or history",
	  "pass it at build time with RUN --mount=type=secret,id=NAME, or at run time from the environment",
	  check_secrets },
	{ "dockerignore", LINT_WARNING,
	  "without a .dockerignore excluding .git, node_modules, .env and virtualenvs, COPY . copies them into the image",
	  "write .dockerignore beside the build context: .git, node_modules, .env, .venv, venv, __pycache__",
	  check_dockerignore },
	{ NULL, 0, NULL, NULL, NULL },
};

const struct lint_rule *lint_rule_find(const char *id)
{
	for (const struct lint_rule *r = lint_rules; r->id; r++)
		if (!strcmp(r->id, id))
			return r;
	return NULL;
}

const char *lint_severity_name(enum lint_severity s)
{
	return severity_name((enum severity)s);
}

int lint_severity_parse(const char *s)
{
	return severity_parse(s);
}

static int cmp_finding(const void *a, const void *b)
{
	const struct lint_finding *x = a, *y = b;
	int fc = strcmp(x->file, y->file);
	if (fc)
		return fc;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

int lint_run(const struct dockerfile *df, const char *file, const char *context_dir, const bool *enabled,
	     struct lint_findings *out, struct pare_error *err)
{
	(void)err;
	memset(out, 0, sizeof(*out));
	cleanup_free bool *ship = xcalloc(df->nstages + 1, sizeof(*ship));
	for (int s = (int)df->nstages - 1; s >= 0 && !ship[s]; s = df->stages[s].parent)
		ship[s] = true;
	struct lint_ctx c = { df, file, context_dir, ship, out };
	for (size_t i = 0; lint_rules[i].id; i++)
		if (!enabled || enabled[i])
			lint_rules[i].check(&c, &lint_rules[i]);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_finding);
	return 0;
}

void lint_findings_release(struct lint_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].file);
		free(f->v[i].detail);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}
