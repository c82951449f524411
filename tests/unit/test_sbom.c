/* Unit tests for sbom/: licence names mapped to SPDX expressions (or refused), the Files: *
 * licence of a DEP-5 copyright file, purls percent-encoded. */
#include <stdlib.h>
#include <string.h>

#include "sbom/sbom_int.h"
#include "tests/unit/unit.h"

static void check_spdx(const char *in, const char *want, const char *file, int line)
{
	char *got = sbom_license_spdx(in);
	if ((want == NULL) != (got == NULL) || (want && strcmp(got, want)))
		unit_fail(file, line, "sbom_license_spdx(\"%s\") == \"%s\", expected \"%s\"", in, got ? got : "(null)",
			  want ? want : "(null)");
	free(got);
}
#define SPDX(in, want) check_spdx(in, want, __FILE__, __LINE__)

TEST(sbom_license_dep5_names_become_spdx_expressions)
{
	SPDX("GPL-2+", "GPL-2.0-or-later");
	SPDX("Expat", "MIT");
	SPDX("BSD-3-clause", "BSD-3-Clause");
	SPDX("GPL-1+ or Artistic", "GPL-1.0-or-later OR Artistic-1.0-Perl");
	SPDX("(MIT OR Apache-2.0) AND Zlib", "(MIT OR Apache-2.0) AND Zlib");
	SPDX("MIT License", "MIT");
}

TEST(sbom_license_unknown_parts_are_refused)
{
	SPDX("public-domain", NULL);
	SPDX("GPL-2+ with OpenSSL exception", NULL);
	SPDX("MIT or", NULL);
	SPDX("(MIT", NULL);
	SPDX("or MIT", NULL);
}

TEST(sbom_license_dep5_takes_the_files_star_paragraph)
{
	const char *c = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
			"Upstream-Name: x\n\n"
			"Files: debian/*\nLicense: GPL-2+\n\n"
			"Files: *\nCopyright: someone\nLicense: Expat\n Permission is hereby granted...\n\n"
			"License: Expat\n text\n";
	char *l = sbom_license_dep5(c, strlen(c));
	CHECK_STR(l, "Expat");
	free(l);
	const char *free_text = "This package was debianized by someone.\nLicense: GPL\n";
	CHECK(sbom_license_dep5(free_text, strlen(free_text)) == NULL);
}

TEST(sbom_purl_percent_encodes)
{
	char *p = sbom_purl("deb", "debian", "zlib1g", "1:1.2.13.dfsg-1+deb12u1", "arch=amd64&distro=debian-12");
	CHECK_STR(p, "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1%2Bdeb12u1?arch=amd64&distro=debian-12");
	free(p);
	p = sbom_purl("npm", "@types", "node", "20.1.0", NULL);
	CHECK_STR(p, "pkg:npm/%40types/node@20.1.0");
	free(p);
	p = sbom_purl("pypi", NULL, "flask", "", NULL);
	CHECK_STR(p, "pkg:pypi/flask");
	free(p);
}
