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
#include "pkgdb/pkgdb.h"
#include "probe/probe_exec.h"
#include "probe/probe_http.h"

struct timings {
	double index, unpack, run, probes, minify, write, verify;
};


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
	struct layer_index *idx = NULL;
	struct rt_rootfs *rootfs = NULL;
	struct keep_set *ks = NULL;
	struct pkgdb *db = NULL;
	json_t *out_config = NULL, *report = NULL;
	struct image_write_result res = { 0 };
	struct pipeline_run br = { 0 };
	struct pipeline_health health = { 0 };
	struct pipeline_verify ver = { .analysis = &br };
	cleanup_free char *default_tag = NULL, *failure = NULL, *mismatch = NULL;
	cleanup_strv char **ep_keys = NULL, **out_cmd = NULL, **out_env = NULL, **out_vols = NULL;
	struct timings tm = { 0 };
	int status = 1;
	struct rt_config cfg;
	rt_config_init(&cfg);

	double t = pipeline_now(), t_start = t;
	if (cli_phase("reading the image", &err) < 0 || cli_image_open(a.input, a.ro.ref, &img, &err) < 0)
		goto out;
	if (!(out_config = pipeline_output_config(img->config, &a.nc, &err)))
		goto out;
	if (rt_config_from_image(&cfg, img, &a.ro.o, &err) < 0 || cli_run_opts_apply(&a.ro, &cfg, &err) < 0)
		goto out;
	/* The image will run on a network where its hostname resolves (Docker's default bridge); some
	 * applications fail to start without that (Erlang nodes, Java's InetAddress.getLocalHost()). */
	cfg.hostname_resolves = true;
	tm.index = pipeline_now() - t;

	/* Probes. */
	br.cfg = &cfg;
	br.image_name = a.input;
	br.fanotify = a.ro.fanotify;
	br.census = a.seccomp_profile != NULL;
	br.quiet_app = pare_verbosity == 0;
	br.grace = cfg.stop_grace; /* --stop-timeout, 10 by default */
	br.phase = cli_phase;
	br.cont = a.cont;
	br.cont_seconds = a.cont_seconds;
	br.http_requests = a.http_cmds.v;
	br.http_wait_ms = a.http_wait * 1000;
	br.crawl_depth = a.crawl_depth;
	br.crawl_pages = a.crawl_pages;
	br.execs = a.execs.v;
	if (pipeline_health_from_config(out_config, &health, &err) < 0)
		goto out;
	br.health = &health;
	/* The ports: probed over HTTP, or (HTTP probe off) waited for before the --exec commands. */
	if (a.http_ports) {
		if (probe_http_parse_ports(a.http_ports, &br.ports, &br.n_ports, &err) < 0)
			goto out;
	} else {
		ep_keys = image_config_keys(img, "ExposedPorts");
		if (probe_http_exposed_ports(ep_keys, &br.ports, &br.n_ports, &err) < 0)
			goto out;
	}
	if (a.http == 1 && !br.n_ports) {
		pare_error_set(&err, 0, "--http-probe: the image exposes no TCP port (give --http-probe-ports)");
		goto out;
	}
	br.http = a.http != 0 && br.n_ports > 0;
	if (a.http_cmds.n && !br.http) {
		pare_error_set(&err, 0, "--http-probe-cmd needs a port to send it to (the image exposes none: give --http-probe-ports)");
		goto out;
	}

	/* The layer index is built while the layers are read for unpacking (each read once); with the
	 * image already in the rootfs cache, on its own. */
	t = pipeline_now();
	if (cli_phase("unpacking", &err) < 0 || rt_rootfs_prepare_indexed(img, &idx, &rootfs, &err) < 0)
		goto out;
	tm.unpack = pipeline_now() - t;
	br.rootfs = rootfs;
	br.exec_shell = probe_exec_has_shell(idx);
	for (size_t i = 0; i < a.execs.n; i++) { /* before the run: a command that cannot run is an error now */
		cleanup_strv char **words = NULL;
		if (probe_exec_argv(a.execs.v[i], br.exec_shell, &words, &err) < 0)
			goto out;
	}

	if (cli_phase("running the application under the tracer", &err) < 0)
		goto out;
	if (pipeline_run_analysis(&br, &err) < 0) {
		if (err.code != EINTR)
			pare_error_prefix(&err, "analysis run");
		goto out;
	}
	tm.run = br.seconds_run;
	tm.probes = br.seconds_probes;
	if (br.app_status == 126 || br.app_status == 127) {
		pare_error_set(&err, 0, "the application could not be started (status %d): nothing to build from",
			       br.app_status);
		goto out;
	}
	if (br.app_exited_itself && br.app_status != 0)
		pare_info("pare: warning: the application exited by itself with status %d during the analysis\n",
			  br.app_status);
	if (br.profile->stats.fanotify_overflows)
		pare_info("pare: warning: fanotify lost events (%" PRIu64 " overflows); ptrace still saw every traced call\n",
			  br.profile->stats.fanotify_overflows);
	failure = pipeline_run_probe_failure(&br);
	if (failure && !a.ignore_failures) {
		pare_error_set(&err, 0, "%s (--probe-failures=ignore to build anyway)", failure);
		goto out;
	}
	if (failure)
		pare_info("pare: warning: %s\n", failure);
	if (br.health_ran && br.health_result.error)
		pare_info("pare: warning: the image's HEALTHCHECK '%s' %s during the analysis\n", health.command,
			  br.health_result.error);
	else if (br.health_ran && br.health_result.status != 0)
		pare_info("pare: warning: the image's HEALTHCHECK '%s' exited with status %d during the analysis\n",
			  health.command, br.health_result.status);

	/* Minify. */
	t = pipeline_now();
	if (cli_phase("deciding what to keep", &err) < 0)
		goto out;
	out_cmd = pipeline_config_strv(out_config, "Entrypoint");
	{
		cleanup_strv char **cmd = pipeline_config_strv(out_config, "Cmd");
		struct strvec sv = STRVEC_INIT;
		for (char **p = out_cmd; *p; p++)
			strvec_push(&sv, *p);
		for (char **p = cmd; *p; p++)
			strvec_push(&sv, *p);
		strv_free(out_cmd);
		out_cmd = strvec_detach(&sv);
	}
	out_env = pipeline_config_strv(out_config, "Env");
	out_vols = pipeline_config_keys(out_config, "Volumes");
	a.keep.env = out_env;
	a.keep.user = pipeline_config_str(out_config, "User");
	a.keep.workdir = pipeline_config_str(out_config, "WorkingDir");
	a.keep.volumes = out_vols;
	a.keep.command = out_cmd;
	if (keep_set_new(idx, rt_rootfs_dir(rootfs), &a.keep, &ks, &err) < 0 ||
	    keep_add_profile(ks, br.profile, &err) < 0 || keep_apply_rules(ks, &err) < 0 || keep_finish(ks, &err) < 0)
		goto out;
	if (!a.no_pkgdb && (pkgdb_open(idx, rt_rootfs_dir(rootfs), &db, &err) < 0 || pkgdb_decide(db, ks, &err) < 0))
		goto out;
	tm.minify = pipeline_now() - t;
	if (pare_verbosity > 1)
		for (char *const *w = keep_warnings(ks); *w; w++)
			pare_info("pare: note: %s\n", *w);

	/* Write. */
	t = pipeline_now();
	if (cli_phase("writing the slim image", &err) < 0)
		goto out;
	if (!a.tag)
		a.tag = default_tag = image_tag_default(img, ".slim");
	struct image_write_opts wo = {
		.output = a.output,
		.format = a.format,
		.compression = comp,
		.tag = a.tag,
		.only_kept = true,
		.config = out_config,
		.created_by = "pare build",
		.result = &res,
		.content_dir = rt_rootfs_dir(rootfs), /* what the application ran on: kept files read from it */
		.overrides = db ? db->overrides : NULL, /* the rewritten package database */
		.n_overrides = db ? db->n_overrides : 0,
	};
	if (image_write(img, idx, &wo, &err) < 0)
		goto out;
	tm.write = pipeline_now() - t;
	double t_sbom = pipeline_now();
	struct sbom_stats sst = { 0 };
	if (a.sbom) {
		struct sbom_input si = { idx, rt_rootfs_dir(rootfs), db, &res, PARE_VERSION };
		if (sbom_write(&si, a.sbom_format, a.sbom, &sst, &err) < 0)
			goto out;
	}
	t_sbom = pipeline_now() - t_sbom;
	/* --verify: the image is written whatever the verdict (with -o - it is already out; a failing
	 * image is what the user needs to inspect); the exit status says it. */
	t = pipeline_now();
	if (a.verify && build_verify(&wo, img, idx, rootfs, &ver, &err) < 0)
		goto out;
	tm.verify = pipeline_now() - t;

	struct keep_totals kt;
	keep_totals(ks, &kt);
	const struct layer_index_stats *st = layer_index_stats(idx);
	char b1[32], b2[32], b3[32];
	double ratio = kt.kept_bytes ? (double)st->bytes / (double)kt.kept_bytes : 0;
	size_t n_warn = 0;
	for (char *const *w = keep_warnings(ks); *w; w++)
		n_warn++;
	pare_info("pare: %s -> %s: %s -> %s of files (%.1fx smaller), %" PRIu64 " files kept, %" PRIu64
		  " removed; layer %s\n",
		  a.input, to_stdout ? "standard output" : a.output, cli_human_size(st->bytes, b1), cli_human_size(kt.kept_bytes, b2), ratio,
		  kt.kept_files, kt.removed_files, cli_human_size(res.layer_size, b3));
	char vtime[32] = "";
	if (a.verify)
		snprintf(vtime, sizeof(vtime), ", verify %.1fs", tm.verify);
	pare_info("pare: time: read %.1fs, unpack %.1fs, run %.1fs (probes %.1fs), minify %.1fs, write %.1fs%s; "
		  "image %s, id %.19s\n",
		  tm.index, tm.unpack, tm.run, tm.probes, tm.minify, tm.write,
		  vtime, res.tag ? res.tag : "", res.image_id ? res.image_id : "");
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
	if (a.sbom)
		pare_info("pare: sbom %s (%s): %zu packages, %zu files hashed (%s) in %.2fs\n", a.sbom,
			  a.sbom_format == SBOM_SPDX_JSON ? "SPDX 2.3" : "CycloneDX 1.5", sst.packages, sst.files,
			  cli_human_size(sst.bytes_hashed, b1), t_sbom);
	if (a.verify)
		build_verify_print(&ver);
	size_t n_alerts = 0;
	for (char *const *w = keep_alerts(ks); *w; w++, n_alerts++)
		if (pare_verbosity == 1)
			pare_info("pare: warning: %s\n", *w);
	mismatch = pipeline_command_mismatch(cfg.argv, out_cmd);
	if (mismatch && pare_verbosity > 0)
		pare_info("pare: warning: %s\n", mismatch);
	if (n_warn > n_alerts && pare_verbosity == 1)
		pare_info("pare: %zu note%s about what was kept (see --report)\n", n_warn - n_alerts,
			  n_warn - n_alerts == 1 ? "" : "s");

	size_t n_syscalls = 0;
	if (a.seccomp_profile) {
		const char *arch = json_string_value(json_object_get(img->config, "architecture"));
		if (pipeline_write_seccomp_profile(br.profile, arch, a.seccomp_profile, &n_syscalls, &err) < 0)
			goto out;
		pare_info("pare: seccomp profile %s: %zu syscalls allowed (%" PRIu64 " census stops)\n",
			  a.seccomp_profile, n_syscalls, br.profile->stats.census_stops);
	}
	if (a.report) {
		report = keep_report_json(ks);
		if (a.seccomp_profile)
			json_object_set_new(report, "seccomp_profile",
					    json_pack("{s:s, s:I, s:I}", "file", a.seccomp_profile, "syscalls",
						      (json_int_t)n_syscalls, "census_stops",
						      (json_int_t)br.profile->stats.census_stops));
		if (mismatch)
			json_array_append_new(json_object_get(report, "warnings"), json_string(mismatch));
		json_object_set_new(report, "image", json_string(a.input));
		json_object_set_new(report, "output", json_string(a.output));
		json_object_set_new(report, "tag", json_string(res.tag ? res.tag : ""));
		json_object_set_new(report, "image_id", json_string(res.image_id ? res.image_id : ""));
		json_object_set_new(report, "sizes",
				    json_pack("{s:I, s:I, s:I, s:I, s:f}", "original_bytes", (json_int_t)st->bytes,
					      "original_files", (json_int_t)st->files, "slim_bytes",
					      (json_int_t)kt.kept_bytes, "layer_bytes", (json_int_t)res.layer_size,
					      "ratio", ratio));
		json_object_set_new(report, "phases",
				    json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "read", tm.index, "unpack", tm.unpack,
					      "run", tm.run, "probes", tm.probes, "minify", tm.minify, "write", tm.write,
					      "total", pipeline_now() - t_start));
		if (a.verify) {
			json_object_set_new(json_object_get(report, "phases"), "verify", json_real(tm.verify));
			json_object_set_new(report, "verify", pipeline_verify_json(&ver));
		}
		json_object_set_new(report, "probes", pipeline_run_probes_json(&br));
		if (db)
			json_object_set_new(report, "packages", pkgdb_report_json(db));
		if (a.sbom)
			json_object_set_new(report, "sbom",
					    json_pack("{s:s, s:s, s:I, s:I, s:f}", "file", a.sbom, "format",
						      a.sbom_format == SBOM_SPDX_JSON ? "spdx-json" : "cyclonedx-json",
						      "packages", (json_int_t)sst.packages, "files", (json_int_t)sst.files,
						      "seconds", t_sbom));
		json_object_set_new(report, "application",
				    json_pack("{s:i, s:b, s:b}", "status", br.app_status, "exited_by_itself",
					      br.app_exited_itself, "killed", br.stopped_by_kill));
		json_object_set_new(report, "profile", pipeline_profile_summary(br.profile));
		if (pipeline_write_report(a.report, report, &err) < 0)
			goto out;
	}
	status = 0;
	if (a.verify && ver.n_differ) {
		pare_error_set(&err, 0, "verify: the slim image answered %zu of %zu probes differently (the image "
				       "is written: %s)", ver.n_differ, ver.n_rows, to_stdout ? "standard output" : a.output);
		status = BUILD_EXIT_VERIFY_FAILED;
	}
out:
	if (status)
		pare_error_print(&err);
	status = cli_exit_status(status);
	json_decref(report);
	json_decref(out_config);
	image_write_result_release(&res);
	pkgdb_free(db);
	keep_set_free(ks);
	pipeline_verify_release(&ver);
	pipeline_run_release(&br);
	pipeline_health_release(&health);
	free(br.ports);
	rt_rootfs_free(rootfs);
	if (idx)
		layer_index_free(idx);
	if (img)
		image_free(img);
	rt_config_release(&cfg);
	build_args_release(&a);
	return status;
}
