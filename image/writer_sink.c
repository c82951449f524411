/* image_write's sinks: the output's transport prefix picks a path (archive or OCI directory), the
 * engine (the archive written to a temporary file, then loaded) or a registry (an OCI layout written
 * to a temporary directory, then pushed). doc/IMAGE-OUTPUT.md. */
#include <stdlib.h>
#include <string.h>

#include "image/daemon.h"
#include "image/registry.h"
#include "image/transport.h"
#include "image/writer_int.h"
#include "lib/tmp.h"
#include "lib/xalloc.h"

/* Where an engine or a registry output is staged: written to a temporary file or directory under
 * the name REF (it is the tag: a --tag or default tag gives way), handed on, removed. */
struct staged_sink {
	enum image_write_format format;
	const char *name; /* below the temporary directory */
	int (*send)(const char *path, const char *ref, struct pare_error *err);
};

static int write_staged(struct image *img, struct layer_index *idx, const struct image_write_opts *opts,
			const char *ref, const struct staged_sink *sink, struct pare_error *err)
{
	cleanup_free char *dir = NULL;
	if (tmp_dir_create(&dir, err) < 0)
		return -1;
	cleanup_free char *path = xasprintf("%s/%s", dir, sink->name);
	struct image_write_opts o = *opts;
	o.output = path;
	o.format = sink->format;
	o.tag = ref;
	int rc = image_write_local(img, idx, &o, err);
	if (rc == 0 && (rc = sink->send(path, ref, err)) < 0 && opts->result)
		image_write_result_release(opts->result);
	tmp_remove_tree(dir, NULL);
	return rc;
}

static int send_daemon(const char *path, const char *ref, struct pare_error *err)
{
	(void)ref;
	return daemon_load(path, err);
}

/* docker-daemon:REF: an archive, loaded into the engine. */
static int write_daemon(struct image *img, struct layer_index *idx, const struct image_write_opts *opts,
			const char *ref, struct pare_error *err)
{
	static const struct staged_sink sink = { IMAGE_WRITE_ARCHIVE, "load.tar", send_daemon };
	struct image_tag want;
	if (image_tag_parse(ref, &want, err) < 0)
		return pare_error_prefix(err, "-o docker-daemon:%s", ref);
	image_tag_release(&want);
	return write_staged(img, idx, opts, ref, &sink, err);
}

/* docker://REF: an OCI layout, pushed (blobs, then the manifest: doc/IMAGE.md). */
static int write_registry(struct image *img, struct layer_index *idx, const struct image_write_opts *opts,
			  const char *ref, struct pare_error *err)
{
	static const struct staged_sink sink = { IMAGE_WRITE_OCI_DIR, "push", registry_push };
	if (registry_ref_check(ref, true, err) < 0)
		return pare_error_prefix(err, "-o");
	return write_staged(img, idx, opts, ref, &sink, err);
}

int image_write_check_output(const char *output, struct pare_error *err)
{
	struct image_name n;
	struct image_tag t;
	if (image_transport_parse(output, &n, err) < 0)
		return -1;
	if (n.transport == IMAGE_TR_REGISTRY)
		return registry_ref_check(n.rest, true, err);
	if (n.transport == IMAGE_TR_DAEMON) {
		if (image_tag_parse(n.rest, &t, err) < 0)
			return -1;
		image_tag_release(&t);
	}
	return 0;
}

int image_write(struct image *img, struct layer_index *idx, const struct image_write_opts *opts,
		struct pare_error *err)
{
	if (!opts->output || !*opts->output)
		return pare_error_set(err, 0, "no output given");
	struct image_name n;
	if (image_transport_parse(opts->output, &n, err) < 0)
		return -1;
	struct image_write_opts o = *opts;
	o.output = n.rest;
	switch (n.transport) {
	case IMAGE_TR_DAEMON:
		return write_daemon(img, idx, opts, n.rest, err);
	case IMAGE_TR_REGISTRY:
		return write_registry(img, idx, opts, n.rest, err);
	case IMAGE_TR_OCI_DIR:
		o.format = IMAGE_WRITE_OCI_DIR;
		break;
	case IMAGE_TR_DOCKER_ARCHIVE:
	case IMAGE_TR_OCI_ARCHIVE:
		o.format = IMAGE_WRITE_ARCHIVE;
		break;
	case IMAGE_TR_PATH:
		break;
	}
	return image_write_local(img, idx, &o, err);
}
