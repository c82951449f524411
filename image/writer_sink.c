/* image_write's sinks: the output's transport prefix picks a path (archive or OCI directory) or the
 * engine (the archive written to a temporary file, then loaded). doc/IMAGE-OUTPUT.md. */
#include <stdlib.h>
#include <string.h>

#include "image/daemon.h"
#include "image/transport.h"
#include "image/writer_int.h"
#include "lib/tmp.h"
#include "lib/xalloc.h"

static int write_daemon(struct image *img, struct layer_index *idx, const struct image_write_opts *opts,
			const char *ref, struct pare_error *err)
{
	/* The engine loads the image under REF: it is the tag (a --tag or default tag gives way). */
	struct image_tag want;
	if (image_tag_parse(ref, &want, err) < 0)
		return pare_error_prefix(err, "-o docker-daemon:%s", ref);
	image_tag_release(&want);
	cleanup_free char *dir = NULL;
	if (tmp_dir_create(&dir, err) < 0)
		return -1;
	cleanup_free char *path = xasprintf("%s/load.tar", dir);
	struct image_write_opts o = *opts;
	o.output = path;
	o.format = IMAGE_WRITE_ARCHIVE;
	o.tag = ref;
	int rc = image_write_local(img, idx, &o, err);
	if (rc == 0 && (rc = daemon_load(path, err)) < 0 && opts->result)
		image_write_result_release(opts->result);
	tmp_remove_tree(dir, NULL);
	return rc;
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
		return pare_error_set(err, 0, "'%s': pushing to a registry (docker://) is not supported yet; "
				      "write an archive and copy it with 'skopeo copy docker-archive:FILE %s'",
				      opts->output, opts->output);
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
