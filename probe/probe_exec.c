/* --exec CMD: shell detection in the layer index and shell-like word splitting (probe/probe_exec.h). */
#include "probe/probe_exec.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/strvec.h"
#include "lib/xalloc.h"

bool probe_exec_has_shell(const struct layer_index *idx)
{
	cleanup_free char *resolved = NULL;
	if (layer_index_resolve(idx, "/bin/sh", false, &resolved, NULL, NULL, NULL) != 1)
		return false;
	const struct fs_entry *e = layer_index_lookup(idx, resolved);
	return e && S_ISREG(e->mode) && (e->mode & 0111);
}

/* A word grows character by character. */
struct word {
	char *s;
	size_t n, cap;
	bool started; /* "" and '' make a word even when empty */
};

static void word_add(struct word *w, char c)
{
	w->s = xgrow(w->s, &w->cap, w->n + 2, 1);
	w->s[w->n++] = c;
	w->s[w->n] = '\0';
	w->started = true;
}

static void word_end(struct word *w, struct strvec *out)
{
	if (!w->started)
		return;
	strvec_push_nodup(out, w->s ? w->s : xstrdup(""));
	memset(w, 0, sizeof(*w));
}

/* NAME=... where NAME is a shell variable name: an assignment, not a command word. */
static bool is_assignment(const char *w)
{
	if (!isalpha((unsigned char)w[0]) && w[0] != '_')
		return false;
	size_t i = 1;
	while (isalnum((unsigned char)w[i]) || w[i] == '_')
		i++;
	return w[i] == '=';
}

static int needs_shell(const char *cmd, const char *what, struct strvec *sv, struct word *w, struct pare_error *err)
{
	strvec_release(sv);
	free(w->s);
	return pare_error_set(err, EINVAL, "--exec '%s' needs a shell (it uses %s) but the image has no /bin/sh", cmd,
			      what);
}

int probe_exec_split(const char *cmd, char ***argv, struct pare_error *err)
{
	struct strvec sv = STRVEC_INIT;
	struct word w = { 0 };
	for (const char *p = cmd; *p; p++) {
		char c = *p;
		if (c == ' ' || c == '\t' || c == '\n') {
			word_end(&w, &sv);
		} else if (c == '\'') {
			const char *end = strchr(p + 1, '\'');
			if (!end) {
				strvec_release(&sv);
				free(w.s);
				return pare_error_set(err, EINVAL, "--exec '%s': unterminated single quote", cmd);
			}
			w.started = true;
			for (p++; p < end; p++)
				word_add(&w, *p);
		} else if (c == '"') {
			w.started = true;
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1] && strchr("\"\\$`\n", p[1])) {
					p++;
					if (*p != '\n') /* backslash-newline is a line continuation */
						word_add(&w, *p);
				} else if (*p == '$' || *p == '`') {
					return needs_shell(cmd, *p == '$' ? "'$'" : "'`'", &sv, &w, err);
				} else {
					word_add(&w, *p);
				}
			}
			if (!*p) {
				strvec_release(&sv);
				free(w.s);
				return pare_error_set(err, EINVAL, "--exec '%s': unterminated double quote", cmd);
			}
		} else if (c == '\\') {
			if (p[1] == '\n') {
				p++;
			} else if (p[1]) {
				word_add(&w, *++p);
			} else {
				word_add(&w, '\\');
			}
		} else if (strchr("|&;<>()$`", c)) {
			char what[8];
			snprintf(what, sizeof(what), "'%c'", c);
			return needs_shell(cmd, what, &sv, &w, err);
		} else {
			word_add(&w, c);
		}
	}
	word_end(&w, &sv);
	if (!sv.n) {
		strvec_release(&sv);
		return pare_error_set(err, EINVAL, "--exec '%s': empty command", cmd);
	}
	if (is_assignment(sv.v[0]))
		return needs_shell(cmd, "a variable assignment", &sv, &w, err);
	*argv = strvec_detach(&sv);
	return 0;
}

int probe_exec_argv(const char *cmd, bool has_shell, char ***argv, struct pare_error *err)
{
	if (!has_shell)
		return probe_exec_split(cmd, argv, err);
	if (!cmd[strspn(cmd, " \t\n")])
		return pare_error_set(err, EINVAL, "--exec '%s': empty command", cmd);
	struct strvec sv = STRVEC_INIT;
	strvec_push(&sv, "/bin/sh");
	strvec_push(&sv, "-c");
	strvec_push(&sv, cmd);
	*argv = strvec_detach(&sv);
	return 0;
}
