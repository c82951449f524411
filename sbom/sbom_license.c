/* Licences: the "Files: *" paragraph of a DEP-5 copyright file, and names mapped to SPDX ids. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/xalloc.h"
#include "sbom/sbom_int.h"

/* DEP-5 short names (and common spellings) -> SPDX ids; an SPDX id maps to itself by its own row. */
static const char *const licences[][2] = {
	{ "GPL-1", "GPL-1.0-only" },		{ "GPL-1+", "GPL-1.0-or-later" },
	{ "GPL-2", "GPL-2.0-only" },		{ "GPL-2+", "GPL-2.0-or-later" },
	{ "GPL-3", "GPL-3.0-only" },		{ "GPL-3+", "GPL-3.0-or-later" },
	{ "LGPL-2", "LGPL-2.0-only" },		{ "LGPL-2+", "LGPL-2.0-or-later" },
	{ "LGPL-2.1", "LGPL-2.1-only" },	{ "LGPL-2.1+", "LGPL-2.1-or-later" },
	{ "LGPL-3", "LGPL-3.0-only" },		{ "LGPL-3+", "LGPL-3.0-or-later" },
	{ "AGPL-3", "AGPL-3.0-only" },		{ "AGPL-3+", "AGPL-3.0-or-later" },
	{ "GFDL-1.2", "GFDL-1.2-only" },	{ "GFDL-1.2+", "GFDL-1.2-or-later" },
	{ "GFDL-1.3", "GFDL-1.3-only" },	{ "GFDL-1.3+", "GFDL-1.3-or-later" },
	{ "Expat", "MIT" },			{ "MIT", "MIT" },
	{ "BSD-2-clause", "BSD-2-Clause" },	{ "BSD-3-clause", "BSD-3-Clause" },
	{ "BSD-4-clause", "BSD-4-Clause" },	{ "BSD", "BSD-3-Clause" },
	{ "Apache-2", "Apache-2.0" },		{ "Apache-2.0", "Apache-2.0" },
	{ "Artistic", "Artistic-1.0-Perl" },	{ "Artistic-2.0", "Artistic-2.0" },
	{ "Zlib", "Zlib" },			{ "ISC", "ISC" },
	{ "MPL-1.1", "MPL-1.1" },		{ "MPL-2.0", "MPL-2.0" },
	{ "PSF-2", "PSF-2.0" },			{ "Python", "Python-2.0" },
	{ "Python-2.0", "Python-2.0" },		{ "OpenSSL", "OpenSSL" },
	{ "curl", "curl" },			{ "CC0-1.0", "CC0-1.0" },
	{ "CC0", "CC0-1.0" },			{ "X11", "X11" },
	{ "BSL-1.0", "BSL-1.0" },		{ "Unlicense", "Unlicense" },
	{ "0BSD", "0BSD" },			{ "WTFPL", "WTFPL" },
	{ "BSD-3-Clause-Clear", "BSD-3-Clause-Clear" },
	{ "GPL-2.0-only", "GPL-2.0-only" },	{ "GPL-2.0-or-later", "GPL-2.0-or-later" },
	{ "GPL-3.0-only", "GPL-3.0-only" },	{ "GPL-3.0-or-later", "GPL-3.0-or-later" },
	{ "LGPL-2.1-only", "LGPL-2.1-only" },	{ "LGPL-2.1-or-later", "LGPL-2.1-or-later" },
	{ "LGPL-3.0-only", "LGPL-3.0-only" },	{ "LGPL-3.0-or-later", "LGPL-3.0-or-later" },
	{ "GPL-2.0", "GPL-2.0-only" },		{ "GPL-3.0", "GPL-3.0-only" },
	{ "GPL-2.0+", "GPL-2.0-or-later" },	{ "GPL-3.0+", "GPL-3.0-or-later" },
	{ "Apache License 2.0", "Apache-2.0" }, { "MIT License", "MIT" },
	{ "BSD License", "BSD-3-Clause" },	{ "Apache Software License", "Apache-2.0" },
};

static const char *spdx_id(const char *token)
{
	for (size_t i = 0; i < sizeof(licences) / sizeof(licences[0]); i++)
		if (!strcasecmp(token, licences[i][0]))
			return licences[i][1];
	return NULL;
}

char *sbom_license_spdx(const char *name)
{
	const char *whole = spdx_id(name); /* "MIT License" */
	if (whole)
		return xstrdup(whole);
	/* Tokens separated by blanks: licence names, "or"/"and" (any case), parentheses. */
	cleanup_free char *copy = xstrdup(name);
	size_t cap = strlen(name) * 3 + 16, len = 0;
	char *out = xmalloc(cap);
	out[0] = '\0';
	int depth = 0;
	bool want_id = true;
	for (char *save = NULL, *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		while (*tok == '(') {
			len += (size_t)snprintf(out + len, cap - len, "%s(", len ? " " : "");
			depth++;
			tok++;
		}
		size_t closing = 0;
		while (*tok && tok[strlen(tok) - 1] == ')') {
			tok[strlen(tok) - 1] = '\0';
			closing++;
		}
		if (!*tok && closing == 0)
			continue;
		const char *piece = NULL;
		if (!want_id && (!strcasecmp(tok, "or") || !strcasecmp(tok, "and"))) {
			piece = !strcasecmp(tok, "or") ? "OR" : "AND";
			want_id = true;
		} else if (want_id && (piece = spdx_id(tok))) {
			want_id = false;
		} else {
			free(out);
			return NULL;
		}
		len += (size_t)snprintf(out + len, cap - len, "%s%s", len && out[len - 1] != '(' ? " " : "", piece);
		for (; closing; closing--, depth--)
			len += (size_t)snprintf(out + len, cap - len, ")");
		if (len >= cap || depth < 0) {
			free(out);
			return NULL;
		}
	}
	if (want_id || depth != 0 || !len) {
		free(out);
		return NULL;
	}
	return out;
}

char *sbom_license_dep5(const char *text, size_t len)
{
	cleanup_free char *t = xstrndup(text, len);
	if (strncasecmp(t, "Format:", 7) || !strstr(t, "copyright-format"))
		return NULL;
	/* Paragraphs are separated by blank lines; fields start a line, continuations begin with a blank. */
	bool files_star = false;
	for (char *line = t; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		size_t ll = strlen(line);
		while (ll && (line[ll - 1] == '\r' || line[ll - 1] == ' '))
			line[--ll] = '\0';
		if (!ll) {
			files_star = false;
		} else if (!strncasecmp(line, "Files:", 6)) {
			const char *v = line + 6;
			while (*v == ' ' || *v == '\t')
				v++;
			files_star = !strcmp(v, "*");
		} else if (files_star && !strncasecmp(line, "License:", 8)) {
			const char *v = line + 8;
			while (*v == ' ' || *v == '\t')
				v++;
			return *v ? xstrdup(v) : NULL;
		}
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}
