/* Fuzz target: the Dockerfile parser (lint/dockerfile.c) and every lint rule over what it accepts. */
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lint/lint.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dockerfile df;
	struct pare_error err = { 0 };
	if (dockerfile_parse((const char *)data, size, &df, &err) < 0) {
		if (!err.msg[0])
			abort(); /* a failure always says why */
		dockerfile_release(&df);
		return 0;
	}
	if (!df.nstages || df.n < df.nstages)
		abort(); /* a parsed Dockerfile has a FROM, and each stage its FROM instruction */
	for (size_t i = 0; i < df.n; i++)
		if (df.v[i].line < 1 || strlen(df.v[i].args) > DF_MAX_LINE || df.v[i].stage >= (int)df.nstages)
			abort();
	struct lint_findings f;
	if (lint_run(&df, "Dockerfile", NULL, NULL, &f, &err) < 0)
		abort();
	for (size_t i = 0; i < f.n; i++)
		if (f.v[i].line < 1 || !f.v[i].rule)
			abort();
	lint_findings_release(&f);
	dockerfile_release(&df);
	return 0;
}
