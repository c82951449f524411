/* lint/: the Dockerfile parser (continuations, escape, heredocs, JSON form, ARG before FROM, stages)
 * and single rules on small inputs. */
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lint/lint.h"
#include "tests/unit/unit.h"

static int parse(const char *s, struct dockerfile *df, struct pare_error *err)
{
	return dockerfile_parse(s, strlen(s), df, err);
}

/* The rule ids found, "id:line id:line". */
static char *lint_ids(const char *s, const char *only)
{
	struct dockerfile df;
	struct pare_error err = { 0 };
	if (parse(s, &df, &err) < 0)
		return strdup(err.msg);
	bool en[64] = { 0 };
	for (size_t i = 0; lint_rules[i].id; i++)
		en[i] = !only || !strcmp(lint_rules[i].id, only);
	struct lint_findings f;
	lint_run(&df, "Dockerfile", NULL, en, &f, &err);
	char *out = calloc(1, 1024);
	for (size_t i = 0; i < f.n; i++)
		snprintf(out + strlen(out), 1024 - strlen(out), "%s%s:%d", i ? " " : "", f.v[i].rule->id, f.v[i].line);
	lint_findings_release(&f);
	dockerfile_release(&df);
	return out;
}

TEST(lint_parse_continuations_and_comments)
{
	struct dockerfile df;
	struct pare_error err = { 0 };
	CHECK_INT(parse("FROM a:1\nRUN one \\\n# comment\n\n   two \\\n  three\nUSER x\n", &df, &err), 0);
	CHECK_INT(df.n, 3);
	CHECK_STR(df.v[1].cmd, "RUN");
	CHECK_STR(df.v[1].args, "one two three");
	CHECK_INT(df.v[1].line, 2);
	CHECK_INT(df.v[2].line, 7);
	dockerfile_release(&df);
}

TEST(lint_parse_escape_directive_and_crlf)
{
	struct dockerfile df;
	struct pare_error err = { 0 };
	CHECK_INT(parse("# syntax=docker/dockerfile:1\r\n# escape=`\r\nFROM a:1\r\nRUN dir c:\\ `\r\n  /b\r\n", &df, &err), 0);
	CHECK_INT(df.escape, '`');
	CHECK_STR(df.v[1].args, "dir c:\\ /b");
	dockerfile_release(&df);
}

TEST(lint_parse_heredocs)
{
	struct dockerfile df;
	struct pare_error err = { 0 };
	CHECK_INT(parse("FROM a:1\nRUN <<A <<-'B'\na1\nA\n\tb1\n\tB\nUSER x\n", &df, &err), 0);
	CHECK_INT(df.n, 3);
	CHECK_STR(df.v[1].heredoc, "a1\nb1\n");
	CHECK_INT(df.v[2].line, 7);
	dockerfile_release(&df);
	CHECK_INT(parse("FROM a:1\nRUN cat <<<word\nUSER x\n", &df, &err), 0); /* a here-string is no heredoc */
	CHECK(df.v[1].heredoc == NULL);
	dockerfile_release(&df);
	CHECK_INT(parse("FROM a:1\nRUN <<EOF\nx\n", &df, &err), -1);
	CHECK_STR(err.msg, "line 2: heredoc 'EOF' is not terminated");
	dockerfile_release(&df);
}

TEST(lint_parse_json_form)
{
	struct dockerfile df;
	struct pare_error err = { 0 };
	CHECK_INT(parse("FROM a:1\nCMD [\"a\", \"b c\"]\nCMD [\"a\", 1]\nCMD [oops\n", &df, &err), 0);
	CHECK(df.v[1].json);
	CHECK_STR(df.v[1].argv[1], "b c");
	CHECK(!df.v[2].json); /* not an array of strings: the shell form, as BuildKit takes it */
	CHECK(!df.v[3].json);
	dockerfile_release(&df);
}

