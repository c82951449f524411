/* pare build --verify's table on stderr (the verification itself: pipeline/build.c, doc/VERIFY.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/build.h"
#include "cli/cli.h"
#include "image/image.h"
#include "image/transport.h"
#include "lib/tmp.h"
#include "lib/xalloc.h"

/* Column widths: at most `cap`, at least the heading's. */
static int width(const struct pipeline_verify *v, size_t col, int min, int cap)
{
	int w = min;
	for (size_t i = 0; i < v->n_rows; i++) {
		const char *s = col == 0 ? v->rows[i].what : col == 1 ? v->rows[i].original : v->rows[i].slim;
		int n = (int)strlen(s);
		w = n > w ? n : w;
	}
	return w > cap ? cap : w;
}

void build_verify_print(const struct pipeline_verify *v)
{
	bool all = pare_verbosity > 0;
	if (!all && !v->n_differ)
		return;
	int w0 = width(v, 0, 5, 40), w1 = width(v, 1, 8, 34), w2 = width(v, 2, 4, 34);
	fprintf(stderr, "pare: verify: %zu probe%s replayed against the slim image: %zu differ%s, %zu compared by status "
			"only (the original's answer varies between runs)\n",
		v->n_rows, v->n_rows == 1 ? "" : "s", v->n_differ, v->n_differ == 1 ? "s" : "", v->n_status_only);
	if (v->slim_run.app_exited && !v->reference.app_exited)
		fprintf(stderr, "pare: verify: the slim image's application exited with status %d before its probes were done\n",
			v->slim_run.app_status);
	if (!v->n_rows)
		return;
	fprintf(stderr, "  %-*s  %-*s  %-*s  %s\n", w0, "PROBE", w1, "ORIGINAL", w2, "SLIM", "VERDICT");
	for (size_t i = 0; i < v->n_rows; i++) {
		const struct pipeline_verify_row *r = &v->rows[i];
		if (!all && r->verdict != PIPELINE_VERIFY_DIFFERS)
			continue;
		fprintf(stderr, "  %-*.*s  %-*.*s  %-*.*s  %s%s\n", w0, w0, r->what, w1, w1, r->original, w2, w2, r->slim,
			pipeline_verify_verdict_name(r->verdict), r->status_only ? " (varies)" : "");
	}
}
