/* Module-level import statements of Python source (pyscan.h). The source is read as logical lines (what
 * Python's tokenizer joins: brackets, backslash-newline), with comments dropped and each string literal
 * replaced by a short stand-in, so that `;`, `:` and `#` inside strings mean nothing. */
#include "minifier/pyscan.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

#define STR_KEEP 32 /* a string literal shorter than this keeps its text ("__main__") */

struct scan {
	const char *s;
	size_t n, i;
	char *line; /* the current logical line */
	size_t len, cap;
	long skip_indent; /* >= 0: inside a block that does not run at import, opened at this indent */
	py_import_fn *fn;
	void *data;
};

static void put(struct scan *sc, char c)
{
	sc->line = xgrow(sc->line, &sc->cap, sc->len + 2, 1);
	sc->line[sc->len++] = c;
}

static bool ident_char(unsigned char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* A string literal at sc->i (its opening quote): skipped; a short one without separators is copied as
 * "text", any other as "". Prefixes (r, b, f, u) were copied as identifier characters already. */
static void take_string(struct scan *sc)
{
	char q = sc->s[sc->i];
	bool triple = sc->i + 2 < sc->n && sc->s[sc->i + 1] == q && sc->s[sc->i + 2] == q;
	size_t start = sc->i += triple ? 3 : 1, end = start;
	while (sc->i < sc->n) {
		char c = sc->s[sc->i];
		if (c == '\\') {
			sc->i += 2;
			continue;
		}
		if (c == q && (!triple || (sc->i + 2 < sc->n && sc->s[sc->i + 1] == q && sc->s[sc->i + 2] == q))) {
			end = sc->i;
			sc->i += triple ? 3 : 1;
			break;
		}
		if (c == '\n' && !triple) {
			end = sc->i; /* unterminated: the line ends it */
			break;
		}
		sc->i++;
	}
	if (sc->i > sc->n)
		sc->i = sc->n;
	if (end < start)
		end = start;
	bool plain = end - start < STR_KEEP;
	for (size_t k = start; plain && k < end; k++)
		plain = ident_char((unsigned char)sc->s[k]);
	put(sc, '"');
	for (size_t k = start; plain && k < end; k++)
		put(sc, sc->s[k]);
	put(sc, '"');
}

/* Reads one logical line into sc->line; returns its indentation, or -1 at the end of the source. */
static long read_line(struct scan *sc)
{
	if (sc->i >= sc->n)
		return -1;
	long indent = 0;
	for (; sc->i < sc->n; sc->i++) {
		char c = sc->s[sc->i];
		if (c == ' ')
			indent++;
		else if (c == '\t')
			indent = (indent / 8 + 1) * 8;
		else if (c == '\f')
			indent = 0;
		else
			break;
	}
	sc->len = 0;
	int depth = 0;
	while (sc->i < sc->n) {
		char c = sc->s[sc->i];
		if (c == '#') {
			while (sc->i < sc->n && sc->s[sc->i] != '\n')
				sc->i++;
		} else if (c == '\\' && sc->i + 1 < sc->n && (sc->s[sc->i + 1] == '\n' || sc->s[sc->i + 1] == '\r')) {
			sc->i += 2;
			if (sc->i < sc->n && sc->s[sc->i - 1] == '\r' && sc->s[sc->i] == '\n')
				sc->i++;
			put(sc, ' ');
		} else if (c == '\n') {
			sc->i++;
			if (depth <= 0)
				break;
			put(sc, ' ');
		} else if (c == '\'' || c == '"') {
			take_string(sc);
		} else {
			if (c == '(' || c == '[' || c == '{')
				depth++;
			else if ((c == ')' || c == ']' || c == '}') && depth > 0)
				depth--;
			put(sc, c == '\r' || c == '\t' || c == '\f' || c == '\0' ? ' ' : c);
			sc->i++;
		}
	}
	while (sc->len > 0 && sc->line[sc->len - 1] == ' ')
		sc->len--;
	put(sc, '\0');
	sc->len--;
	return indent;
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/* p starts with the keyword kw as a whole word: returns what follows it, else NULL. */
static const char *keyword(const char *p, const char *kw)
{
	size_t n = strlen(kw);
	if (strncmp(p, kw, n) || ident_char((unsigned char)p[n]))
		return NULL;
	return p + n;
}

/* The first ':' outside brackets (a compound statement's header ends there), or NULL. */
static char *header_colon(char *p)
{
	int depth = 0;
	for (; *p; p++) {
		if (*p == '(' || *p == '[' || *p == '{')
			depth++;
		else if ((*p == ')' || *p == ']' || *p == '}') && depth > 0)
			depth--;
		else if (*p == ':' && depth == 0 && p[1] != '=')
			return p;
	}
	return NULL;
}

/* A dotted name at *pp (blanks around the dots allowed, as Python allows them), or NULL; advances *pp
 * past its last identifier. */
static char *dotted_name(const char **pp)
{
	const char *p = skip_blanks(*pp);
	char *out = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		size_t n = 0;
		while (ident_char((unsigned char)p[n]))
			n++;
		if (n == 0 || (p[0] >= '0' && p[0] <= '9'))
			break;
		out = xgrow(out, &cap, len + n + 2, 1);
		if (len)
			out[len++] = '.';
		memcpy(out + len, p, n);
		len += n;
		out[len] = '\0';
		p += n;
		*pp = p;
		const char *q = skip_blanks(p);
		if (*q != '.')
			break;
		p = skip_blanks(q + 1);
	}
	return out;
}

/* "import a.b as c, d" */
static void scan_import(struct scan *sc, const char *p)
{
	for (;;) {
		cleanup_free char *name = dotted_name(&p);
		if (!name)
			return;
		sc->fn(0, name, false, sc->data);
		p = strchr(p, ',');
		if (!p)
			return;
		p++;
	}
}

/* "from ..m.n import a, b as c" and "from m import (a, b)" */
static void scan_from(struct scan *sc, const char *p)
{
	unsigned level = 0;
	for (p = skip_blanks(p); *p == '.'; p = skip_blanks(p + 1))
		level++;
	cleanup_free char *module = NULL;
	if (!keyword(p, "import")) {
		module = dotted_name(&p);
		if (!module)
			return;
		p = skip_blanks(p);
	}
	const char *names = keyword(p, "import");
	if (!names || (!module && level == 0))
		return;
	sc->fn(level, module ? module : "", false, sc->data);
	for (p = names;;) {
		p = skip_blanks(p);
		if (*p == '(')
			p++;
		const char *q = p;
		cleanup_free char *name = dotted_name(&q);
		if (name && !strchr(name, '.')) {
			cleanup_free char *full = module ? xasprintf("%s.%s", module, name) : xstrdup(name);
			sc->fn(level, full, true, sc->data);
		}
		p = strchr(q, ',');
		if (!p)
			return;
		p++;
	}
}

/* A condition whose block never runs when the module is imported. */
static bool import_time_dead(const char *cond, const char *end)
{
	char buf[64];
	size_t n = 0;
	for (const char *p = cond; p < end && n < sizeof(buf) - 1; p++)
		if (*p != ' ')
			buf[n++] = *p;
	buf[n] = '\0';
	static const char *const dead[] = { "TYPE_CHECKING", "typing.TYPE_CHECKING", "__name__==\"__main__\"",
					    "\"__main__\"==__name__", NULL };
	for (size_t i = 0; dead[i]; i++)
		if (!strcmp(buf, dead[i]))
			return true;
	return false;
}

/* One simple statement, or a compound statement's header with its body on the same line. */
static void scan_statement(struct scan *sc, char *p)
{
	static const char *const headers[] = { "try", "else", "finally", "except", "if",   "elif", "while",
					       "for", "with", "class",   "match",  "case", NULL };
	for (;;) {
		p = (char *)skip_blanks(p);
		const char *rest;
		if ((rest = keyword(p, "import"))) {
			scan_import(sc, rest);
			return;
		}
		if ((rest = keyword(p, "from"))) {
			scan_from(sc, rest);
			return;
		}
		size_t i = 0;
		while (headers[i] && !keyword(p, headers[i]))
			i++;
		char *colon = headers[i] ? header_colon(p) : NULL;
		if (!colon)
			return;
		p = colon + 1;
	}
}

static void scan_line(struct scan *sc, long indent)
{
	if (sc->len == 0)
		return;
	if (sc->skip_indent >= 0) {
		if (indent > sc->skip_indent)
			return;
		sc->skip_indent = -1;
	}
	char *p = sc->line;
	const char *rest = keyword(p, "async");
	if (keyword(rest ? skip_blanks(rest) : p, "def")) {
		sc->skip_indent = indent;
		return;
	}
	if ((rest = keyword(p, "if"))) {
		char *colon = header_colon(p);
		if (colon && import_time_dead(rest, colon)) {
			sc->skip_indent = indent;
			return;
		}
	}
	/* Statements separated by ';' (strings hold none: take_string dropped them). */
	for (char *stmt = p; stmt;) {
		char *semi = strchr(stmt, ';');
		if (semi)
			*semi = '\0';
		scan_statement(sc, stmt);
		stmt = semi ? semi + 1 : NULL;
	}
}

void py_scan_imports(const char *src, size_t len, py_import_fn *fn, void *data)
{
	struct scan sc = { .s = src, .n = len, .skip_indent = -1, .fn = fn, .data = data };
	long indent;
	while ((indent = read_line(&sc)) >= 0)
		scan_line(&sc, indent);
	free(sc.line);
}
