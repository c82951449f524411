/* Dockerfile parser (see dockerfile.h). BuildKit's rules: parser directives only at the very top;
 * comment lines are dropped, also between continued lines; a line ending in the escape character goes
 * on with the next; heredoc bodies follow the instruction that names them. */
#include "lint/dockerfile.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

static const char *const known_cmds[] = {
	"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
	"MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR", NULL,
};

struct cursor {
	const char *buf;
	size_t len, pos;
	int line; /* of the next physical line */
};

/* The next physical line (without \n and a trailing \r); false at the end. */
static bool next_line(struct cursor *c, const char **s, size_t *n)
{
	if (c->pos >= c->len)
		return false;
	const char *p = c->buf + c->pos;
	const char *nl = memchr(p, '\n', c->len - c->pos);
	size_t l = nl ? (size_t)(nl - p) : c->len - c->pos;
	c->pos += l + (nl ? 1 : 0);
	c->line++;
	if (l && p[l - 1] == '\r')
		l--;
	*s = p;
	*n = l;
	return true;
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

static bool is_comment_or_blank(const char *s, size_t n)
{
	size_t i = skip_ws(s, n, 0);
	return i == n || s[i] == '#';
}

/* "# escape=`" at the top of the file; false once a line is not a directive. */
static int read_directive(const char *s, size_t n, struct dockerfile *df, int line, bool *is, struct pare_error *err)
{
	*is = false;
	size_t i = skip_ws(s, n, 0);
	if (i >= n || s[i] != '#')
		return 0;
	i = skip_ws(s, n, i + 1);
	size_t k = i;
	while (k < n && (isalnum((unsigned char)s[k]) || s[k] == '_'))
		k++;
	size_t e = skip_ws(s, n, k);
	if (k == i || e >= n || s[e] != '=')
		return 0;
	size_t v = skip_ws(s, n, e + 1), ve = n;
	while (ve > v && (s[ve - 1] == ' ' || s[ve - 1] == '\t'))
		ve--;
	*is = true;
	if (k - i == 6 && !strncasecmp(s + i, "escape", 6)) {
		if (ve - v != 1 || (s[v] != '\\' && s[v] != '`'))
			return pare_error_set(err, 0, "line %d: invalid escape directive '%.*s' (want \\ or `)", line,
					      (int)(ve - v > 40 ? 40 : ve - v), s + v);
		df->escape = s[v];
	}
	return 0;
}

/* Heredoc delimiters named in args (<<EOF, <<-EOF, <<"EOF", <<'EOF'), in order. */
struct heredoc_ref {
	char word[64];
	bool strip_tabs;
};

static size_t find_heredocs(const char *a, struct heredoc_ref *out, size_t max)
{
	size_t n = 0;
	for (const char *p = a; (p = strstr(p, "<<")) && n < max;) {
		p += 2;
		if (*p == '<') { /* <<< here-string */
			while (*p == '<')
				p++;
			continue;
		}
		bool strip = false;
		if (*p == '-') {
			strip = true;
			p++;
		}
		char q = 0;
		if (*p == '"' || *p == '\'')
			q = *p++;
		size_t l = 0;
		while ((isalnum((unsigned char)p[l]) || p[l] == '_') && l < sizeof(out->word) - 1)
			l++;
		if (!l || (q && p[l] != q))
			continue;
		memcpy(out[n].word, p, l);
		out[n].word[l] = 0;
		out[n].strip_tabs = strip;
		n++;
		p += l;
	}
	return n;
}

static int read_heredocs(struct cursor *c, struct df_instr *in, struct pare_error *err)
{
	struct heredoc_ref refs[8];
	size_t n = find_heredocs(in->args, refs, 8);
	struct strbuf body = { 0 };
	for (size_t k = 0; k < n; k++) {
		const char *s;
		size_t l;
		bool done = false;
		while (next_line(c, &s, &l)) {
			size_t i = 0;
			if (refs[k].strip_tabs)
				while (i < l && s[i] == '\t')
					i++;
			if (l - i == strlen(refs[k].word) && !memcmp(s + i, refs[k].word, l - i)) {
				done = true;
				break;
			}
			if (body.len + l > DF_MAX_FILE) {
				free(body.s);
				return pare_error_set(err, 0, "line %d: heredoc too large", in->line);
			}
			strbuf_add(&body, s + i, l - i);
			strbuf_add(&body, "\n", 1);
		}
		if (!done) {
			free(body.s);
			return pare_error_set(err, 0, "line %d: heredoc '%s' is not terminated", in->line, refs[k].word);
		}
	}
	in->heredoc = n ? (body.s ? body.s : xstrdup("")) : NULL;
	return 0;
}

static void parse_json_form(struct df_instr *in)
{
	const char *a = in->args;
	if (*a != '[')
		return;
	json_t *j = json_loads(a, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_array(j)) {
		json_decref(j);
		return; /* not JSON: BuildKit takes it as the shell form */
	}
	size_t n = json_array_size(j);
	char **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(j, i));
		if (!s) {
			for (size_t k = 0; k < i; k++)
				free(v[k]);
			free(v);
			json_decref(j);
			return;
		}
		v[i] = xstrdup(s);
	}
	json_decref(j);
	in->json = true;
	in->argv = v;
}

