/* image_open() and the layer reader on images built by tests/mkimage.py. */
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/internal.h"
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

#define IMG(tag, content)                                                                                   \
	"{\"tags\": [\"" tag "\"], \"layers\": [{\"entries\": [{\"path\": \"id\", \"content\": \"" content \
	"\"}]}]}"

static char *open_err(const char *path, const char *ref)
{
	struct pare_error err = { 0 };
	struct image *img;
	if (image_open(path, ref, &img, &err) == 0) {
		char *r = xasprintf("ok %s", img->ref ? img->ref : "(none)");
		image_free(img);
		return r;
	}
	return xstrdup(err.msg);
}

static void check_multi(const char *format)
{
	char spec[2048];
	snprintf(spec, sizeof(spec), "{\"format\": \"%s\", \"images\": [" IMG("web:1", "a") "," IMG("web", "b") ","
		 IMG("registry.example/team/db:2", "c") "]}", format);
	cleanup_free char *path = fixture_image(spec, "multi");
	if (!path)
		return;
	cleanup_free char *none = open_err(path, NULL);
	CHECK(strstr(none, "holds 3 images, pick one with --ref") != NULL);
	CHECK(strstr(none, "web:1") && strstr(none, "web:latest") && strstr(none, "registry.example/team/db:2"));
	cleanup_free char *a = open_err(path, "web:1");
	CHECK_STR(a, "ok web:1");
	cleanup_free char *b = open_err(path, "web");
	CHECK_STR(b, "ok web:latest");
	cleanup_free char *b2 = open_err(path, "docker.io/library/web:latest");
	CHECK_STR(b2, "ok web:latest");
	cleanup_free char *c = open_err(path, "registry.example/team/db:2");
	CHECK_STR(c, "ok registry.example/team/db:2");
	cleanup_free char *miss = open_err(path, "web:3");
	CHECK(strstr(miss, "no image 'web:3'") != NULL);
}

TEST(image_multi_ref_docker_archive)
{
	check_multi("docker-archive");
}

TEST(image_multi_ref_docker25)
{
	check_multi("docker");
}

TEST(image_multi_ref_oci)
{
	check_multi("oci-archive");
	check_multi("oci-dir");
}

TEST(image_nested_index_picks_host_platform)
{
	cleanup_free char *path = fixture_image("{\"format\": \"oci-archive\", \"index_wrap\": true, \"tags\": [\"x:1\"],"
						"\"layers\": [{\"entries\": [{\"path\": \"f\", \"content\": \"amd\"}]}]}",
						"nested");
	if (!path)
		return;
	struct pare_error err = { 0 };
	struct image *img;
	CHECK_INT(image_open(path, NULL, &img, &err), 0);
	if (err.msg[0])
		unit_fail(__FILE__, __LINE__, "%s", err.msg);
	else {
		CHECK_INT(img->n_layers, 1);
		CHECK_STR(json_string_value(json_object_get(img->config, "architecture")), "amd64");
		image_free(img);
	}
}

TEST(image_stdin_is_spooled_and_removed)
{
	cleanup_free char *path = fixture_image("{\"format\": \"docker-archive\", \"compress\": \"gzip\", \"layers\": "
						"[{\"entries\": [{\"path\": \"f\", \"content\": \"x\"}]}]}", "stdin");
	if (!path)
		return;
	int saved = dup(0);
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	dup2(fileno(f), 0);
	fclose(f);
	struct pare_error err = { 0 };
	struct image *img = NULL;
	int rc = image_open("-", NULL, &img, &err);
	dup2(saved, 0);
	close(saved);
	CHECK_INT(rc, 0);
	if (rc < 0)
		return;
	CHECK(img->src != NULL && img->src->spool_dir != NULL);
	cleanup_free char *spool = img->src->spool_dir ? xstrdup(img->src->spool_dir) : NULL;
	CHECK_INT(img->n_layers, 1);
	struct layer_reader *r;
	CHECK_INT(layer_reader_open(img, 0, &r, &err), 0);
	struct archive_entry *e;
	CHECK_INT(layer_reader_next(r, &e, &err), 1);
	char buf[16] = { 0 };
	CHECK_INT(layer_reader_read(r, buf, sizeof(buf), &err), 1);
	CHECK_STR(buf, "x");
	CHECK_INT(layer_reader_read(r, buf, sizeof(buf), &err), 0);
	CHECK_INT(layer_reader_next(r, &e, &err), 0);
	layer_reader_free(r);
	image_free(img);
	CHECK(spool && access(spool, F_OK) != 0); /* the spool is gone */
}

