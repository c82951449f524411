/* The writer's pure parts: image references and the JSON documents. (Writing whole images is
 * checked against docker, podman, skopeo and umoci in tests/t-squash.sh.) */
#include <stdlib.h>
#include <string.h>

#include "image/transport.h"
#include "image/writer_int.h"
#include "tests/unit/unit.h"

static void check_tag(const char *in, const char *name, const char *tag, const char *familiar, const char *full)
{
	struct image_tag t;
	struct pare_error err = { 0 };
	CHECK_INT(image_tag_parse(in, &t, &err), 0);
	CHECK_STR(t.name, name);
	CHECK_STR(t.tag, tag);
	CHECK_STR(t.familiar, familiar);
	CHECK_STR(t.full, full);
	image_tag_release(&t);
}

TEST(tag_parse_valid)
{
	check_tag("busybox", "busybox", "latest", "busybox:latest", "docker.io/library/busybox:latest");
	check_tag("busybox:1.36", "busybox", "1.36", "busybox:1.36", "docker.io/library/busybox:1.36");
	check_tag("team/app:v_1-2.3", "team/app", "v_1-2.3", "team/app:v_1-2.3", "docker.io/team/app:v_1-2.3");
	check_tag("docker.io/library/x:y", "docker.io/library/x", "y", "x:y", "docker.io/library/x:y");
	check_tag("localhost:5000/a/b", "localhost:5000/a/b", "latest", "localhost:5000/a/b:latest",
		  "localhost:5000/a/b:latest");
	check_tag("quay.io/org/img__x:t", "quay.io/org/img__x", "t", "quay.io/org/img__x:t", "quay.io/org/img__x:t");
	check_tag("localhost/app.squashed", "localhost/app.squashed", "latest", "localhost/app.squashed:latest",
		  "localhost/app.squashed:latest");
}

TEST(tag_parse_invalid)
{
	static const char *const bad[] = { "", "Busybox", "a b", "app:", "app:-x", "app@sha256:00", "/app", "app/",
					   "a..b", "-app", "app:" "0123456789012345678901234567890123456789012345678901234567890123"
					   "4567890123456789012345678901234567890123456789012345678901234567890",
					   NULL };
	for (const char *const *b = bad; *b; b++) {
		struct image_tag t;
		struct pare_error err = { 0 };
		if (image_tag_parse(*b, &t, &err) == 0) {
			unit_fail(__FILE__, __LINE__, "'%s' accepted", *b);
			image_tag_release(&t);
		} else {
			CHECK(err.msg[0] != '\0');
		}
	}
}

TEST(tag_default)
{
	struct image img = { 0 };
	img.input = "/some/dir/My App_v2.tar.gz";
	char *t = image_tag_default(&img, ".squashed");
	CHECK_STR(t, "my-app-v2.squashed:latest");
	free(t);
	img.ref = "reg.example:5000/team/app:1.0";
	t = image_tag_default(&img, ".squashed");
	CHECK_STR(t, "reg.example:5000/team/app.squashed:1.0");
	free(t);
	img.ref = "v2"; /* an OCI ref.name that is only a tag */
	img.input = "layout";
	t = image_tag_default(&img, "");
	CHECK_STR(t, "layout:v2");
	free(t);
	img.ref = NULL;
	img.input = "-";
	t = image_tag_default(&img, ".slim");
	CHECK_STR(t, "image.slim:latest");
	free(t);
}

