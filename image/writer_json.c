/* The JSON documents of a written image: config, OCI manifest and index, docker manifest.json.
 * Serialised with sorted keys and no whitespace, so the same input gives the same bytes. */
#include <string.h>

#include "image/writer_int.h"
#include "lib/xalloc.h"

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"

const char *writer_layer_media_type(enum image_compression comp)
{
	switch (comp) {
	case IMAGE_COMP_GZIP:
		return "application/vnd.oci.image.layer.v1.tar+gzip";
	case IMAGE_COMP_ZSTD:
		return "application/vnd.oci.image.layer.v1.tar+zstd";
	case IMAGE_COMP_NONE:
		break;
	}
	return "application/vnd.oci.image.layer.v1.tar";
}

char *writer_blob_name(const char *digest)
{
	const char *hex = strchr(digest, ':');
	return xasprintf("blobs/sha256/%s", hex ? hex + 1 : digest);
}

char *writer_json_dump(const json_t *doc, size_t *len)
{
	char *s = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
	if (!s)
		abort(); /* only on allocation failure */
	*len = strlen(s);
	return s;
}

/* The input's config with one layer: rootfs.diff_ids holds the new layer, and history one entry
 * for it (the original creation time is kept, so the output does not depend on the clock). */
json_t *writer_config(const json_t *base, const char *diff_id, const char *created_by)
{
	json_t *cfg = base && json_is_object(base) ? json_deep_copy(base) : json_object();
	json_t *rootfs = json_pack("{s:s, s:[s]}", "type", "layers", "diff_ids", diff_id);
	json_object_set_new(cfg, "rootfs", rootfs);

	json_t *entry = json_pack("{s:s}", "created_by", created_by ? created_by : "pare");
	json_t *created = json_object_get(cfg, "created");
	if (json_is_string(created))
		json_object_set(entry, "created", created);
	json_t *history = json_array();
	json_array_append_new(history, entry);
	json_object_set_new(cfg, "history", history);
	/* An empty config object is valid, but docker and podman expect these two. */
	if (!json_is_string(json_object_get(cfg, "architecture")))
		json_object_set_new(cfg, "architecture", json_string("amd64"));
	if (!json_is_string(json_object_get(cfg, "os")))
		json_object_set_new(cfg, "os", json_string("linux"));
	return cfg;
}

static json_t *descriptor(const char *media_type, const char *digest, size_t size)
{
	return json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest", digest, "size", (json_int_t)size);
}

json_t *writer_oci_manifest(const char *config_digest, size_t config_size, const struct writer_layer *layer,
			    enum image_compression comp)
{
	json_t *layers = json_array();
	json_array_append_new(layers, descriptor(writer_layer_media_type(comp), layer->digest, layer->size));
	return json_pack("{s:i, s:s, s:o, s:o}", "schemaVersion", 2, "mediaType", MT_OCI_MANIFEST, "config",
			 descriptor(MT_OCI_CONFIG, config_digest, config_size), "layers", layers);
}

/* As Docker 25+ and containerd write it: ref.name holds the tag, io.containerd.image.name the
 * full name (podman names a loaded OCI archive after the latter). */
json_t *writer_oci_index(const char *manifest_digest, size_t manifest_size, const struct image_tag *tag)
{
	json_t *desc = descriptor(MT_OCI_MANIFEST, manifest_digest, manifest_size);
	json_object_set_new(desc, "annotations",
			    json_pack("{s:s, s:s}", "io.containerd.image.name", tag->full,
				      "org.opencontainers.image.ref.name", tag->tag));
	json_t *manifests = json_array();
	json_array_append_new(manifests, desc);
	return json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType", MT_OCI_INDEX, "manifests", manifests);
}

json_t *writer_docker_manifest(const char *config_digest, const char *layer_digest, const struct image_tag *tag)
{
	char *config_name = writer_blob_name(config_digest);
	char *layer_name = writer_blob_name(layer_digest);
	json_t *m = json_pack("[{s:s, s:[s], s:[s]}]", "Config", config_name, "RepoTags", tag->familiar, "Layers",
			      layer_name);
	free(config_name);
	free(layer_name);
	return m;
}
