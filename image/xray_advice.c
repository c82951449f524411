/* pare xray findings: each flag with the image-slimming article's technique that removes it, a
 * severity, and whether its bytes count as saved. One table of techniques, one of flags (doc/XRAY.md). */
#include <string.h>

#include "image/xray.h"

enum { T_MULTI_STAGE, T_BASE, T_DOCKERIGNORE, T_LAYER_ORDER, T_CACHE_CLEANUP, T_NON_ROOT, T_PIN_BASE, T_SCAN };

const struct xray_technique xray_techniques[] = {
	[T_MULTI_STAGE] = { "multi-stage", "Technique 1: multi-stage builds",
			    "build in a builder stage and COPY --from=builder only the result into a slim runtime stage" },
	[T_BASE] = { "smaller-base", "Technique 2: pick the right base image",
		     "start FROM a -slim, -alpine or distroless variant (2-80 MB; slim variants leave out docs, man pages "
		     "and translations)" },
	[T_DOCKERIGNORE] = { "dockerignore", "Technique 3: .dockerignore",
			     "exclude .git, node_modules, .env, __pycache__ and *.pyc from the build context in "
			     ".dockerignore" },
	[T_LAYER_ORDER] = { "layer-order", "Technique 4: order layers",
			    "create and remove files in the same RUN (combine the RUN lines), and copy what changes last: "
			    "a later layer cannot take bytes out of an earlier one" },
	[T_CACHE_CLEANUP] = { "cache-cleanup", "Common pitfalls: build cache in the final image",
			      "clean up in the same RUN: apt-get clean && rm -rf /var/lib/apt/lists/*, pip install "
			      "--no-cache-dir, npm ci && npm cache clean --force" },
	[T_NON_ROOT] = { "non-root", "Technique 5: run as non-root",
			 "RUN addgroup --system app && adduser --system --ingroup app app, then USER app (or a distroless "
			 ":nonroot base)" },
	[T_PIN_BASE] = { "pin-base", "Common pitfalls: using latest for base images",
			 "pin a minor version and a digest: FROM node:22.13-alpine@sha256:..." },
	[T_SCAN] = { "scan", "Technique 6: scan before you ship",
		     "what a scanner's secret and misconfiguration checks report: remove it, or pass secrets at run time "
		     "or with RUN --mount=type=secret" },
	{ NULL, NULL, NULL },
};

/* Flags whose advice differs from their kind's (kind defaults are in advice_of below). */
static const struct {
	const char *id;
	int technique; /* -1: none in the article */
	enum severity severity;
} rows[] = {
	{ "wasted", T_LAYER_ORDER, SEVERITY_WARNING },
	{ "tmp-files", T_CACHE_CLEANUP, SEVERITY_INFO },
	{ "logs", T_CACHE_CLEANUP, SEVERITY_INFO },
	{ "base-size", T_BASE, SEVERITY_INFO },
	{ "vcs-metadata", T_DOCKERIGNORE, SEVERITY_WARNING },
	{ "pycache", T_DOCKERIGNORE, SEVERITY_WARNING },
	{ "node-dev-deps", T_DOCKERIGNORE, SEVERITY_WARNING },
	{ "dotenv", T_DOCKERIGNORE, SEVERITY_ERROR },
	{ "secret-files", T_SCAN, SEVERITY_ERROR },
	{ "secret-env", T_SCAN, SEVERITY_ERROR },
	{ "secret-build-args", T_SCAN, SEVERITY_ERROR },
	{ "root", T_NON_ROOT, SEVERITY_WARNING },
	{ "unpinned-base", T_PIN_BASE, SEVERITY_INFO },
	{ "history-mismatch", -1, SEVERITY_INFO },
};

static void advice_of(const char *id, enum xray_flag_kind kind, int *technique, enum severity *severity)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (!strcmp(rows[i].id, id)) {
			*technique = rows[i].technique;
			*severity = rows[i].severity;
			return;
		}
	switch (kind) {
	case XRAY_CACHE:
		*technique = T_CACHE_CLEANUP;
		*severity = SEVERITY_WARNING;
		return;
	case XRAY_BUILD_TOOL:
		*technique = T_MULTI_STAGE;
		*severity = SEVERITY_WARNING;
		return;
	case XRAY_BLOAT:
		*technique = T_BASE; /* docs, man pages, translations, debug symbols: what slim bases leave out */
		*severity = SEVERITY_INFO;
		return;
	default:
		*technique = T_SCAN; /* setuid, file capabilities, world-writable */
		*severity = SEVERITY_INFO;
	}
}

bool xray_flag_saves(const char *id, enum xray_flag_kind kind)
{
	int t;
	enum severity s;
	advice_of(id, kind, &t, &s);
	/* These techniques take the flagged files out of the image; the others change no bytes. The base's
	 * size is no file set: what a smaller base saves is not in the image (saves_known false). */
	return strcmp(id, "base-size") && (t == T_MULTI_STAGE || t == T_BASE || t == T_DOCKERIGNORE ||
					   t == T_LAYER_ORDER || t == T_CACHE_CLEANUP);
}

void xray_flag_advise(struct xray_flag *f)
{
	int t;
	advice_of(f->id, f->kind, &t, &f->severity);
	f->technique = t >= 0 ? &xray_techniques[t] : NULL;
	f->saves_known = strcmp(f->id, "base-size") != 0;
	f->saves = xray_flag_saves(f->id, f->kind) ? f->bytes : 0;
}

int xray_worst_severity(const struct xray_report *r)
{
	int worst = -1;
	for (size_t i = 0; i < r->n_flags; i++)
		if ((int)r->flags[i].severity > worst)
			worst = (int)r->flags[i].severity;
	return worst;
}