const char *df_instr_operands(const struct df_instr *in)
{
	const char *p = in->args;
	while (p[0] == '-' && p[1] == '-') {
		while (*p && *p != ' ' && *p != '\t')
			p++;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	return p;
}

char *df_instr_flag(const struct df_instr *in, const char *name)
{
	size_t nl = strlen(name);
	const char *end = df_instr_operands(in);
	for (const char *p = in->args; p < end;) {
		size_t l = strcspn(p, " \t");
		if (l > nl && !strncmp(p, name, nl) && p[nl] == '=')
			return xstrndup(p + nl + 1, l - nl - 1);
		if (l == nl && !strncmp(p, name, nl))
			return xstrdup("");
		p += l;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	return NULL;
}

/* $VAR, ${VAR}, ${VAR:-default} with the values of the ARGs before the first FROM; a variable with
 * neither value nor default is left as written. */
static char *expand_args(const struct dockerfile *df, const char *s)
{
	struct strbuf b = { 0 };
	strbuf_add(&b, "", 0);
	for (const char *p = s; *p;) {
		if (*p != '$') {
			strbuf_add(&b, p++, 1);
			continue;
		}
		const char *q = p + 1, *name, *def = NULL;
		size_t nl, dl = 0;
		if (*q == '{') {
			name = ++q;
			while (*q && *q != '}' && *q != ':')
				q++;
			nl = (size_t)(q - name);
			if (*q == ':') {
				q++;
				if (*q == '-')
					q++;
				def = q;
				while (*q && *q != '}')
					q++;
				dl = (size_t)(q - def);
			}
			if (*q == '}')
				q++;
		} else {
			name = q;
			while (isalnum((unsigned char)*q) || *q == '_')
				q++;
			nl = (size_t)(q - name);
		}
		const char *val = NULL;
		for (size_t i = 0; i < df->n && df->v[i].stage < 0; i++) {
			const char *a = df->v[i].args;
			if (strcmp(df->v[i].cmd, "ARG") || strncmp(a, name, nl) || a[nl] != '=')
				continue;
			val = a + nl + 1;
		}
		if (val) {
			size_t vl = strcspn(val, " \t");
			if (vl >= 2 && (val[0] == '"' || val[0] == '\'') && val[vl - 1] == val[0])
				strbuf_add(&b, val + 1, vl - 2);
			else
				strbuf_add(&b, val, vl);
		} else if (def) {
			strbuf_add(&b, def, dl);
		} else {
			/* No value before the build: --build-arg supplies it, so it stays "$NAME" (unresolved). */
			strbuf_add(&b, p, (size_t)(q - p));
		}
		p = q;
	}
	return b.s;
}

static int add_stage(struct dockerfile *df, struct df_instr *in, struct pare_error *err)
{
	const char *ops = df_instr_operands(in);
	size_t bl = strcspn(ops, " \t");
	if (!bl)
		return pare_error_set(err, 0, "line %d: FROM without an image", in->line);
	cleanup_free char *raw = xstrndup(ops, bl);
	const char *rest = ops + bl;
	rest += strspn(rest, " \t");
	char *name = NULL;
	if (*rest) {
		if (strncasecmp(rest, "as", 2) || (rest[2] != ' ' && rest[2] != '\t'))
			return pare_error_set(err, 0, "line %d: FROM takes 'IMAGE [AS NAME]'", in->line);
		rest += 2;
		rest += strspn(rest, " \t");
		size_t nl = strcspn(rest, " \t");
		if (!nl || rest[nl + strspn(rest + nl, " \t")])
			return pare_error_set(err, 0, "line %d: FROM takes 'IMAGE [AS NAME]'", in->line);
		name = xstrndup(rest, nl);
		for (char *p = name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	df->stages = xgrow(df->stages, &df->stages_cap, df->nstages + 1, sizeof(*df->stages));
	struct df_stage *st = &df->stages[df->nstages];
	st->line = in->line;
	st->base = expand_args(df, raw);
	st->name = name;
	st->parent = -1;
	for (size_t i = 0; i < df->nstages; i++)
		if (df->stages[i].name && !strcasecmp(df->stages[i].name, st->base))
			st->parent = (int)i;
	in->stage = (int)df->nstages++;
	return 0;
}

static int add_instr(struct dockerfile *df, struct cursor *c, int line, const char *s, size_t n,
		     struct pare_error *err)
{
	size_t i = skip_ws(s, n, 0), k = i;
	while (k < n && isalpha((unsigned char)s[k]))
		k++;
	if (k == i || (k < n && s[k] != ' ' && s[k] != '\t'))
		return pare_error_set(err, 0, "line %d: not an instruction: '%.*s'", line,
				      (int)(n - i > 40 ? 40 : n - i), s + i);
	char cmd[16];
	size_t cl = k - i;
	bool known = false;
	if (cl < sizeof(cmd)) {
		for (size_t x = 0; x < cl; x++)
			cmd[x] = (char)toupper((unsigned char)s[i + x]);
		cmd[cl] = 0;
		for (const char *const *kc = known_cmds; *kc; kc++)
			known = known || !strcmp(*kc, cmd);
	}
	if (!known)
		return pare_error_set(err, 0, "line %d: unknown instruction '%.*s'", line, (int)(cl > 40 ? 40 : cl),
				      s + i);
	size_t a = skip_ws(s, n, k), ae = n;
	while (ae > a && (s[ae - 1] == ' ' || s[ae - 1] == '\t'))
		ae--;
	bool before_from = df->nstages == 0;
	if (before_from && strcmp(cmd, "ARG") && strcmp(cmd, "FROM"))
		return pare_error_set(err, 0, "line %d: %s before the first FROM", line, cmd);
	df->v = xgrow(df->v, &df->cap, df->n + 1, sizeof(*df->v));
	struct df_instr *in = &df->v[df->n++];
	memset(in, 0, sizeof(*in));
	in->line = line;
	in->cmd = xstrdup(cmd);
	in->args = xstrndup(s + a, ae - a);
	in->stage = before_from ? -1 : (int)df->nstages - 1;
	if (!strcmp(cmd, "FROM"))
		return add_stage(df, in, err);
	if (!strcmp(cmd, "RUN") || !strcmp(cmd, "COPY") || !strcmp(cmd, "ADD"))
		if (read_heredocs(c, in, err) < 0)
			return -1;
	parse_json_form(in);
	return 0;
}

int dockerfile_parse(const char *buf, size_t len, struct dockerfile *df, struct pare_error *err)
{
	memset(df, 0, sizeof(*df));
	df->escape = '\\';
	if (len > DF_MAX_FILE)
		return pare_error_set(err, 0, "file larger than %u MiB", DF_MAX_FILE >> 20);
	const char *nul = memchr(buf, 0, len);
	if (nul)
		return pare_error_set(err, 0, "binary file (NUL byte at offset %zu), not a Dockerfile",
				      (size_t)(nul - buf));
	struct cursor c = { buf, len, 0, 0 };
	const char *s;
	size_t n;
	bool directives = true;
	struct strbuf logical = { 0 };
	int start = 0;
	bool open = false; /* inside a continued instruction */
	while (next_line(&c, &s, &n)) {
		if (directives) {
			bool is;
			if (read_directive(s, n, df, c.line, &is, err) < 0)
				return -1;
			if (is)
				continue;
			directives = false;
		}
		if (is_comment_or_blank(s, n))
			continue; /* also inside a continued instruction, as BuildKit does */
		size_t e = n;
		while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t'))
			e--;
		bool cont = e > 0 && s[e - 1] == df->escape;
		if (cont)
			while (--e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t'))
				;
		if (logical.len + e + 1 > DF_MAX_LINE) {
			free(logical.s);
			return pare_error_set(err, 0, "line %d: instruction longer than %u MiB", open ? start : c.line,
					      DF_MAX_LINE >> 20);
		}
		size_t b = 0;
		if (open) {
			strbuf_add(&logical, " ", 1);
			b = skip_ws(s, e, 0);
		} else {
			start = c.line;
			logical.len = 0;
		}
		strbuf_add(&logical, s + b, e > b ? e - b : 0);
		open = cont;
		if (cont)
			continue;
		int r = add_instr(df, &c, start, logical.s, logical.len, err);
		logical.len = 0;
		if (r < 0) {
			free(logical.s);
			return -1;
		}
	}
	/* a continuation at the end of the file ends the instruction, as in BuildKit */
	int r = open ? add_instr(df, &c, start, logical.s, logical.len, err) : 0;
	free(logical.s);
	if (r < 0)
		return -1;
	if (!df->nstages)
		return pare_error_set(err, 0, "no FROM instruction");
	return 0;
}

void dockerfile_release(struct dockerfile *df)
{
	for (size_t i = 0; i < df->n; i++) {
		free(df->v[i].cmd);
		free(df->v[i].args);
		free(df->v[i].heredoc);
		if (df->v[i].argv)
			for (char **p = df->v[i].argv; *p; p++)
				free(*p);
		free(df->v[i].argv);
	}
	free(df->v);
	for (size_t i = 0; i < df->nstages; i++) {
		free(df->stages[i].base);
		free(df->stages[i].name);
	}
	free(df->stages);
	memset(df, 0, sizeof(*df));
}

int dockerfile_load(const char *path, struct dockerfile *df, struct pare_error *err)
{
	memset(df, 0, sizeof(*df));
	bool in = !strcmp(path, "-");
	cleanup_file FILE *f = in ? NULL : fopen(path, "re");
	if (!in && !f)
		return pare_error_errno(err, "cannot open '%s'", path);
	FILE *r = in ? stdin : f;
	struct stat st;
	if (fstat(fileno(r), &st) == 0 && S_ISDIR(st.st_mode))
		return pare_error_set(err, EISDIR, "'%s' is a directory, not a Dockerfile", path);
	size_t cap = 65536, n = 0;
	cleanup_free char *buf = xmalloc(cap);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, r)) > 0) {
		n += got;
		if (n > DF_MAX_FILE)
			return pare_error_set(err, 0, "'%s': file larger than %u MiB", path, DF_MAX_FILE >> 20);
		if (n == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	if (ferror(r))
		return pare_error_errno(err, "reading '%s'", path);
	if (dockerfile_parse(buf, n, df, err) < 0) {
		dockerfile_release(df);
		return pare_error_prefix(err, "%s", path);
	}
	return 0;
}
