/* pare build's pipeline: from the opened image to the slim image, its SBOM, verdict and profile. */
#include "pipeline/build.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/transport.h"
#include "lib/strvec.h"
#include "lib/tmp.h"
#include "lib/xalloc.h"
#include "probe/probe_exec.h"

static int phase(const struct pipeline_build *b, const char *what, struct pare_error *err)
{
	return b->phase ? b->phase(what, err) : 0;
}

static void warnf(const struct pipeline_build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnf(const struct pipeline_build *b, const char *fmt, ...)
{
	if (!b->warn)
		return;
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	b->warn(msg);
}

/* The analysis, and what it says about the run: an application that could not start is an error, a
 * failed probe too (unless ignore_failures); the rest are warnings. */
static int analyse(struct pipeline_build *b, struct pare_error *err)
{
	struct pipeline_run *br = &b->run;
	br->rootfs = b->rootfs;
	br->exec_shell = probe_exec_has_shell(b->idx);
	br->phase = b->phase;
	for (char **e = br->execs; e && *e; e++) { /* before the run: a command that cannot run is an error now */
		cleanup_strv char **words = NULL;
		if (probe_exec_argv(*e, br->exec_shell, &words, err) < 0)
			return -1;
	}
	if (phase(b, "running the application under the tracer", err) < 0)
		return -1;
	if (pipeline_run_analysis(br, err) < 0) {
		if (err->code != EINTR)
			pare_error_prefix(err, "analysis run");
		return -1;
	}
	b->t.run = br->seconds_run;
	b->t.probes = br->seconds_probes;
	if (br->app_status == 126 || br->app_status == 127)
		return pare_error_set(err, 0, "the application could not be started (status %d): nothing to build from",
				      br->app_status);
	if (br->app_exited_itself && br->app_status != 0)
		warnf(b, "the application exited by itself with status %d during the analysis", br->app_status);
	if (br->profile->stats.fanotify_overflows)
		warnf(b, "fanotify lost events (%" PRIu64 " overflows); ptrace still saw every traced call",
		      br->profile->stats.fanotify_overflows);
	b->failure = pipeline_run_probe_failure(br);
	if (b->failure && !b->ignore_failures)
		return pare_error_set(err, 0, "%s (--probe-failures=ignore to build anyway)", b->failure);
	if (b->failure)
		warnf(b, "%s", b->failure);
	const struct pipeline_health *h = br->health;
	if (br->health_ran && br->health_result.error)
		warnf(b, "the image's HEALTHCHECK '%s' %s during the analysis", h->command, br->health_result.error);
	else if (br->health_ran && br->health_result.status != 0)
		warnf(b, "the image's HEALTHCHECK '%s' exited with status %d during the analysis", h->command,
		      br->health_result.status);
	return 0;
}

/* What to keep: the profile, the rules, the output config's command and paths; then the package
 * database of what is kept. */
static int minify(struct pipeline_build *b, struct pare_error *err)
{
	b->out_cmd = pipeline_config_strv(b->out_config, "Entrypoint");
	cleanup_strv char **cmd = pipeline_config_strv(b->out_config, "Cmd");
	struct strvec sv = STRVEC_INIT;
	for (char **p = b->out_cmd; *p; p++)
		strvec_push(&sv, *p);
	for (char **p = cmd; *p; p++)
		strvec_push(&sv, *p);
	strv_free(b->out_cmd);
	b->out_cmd = strvec_detach(&sv);
	b->out_env = pipeline_config_strv(b->out_config, "Env");
	b->out_vols = pipeline_config_keys(b->out_config, "Volumes");
	struct keep_opts ko = b->keep;
	ko.env = b->out_env;
	ko.user = pipeline_config_str(b->out_config, "User");
	ko.workdir = pipeline_config_str(b->out_config, "WorkingDir");
	ko.volumes = b->out_vols;
	ko.command = b->out_cmd;
	const char *dir = rt_rootfs_dir(b->rootfs);
	if (keep_set_new(b->idx, dir, &ko, &b->ks, err) < 0 || keep_add_profile(b->ks, b->run.profile, err) < 0 ||
	    keep_apply_rules(b->ks, err) < 0 || keep_finish(b->ks, err) < 0)
		return -1;
	if (b->package_db && (pkgdb_open(b->idx, dir, &b->db, err) < 0 || pkgdb_decide(b->db, b->ks, err) < 0))
		return -1;
	b->mismatch = pipeline_command_mismatch(b->cfg->argv, b->out_cmd);
	return 0;
}

/* Where the slim image can be read back for --verify: the output itself when it names a file, a
 * directory or a registry (docker://: pulled back, so the pushed image is what is verified), else a
 * copy written to *tmp_dir (same index, config and options: the writer's output is deterministic). */
static char *slim_source(const struct pipeline_build *b, char **tmp_dir, struct pare_error *err)
{
	const struct image_write_opts *wo = &b->write;
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
	if (image_write(b->img, b->idx, &o, err) < 0) {
		free(path);
		return NULL;
	}
	image_write_result_release(&res);
	return path;
}

/* --verify (doc/VERIFY.md): the slim image as written, opened again and unpacked privately;
 * pipeline_verify replays the analysis' probes against it and a second run of the original. */
static int verify(struct pipeline_build *b, struct pare_error *err)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *src = slim_source(b, &dir, err);
	struct image *slim = NULL;
	struct rt_rootfs *rootfs = NULL;
	int ret = -1;
	if (!src || phase(b, "verifying: unpacking the slim image", err) < 0 || image_open(src, NULL, &slim, err) < 0 ||
	    rt_rootfs_prepare_private(slim, &rootfs, err) < 0)
		goto out;
	b->ver.analysis = &b->run;
	b->ver.original = b->rootfs;
	b->ver.slim = rootfs;
	b->ver.phase = b->phase;
	ret = pipeline_verify(&b->ver, err);
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

int pipeline_build_run(struct pipeline_build *b, struct pare_error *err)
{
	/* The layer index is built while the layers are read for unpacking (each read once); with the
	 * image already in the rootfs cache, on its own. */
	double t = pipeline_now();
	if (phase(b, "unpacking", err) < 0 || rt_rootfs_prepare_indexed(b->img, &b->idx, &b->rootfs, err) < 0)
		return -1;
	b->t.unpack = pipeline_now() - t;
	if (analyse(b, err) < 0)
		return -1;

	t = pipeline_now();
	if (phase(b, "deciding what to keep", err) < 0 || minify(b, err) < 0)
		return -1;
	b->t.minify = pipeline_now() - t;

	t = pipeline_now();
	if (phase(b, "writing the slim image", err) < 0)
		return -1;
	struct image_write_opts *wo = &b->write;
	wo->only_kept = true;
	wo->config = b->out_config;
	wo->created_by = "pare build";
	wo->result = &b->res;
	wo->content_dir = rt_rootfs_dir(b->rootfs); /* what the application ran on: kept files read from it */
	wo->overrides = b->db ? b->db->overrides : NULL; /* the rewritten package database */
	wo->n_overrides = b->db ? b->db->n_overrides : 0;
	if (image_write(b->img, b->idx, wo, err) < 0)
		return -1;
	b->t.write = pipeline_now() - t;

	t = pipeline_now();
	if (b->sbom) {
		struct sbom_input si = { b->idx, rt_rootfs_dir(b->rootfs), b->db, &b->res, PARE_VERSION };
		if (sbom_write(&si, b->sbom_format, b->sbom, &b->sbom_stats, err) < 0)
			return -1;
	}
	b->t.sbom = pipeline_now() - t;
	/* --verify: the image is written whatever the verdict (with -o - it is already out; a failing
	 * image is what the user needs to inspect); the caller's exit status says it. */
	t = pipeline_now();
	if (b->verify && verify(b, err) < 0)
		return -1;
	b->t.verify = pipeline_now() - t;
	if (b->seccomp_profile) {
		const char *arch = json_string_value(json_object_get(b->img->config, "architecture"));
		if (pipeline_write_seccomp_profile(b->run.profile, arch, b->seccomp_profile, &b->n_syscalls, err) < 0)
			return -1;
	}
	return 0;
}

json_t *pipeline_build_report(const struct pipeline_build *b, const char *input, double read_seconds,
			      double total_seconds)
{
	const struct pipeline_run *br = &b->run;
	json_t *report = keep_report_json(b->ks);
	struct keep_totals kt;
	keep_totals(b->ks, &kt);
	const struct layer_index_stats *st = layer_index_stats(b->idx);
	double ratio = kt.kept_bytes ? (double)st->bytes / (double)kt.kept_bytes : 0;
	if (b->seccomp_profile)
		json_object_set_new(report, "seccomp_profile",
				    json_pack("{s:s, s:I, s:I}", "file", b->seccomp_profile, "syscalls",
					      (json_int_t)b->n_syscalls, "census_stops",
					      (json_int_t)br->profile->stats.census_stops));
	if (b->mismatch)
		json_array_append_new(json_object_get(report, "warnings"), json_string(b->mismatch));
	json_object_set_new(report, "image", json_string(input));
	json_object_set_new(report, "output", json_string(b->write.output));
	json_object_set_new(report, "tag", json_string(b->res.tag ? b->res.tag : ""));
	json_object_set_new(report, "image_id", json_string(b->res.image_id ? b->res.image_id : ""));
	json_object_set_new(report, "sizes",
			    json_pack("{s:I, s:I, s:I, s:I, s:f}", "original_bytes", (json_int_t)st->bytes,
				      "original_files", (json_int_t)st->files, "slim_bytes", (json_int_t)kt.kept_bytes,
				      "layer_bytes", (json_int_t)b->res.layer_size, "ratio", ratio));
	json_t *phases = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "read", read_seconds, "unpack", b->t.unpack,
				   "run", b->t.run, "probes", b->t.probes, "minify", b->t.minify, "write", b->t.write,
				   "total", total_seconds);
	json_object_set_new(report, "phases", phases);
	if (b->verify) {
		json_object_set_new(phases, "verify", json_real(b->t.verify));
		json_object_set_new(report, "verify", pipeline_verify_json(&b->ver));
	}
	json_object_set_new(report, "probes", pipeline_run_probes_json(br));
	if (b->db)
		json_object_set_new(report, "packages", pkgdb_report_json(b->db));
	if (b->sbom)
		json_object_set_new(report, "sbom",
				    json_pack("{s:s, s:s, s:I, s:I, s:f}", "file", b->sbom, "format",
					      b->sbom_format == SBOM_SPDX_JSON ? "spdx-json" : "cyclonedx-json", "packages",
					      (json_int_t)b->sbom_stats.packages, "files", (json_int_t)b->sbom_stats.files,
					      "seconds", b->t.sbom));
	json_object_set_new(report, "application",
			    json_pack("{s:i, s:b, s:b}", "status", br->app_status, "exited_by_itself",
				      br->app_exited_itself, "killed", br->stopped_by_kill));
	json_object_set_new(report, "profile", pipeline_profile_summary(br->profile));
	return report;
}

void pipeline_build_release(struct pipeline_build *b)
{
	image_write_result_release(&b->res);
	pkgdb_free(b->db);
	keep_set_free(b->ks);
	pipeline_verify_release(&b->ver);
	pipeline_run_release(&b->run);
	rt_rootfs_free(b->rootfs);
	if (b->idx)
		layer_index_free(b->idx);
	strv_free(b->out_cmd);
	strv_free(b->out_env);
	strv_free(b->out_vols);
	free(b->failure);
	free(b->mismatch);
	b->db = NULL;
	b->ks = NULL;
	b->rootfs = NULL;
	b->idx = NULL;
	b->out_cmd = b->out_env = b->out_vols = NULL;
	b->failure = b->mismatch = NULL;
}
