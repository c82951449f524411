/* Internal to sbom/: the model both formats are written from. */
#ifndef PARE_SBOM_INT_H
#define PARE_SBOM_INT_H
#include <jansson.h>

#include "sbom/sbom.h"

struct sbom_file {
	char *path;             /* index path */
	char sha1[41], sha256[65];
};

struct sbom_pkg {
	const char *type;       /* purl type: "deb", "apk", "pypi", "npm" */
	char *name, *version, *arch; /* arch NULL for language packages */
	char *purl;
	char *license;          /* an SPDX licence expression, or NULL */
	char *license_text;     /* the licence as the package says it (may not be SPDX), or NULL */
	char *state;            /* dpkg: "whole" / "partial" */
	size_t *files;          /* indexes into sbom.files */
	size_t n_files;
	char verification[41];  /* SPDX package verification code */
};

struct sbom {
	struct sbom_pkg *pkgs;
	size_t n_pkgs;
	struct sbom_file *files; /* sorted by path, unique */
	size_t n_files;
	char *image_name;        /* "app.slim" */
	char *image_tag;         /* "app.slim:latest" */
	char *image_id, *manifest_digest; /* "sha256:..." */
	char *image_purl;
	char *created;           /* RFC 3339, UTC */
	char *uuid;              /* name-based (v5) from the manifest digest */
	const char *tool_version;
};

/* sbom_license.c: an SPDX expression for a DEP-5 or free-text licence name ("GPL-2+ or Artistic"
 * -> "GPL-2.0-or-later OR Artistic-1.0-Perl"), or NULL when a part is not a known licence. */
char *sbom_license_spdx(const char *name);
/* The License of the "Files: *" paragraph of a machine-readable (DEP-5) copyright file, or NULL. */
char *sbom_license_dep5(const char *text, size_t len);

/* purl with percent-encoding: pkg:TYPE/[NAMESPACE/]NAME@VERSION[?QUALIFIERS] (qualifiers as given). */
char *sbom_purl(const char *type, const char *ns, const char *name, const char *version, const char *qualifiers);

json_t *sbom_spdx_json(const struct sbom *s);
json_t *sbom_cyclonedx_json(const struct sbom *s);
#endif
