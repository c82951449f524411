/* pare build's pipeline (pipeline/build.c), once the image is open and the analysis run configured:
 * unpack (with the layer index) -> traced analysis with probes -> minifier -> package database ->
 * write the slim image -> SBOM -> --verify -> seccomp profile. cli/build.c parses the options, opens
 * the image, fills the inputs, calls pipeline_build_run and prints what the results say. */
#ifndef PARE_PIPELINE_BUILD_H
#define PARE_PIPELINE_BUILD_H
#include <jansson.h>
#include <stdbool.h>

#include "image/image.h"
#include "image/layer_index.h"
#include "image/writer.h"
#include "lib/error.h"
#include "minifier/keep.h"
#include "pipeline/pipeline.h"
#include "pkgdb/pkgdb.h"
#include "runtime/runtime.h"
#include "sbom/sbom.h"

struct pipeline_build_times {
	double unpack, run, probes, minify, write, sbom, verify;
};

struct pipeline_build {
	/* in (borrowed) */
	struct image *img;
	const struct rt_config *cfg; /* the analysis run */
	json_t *out_config;          /* the slim image's config (pipeline_output_config) */
	/* The analysis' options (probes, ports, health, continue, census); its rootfs, exec_shell and
	 * phase are set by pipeline_build_run. */
	struct pipeline_run run;
	/* output, format, compression, tag (NULL: the input's name + .slim): the rest is set here */
	struct image_write_opts write;
	struct keep_opts keep;       /* command, env, user, workdir, volumes come from out_config */
	bool ignore_failures;        /* build even when a probe failed (a warning then) */
	bool package_db;             /* rewrite the package database (pkgdb/) */
	bool verify;
	const char *sbom;            /* file, or NULL */
	enum sbom_format sbom_format;
	const char *seccomp_profile; /* file, or NULL */
	int (*phase)(const char *what, struct pare_error *err); /* a phase starts (may refuse: SIGINT) */
	void (*warn)(const char *msg); /* a warning for the user, as it happens */

	/* out (owned; pipeline_build_release) */
	struct layer_index *idx;
	struct rt_rootfs *rootfs;
	struct keep_set *ks;
	struct pkgdb *db;            /* NULL without package_db */
	struct image_write_result res;
	struct pipeline_verify ver;  /* with verify */
	struct sbom_stats sbom_stats;
	size_t n_syscalls;           /* in the seccomp profile */
	char **out_cmd;              /* the slim image's Entrypoint + Cmd */
	char **out_env, **out_vols;  /* its Env and Volumes (the keep set borrows them) */
	char *failure;               /* the first probe failure, or NULL */
	char *mismatch;              /* the slim image runs another command than the analysis, or NULL */
	struct pipeline_build_times t;
};

/* Runs the pipeline; the slim image is written when it returns 0 (--verify's verdict is in b->ver). */
int pipeline_build_run(struct pipeline_build *b, struct pare_error *err);
/* The report (--report, doc/MINIFIER.md): what was kept and why, sizes, phases, probes, packages,
 * SBOM, seccomp profile, verify. input and output as the user named them; total: seconds so far. */
json_t *pipeline_build_report(const struct pipeline_build *b, const char *input, double read_seconds,
			      double total_seconds);
void pipeline_build_release(struct pipeline_build *b);
#endif
