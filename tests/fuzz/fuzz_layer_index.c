/* Fuzz target: the layer index fed raw layer tars (image/layer_reader.c, index_apply.c, index_entry.c,
 * resolve.c): whiteouts, opaque directories, hardlinks within and across layers, symlinks, odd names.
 * The input is up to three layers separated by "PARELAYR"; the harness wraps them in a docker-archive
 * whose manifest and config (diff_ids) match, so every input reaches the index builder. */
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_image.h"

#define SEP "PARELAYR"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_image fi = { .n = 0 };
	const char *p = (const char *)data, *end = p + size;
	char layers[256] = "", diff_ids[256] = "";
	int n = 0;
	while (n < 3) {
		const char *sep = memmem(p, (size_t)(end - p), SEP, strlen(SEP));
		const char *stop = sep && n < 2 ? sep : end;
		char id = (char)('1' + n), name[32];
		snprintf(name, sizeof(name), "{{h:%c}}/layer.tar", id);
		fuzz_image_add(&fi, id, name, p, (size_t)(stop - p));
		size_t ll = strlen(layers), dl = strlen(diff_ids);
		snprintf(layers + ll, sizeof(layers) - ll, "%s\"{{h:%c}}/layer.tar\"", n ? "," : "", id);
		snprintf(diff_ids + dl, sizeof(diff_ids) - dl, "%s\"{{d:%c}}\"", n ? "," : "", id);
		n++;
		if (stop == end)
			break;
		p = stop + strlen(SEP);
	}
	char config[1024], manifest[512];
	snprintf(config, sizeof(config),
		 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":[\"/bin/sh\"]},"
		 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[%s]}}",
		 diff_ids);
	fuzz_image_add(&fi, 'c', "{{h:c}}.json", config, strlen(config));
	snprintf(manifest, sizeof(manifest), "[{\"Config\":\"{{h:c}}.json\",\"RepoTags\":[\"fuzz:1\"],\"Layers\":[%s]}]",
		 layers);
	fuzz_image_add(&fi, 0, "manifest.json", manifest, strlen(manifest));
	fuzz_image_resolve(&fi);
	int fd = fuzz_image_write(&fi);
	if (fd >= 0) {
		fuzz_image_read(fd);
		close(fd);
	}
	fuzz_image_release(&fi);
	return 0;
}