TEST(config_rewritten)
{
	json_error_t je;
	json_t *base = json_loads("{\"architecture\":\"arm64\",\"os\":\"linux\",\"created\":\"2024-01-02T03:04:05Z\","
				  "\"config\":{\"Entrypoint\":[\"/bin/sh\"],\"Env\":[\"A=1\"],\"User\":\"1000\"},"
				  "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:aa\",\"sha256:bb\"]},"
				  "\"history\":[{\"created_by\":\"x\"},{\"created_by\":\"y\"}]}",
				  0, &je);
	CHECK(base != NULL);
	json_t *cfg = writer_config(base, "sha256:cc", "pare squash");
	size_t len;
	char *s = writer_json_dump(cfg, &len);
	CHECK_STR(s, "{\"architecture\":\"arm64\",\"config\":{\"Entrypoint\":[\"/bin/sh\"],\"Env\":[\"A=1\"],"
		     "\"User\":\"1000\"},\"created\":\"2024-01-02T03:04:05Z\",\"history\":[{\"created\":"
		     "\"2024-01-02T03:04:05Z\",\"created_by\":\"pare squash\"}],\"os\":\"linux\",\"rootfs\":"
		     "{\"diff_ids\":[\"sha256:cc\"],\"type\":\"layers\"}}");
	CHECK_INT(len, strlen(s));
	/* The input is not modified. */
	CHECK_INT(json_array_size(json_object_get(json_object_get(base, "rootfs"), "diff_ids")), 2);
	free(s);
	json_decref(cfg);
	json_decref(base);
}

TEST(index_and_manifests)
{
	struct image_tag t;
	CHECK_INT(image_tag_parse("app:1", &t, NULL), 0);
	json_t *idx = writer_oci_index("sha256:11", 123, &t);
	size_t len;
	char *s = writer_json_dump(idx, &len);
	CHECK_STR(s, "{\"manifests\":[{\"annotations\":{\"io.containerd.image.name\":\"docker.io/library/app:1\","
		     "\"org.opencontainers.image.ref.name\":\"1\"},\"digest\":\"sha256:11\",\"mediaType\":"
		     "\"application/vnd.oci.image.manifest.v1+json\",\"size\":123}],\"mediaType\":"
		     "\"application/vnd.oci.image.index.v1+json\",\"schemaVersion\":2}");
	free(s);
	json_decref(idx);
	json_t *dm = writer_docker_manifest("sha256:c0", "sha256:1a", &t);
	s = writer_json_dump(dm, &len);
	CHECK_STR(s, "[{\"Config\":\"blobs/sha256/c0\",\"Layers\":[\"blobs/sha256/1a\"],\"RepoTags\":[\"app:1\"]}]");
	free(s);
	json_decref(dm);
	struct writer_layer l = { .size = 42 };
	memcpy(l.digest, "sha256:1a", 10);
	json_t *m = writer_oci_manifest("sha256:c0", 7, &l, IMAGE_COMP_ZSTD);
	s = writer_json_dump(m, &len);
	CHECK(strstr(s, "\"application/vnd.oci.image.layer.v1.tar+zstd\"") != NULL);
	CHECK(strstr(s, "\"config\":{\"digest\":\"sha256:c0\",\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":7}") != NULL);
	free(s);
	json_decref(m);
	image_tag_release(&t);
}

static void check_transport(const char *in, enum image_transport t, const char *rest)
{
	struct image_name n;
	CHECK_INT(image_transport_parse(in, &n, NULL), 0);
	CHECK_INT((int)n.transport, (int)t);
	CHECK_STR(n.rest, rest);
}

TEST(transport_parse)
{
	check_transport("app.tar", IMAGE_TR_PATH, "app.tar");
	check_transport("-", IMAGE_TR_PATH, "-");
	check_transport("busybox:1.36", IMAGE_TR_PATH, "busybox:1.36");
	check_transport("docker-archive:/x/a.tar", IMAGE_TR_DOCKER_ARCHIVE, "/x/a.tar");
	check_transport("oci-archive:a:b.tar", IMAGE_TR_OCI_ARCHIVE, "a:b.tar");
	check_transport("oci:dir", IMAGE_TR_OCI_DIR, "dir");
	check_transport("docker-daemon:app:1", IMAGE_TR_DAEMON, "app:1");
	check_transport("docker://127.0.0.1:5000/a:1", IMAGE_TR_REGISTRY, "127.0.0.1:5000/a:1");
	check_transport("docker:/x", IMAGE_TR_PATH, "docker:/x");
	struct image_name n;
	struct pare_error err = { 0 };
	CHECK_INT(image_transport_parse("oci:", &n, &err), -1);
	CHECK_STR(err.msg, "'oci:' names no directory");
	CHECK_INT(image_transport_parse("docker-daemon:", &n, NULL), -1);
}