TEST(image_layer_data_streams_exactly)
{
	cleanup_free char *path = fixture_image("{\"format\": \"oci-dir\", \"layer_compress\": \"zstd\", \"layers\": "
						"[{\"entries\": [{\"path\": \"big\", \"size\": 300000}, {\"path\": \"small\", "
						"\"content\": \"hello\"}]}]}", "data");
	if (!path)
		return;
	struct pare_error err = { 0 };
	struct image *img;
	if (image_open(path, NULL, &img, &err) < 0) {
		unit_fail(__FILE__, __LINE__, "%s", err.msg);
		return;
	}
	struct layer_reader *r;
	CHECK_INT(layer_reader_open(img, 0, &r, &err), 0);
	struct archive_entry *e;
	/* Skip "big" without reading it: the digests must still verify at the end. */
	CHECK_INT(layer_reader_next(r, &e, &err), 1);
	CHECK_STR(archive_entry_pathname(e), "big");
	CHECK_INT(layer_reader_next(r, &e, &err), 1);
	char buf[64] = { 0 };
	ssize_t n = layer_reader_read(r, buf, sizeof(buf) - 1, &err);
	CHECK_INT(n, 5);
	CHECK_STR(buf, "hello");
	CHECK_INT(layer_reader_next(r, &e, &err), 0);
	layer_reader_free(r);
	image_free(img);
}

/* Every bad input gives a one-line error naming the problem. */
static void check_bad(const char *name, const char *spec, const char *want)
{
	cleanup_free char *path = fixture_image(spec, name);
	if (!path)
		return;
	struct pare_error err = { 0 };
	long n = read_all(path, NULL, &err);
	if (n >= 0 || !strstr(err.msg, want) || strchr(err.msg, '\n'))
		unit_fail(__FILE__, __LINE__, "%s: got %ld '%s', want an error with '%s'", name, n, err.msg, want);
}

#define ONE "\"layers\": [{\"entries\": [{\"path\": \"a\", \"size\": 3000}]}]"

TEST(image_bad_digests)
{
	check_bad("tamper", "{\"corrupt\": {\"tamper_layer\": [0]}, " ONE "}", "does not match its digest");
	check_bad("tamper-gz", "{\"layer_compress\": \"gzip\", \"corrupt\": {\"tamper_layer\": [0]}, " ONE "}",
		  "does not match its digest");
	check_bad("diffid", "{\"corrupt\": {\"diff_id\": [0]}, " ONE "}", "does not match its diff_id");
	check_bad("diffid-classic", "{\"format\": \"docker-archive\", \"corrupt\": {\"tamper_layer\": [0]}, " ONE "}",
		  "does not match its diff_id");
	check_bad("cfg", "{\"corrupt\": {\"tamper_config\": true}, " ONE "}", "config 'sha256:");
	check_bad("cfg-classic", "{\"format\": \"docker-archive\", \"corrupt\": {\"tamper_config\": true}, " ONE "}",
		  "does not match its digest");
	check_bad("missing", "{\"corrupt\": {\"drop_blob\": [\"layer:0\"]}, " ONE "}", "is missing");
	check_bad("missing-cfg", "{\"corrupt\": {\"drop_blob\": [\"config\"]}, " ONE "}", "is missing");
	check_bad("count", "{\"corrupt\": {\"extra_diff_ids\": 1}, " ONE "}", "lists 2 diff_ids but the manifest has 1");
}

