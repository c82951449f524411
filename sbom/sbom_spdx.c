/* SPDX 2.3 JSON: the image as the described package (its manifest digest as checksum and purl),
 * each software package CONTAINed by it with its files (SHA-1 as SPDX requires, SHA-256). */
#include <stdio.h>

#include "lib/xalloc.h"
#include "sbom/sbom_int.h"

static json_t *checksum(const char *alg, const char *value)
{
	return json_pack("{s:s, s:s}", "algorithm", alg, "checksumValue", value);
}

static json_t *relationship(const char *from, const char *type, const char *to)
{
	return json_pack("{s:s, s:s, s:s}", "spdxElementId", from, "relationshipType", type, "relatedSpdxElement", to);
}

json_t *sbom_spdx_json(const struct sbom *s)
{
	json_t *packages = json_array(), *files = json_array(), *rels = json_array();
	const char *hexdigest = s->manifest_digest[0] ? s->manifest_digest + 7 : "";
	cleanup_free char *creator = xasprintf("Tool: pare-%s", s->tool_version ? s->tool_version : "unknown");
	cleanup_free char *ns = xasprintf("https://pare.invalid/spdx/%s-%s", s->image_name, s->uuid);
	cleanup_free char *comment = xasprintf("config digest (image id) %s", s->image_id);
	json_t *image = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s}]}", "name",
				  s->image_tag, "SPDXID", "SPDXRef-Image", "versionInfo", s->manifest_digest,
				  "downloadLocation", "NOASSERTION", "filesAnalyzed", 0, "primaryPackagePurpose",
				  "CONTAINER", "licenseConcluded", "NOASSERTION", "licenseDeclared", "NOASSERTION",
				  "comment", comment, "externalRefs", "referenceCategory", "PACKAGE-MANAGER",
				  "referenceType", "purl", "referenceLocator", s->image_purl);
	if (*hexdigest)
		json_object_set_new(image, "checksums", json_pack("[o]", checksum("SHA256", hexdigest)));
	json_array_append_new(packages, image);
	json_array_append_new(rels, relationship("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image"));
	for (size_t i = 0; i < s->n_files; i++) {
		char id[48];
		snprintf(id, sizeof(id), "SPDXRef-File-%zu", i + 1);
		json_array_append_new(files, json_pack("{s:s, s:s, s:[o, o]}", "fileName", s->files[i].path, "SPDXID", id,
						       "checksums", checksum("SHA1", s->files[i].sha1),
						       checksum("SHA256", s->files[i].sha256)));
	}
	for (size_t i = 0; i < s->n_pkgs; i++) {
		const struct sbom_pkg *p = &s->pkgs[i];
		char id[48];
		snprintf(id, sizeof(id), "SPDXRef-Package-%s-%zu", p->type, i + 1);
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:[{s:s, s:s, s:s}]}", "name", p->name,
				      "SPDXID", id, "versionInfo", p->version, "downloadLocation", "NOASSERTION",
				      "filesAnalyzed", p->n_files > 0, "licenseConcluded", "NOASSERTION",
				      "licenseDeclared", p->license ? p->license : "NOASSERTION", "copyrightText",
				      "NOASSERTION", "externalRefs", "referenceCategory", "PACKAGE-MANAGER",
				      "referenceType", "purl", "referenceLocator", p->purl);
		if (p->n_files)
			json_object_set_new(o, "packageVerificationCode",
					    json_pack("{s:s}", "packageVerificationCodeValue", p->verification));
		if (p->license_text && !p->license)
			json_object_set_new(o, "licenseComments",
					    json_sprintf("the package says '%s' (not an SPDX expression)", p->license_text));
		if (p->arch || p->state) {
			cleanup_free char *c = xasprintf("%s%s%s%s", p->arch ? "architecture " : "", p->arch ? p->arch : "",
							 p->arch && p->state ? "; " : "",
							 !p->state ? "" : p->state[0] == 'w' ? "kept whole" : "kept in part");
			json_object_set_new(o, "comment", json_string(c));
		}
		for (size_t k = 0; k < p->n_files; k++) {
			char fid[48];
			snprintf(fid, sizeof(fid), "SPDXRef-File-%zu", p->files[k] + 1);
			json_array_append_new(rels, relationship(id, "CONTAINS", fid));
		}
		json_array_append_new(packages, o);
		json_array_append_new(rels, relationship("SPDXRef-Image", "CONTAINS", id));
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[s]}, s:o, s:o, s:o}", "spdxVersion", "SPDX-2.3",
			 "dataLicense", "CC0-1.0", "SPDXID", "SPDXRef-DOCUMENT", "name", s->image_tag,
			 "documentNamespace", ns, "creationInfo", "created", s->created, "creators", creator,
			 "packages", packages, "files", files, "relationships", rels);
}
