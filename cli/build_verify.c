/* pare build --verify: the slim image as written is opened again (a temporary archive copy when -o is
 * standard output or an engine; pulled back from a registry), unpacked privately, and pipeline_verify() replays the analysis'
 * probes against it; the table goes to stderr. doc/VERIFY.md. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/build.h"
#include "cli/cli.h"
#include "image/image.h"
#include "image/transport.h"
#include "lib/tmp.h"
#include "lib/xalloc.h"

/* Where the slim image can be read back: -o itself when it names a file, a directory or a registry
 * (docker://: pulled back, so the pushed image is what is verified), else a copy written to *tmp_dir
 * (same index, config and options: the writer's output is deterministic). */
static char *slim_source(const struct image_write_opts *wo, struct image *img, struct layer_index *idx,
			 char **tmp_dir, struct pare_error *err)
{
	struct image_name n;
	if (strcmp(wo->output, "-") != 0 && image_transport_parse(wo->output, &n, err) == 0 &&
	    n.transport != IMAGE_TR_DAEMON)
		return xstrdup(wo->output);
	if (tmp_dir_create(tmp_dir, err) < 0)
		return NULL;
	char *path = xasprintf("%s/slim.tar", *tmp_dir);
	struct image_write_result res = { 0 };
	struct image_write_opts o = *wo;
	o.output = path;
	o.format = IMAGE_WRITE_ARCHIVE;
	o.result = &res;
	if (image_write(img, idx, &o, err) < 0) {
		free(path);
		return NULL;
	}
	image_write_result_release(&res);
	return path;
}

int build_verify(const struct image_write_opts *wo, struct image *img, struct layer_index *idx,
		 const struct rt_rootfs *original, struct pipeline_verify *v, struct pare_error *err)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *src = slim_source(wo, img, idx, &dir, err);
	struct image *slim = NULL;
	struct rt_rootfs *rootfs = NULL;
	int ret = -1;
	if (!src || cli_phase("verifying: unpacking the slim image", err) < 0 || image_open(src, NULL, &slim, err) < 0 ||
	    rt_rootfs_prepare_private(slim, &rootfs, err) < 0)
		goto out;
	v->original = original;
	v->slim = rootfs;
	v->phase = cli_phase;
	ret = pipeline_verify(v, err);
out:
	if (ret < 0 && err->code != EINTR)
		pare_error_prefix(err, "--verify");
	rt_rootfs_free(rootfs);
	if (slim)
		image_free(slim);
	if (dir)
		tmp_remove_tree(dir, NULL);
	return ret;
}

/* Column widths: at most `cap`, at least the heading's. */
static int width(const struct pipeline_verify *v, size_t col, int min, int cap)
{
	int w = min;
	for (size_t i = 0; i < v->n_rows; i++) {
		const char *s = col == 0 ? v->rows[i].what : col == 1 ? v->rows[i].original : v->rows[i].slim;
		int n = (int)strlen(s);
		w = n > w ? n : w;
	}
	return w > cap ? cap : w;
}

void build_verify_print(const struct pipeline_verify *v)
{
	bool all = pare_verbosity > 0;
	if (!all && !v->n_differ)
		return;
	int w0 = width(v, 0, 5, 40), w1 = width(v, 1, 8, 34), w2 = width(v, 2, 4, 34);
	fprintf(stderr, "pare: verify: %zu probe%s replayed against the slim image: %zu differ%s, %zu compared by status "
			"only (the original's answer varies between runs)\n",
		v->n_rows, v->n_rows == 1 ? "" : "s", v->n_differ, v->n_differ == 1 ? "s" : "", v->n_status_only);
	if (v->slim_run.app_exited && !v->reference.app_exited)
		fprintf(stderr, "pare: verify: the slim image's application exited with status %d before its probes were done\n",
			v->slim_run.app_status);
	if (!v->n_rows)
		return;
	fprintf(stderr, "  %-*s  %-*s  %-*s  %s\n", w0, "PROBE", w1, "ORIGINAL", w2, "SLIM", "VERDICT");
	for (size_t i = 0; i < v->n_rows; i++) {
		const struct pipeline_verify_row *r = &v->rows[i];
		if (!all && r->verdict != PIPELINE_VERIFY_DIFFERS)
			continue;
		fprintf(stderr, "  %-*.*s  %-*.*s  %-*.*s  %s%s\n", w0, w0, r->what, w1, w1, r->original, w2, w2, r->slim,
			pipeline_verify_verdict_name(r->verdict), r->status_only ? " (varies)" : "");
	}
}
