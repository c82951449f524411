/* Fuzz target: reading an image archive (image/: tar member scan, manifest.json, index.json, OCI
 * manifests and nested indexes, config JSON, then the layers into the layer index). The input lists
 * archive members in the text format of fuzz_image.h; digests and sizes are filled in by the harness. */
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_image fi = { .n = 0 };
	fuzz_image_parse(&fi, data, size);
	fuzz_image_resolve(&fi);
	int fd = fuzz_image_write(&fi);
	if (fd >= 0) {
		fuzz_image_read(fd);
		close(fd);
	}
	fuzz_image_release(&fi);
	return 0;
}
