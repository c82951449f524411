/* image_open(): the source, the chosen image's manifest and config, and each layer's blob located
 * and its compression sniffed. Config accessors. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "image/daemon.h"
#include "image/internal.h"
#include "image/registry.h"
#include "image/transport.h"
#include "lib/tmp.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"

static enum image_compression sniff(const unsigned char *m, size_t n)
{
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return IMAGE_COMP_GZIP;
	if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return IMAGE_COMP_ZSTD;
	return IMAGE_COMP_NONE;
}

/* Every layer blob must exist; its first bytes tell its compression (they win over the media type). */
static int locate_layers(struct image *img, struct pare_error *err)
{
	for (size_t i = 0; i < img->n_layers; i++) {
		struct image_layer *l = &img->layers[i];
		struct blob_stream *b;
		if (blob_stream_open(img->src, l->blob_name, &b, err) < 0)
			return pare_error_prefix(err, "layer %zu ('%s')", i, l->digest ? l->digest : l->blob_name);
		const void *buf;
		ssize_t n = blob_stream_read(b, &buf, err);
		if (n > 0)
			l->compression = sniff(buf, (size_t)n);
		blob_stream_free(b);
		if (n < 0)
			return pare_error_prefix(err, "layer %zu", i);
	}
	return 0;
}

/* docker-daemon:REF: the engine's export lands in a temporary file that is unlinked once open
 * (the source keeps its descriptor). */
static int open_daemon(struct image *img, const char *ref, struct pare_error *err)
{
	cleanup_free char *dir = NULL;
	if (tmp_dir_create(&dir, err) < 0)
		return -1;
	cleanup_free char *path = xasprintf("%s/export.tar", dir);
	int rc = daemon_export(ref, path, err);
	if (rc == 0)
		rc = source_open(path, &img->src, err);
	tmp_remove_tree(dir, NULL);
	if (rc == 0) {
		free(img->src->display);
		img->src->display = xasprintf("docker-daemon:%s", ref);
	}
	return rc;
}

/* docker://REF: pulled (verified) into a temporary OCI layout that the source removes when freed. */
static int open_registry(struct image *img, const char *ref, struct pare_error *err)
{
	cleanup_free char *dir = NULL;
	if (tmp_dir_create(&dir, err) < 0)
		return -1;
	int rc = registry_pull(ref, dir, err);
	if (rc == 0)
		rc = source_open(dir, &img->src, err);
	if (rc < 0) {
		tmp_remove_tree(dir, NULL);
		return -1;
	}
	img->src->spool_dir = steal_pointer(&dir);
	free(img->src->display);
	img->src->display = xasprintf("docker://%s", ref);
	return 0;
}

static int open_source(struct image *img, const char *input, struct pare_error *err)
{
	struct image_name n;
	if (image_transport_parse(input, &n, err) < 0)
		return -1;
	struct stat st;
	switch (n.transport) {
	case IMAGE_TR_DAEMON:
		return open_daemon(img, n.rest, err);
	case IMAGE_TR_REGISTRY:
		return open_registry(img, n.rest, err);
	case IMAGE_TR_OCI_DIR:
		if (stat(n.rest, &st) == 0 && !S_ISDIR(st.st_mode))
			return pare_error_set(err, ENOTDIR, "'%s': '%s' is not a directory", input, n.rest);
		break;
	case IMAGE_TR_DOCKER_ARCHIVE:
	case IMAGE_TR_OCI_ARCHIVE:
		if (stat(n.rest, &st) == 0 && S_ISDIR(st.st_mode))
			return pare_error_set(err, EISDIR, "'%s': '%s' is a directory, not an archive", input, n.rest);
		break;
	case IMAGE_TR_PATH:
		if (image_name_is_engine_ref(input)) {
			if (daemon_available())
				return open_daemon(img, input, err);
			return pare_error_set(err, ENOENT,
					      "'%s' is not a file, and no Docker engine answers: name it docker-daemon:%s "
					      "(with DOCKER_HOST set), or save it first: docker save %s -o FILE.tar",
					      input, input, input);
		}
		break;
	}
	return source_open(n.rest, &img->src, err);
}

int image_open(const char *input, const char *ref, struct image **out, struct pare_error *err)
{
	struct image *img = xcalloc(1, sizeof(*img));
	struct image_name n;
	/* a path keeps its own name (output defaults and "input == output" checks use it) */
	img->input = xstrdup(image_transport_parse(input, &n, NULL) == 0 && n.transport != IMAGE_TR_DAEMON &&
			     n.transport != IMAGE_TR_REGISTRY ? n.rest : input);
	if (open_source(img, input, err) < 0 || image_load_manifest(img, ref, err) < 0 ||
	    locate_layers(img, err) < 0) {
		image_free(img);
		image_error_clean(err);
		return -1;
	}
	*out = img;
	return 0;
}

void image_error_clean(struct pare_error *err)
{
	if (!err)
		return;
	for (char *p = err->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

void image_unload(struct image *img)
{
	for (size_t i = 0; i < img->n_layers; i++) {
		free(img->layers[i].digest);
		free(img->layers[i].diff_id);
		free(img->layers[i].media_type);
		free(img->layers[i].blob_name);
	}
	free(img->layers);
	img->layers = NULL;
	img->n_layers = 0;
	json_decref(img->config);
	img->config = NULL;
	free(img->ref);
	img->ref = NULL;
	free(img->config_digest);
	img->config_digest = NULL;
}

void image_free(struct image *img)
{
	if (!img)
		return;
	image_unload(img);
	source_free(img->src);
	free(img->input);
	free(img->format);
	strvec_release(&img->notes);
	free(img);
}

static json_t *config_field(const struct image *img, const char *key)
{
	json_t *c = json_object_get(img->config, "config");
	return json_is_object(c) ? json_object_get(c, key) : NULL;
}

char **image_config_strv(const struct image *img, const char *key)
{
	struct strvec sv = STRVEC_INIT;
	json_t *v = config_field(img, key), *e;
	size_t i;
	if (json_is_string(v))
		strvec_push(&sv, json_string_value(v));
	json_array_foreach (v, i, e)
		if (json_is_string(e))
			strvec_push(&sv, json_string_value(e));
	return strvec_detach(&sv);
}

const char *image_config_str(const struct image *img, const char *key)
{
	json_t *v = config_field(img, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **image_config_keys(const struct image *img, const char *key)
{
	struct strvec sv = STRVEC_INIT;
	json_t *v = config_field(img, key), *e;
	const char *k;
	json_object_foreach (v, k, e)
		strvec_push(&sv, k);
	char **r = strvec_detach(&sv);
	qsort(r, strv_len(r), sizeof(*r), str_cmp);
	return r;
}
