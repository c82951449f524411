/* Fuzz target: pare xray --slim-report's reader of a pare build report (image/xray_slim.c). */
#include <stdlib.h>

#include "image/xray.h"
#include "lib/error.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xray_slim s;
	struct pare_error err = { 0 };
	if (xray_slim_parse((const char *)data, size, "fuzz", &s, &err) < 0) {
		if (!err.msg[0] || s.removed)
			abort(); /* a failure says why and hands nothing out */
		return 0;
	}
	if (!s.removed)
		abort();
	for (char **p = s.removed; *p; p++)
		if ((*p)[0] != '/')
			abort(); /* every removed path is absolute */
	xray_slim_release(&s);
	return 0;
}
