/* Fuzz target: the module-level import scanner for Python source
 * (minifier/pyscan.c). */
#include <stdlib.h>
#include <string.h>

#include "minifier/pyscan.h"
#include "tests/fuzz/fuzz.h"

static void check_name(unsigned level, const char *module, bool optional, void *data)
{
	(void)optional;
	(void)data;
	/* The promise the resolver builds paths on: dotted identifiers, nothing else.
   */
	if (level == 0 && !*module)
		abort(); /* only a relative import may name no module ("from . import x") */
	for (const char *p = module; *p; p++)
		if (*p == '/' || *p == ' ' || (*p == '.' && (p == module || p[1] == '.' || p[1] == '\0')))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	py_scan_imports((const char *)data, size, check_name, NULL);
	return 0;
}
