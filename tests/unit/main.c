/* Unit-test runner: runs every registered test (or those named on the command line) and prints
 * TAP-style lines "ok N - name (1.23s)" / "not ok N - name (1.23s)" that tests/run.sh counts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/tmp.h"
#include "lib/xalloc.h"
#include "tests/unit/unit.h"

static struct unit_test *tests;
static int current_failed;
static char *current_tmp;

void unit_register(struct unit_test *t)
{
	t->next = tests;
	tests = t;
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stdout, "#   %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	current_failed = 1;
}

const char *unit_tmpdir(void)
{
	struct pare_error err = { 0 };
	if (!current_tmp && tmp_dir_create(&current_tmp, &err) < 0) {
		fprintf(stderr, "unit: %s\n", err.msg);
		exit(1);
	}
	return current_tmp;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int selected(const struct unit_test *t, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strstr(t->name, argv[i]) || strstr(t->file, argv[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	/* Registration order is reversed by the list; restore declaration order. */
	struct unit_test *rev = NULL;
	while (tests) {
		struct unit_test *n = tests->next;
		tests->next = rev;
		rev = tests;
		tests = n;
	}
	int n = 0, failed = 0;
	for (struct unit_test *t = rev; t; t = t->next) {
		if (!selected(t, argc, argv))
			continue;
		current_failed = 0;
		fflush(stdout);
		double start = now_seconds();
		t->fn();
		if (current_tmp) {
			tmp_remove_tree(current_tmp, NULL);
			free(current_tmp);
			current_tmp = NULL;
		}
		n++;
		/* Wall time of the test (with its temp-dir cleanup), to find slow tests: informational only. */
		printf("%s %d - unit: %s (%.2fs)\n", current_failed ? "not ok" : "ok", n, t->name,
		       now_seconds() - start);
		failed += current_failed;
	}
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
