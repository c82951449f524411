/* pare build IMAGE: run the application under the tracer, drive it with probes, keep what it needs
 * and write a slim image (doc/MINIFIER.md). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/build.h"
#include "cli/cli.h"
#include "image/image.h"
#include "image/layer_index.h"
#include "image/writer.h"
#include "lib/error.h"
#include "lib/path.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "minifier/keep.h"
#include "pipeline/build.h"
#include "pkgdb/pkgdb.h"
#include "probe/probe_exec.h"
#include "probe/probe_http.h"

static void print_warning(const char *msg)
{
	pare_info("pare: warning: %s\n", msg);
}

/* The lines on stderr after a build: sizes, times, packages, SBOM, verify, alerts, profile. */
static void print_summary(const struct pipeline_build *b, const struct build_args *a, bool to_stdout, double t_read)
{
	if (pare_verbosity > 1)
		for (char *const *w = keep_warnings(b->ks); *w; w++)
			pare_info("pare: note: %s\n", *w);
	struct keep_totals kt;
	keep_totals(b->ks, &kt);
	const struct layer_index_stats *st = layer_index_stats(b->idx);
	char b1[32], b2[32], b3[32];
	double ratio = kt.kept_bytes ? (double)st->bytes / (double)kt.kept_bytes : 0;
	pare_info("pare: %s -> %s: %s -> %s of files (%.1fx smaller), %" PRIu64 " files kept, %" PRIu64
		  " removed; layer %s\n",
		  a->input, to_stdout ? "standard output" : a->output, cli_human_size(st->bytes, b1),
		  cli_human_size(kt.kept_bytes, b2), ratio, kt.kept_files, kt.removed_files,
		  cli_human_size(b->res.layer_size, b3));
	char vtime[32] = "";
	if (a->verify)
		snprintf(vtime, sizeof(vtime), ", verify %.1fs", b->t.verify);
	pare_info("pare: time: read %.1fs, unpack %.1fs, run %.1fs (probes %.1fs), minify %.1fs, write %.1fs%s; "
		  "image %s, id %.19s\n",
		  t_read, b->t.unpack, b->t.run, b->t.probes, b->t.minify, b->t.write, vtime, b->res.tag ? b->res.tag : "",
		  b->res.image_id ? b->res.image_id : "");
	const struct pkgdb *db = b->db;
	if (db && (db->manager == PKGDB_DPKG || db->manager == PKGDB_APK)) {
		size_t c[3];
		pkgdb_counts(db, c);
		pare_info("pare: packages (%s): %zu kept whole, %zu in part, %zu removed; %s rewritten (%s)\n",
			  pkgdb_manager_name(db->manager), c[0], c[1], c[2], db->db_path,
			  cli_human_size(db->db_bytes_after, b1));
	} else if (db && db->manager != PKGDB_NONE) {
		pare_info("pare: packages (%s): %s left as the minifier decided (not rewritten for %s)\n",
			  pkgdb_manager_name(db->manager), db->db_path, pkgdb_manager_name(db->manager));
	}
	if (a->sbom)
		pare_info("pare: sbom %s (%s): %zu packages, %zu files hashed (%s) in %.2fs\n", a->sbom,
			  a->sbom_format == SBOM_SPDX_JSON ? "SPDX 2.3" : "CycloneDX 1.5", b->sbom_stats.packages,
			  b->sbom_stats.files, cli_human_size(b->sbom_stats.bytes_hashed, b1), b->t.sbom);
	if (a->verify)
		build_verify_print(&b->ver);
	size_t n_warn = 0, n_alerts = 0;
	for (char *const *w = keep_warnings(b->ks); *w; w++)
		n_warn++;
	for (char *const *w = keep_alerts(b->ks); *w; w++, n_alerts++)
		if (pare_verbosity == 1)
			pare_info("pare: warning: %s\n", *w);
	if (b->mismatch && pare_verbosity > 0)
		pare_info("pare: warning: %s\n", b->mismatch);
	if (n_warn > n_alerts && pare_verbosity == 1)
		pare_info("pare: %zu note%s about what was kept (see --report)\n", n_warn - n_alerts,
			  n_warn - n_alerts == 1 ? "" : "s");
	if (a->seccomp_profile)
		pare_info("pare: seccomp profile %s: %zu syscalls allowed (%" PRIu64 " census stops)\n",
			  a->seccomp_profile, b->n_syscalls, b->run.profile->stats.census_stops);
}

