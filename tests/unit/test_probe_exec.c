/* --exec CMD: argv construction and shell detection (probe/probe_exec.c). */
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/layer_index.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "probe/probe_exec.h"
#include "tests/unit/image_fixture.h"
#include "tests/unit/unit.h"

/* Split `cmd` and compare with `want` (words joined by '|'), or expect a failure mentioning `want_err`. */
static void check_split(const char *cmd, const char *want, const char *want_err)
{
	char **argv = NULL;
	struct pare_error err = { 0 };
	int rc = probe_exec_split(cmd, &argv, &err);
	if (want_err) {
		if (rc != -1 || !strstr(err.msg, want_err))
			unit_fail(__FILE__, __LINE__, "split '%s': rc %d, error '%s', expected one with '%s'", cmd, rc,
				  err.msg, want_err);
		return;
	}
	if (rc != 0) {
		unit_fail(__FILE__, __LINE__, "split '%s' failed: %s", cmd, err.msg);
		return;
	}
	size_t len = 1;
	for (size_t i = 0; argv[i]; i++)
		len += strlen(argv[i]) + 1;
	char *got = xcalloc(1, len);
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			strncat(got, "|", len - strlen(got) - 1);
		strncat(got, argv[i], len - strlen(got) - 1);
	}
	if (strcmp(got, want))
		unit_fail(__FILE__, __LINE__, "split '%s' gave '%s', expected '%s'", cmd, got, want);
	free(got);
	strv_free(argv);
}

TEST(probe_exec_split_words_and_quotes)
{
	check_split("ls -l /tmp", "ls|-l|/tmp", NULL);
	check_split("  cat\t/etc/passwd  ", "cat|/etc/passwd", NULL);
	check_split("echo 'a b'  \"c d\" e\\ f", "echo|a b|c d|e f", NULL);
	check_split("echo 'it'\"'\"'s'", "echo|it's", NULL);
	check_split("printf \"%s\\n\" \"q\\\"uote\" \"back\\\\slash\" \"\\x\"", "printf|%s\\n|q\"uote|back\\slash|\\x", NULL);
	check_split("echo '' \"\" x", "echo|||x", NULL);
	check_split("curl http://127.0.0.1/?a=1*", "curl|http://127.0.0.1/?a=1*", NULL); /* globs stay literal */
	check_split("echo '$HOME | x'", "echo|$HOME | x", NULL);
	check_split("a=1", "", "variable assignment");
	check_split("FOO=bar env", "", "needs a shell");
	check_split("env FOO=bar", "env|FOO=bar", NULL); /* only a leading assignment needs the shell */
	check_split("ls | wc", "", "'|'");
	check_split("true && false", "", "'&'");
	check_split("echo $HOME", "", "'$'");
	check_split("echo \"$HOME\"", "", "'$'");
	check_split("echo `id`", "", "'`'");
	check_split("cat < /etc/passwd", "", "'<'");
	check_split("a; b", "", "';'");
	check_split("echo 'open", "", "unterminated single quote");
	check_split("echo \"open", "", "unterminated double quote");
	check_split("", "", "empty command");
	check_split("   ", "", "empty command");
	check_split("trailing\\", "trailing\\", NULL);
}

TEST(probe_exec_argv_with_and_without_shell)
{
	char **argv = NULL;
	struct pare_error err = { 0 };
	CHECK_INT(probe_exec_argv("ls | wc -l", true, &argv, &err), 0);
	CHECK(argv && !strcmp(argv[0], "/bin/sh") && !strcmp(argv[1], "-c") && !strcmp(argv[2], "ls | wc -l") && !argv[3]);
	strv_free(argv);
	CHECK_INT(probe_exec_argv("ls | wc -l", false, &argv, &err), -1);
	CHECK(strstr(err.msg, "no /bin/sh") != NULL);
	CHECK_INT(probe_exec_argv(" ", true, &argv, &err), -1);
	CHECK_INT(probe_exec_argv("/app/check --deep", false, &argv, &err), 0);
	CHECK(!strcmp(argv[0], "/app/check") && !strcmp(argv[1], "--deep") && !argv[2]);
	strv_free(argv);
}

static bool shell_in(const char *entries)
{
	cleanup_free char *spec = xasprintf("{\"format\": \"oci-archive\", \"layers\": [{\"entries\": [%s]}]}", entries);
	cleanup_free char *path = fixture_image(spec, "sh");
	struct image *img = NULL;
	struct layer_index *idx = NULL;
	struct pare_error err = { 0 };
	bool has = false;
	if (path && image_open(path, NULL, &img, &err) == 0 && layer_index_build(img, &idx, &err) == 0)
		has = probe_exec_has_shell(idx);
	else
		unit_fail(__FILE__, __LINE__, "fixture: %s", err.msg);
	layer_index_free(idx);
	image_free(img);
	return has;
}

TEST(probe_exec_shell_detection_in_the_image)
{
	/* busybox-style: /bin -> usr/bin, sh -> busybox */
	CHECK(shell_in("{\"path\": \"bin\", \"type\": \"symlink\", \"target\": \"usr/bin\"},"
		       "{\"path\": \"usr/bin/busybox\", \"mode\": \"0755\", \"content\": \"x\"},"
		       "{\"path\": \"usr/bin/sh\", \"type\": \"symlink\", \"target\": \"busybox\"}"));
	CHECK(shell_in("{\"path\": \"bin/sh\", \"mode\": \"0755\", \"content\": \"x\"}"));
	CHECK(!shell_in("{\"path\": \"app\", \"mode\": \"0755\", \"content\": \"x\"}"));         /* distroless */
	CHECK(!shell_in("{\"path\": \"bin/sh\", \"mode\": \"0644\", \"content\": \"x\"}"));      /* not executable */
	CHECK(!shell_in("{\"path\": \"bin/sh\", \"type\": \"symlink\", \"target\": \"/nowhere\"}")); /* dangling */
	CHECK(!shell_in("{\"path\": \"bin/sh\", \"type\": \"dir\"}"));
}