TEST(lint_parse_stages_and_args)
{
	struct dockerfile df;
	struct pare_error err = { 0 };
	CHECK_INT(parse("ARG V=3.12\nARG D\nFROM python:${V}-slim AS Build\nFROM build\nFROM ${D:-debian:12}\n", &df, &err), 0);
	CHECK_INT(df.nstages, 3);
	CHECK_STR(df.stages[0].base, "python:3.12-slim");
	CHECK_STR(df.stages[0].name, "build");
	CHECK_INT(df.stages[1].parent, 0);
	CHECK_STR(df.stages[2].base, "debian:12");
	CHECK_INT(df.v[0].stage, -1);
	dockerfile_release(&df);
}

TEST(lint_parse_errors)
{
	struct dockerfile df;
	struct pare_error err = { 0 };
	CHECK_INT(dockerfile_parse("FROM a\0b", 8, &df, &err), -1);
	CHECK_STR(err.msg, "binary file (NUL byte at offset 6), not a Dockerfile");
	dockerfile_release(&df);
	CHECK_INT(parse("# just a comment\n", &df, &err), -1);
	CHECK_STR(err.msg, "no FROM instruction");
	dockerfile_release(&df);
	CHECK_INT(parse("FROM a\n2RUN x\n", &df, &err), -1);
	CHECK_STR(err.msg, "line 2: not an instruction: '2RUN x'");
	dockerfile_release(&df);
}

TEST(lint_rules_single)
{
	char *s;
	CHECK_STR(s = lint_ids("FROM a\nFROM b:latest\nFROM c:1@sha256:00\nFROM localhost:5000/d\nFROM scratch\n", "from-untagged"),
		  "from-untagged:1 from-untagged:2 from-untagged:4");
	free(s);
	CHECK_STR(s = lint_ids("FROM a:1\nRUN npm install -g pm2 && npm i\n", "npm-install"), "npm-install:2");
	free(s);
	CHECK_STR(s = lint_ids("FROM a:1\nRUN npm install -g pm2\n", "npm-install"), "");
	free(s);
	CHECK_STR(s = lint_ids("FROM a:1\nENV PIP_NO_CACHE_DIR=1\nRUN pip install x\n", "pip-cache"), "");
	free(s);
	CHECK_STR(s = lint_ids("FROM a:1 AS b\nRUN pip install x\nFROM c:1\n", "pip-cache"), ""); /* not shipped */
	free(s);
	CHECK_STR(s = lint_ids("FROM a:1\nUSER app\nUSER root\n", "root-user"), "root-user:3");
	free(s);
	CHECK_STR(s = lint_ids("FROM a:1 AS u\nUSER app\nFROM u\n", "root-user"), ""); /* inherited */
	free(s);
	CHECK_STR(s = lint_ids("FROM a:1\nARG GITHUB_TOKEN\nENV KEY_FILE=/x SECRET_FILE=/y\n", "secret-in-env"), "secret-in-env:2");
	free(s);
	CHECK_STR(s = lint_ids("FROM a:1\nRUN --mount=type=cache,target=/var/lib/apt apt-get update\n", "apt-lists"), "");
	free(s);
	CHECK_STR(s = lint_ids("FROM a:1\nCOPY [\".\", \"/app\"]\nRUN yarn\n", "copy-before-install"), "copy-before-install:2");
	free(s);
	CHECK_STR(s = lint_ids("FROM a:1\nCOPY . .\nRUN go build\n", "copy-before-install"), "");
	free(s);
	CHECK_STR(s = lint_ids("FROM a:1 AS b\nRUN gcc x.c\nFROM c:1\n", "single-stage-build-tools"), "");
	free(s);
	CHECK_STR(s = lint_ids("FROM a:1\nRUN apt-get install -y libssl-dev\n", "single-stage-build-tools"),
		  "single-stage-build-tools:2");
	free(s);
	CHECK_STR(s = lint_ids("FROM a:1\nADD --checksum=sha256:00 https://x/y /y\nADD https://x/z /z\n", "add-url"), "add-url:3");
	free(s);
}
