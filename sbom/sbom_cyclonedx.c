/* CycloneDX 1.5 JSON: the image as metadata.component (type container, its manifest digest), each
 * package a library component with its files as nested file components (SHA-1, SHA-256). */
#include <stdio.h>

#include "lib/xalloc.h"
#include "sbom/sbom_int.h"

static json_t *hashes(const struct sbom_file *f)
{
	return json_pack("[{s:s, s:s}, {s:s, s:s}]", "alg", "SHA-1", "content", f->sha1, "alg", "SHA-256", "content",
			 f->sha256);
}

static json_t *licenses(const struct sbom_pkg *p)
{
	if (p->license)
		return json_pack("[{s:s}]", "expression", p->license);
	if (p->license_text)
		return json_pack("[{s:{s:s}}]", "license", "name", p->license_text);
	return NULL;
}

json_t *sbom_cyclonedx_json(const struct sbom *s)
{
	json_t *components = json_array(), *deps = json_array(), *image_deps = json_array();
	cleanup_free char *serial = xasprintf("urn:uuid:%s", s->uuid);
	json_t *image = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s}]}", "type", "container", "bom-ref", "image",
				  "name", s->image_name, "version", s->manifest_digest, "purl", s->image_purl,
				  "properties", "name", "pare:image:id", "value", s->image_id);
	json_array_append_new(json_object_get(image, "properties"),
			      json_pack("{s:s, s:s}", "name", "pare:image:tag", "value", s->image_tag));
	if (s->manifest_digest[0])
		json_object_set_new(image, "hashes",
				    json_pack("[{s:s, s:s}]", "alg", "SHA-256", "content", s->manifest_digest + 7));
	for (size_t i = 0; i < s->n_pkgs; i++) {
		const struct sbom_pkg *p = &s->pkgs[i];
		char ref[48];
		snprintf(ref, sizeof(ref), "pkg-%zu", i + 1);
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "library", "bom-ref", ref, "name", p->name,
				      "version", p->version, "purl", p->purl);
		json_t *l = licenses(p);
		if (l)
			json_object_set_new(o, "licenses", l);
		json_t *props = json_array();
		if (p->arch)
			json_array_append_new(props, json_pack("{s:s, s:s}", "name", "pare:package:architecture", "value", p->arch));
		if (p->state)
			json_array_append_new(props, json_pack("{s:s, s:s}", "name", "pare:package:state", "value", p->state));
		if (json_array_size(props))
			json_object_set_new(o, "properties", props);
		else
			json_decref(props);
		json_t *files = json_array();
		for (size_t k = 0; k < p->n_files; k++) {
			const struct sbom_file *f = &s->files[p->files[k]];
			char fref[64];
			snprintf(fref, sizeof(fref), "pkg-%zu-file-%zu", i + 1, k + 1);
			json_array_append_new(files, json_pack("{s:s, s:s, s:s, s:o}", "type", "file", "bom-ref", fref, "name",
							       f->path, "hashes", hashes(f)));
		}
		if (json_array_size(files))
			json_object_set_new(o, "components", files);
		else
			json_decref(files);
		json_array_append_new(components, o);
		json_array_append_new(image_deps, json_string(ref));
		json_array_append_new(deps, json_pack("{s:s}", "ref", ref));
	}
	json_array_insert_new(deps, 0, json_pack("{s:s, s:o}", "ref", "image", "dependsOn", image_deps));
	return json_pack("{s:s, s:s, s:s, s:i, s:{s:s, s:{s:[{s:s, s:s, s:s}]}, s:o}, s:o, s:o}", "bomFormat",
			 "CycloneDX", "specVersion", "1.5", "serialNumber", serial, "version", 1, "metadata",
			 "timestamp", s->created, "tools", "components", "type", "application", "name", "pare",
			 "version", s->tool_version ? s->tool_version : "unknown", "component", image, "components",
			 components, "dependencies", deps);
}