TEST(image_truncated_streams)
{
	check_bad("gz", "{\"layer_compress\": \"gzip\", \"layers\": [{\"truncate\": 60, \"digest_after_cut\": true, "
			"\"entries\": [{\"path\": \"a\", \"size\": 9000}]}]}", "truncated gzip");
	check_bad("zstd", "{\"layer_compress\": \"zstd\", \"layers\": [{\"truncate\": 30, \"digest_after_cut\": true, "
			  "\"entries\": [{\"path\": \"a\", \"size\": 9000}]}]}", "runcated zstd");
	check_bad("tar", "{\"layers\": [{\"truncate\": 1500, \"digest_after_cut\": true, "
			 "\"entries\": [{\"path\": \"a\", \"size\": 9000}]}]}", "runcated");
}

TEST(image_bad_json)
{
	check_bad("man", "{\"corrupt\": {\"manifest_raw\": \"{nope\"}, " ONE "}", "manifest is not valid JSON");
	check_bad("man-types", "{\"corrupt\": {\"manifest_raw\": \"{\\\"config\\\": {\\\"digest\\\": 5}}\"}, " ONE "}",
		  "'digest' is not a string");
	check_bad("idx", "{\"corrupt\": {\"index_raw\": \"[\"}, " ONE "}", "index.json is not valid JSON");
	check_bad("idx-type", "{\"corrupt\": {\"index_raw\": \"{\\\"manifests\\\": 3}\"}, " ONE "}",
		  "no 'manifests' array");
	check_bad("cfg", "{\"corrupt\": {\"config_raw\": \"{\\\"rootfs\\\": 1}\"}, " ONE "}", "wrong JSON type");
	check_bad("cfg-ids", "{\"corrupt\": {\"config_raw\": \"{\\\"rootfs\\\": {\\\"diff_ids\\\": [7]}}\"}, " ONE "}",
		  "diff_id 0 is not a sha256 digest");
	check_bad("docker", "{\"format\": \"docker-archive\", \"corrupt\": {\"manifest_raw\": \"[{}]\"}, " ONE "}",
		  "has no 'Config'");
	check_bad("docker-obj", "{\"format\": \"docker-archive\", \"corrupt\": {\"manifest_raw\": \"{}\"}, " ONE "}",
		  "not a JSON array");
	/* Deep nesting stops at jansson's depth limit. */
	struct strvec sv = STRVEC_INIT;
	char *deep = xcalloc(1, 10001);
	memset(deep, '[', 5000);
	memset(deep + 5000, ']', 5000);
	cleanup_free char *spec = xasprintf("{\"corrupt\": {\"index_raw\": \"%s\"}, " ONE "}", deep);
	free(deep);
	strvec_release(&sv);
	check_bad("deep", spec, "maximum parsing depth");
}

/* Docker 25+ archives carry index.json and manifest.json: one unreadable -> the other, with a note;
 * both readable but naming different images -> an error (doc/IMAGE.md, "Both manifests"). */
static void check_dual(const char *name, const char *spec, const char *want_note)
{
	cleanup_free char *path = fixture_image(spec, name);
	if (!path)
		return;
	struct pare_error err = { 0 };
	struct image *img = NULL;
	if (image_open(path, NULL, &img, &err) < 0) {
		unit_fail(__FILE__, __LINE__, "%s: %s", name, err.msg);
		return;
	}
	CHECK_INT(img->n_layers, 1);
	CHECK_STR(img->format, "docker-archive");
	if (want_note) {
		CHECK_INT(img->notes.n, 1);
		if (img->notes.n)
			CHECK(strstr(img->notes.v[0], want_note) != NULL);
	} else {
		CHECK_INT(img->notes.n, 0);
	}
	image_free(img);
	CHECK_INT(read_all(path, NULL, &err), 1);
}

