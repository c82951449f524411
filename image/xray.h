/* pare xray: what is in an image before slimming it. Pure analysis over struct image and its layer
 * index (no printing; cli/xray.c prints the report as text or JSON). */
#ifndef PARE_XRAY_H
#define PARE_XRAY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/image.h"
#include "image/layer_index.h"
#include "lib/error.h"
#include "lib/severity.h"

#define XRAY_TOP_FILES 20   /* largest files listed by default */
#define XRAY_FLAG_PATHS 10  /* example paths kept per flag */
#define XRAY_BASE_BYTES (20u << 20) /* a first layer this big raises base-size */

/* One step of the config's history, matched to a layer (or not). Strings are borrowed from img->config. */
struct xray_step {
	const char *created_by, *created, *comment;
	bool empty_layer;
	long layer;          /* index into img->layers, or -1 (empty_layer, or more history than layers) */
};

struct xray_layer {
	const struct image_layer *layer; /* borrowed */
	uint64_t content_bytes;          /* uncompressed content bytes in its tar (layer_index_stats) */
	uint64_t entries;                /* tar entries */
	long step;                       /* index into steps, or -1 when the history has no step for it */
};

struct xray_file {
	const struct fs_entry *entry;    /* borrowed from the index */
};

enum xray_flag_kind { XRAY_CACHE, XRAY_BUILD_TOOL, XRAY_BLOAT, XRAY_SECURITY, XRAY_PROVENANCE };

struct xray_flag {
	const char *id;        /* stable identifier: "apt-lists", "gcc", "root", ... */
	enum xray_flag_kind kind;
	const char *title;     /* "apt package lists" */
	char *detail;          /* owned; why it was raised, one line (may be NULL) */
	uint64_t bytes;        /* content bytes involved (hardlinks counted once) */
	uint64_t files;        /* paths involved */
	char **paths;          /* owned, NULL-terminated: up to XRAY_FLAG_PATHS examples, biggest first */
	/* The finding (image/xray_advice.c): what to do about it, per the image-slimming article. */
	enum severity severity;
	const struct xray_technique *technique; /* NULL: the article has no technique for it */
	bool saves_known;      /* false: the bytes saved cannot be told from the image (base-size) */
	uint64_t saves;        /* bytes the technique would remove from the image */
	uint64_t slim_bytes;   /* with a slim report: bytes of the finding pare build removes */
};

/* A technique of the article (doc/XRAY.md lists them). */
struct xray_technique {
	const char *id;        /* "multi-stage", "dockerignore", ... */
	const char *article;   /* the article's heading: "Technique 1: multi-stage builds" */
	const char *advice;    /* one line: what to change in the Dockerfile */
};

/* What a build's --report says pare build removes (image/xray_slim.c). */
struct xray_slim {
	char **removed;        /* owned paths, NULL-terminated */
	uint64_t kept_files, kept_bytes, removed_files, removed_bytes;
};

struct xray_report {
	/* Config (borrowed strings from img->config; vectors owned). */
	const char *architecture, *os, *created, *user, *workdir, *stop_signal;
	char **entrypoint, **cmd, **ports, **volumes; /* never NULL */
	size_t env_count;
	/* History and layers. */
	size_t n_steps;
	struct xray_step *steps;
	size_t n_layers;
	struct xray_layer *layers;
	size_t unmatched_steps;  /* non-empty history steps with no layer left for them */
	size_t layers_without_step;
	/* Final filesystem. */
	uint64_t entries, regular, dirs, symlinks, hardlinks, others;
	uint64_t bytes;          /* content bytes (hardlinks once) */
	uint64_t stored_bytes;   /* sum of the layers' stored sizes (where known) */
	uint64_t content_bytes;  /* sum of the layers' uncompressed content */
	uint64_t wasted_bytes, wasted_files;
	size_t n_largest;
	struct xray_file *largest;
	size_t n_flags;
	struct xray_flag *flags;
	/* The score: 100 * (content_bytes - saves_bytes) / content_bytes, 100 for an empty image. */
	unsigned score;
	uint64_t saves_bytes;    /* union of what the findings would remove: each file once, plus wasted */
	uint64_t score_total;    /* the layers' content: the final files plus wasted */
	/* With a slim report (xray_slim_apply before xray_analyze). */
	bool slim;
	uint64_t slim_removed_bytes, slim_removed_files; /* content bytes of removed regular files, hardlinks once */
	uint64_t slim_in_findings; /* of those, bytes some finding would also remove */
};

/* Analyse `img` whose layer index is `idx`; `top` is how many largest files to list.
 * The report borrows from both: free it before them. */
int xray_analyze(const struct image *img, const struct layer_index *idx, size_t top, struct xray_report **out,
		 struct pare_error *err);
/* The same, with the entries marked by xray_slim_apply: each finding gets its slim_bytes. */
int xray_analyze_slim(const struct image *img, const struct layer_index *idx, size_t top, struct xray_report **out,
		      struct pare_error *err);
void xray_report_free(struct xray_report *r);

const char *xray_flag_kind_name(enum xray_flag_kind kind);

/* Read a pare build --report (JSON text of `len` bytes; `name` for messages) into `out`. */
int xray_slim_parse(const char *text, size_t len, const char *name, struct xray_slim *out, struct pare_error *err);
int xray_slim_load(const char *file, struct xray_slim *out, struct pare_error *err);
void xray_slim_release(struct xray_slim *s);
/* Mark the index's entries: keep false for what the report removes, true for the rest. Fails when a
 * removed path is not in the image (the report is of another image). */
int xray_slim_apply(const struct xray_slim *s, struct layer_index *idx, struct pare_error *err);

/* The techniques, terminated by a row with id NULL. */
extern const struct xray_technique xray_techniques[];
/* The highest severity of the report's findings, or -1 when it has none. */
int xray_worst_severity(const struct xray_report *r);

/* Internal to image/xray*.c: the flag rules (image/xray_rules.c). */
void xray_flags_collect(const struct image *img, const struct layer_index *idx, struct xray_report *r);
/* Set a flag's severity, technique and whether its bytes count as saved (image/xray_advice.c). */
void xray_flag_advise(struct xray_flag *f);
/* Whether the technique for flag `id` of `kind` removes the flag's files from the image. */
bool xray_flag_saves(const char *id, enum xray_flag_kind kind);
/* The user the image runs as is root: empty, "0", "root", or "0:..."/"root:...". */
bool xray_user_is_root(const char *user);
#endif
