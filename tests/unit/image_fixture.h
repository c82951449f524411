/* Test images built by tests/mkimage.py (see its header for the spec) in the test's temp dir. */
#ifndef PARE_IMAGE_FIXTURE_H
#define PARE_IMAGE_FIXTURE_H
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "tests/unit/unit.h"

/* Build `spec` (JSON text) into unit_tmpdir()/name; returns the new path (free it), NULL on failure. */
static inline char *fixture_image(const char *spec, const char *name)
{
	const char *script = access("tests/mkimage.py", R_OK) == 0 ? "tests/mkimage.py" : "../tests/mkimage.py";
	char *specfile = xasprintf("%s/%s.spec.json", unit_tmpdir(), name);
	char *out = xasprintf("%s/%s", unit_tmpdir(), name);
	FILE *f = fopen(specfile, "w");
	if (!f) {
		free(specfile);
		free(out);
		return NULL;
	}
	fputs(spec, f);
	fclose(f);
	char *cmd = xasprintf("python3 %s %s %s", script, specfile, out);
	int rc = system(cmd);
	free(cmd);
	free(specfile);
	if (rc != 0) {
		unit_fail(__FILE__, __LINE__, "mkimage.py failed for %s", name);
		free(out);
		return NULL;
	}
	return out;
}
#endif
