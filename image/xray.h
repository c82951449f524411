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

#define XRAY_TOP_FILES 20   /* largest files listed by default */
#define XRAY_FLAG_PATHS 10  /* example paths kept per flag */

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
};

/* Analyse `img` whose layer index is `idx`; `top` is how many largest files to list.
 * The report borrows from both: free it before them. */
int xray_analyze(const struct image *img, const struct layer_index *idx, size_t top, struct xray_report **out,
		 struct pare_error *err);
void xray_report_free(struct xray_report *r);

const char *xray_flag_kind_name(enum xray_flag_kind kind);

/* Internal to image/xray*.c: the flag rules (image/xray_rules.c). */
void xray_flags_collect(const struct image *img, const struct layer_index *idx, struct xray_report *r);
/* The user the image runs as is root: empty, "0", "root", or "0:..."/"root:...". */
bool xray_user_is_root(const char *user);
#endif
