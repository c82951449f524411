/* image_open() and the layer reader on images built by tests/mkimage.py. */
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "tests/unit/image_fixture.h"
#include "tests/unit/unit.h"

#define LAYERS2                                                                                              \
	"\"layers\": [{\"entries\": [{\"path\": \"bin/\", \"type\": \"dir\"}, {\"path\": \"bin/sh\", "          \
	"\"content\": \"#!sh\", \"mode\": \"0755\"}]}, {\"entries\": [{\"path\": \"etc/hostname\", "            \
	"\"content\": \"box\\n\"}]}]"

/* Open `path`, read every layer to its end; returns the number of entries seen or -1. */
static long read_all(const char *path, const char *ref, struct pare_error *err)
{
	struct image *img;
	if (image_open(path, ref, &img, err) < 0)
		return -1;
	long n = 0;
	for (size_t i = 0; i < img->n_layers; i++) {
		struct layer_reader *r;
		if (layer_reader_open(img, i, &r, err) < 0) {
			image_free(img);
			return -1;
		}
		struct archive_entry *e;
		int rc;
		while ((rc = layer_reader_next(r, &e, err)) == 1) {
			char buf[4096];
			ssize_t got;
			while ((got = layer_reader_read(r, buf, sizeof(buf), err)) > 0)
				;
			if (got < 0)
				break;
			n++;
		}
		layer_reader_free(r);
		if (rc != 0) {
			image_free(img);
			return -1;
		}
	}
	image_free(img);
	return n;
}

static void check_format(const char *format, const char *lc, const char *ac, const char *want_format)
{
	char spec[2048];
	snprintf(spec, sizeof(spec),
		 "{\"format\": \"%s\", \"compress\": \"%s\", \"tags\": [\"app:1\"], \"layer_compress\": \"%s\", "
		 "\"config\": {\"Entrypoint\": [\"/bin/sh\", \"-c\"], \"User\": \"1000\", \"ExposedPorts\": "
		 "{\"80/tcp\": {}, \"443/tcp\": {}}}, " LAYERS2 "}",
		 format, ac, lc);
	cleanup_free char *name = xasprintf("img-%s-%s-%s", format, lc, ac);
	cleanup_free char *path = fixture_image(spec, name);
	if (!path)
		return;
	struct pare_error err = { 0 };
	struct image *img = NULL;
	int rc = image_open(path, NULL, &img, &err);
	if (rc < 0)
		unit_fail(__FILE__, __LINE__, "%s: %s", name, err.msg);
	CHECK_INT(rc, 0);
	if (rc < 0)
		return;
	CHECK_STR(img->format, want_format);
	CHECK_STR(img->ref, "app:1");
	CHECK_INT(img->n_layers, 2);
	CHECK(img->config_digest && strncmp(img->config_digest, "sha256:", 7) == 0);
	int want_comp = strcmp(lc, "gzip") == 0 ? IMAGE_COMP_GZIP : strcmp(lc, "zstd") == 0 ? IMAGE_COMP_ZSTD : IMAGE_COMP_NONE;
	CHECK_INT(img->layers[0].compression, want_comp);
	CHECK(img->layers[1].diff_id != NULL);
	cleanup_strv char **ep = image_config_strv(img, "Entrypoint");
	CHECK_INT(strv_len(ep), 2);
	CHECK_STR(ep[1], "-c");
	CHECK_STR(image_config_str(img, "User"), "1000");
	CHECK(image_config_str(img, "WorkingDir") == NULL);
	cleanup_strv char **ports = image_config_keys(img, "ExposedPorts");
	CHECK_INT(strv_len(ports), 2);
	CHECK_STR(ports[0], "443/tcp");
	cleanup_strv char **none = image_config_strv(img, "Cmd");
	CHECK_INT(strv_len(none), 0);
	image_free(img);
	CHECK_INT(read_all(path, NULL, &err), 3);
}

TEST(image_docker_archive_classic)
{
	check_format("docker-archive", "none", "none", "docker-archive");
}

TEST(image_docker25_layout)
{
	check_format("docker", "none", "none", "docker-archive");
}

TEST(image_oci_archive)
{
	check_format("oci-archive", "none", "none", "oci-archive");
}

TEST(image_oci_dir)
{
	check_format("oci-dir", "none", "none", "oci-dir");
}

TEST(image_layer_gzip_zstd)
{
	check_format("oci-archive", "gzip", "none", "oci-archive");
	check_format("oci-dir", "zstd", "none", "oci-dir");
	check_format("docker-archive", "gzip", "none", "docker-archive");
}

TEST(image_whole_archive_compressed)
{
	check_format("oci-archive", "none", "gzip", "oci-archive");
	check_format("docker-archive", "zstd", "zstd", "docker-archive");
	check_format("docker", "gzip", "gzip", "docker-archive");
}