int cmd_build(int argc, char **argv)
{
	struct build_args a;
	build_args_init(&a);
	int r = build_parse_args(argc, argv, &a);
	if (r >= 0) {
		build_args_release(&a);
		return r;
	}
	enum image_compression comp = cli_default_compression(a.format == IMAGE_WRITE_OCI_DIR, a.output, a.input);
	if (a.compress) {
		if (!strcmp(a.compress, "none"))
			comp = IMAGE_COMP_NONE;
		else if (!strcmp(a.compress, "gzip"))
			comp = IMAGE_COMP_GZIP;
		else if (!strcmp(a.compress, "zstd"))
			comp = IMAGE_COMP_ZSTD;
		else {
			build_args_release(&a);
			return cli_usage_error("build", "--compress wants none, gzip or zstd, not '%s'", a.compress);
		}
	}
	if (a.tag) {
		struct pare_error terr = { 0 };
		struct image_tag t;
		if (image_tag_parse(a.tag, &t, &terr) < 0) {
			build_args_release(&a);
			return cli_usage_error("build", "--tag: %s", terr.msg);
		}
		image_tag_release(&t);
	}
	cleanup_free char *default_out = NULL;
	if (!a.output) {
		if (!strcmp(a.input, "-")) {
			build_args_release(&a);
			return cli_usage_error("build", "reading standard input needs -o (a file, or - for standard output)");
		}
		a.output = default_out = cli_default_output(a.input, "slim", a.format == IMAGE_WRITE_OCI_DIR);
	}
	struct pare_error oerr = { 0 };
	if (image_write_check_output(a.output, &oerr) < 0) {
		build_args_release(&a);
		return cli_usage_error("build", "-o: %s", oerr.msg);
	}
	bool to_stdout = !strcmp(a.output, "-");
	if (to_stdout && a.format != IMAGE_WRITE_ARCHIVE) {
		build_args_release(&a);
		return cli_usage_error("build", "-o - writes an archive; an OCI directory needs a path");
	}
	if (to_stdout && isatty(STDOUT_FILENO)) {
		build_args_release(&a);
		return cli_usage_error("build", "refusing to write an image archive to a terminal");
	}
	cli_interrupt_install();

	struct pare_error err = { 0 };
	struct image *img = NULL;
	struct pipeline_build b = { 0 };
	struct pipeline_health health = { 0 };
	json_t *out_config = NULL;
	cleanup_free char *default_tag = NULL;
	cleanup_strv char **ep_keys = NULL;
	int status = 1;
	struct rt_config cfg;
	rt_config_init(&cfg);

	double t_start = pipeline_now(), t_read;
	if (cli_phase("reading the image", &err) < 0 || cli_image_open(a.input, a.ro.ref, &img, &err) < 0)
		goto out;
	if (!(out_config = pipeline_output_config(img->config, &a.nc, &err)))
		goto out;
	if (rt_config_from_image(&cfg, img, &a.ro.o, &err) < 0 || cli_run_opts_apply(&a.ro, &cfg, &err) < 0)
		goto out;
	/* The image will run on a network where its hostname resolves (Docker's default bridge); some
	 * applications fail to start without that (Erlang nodes, Java's InetAddress.getLocalHost()). */
	cfg.hostname_resolves = true;
	t_read = pipeline_now() - t_start;

	/* The analysis run and its probes. */
	struct pipeline_run *br = &b.run;
	br->cfg = &cfg;
	br->image_name = a.input;
	br->fanotify = a.ro.fanotify;
	br->census = a.seccomp_profile != NULL;
	br->quiet_app = pare_verbosity == 0;
	br->grace = cfg.stop_grace; /* --stop-timeout, 10 by default */
	br->cont = a.cont;
	br->cont_seconds = a.cont_seconds;
	br->http_requests = a.http_cmds.v;
	br->http_wait_ms = a.http_wait * 1000;
	br->crawl_depth = a.crawl_depth;
	br->crawl_pages = a.crawl_pages;
	br->execs = a.execs.v;
	if (pipeline_health_from_config(out_config, &health, &err) < 0)
		goto out;
	br->health = &health;
	/* The ports: probed over HTTP, or (HTTP probe off) waited for before the --exec commands. */
	if (a.http_ports) {
		if (probe_http_parse_ports(a.http_ports, &br->ports, &br->n_ports, &err) < 0)
			goto out;
	} else {
		ep_keys = image_config_keys(img, "ExposedPorts");
		if (probe_http_exposed_ports(ep_keys, &br->ports, &br->n_ports, &err) < 0)
			goto out;
	}
	if (a.http == 1 && !br->n_ports) {
		pare_error_set(&err, 0, "--http-probe: the image exposes no TCP port (give --http-probe-ports)");
		goto out;
	}
	br->http = a.http != 0 && br->n_ports > 0;
	if (a.http_cmds.n && !br->http) {
		pare_error_set(&err, 0, "--http-probe-cmd needs a port to send it to (the image exposes none: give --http-probe-ports)");
		goto out;
	}

	if (!a.tag)
		a.tag = default_tag = image_tag_default(img, ".slim");
	b.img = img;
	b.cfg = &cfg;
	b.out_config = out_config;
	b.write = (struct image_write_opts){ .output = a.output, .format = a.format, .compression = comp, .tag = a.tag };
	b.keep = a.keep;
	b.ignore_failures = a.ignore_failures;
	b.package_db = !a.no_pkgdb;
	b.verify = a.verify;
	b.sbom = a.sbom;
	b.sbom_format = a.sbom_format;
	b.seccomp_profile = a.seccomp_profile;
	b.phase = cli_phase;
	b.warn = print_warning;
	if (pipeline_build_run(&b, &err) < 0)
		goto out;
	print_summary(&b, &a, to_stdout, t_read);
	if (a.report) {
		json_auto_t *report = pipeline_build_report(&b, a.input, t_read, pipeline_now() - t_start);
		if (pipeline_write_report(a.report, report, &err) < 0)
			goto out;
	}
	status = 0;
	if (a.verify && b.ver.n_differ) {
		pare_error_set(&err, 0, "verify: the slim image answered %zu of %zu probes differently (the image "
				       "is written: %s)", b.ver.n_differ, b.ver.n_rows, to_stdout ? "standard output" : a.output);
		status = BUILD_EXIT_VERIFY_FAILED;
	}
out:
	if (status)
		pare_error_print(&err);
	status = cli_exit_status(status);
	json_decref(out_config);
	free(b.run.ports);
	pipeline_build_release(&b);
	pipeline_health_release(&health);
	if (img)
		image_free(img);
	rt_config_release(&cfg);
	build_args_release(&a);
	return status;
}
