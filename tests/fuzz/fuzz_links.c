/* Fuzz target: HTML and CSS link extraction (probe/links.c), the first thing the HTTP prober
 * runs on bytes an application under test sends back. */
#include <stdlib.h>
#include <string.h>

#include "lib/strvec.h"
#include "probe/links.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strvec sv = STRVEC_INIT;
	char *base = NULL;
	links_extract_html((const char *)data, size, &sv, &base);
	for (size_t i = 0; i < sv.n; i++)
		if (!sv.v[i][0] || strlen(sv.v[i]) > LINKS_MAX_URL || !links_is_crawlable(sv.v[i]))
			abort(); /* every result is a non-empty, bounded, crawlable URL */
	if (sv.n > LINKS_MAX_PER_DOC)
		abort();
	free(base);
	strvec_release(&sv);
	links_extract_css((const char *)data, size, &sv);
	if (sv.n > LINKS_MAX_PER_DOC)
		abort();
	strvec_release(&sv);
	return 0;
}
