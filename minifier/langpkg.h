/* Language packages in an image (doc/MINIFIER.md, "Language package metadata"): Python distributions
 * (a *.dist-info or *.egg-info directory, or an *.egg-info file, in a site-packages or dist-packages
 * directory) and Node packages (a package.json in node_modules/NAME or node_modules/@SCOPE/NAME).
 * Each has its metadata (what scanners read for the name and version) and the files it installed:
 *   Python: the paths of RECORD (dist-info) or installed-files.txt (egg-info); without either, every
 *           file under the top-level names of top_level.txt (else the normalised distribution
 *           name): site/NAME/..., site/NAME.py, site/NAME.*.so
 *   Node:   every file under the package directory except its package.json and nested node_modules
 * The minifier keeps a package's metadata when one of its files is kept (keep_language_metadata);
 * the SBOM lists the packages whose metadata the slim image has. */
#ifndef PARE_MINIFIER_LANGPKG_H
#define PARE_MINIFIER_LANGPKG_H
#include <stdbool.h>
#include <stddef.h>

#include "image/layer_index.h"
#include "lib/error.h"
#include "minifier/content.h"

enum langpkg_kind { LANGPKG_PYTHON, LANGPKG_NODE };

struct langpkg {
	enum langpkg_kind kind;
	char *name, *version; /* as the metadata says; version "" when it says none */
	char *license;        /* METADATA License-Expression / License, package.json license; or NULL */
	char *meta;           /* the .dist-info/.egg-info path, or the package.json */
	struct fs_entry **files; /* what it installed, present in the index (no directories, no metadata) */
	size_t n_files;
	struct fs_entry **meta_files; /* the metadata's files (regular files and symlinks) */
	size_t n_meta;
};

/* Every language package of the index (file contents read through cr). Unreadable or malformed
 * metadata makes a package be skipped, not the scan fail. */
int langpkg_scan(struct layer_index *idx, struct content_root *cr, struct langpkg **out, size_t *n,
		 struct pare_error *err);
/* Frees the array and what its packages own (the fs_entry pointers are the index's). */
void langpkg_free(struct langpkg *v, size_t n);
/* One of its files is kept (fs_entry.keep). */
bool langpkg_used(const struct langpkg *p);
/* "pypi" or "npm": the purl type. */
const char *langpkg_purl_type(enum langpkg_kind k);
#endif
