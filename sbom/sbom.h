/* The slim image's software bill of materials (doc/SBOM.md): its packages (dpkg, Python
 * distributions, Node packages) with name, version, architecture, purl and licence, the files of
 * each with SHA-1 and SHA-256 as written into the slim image, and the image's digests.
 *
 *   sbom_write(&in, SBOM_SPDX_JSON, "app.spdx.json", &stats, err);
 * After image_write (the digests come from its result). Written atomically; nothing is left at the
 * path on failure. */
#ifndef PARE_SBOM_H
#define PARE_SBOM_H
#include <stddef.h>
#include <stdint.h>

#include "image/layer_index.h"
#include "image/writer.h"
#include "lib/error.h"
#include "pkgdb/pkgdb.h"

enum sbom_format { SBOM_SPDX_JSON, SBOM_CYCLONEDX_JSON };
#define SBOM_DEFAULT_FORMAT SBOM_SPDX_JSON

/* "spdx-json" / "cyclonedx-json"; -1 for anything else. */
int sbom_format_parse(const char *name, enum sbom_format *out);

struct sbom_input {
	struct layer_index *idx;   /* after the minifier: fs_entry.keep says what the slim image has */
	const char *rootfs_dir;    /* the unpacked tree the writer read the kept files from */
	const struct pkgdb *db;    /* the rewritten package database (its overrides), or NULL */
	const struct image_write_result *image; /* image_id, manifest_digest, tag */
	const char *tool_version;
};

struct sbom_stats {
	size_t packages, files;
	uint64_t bytes_hashed;
};

int sbom_write(const struct sbom_input *in, enum sbom_format fmt, const char *file, struct sbom_stats *stats,
	       struct pare_error *err);
#endif