TEST(image_dual_manifests)
{
	check_dual("dual-ok", "{\"format\": \"docker\", \"tags\": [\"app:1\"], " ONE "}", NULL);
	check_dual("dual-bad-index", "{\"format\": \"docker\", \"corrupt\": {\"index_raw\": \"[\"}, " ONE "}",
		   "index.json cannot be read (index.json is not valid JSON");
	check_dual("dual-bad-index-blob", "{\"format\": \"docker\", \"corrupt\": {\"drop_blob\": [\"manifest\"]}, " ONE "}",
		   "index.json cannot be read");
	check_dual("dual-bad-manifest", "{\"format\": \"docker\", \"corrupt\": {\"docker_manifest_raw\": \"{nope\"}, " ONE "}",
		   "manifest.json cannot be read (manifest.json is not valid JSON");
	check_bad("dual-disagree",
		  "{\"format\": \"docker\", \"corrupt\": {\"docker_manifest_raw\": \"[{\\\"Config\\\": \\\"other.json\\\", "
		  "\\\"Layers\\\": []}]\"}, \"extra_members\": [{\"name\": \"other.json\", \"content\": "
		  "\"{\\\"rootfs\\\": {\\\"diff_ids\\\": []}}\"}], " ONE "}",
		  "index.json and manifest.json describe different images");
	check_bad("dual-both-bad",
		  "{\"format\": \"docker\", \"corrupt\": {\"index_raw\": \"[\", \"docker_manifest_raw\": \"{nope\"}, " ONE "}",
		  "(and manifest.json: manifest.json is not valid JSON");
}

TEST(image_decompression_bomb_capped)
{
	setenv("PARE_MAX_LAYER_BYTES", "1000000", 1);
	check_bad("bomb", "{\"layer_compress\": \"zstd\", \"layers\": [{\"entries\": [{\"path\": \"a\", \"size\": "
			  "30000000}]}]}", "decompresses to more than 1000000 bytes");
	unsetenv("PARE_MAX_LAYER_BYTES");
}

TEST(image_not_an_image)
{
	cleanup_free char *p = xasprintf("%s/junk", unit_tmpdir());
	FILE *f = fopen(p, "w");
	fputs("this is not a tar\n", f);
	fclose(f);
	cleanup_free char *e1 = open_err(p, NULL);
	CHECK(strstr(e1, "is not an image archive") != NULL);
	cleanup_free char *e2 = open_err("/nonexistent/x.tar", NULL);
	CHECK(strstr(e2, "No such file") != NULL);
	cleanup_free char *e3 = open_err(unit_tmpdir(), NULL);
	CHECK(strstr(e3, "is not a container image") != NULL);
}

TEST(image_classic_duplicate_layer_symlink)
{
	cleanup_free char *path = fixture_image(
		"{\"format\": \"docker-archive\", \"layers\": [{\"entries\": [{\"path\": \"a\", \"content\": \"same\"}]}, "
		"{\"entries\": [{\"path\": \"b\", \"content\": \"x\"}]}, {\"entries\": [{\"path\": \"a\", \"content\": "
		"\"same\"}]}]}", "dup");
	if (!path)
		return;
	struct pare_error err = { 0 };
	CHECK_INT(read_all(path, NULL, &err), 3);
	if (err.msg[0])
		unit_fail(__FILE__, __LINE__, "%s", err.msg);
}

TEST(image_history_longer_than_layers_is_fine)
{
	cleanup_free char *path = fixture_image("{\"corrupt\": {\"extra_history\": 4}, " ONE "}", "hist");
	if (!path)
		return;
	struct pare_error err = { 0 };
	CHECK_INT(read_all(path, NULL, &err), 1);
	check_bad("fewer-ids", "{\"corrupt\": {\"drop_diff_ids\": 1}, " ONE "}", "lists 0 diff_ids but the manifest has 1");
}
