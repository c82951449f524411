#include "minifier/shebang.h"

#include <stdbool.h>
#include <string.h>

#include "lib/path.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

void shebang_release(struct shebang *sb)
{
	free(sb->interp);
	free(sb->arg);
	sb->interp = sb->arg = NULL;
}

int shebang_parse(const void *vbuf, size_t len, struct shebang *out)
{
	const char *buf = vbuf;
	memset(out, 0, sizeof(*out));
	if (len > SHEBANG_BUF_SIZE)
		len = SHEBANG_BUF_SIZE;
	if (len < 2 || buf[0] != '#' || buf[1] != '!')
		return 0;
	const char *p = buf + 2, *end = buf + len;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	/* Without a newline the kernel uses the buffer up to its last byte; a short file is padded
	 * with NULs, so only a full buffer can hold a cut interpreter name. */
	bool truncated = !nl && len == SHEBANG_BUF_SIZE;
	const char *line_end = nl ? nl : (truncated ? end - 1 : end);
	/* The kernel stops at a NUL too. */
	const char *nul = memchr(p, '\0', (size_t)(line_end - p));
	if (nul) {
		line_end = nul;
		truncated = false;
	}
	while (p < line_end && blank(*p))
		p++;
	const char *i_end = p;
	while (i_end < line_end && !blank(*i_end))
		i_end++;
	if (i_end == p)
		return 0;
	/* Without a newline in the buffer the interpreter name must end inside it (fs/binfmt_script.c). */
	if (truncated && i_end == line_end)
		return 0;
	const char *a = i_end;
	while (a < line_end && blank(*a))
		a++;
	const char *a_end = line_end;
	while (a_end > a && (blank(a_end[-1]) || a_end[-1] == '\r'))
		a_end--;
	out->interp = xstrndup(p, (size_t)(i_end - p));
	if (a_end > a)
		out->arg = xstrndup(a, (size_t)(a_end - a));
	return 1;
}

/* Split like env -S does for the common cases: blanks separate, quotes group, backslash escapes. */
static void split_words(const char *s, struct strvec *out)
{
	size_t n = strlen(s);
	cleanup_free char *w = xmalloc(n + 1);
	size_t o = 0;
	bool in_word = false;
	char quote = 0;
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (quote) {
			if (c == quote)
				quote = 0;
			else if (c == '\\' && quote == '"' && p[1])
				w[o++] = *++p;
			else
				w[o++] = c;
			continue;
		}
		if (blank(c)) {
			if (in_word) {
				w[o] = '\0';
				strvec_push(out, w);
				o = 0;
				in_word = false;
			}
			continue;
		}
		in_word = true;
		if (c == '\'' || c == '"')
			quote = c;
		else if (c == '\\' && p[1])
			w[o++] = *++p;
		else
			w[o++] = c;
	}
	if (in_word) {
		w[o] = '\0';
		strvec_push(out, w);
	}
}

/* env options that take a separate value ("-u NAME", "-C DIR"). */
static bool takes_value(const char *opt)
{
	return !strcmp(opt, "-u") || !strcmp(opt, "-C") || !strcmp(opt, "--unset") || !strcmp(opt, "--chdir") ||
	       !strcmp(opt, "-P");
}

char *shebang_env_command(const struct shebang *sb)
{
	if (!sb->interp || strcmp(path_basename(sb->interp), "env") || !sb->arg)
		return NULL;
	struct strvec words = STRVEC_INIT;
	const char *arg = sb->arg;
	if (!strncmp(arg, "-S", 2))
		split_words(arg + 2, &words);
	else if (!strncmp(arg, "--split-string=", 15))
		split_words(arg + 15, &words);
	else if (arg[0] == '-')
		split_words(arg, &words); /* lenient: options then a command */
	else
		strvec_push(&words, arg); /* env gets the whole rest of the line as one name */
	char *cmd = NULL;
	for (size_t i = 0; i < words.n; i++) {
		const char *w = words.v[i];
		if (!strcmp(w, "-S") || !strcmp(w, "--split-string")) {
			continue;
		} else if (!strncmp(w, "-S", 2)) {
			/* "-S" glued to its string inside a split: split it too, then go on. */
			struct strvec more = STRVEC_INIT;
			split_words(w + 2, &more);
			if (more.n)
				cmd = xstrdup(more.v[0]);
			strvec_release(&more);
			if (cmd)
				break;
			continue;
		} else if (w[0] == '-' && w[1]) {
			if (takes_value(w))
				i++;
			continue;
		} else if (!strcmp(w, "-")) {
			continue;
		} else if (strchr(w, '=') && w[0] != '=' && w[0] != '/') {
			continue; /* NAME=VALUE */
		}
		cmd = xstrdup(w);
		break;
	}
	strvec_release(&words);
	return cmd;
}
