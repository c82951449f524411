/* Printing an xray report. Everything shown comes from the image, which may be hostile: text output
 * escapes control bytes (no terminal escapes, no forged lines), JSON output is always valid UTF-8. */
#include "cli/xray_print.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strvec.h"
#include "lib/xalloc.h"

/* ---- text ---- */

static void human(char buf[32], uint64_t n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, 32, "%" PRIu64 " B", n);
	else
		snprintf(buf, 32, "%.1f %s", v, units[u]);
}

/* A printable copy: control bytes as \xNN, runs of whitespace as one space, at most `max` bytes
 * (0: no limit) with "..." when cut. */
static char *printable(const char *s, size_t max, bool squeeze)
{
	size_t cap = strlen(s) * 4 + 4, o = 0;
	char *out = xmalloc(cap);
	bool space = false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (max && o >= max) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (squeeze && isspace(*p)) {
			if (!space && o > 0)
				out[o++] = ' ';
			space = true;
			continue;
		}
		space = false;
		if (*p < 0x20 || *p == 0x7f)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", *p);
		else
			out[o++] = (char)*p;
	}
	while (squeeze && o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return out;
}

static void put_safe(FILE *f, const char *s)
{
	cleanup_free char *p = printable(s ? s : "", 0, false);
	fputs(p, f);
}

/* An argv as a shell would read it: words quoted only when they need it. */
static void put_argv(FILE *f, char **v)
{
	if (!v || !v[0]) {
		fputs("(none)", f);
		return;
	}
	for (size_t i = 0; v[i]; i++) {
		cleanup_free char *w = printable(v[i], 0, false);
		bool plain = *w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == strlen(w);
		if (i)
			fputc(' ', f);
		if (plain) {
			fputs(w, f);
			continue;
		}
		fputc('\'', f);
		for (const char *p = w; *p; p++)
			if (*p == '\'')
				fputs("'\\''", f);
			else
				fputc(*p, f);
		fputc('\'', f);
	}
}

static void put_list(FILE *f, char **v)
{
	if (!v || !v[0]) {
		fputs("(none)", f);
		return;
	}
	for (size_t i = 0; v[i]; i++) {
		if (i)
			fputs(", ", f);
		put_safe(f, v[i]);
	}
}

static void print_layer_row(FILE *f, const struct xray_report *r, long layer, const char *created_by)
{
	char stored[32] = "-", content[32] = "-", entries[32] = "-", num[32] = "-";
	if (layer >= 0) {
		const struct xray_layer *l = &r->layers[layer];
		if (l->layer->size >= 0)
			human(stored, (uint64_t)l->layer->size);
		human(content, l->content_bytes);
		snprintf(entries, sizeof(entries), "%" PRIu64, l->entries);
		snprintf(num, sizeof(num), "%ld", layer);
	}
	cleanup_free char *cmd = printable(created_by ? created_by : "(no history)", 110, true);
	fprintf(f, "  %5s %10s %10s %8s  %s\n", num, stored, content, entries, cmd);
}

int xray_print_text(FILE *f, const struct image *img, const struct xray_report *r)
{
	char a[32], b[32];

	fputs("Image       ", f);
	put_safe(f, img->input);
	fprintf(f, " (%s", img->format ? img->format : "?");
	if (img->ref) {
		fputs(", ", f);
		put_safe(f, img->ref);
	}
	fputs(")\n", f);
	if (img->config_digest)
		fprintf(f, "Config      %s\n", img->config_digest);
	fputs("Platform    ", f);
	put_safe(f, r->os ? r->os : "?");
	fputc('/', f);
	put_safe(f, r->architecture ? r->architecture : "?");
	if (r->created) {
		fputs(", created ", f);
		put_safe(f, r->created);
	}
	fputs("\n\nConfig\n  Entrypoint  ", f);
	put_argv(f, r->entrypoint);
	fputs("\n  Cmd         ", f);
	put_argv(f, r->cmd);
	fputs("\n  User        ", f);
	if (r->user && *r->user)
		put_safe(f, r->user);
	else
		fputs("(not set: root)", f);
	fputs("\n  WorkingDir  ", f);
	put_safe(f, r->workdir && *r->workdir ? r->workdir : "(not set: /)");
	fprintf(f, "\n  Env         %zu variable%s\n  Ports       ", r->env_count, r->env_count == 1 ? "" : "s");
	put_list(f, r->ports);
	fputs("\n  Volumes     ", f);
	put_list(f, r->volumes);
	if (r->stop_signal) {
		fputs("\n  StopSignal  ", f);
		put_safe(f, r->stop_signal);
	}

	human(a, r->stored_bytes);
	human(b, r->content_bytes);
	fprintf(f, "\n\nLayers (%zu, %s stored, %s uncompressed)\n", r->n_layers, a, b);
	fprintf(f, "  %5s %10s %10s %8s  %s\n", "LAYER", "STORED", "CONTENT", "ENTRIES", "CREATED BY");
	for (size_t s = 0; s < r->n_steps; s++)
		print_layer_row(f, r, r->steps[s].layer, r->steps[s].created_by ? r->steps[s].created_by : r->steps[s].comment);
	for (size_t l = 0; l < r->n_layers; l++)
		if (r->layers[l].step < 0)
			print_layer_row(f, r, (long)l, NULL);

	human(a, r->bytes);
	fprintf(f,
		"\nFiles       %" PRIu64 " entries: %" PRIu64 " files, %" PRIu64 " directories, %" PRIu64 " symlinks, %" PRIu64
		" other; %s of content",
		r->entries, r->regular, r->dirs, r->symlinks, r->others, a);
	if (r->hardlinks)
		fprintf(f, " (%" PRIu64 " hardlink%s counted once)", r->hardlinks, r->hardlinks == 1 ? "" : "s");
	human(a, r->wasted_bytes);
	fprintf(f, "\nWasted      %s in %" PRIu64 " files overwritten or deleted by later layers\n", a, r->wasted_files);

	if (r->n_largest) {
		fprintf(f, "\nLargest files\n");
		for (size_t i = 0; i < r->n_largest; i++) {
			const struct fs_entry *e = r->largest[i].entry;
			human(a, (uint64_t)e->size);
			fprintf(f, "  %10s  ", a);
			put_safe(f, e->path);
			fprintf(f, "  (layer %" PRIu32 ")\n", e->layer);
		}
	}

	human(a, r->saves_bytes);
	fprintf(f, "\nScore       %u/100: the findings' techniques would remove %s of the layers' content\n", r->score, a);
	if (r->slim) {
		human(a, r->slim_removed_bytes);
		human(b, r->slim_in_findings);
		fprintf(f, "Slim        pare build removes %s in %" PRIu64 " files (%s of it in the findings)\n", a,
			r->slim_removed_files, b);
	}
	fprintf(f, "\nFindings (%zu)\n", r->n_flags);
	if (!r->n_flags)
		fputs("  none\n", f);
	for (size_t i = 0; i < r->n_flags; i++) {
		const struct xray_flag *fl = &r->flags[i];
		char kind[16];
		snprintf(kind, sizeof(kind), "[%s]", xray_flag_kind_name(fl->kind));
		fprintf(f, "  %-7s %-12s %-18s %s", severity_name(fl->severity), kind, fl->id, fl->title);
		if (fl->bytes || fl->files) {
			human(a, fl->bytes);
			fprintf(f, ": %s in %" PRIu64 " file%s", a, fl->files, fl->files == 1 ? "" : "s");
		}
		fputc('\n', f);
		if (fl->detail) {
			fputs("      ", f);
			put_safe(f, fl->detail);
			fputc('\n', f);
		}
		for (size_t p = 0; fl->paths && fl->paths[p]; p++) {
			fputs("      ", f);
			put_safe(f, fl->paths[p]);
			fputc('\n', f);
		}
		if (fl->paths && fl->files > strv_len(fl->paths) && strv_len(fl->paths))
			fprintf(f, "      ... and %" PRIu64 " more\n", fl->files - strv_len(fl->paths));
		if (fl->technique) {
			human(a, fl->saves);
			fprintf(f, "      %s (%s): %s; saves %s", fl->technique->id, fl->technique->article, fl->technique->advice,
				fl->saves_known ? a : "what the smaller base leaves out");
			if (r->slim) {
				human(b, fl->slim_bytes);
				fprintf(f, "; pare build removes %s of it", b);
			}
			fputc('\n', f);
		}
	}
	return ferror(f) ? -1 : 0;
}

/* ---- JSON ---- */

/* A JSON string for bytes from the image: as is when valid UTF-8, else with every byte outside
 * ASCII written as "\xNN" (names in images need not be UTF-8). */
static json_t *jstr(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (j)
		return j;
	size_t cap = strlen(s) * 4 + 1, o = 0;
	cleanup_free char *out = xmalloc(cap);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x80)
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", *p);
	}
	out[o] = '\0';
	return json_string(out);
}

static json_t *jstrv(char **v)
{
	json_t *a = json_array();
	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, jstr(v[i]));
	return a;
}

static json_t *jint(uint64_t n)
{
	return json_integer((json_int_t)n);
}

static json_t *json_report(const struct image *img, const struct xray_report *r)
{
	json_t *root = json_object();

	json_object_set_new(root, "image",
			    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "input", jstr(img->input), "format",
				      jstr(img->format), "ref", jstr(img->ref), "config_digest", jstr(img->config_digest),
				      "os", jstr(r->os), "architecture", jstr(r->architecture), "created", jstr(r->created)));
	json_object_set_new(root, "config",
			    json_pack("{s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:b}", "entrypoint", jstrv(r->entrypoint),
				      "cmd", jstrv(r->cmd), "user", jstr(r->user), "workdir", jstr(r->workdir), "env_count",
				      (json_int_t)r->env_count, "ports", jstrv(r->ports), "volumes", jstrv(r->volumes),
				      "stop_signal", jstr(r->stop_signal), "runs_as_root", xray_user_is_root(r->user)));

	json_t *hist = json_array();
	for (size_t s = 0; s < r->n_steps; s++) {
		const struct xray_step *st = &r->steps[s];
		json_array_append_new(hist, json_pack("{s:o, s:o, s:o, s:b, s:o}", "created_by", jstr(st->created_by),
						      "created", jstr(st->created), "comment", jstr(st->comment),
						      "empty_layer", st->empty_layer, "layer",
						      st->layer >= 0 ? json_integer(st->layer) : json_null()));
	}
	json_object_set_new(root, "history", hist);

	json_t *layers = json_array();
	for (size_t l = 0; l < r->n_layers; l++) {
		const struct xray_layer *x = &r->layers[l];
		const struct xray_step *st = x->step >= 0 ? &r->steps[x->step] : NULL;
		json_array_append_new(
			layers, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "index", (json_int_t)l, "digest",
					  jstr(x->layer->digest), "diff_id", jstr(x->layer->diff_id), "media_type",
					  jstr(x->layer->media_type), "stored_size",
					  x->layer->size >= 0 ? json_integer(x->layer->size) : json_null(), "content_bytes",
					  jint(x->content_bytes), "entries", jint(x->entries), "created_by",
					  jstr(st ? st->created_by : NULL), "history_step",
					  x->step >= 0 ? json_integer(x->step) : json_null()));
	}
	json_object_set_new(root, "layers", layers);

	json_object_set_new(root, "totals",
			    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "entries", jint(r->entries),
				      "files", jint(r->regular), "directories", jint(r->dirs), "symlinks", jint(r->symlinks),
				      "other", jint(r->others), "hardlinks", jint(r->hardlinks), "bytes", jint(r->bytes),
				      "stored_bytes", jint(r->stored_bytes), "layer_bytes", jint(r->content_bytes),
				      "wasted_bytes", jint(r->wasted_bytes), "wasted_files", jint(r->wasted_files)));

	json_t *largest = json_array();
	for (size_t i = 0; i < r->n_largest; i++) {
		const struct fs_entry *e = r->largest[i].entry;
		json_array_append_new(largest, json_pack("{s:o, s:I, s:I}", "path", jstr(e->path), "size",
							 (json_int_t)e->size, "layer", (json_int_t)e->layer));
	}
	json_object_set_new(root, "largest_files", largest);

	json_t *flags = json_array();
	size_t counts[3] = { 0, 0, 0 };
	for (size_t i = 0; i < r->n_flags; i++) {
		const struct xray_flag *fl = &r->flags[i];
		const struct xray_technique *t = fl->technique;
		counts[fl->severity]++;
		json_array_append_new(
			flags, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o}", "id", fl->id, "kind",
					 xray_flag_kind_name(fl->kind), "title", fl->title, "detail", jstr(fl->detail), "bytes",
					 jint(fl->bytes), "files", jint(fl->files), "paths", jstrv(fl->paths), "severity",
					 severity_name(fl->severity), "technique",
					 t ? json_pack("{s:s, s:s, s:s}", "id", t->id, "article", t->article, "advice", t->advice)
					   : json_null(),
					 "saves_bytes", fl->saves_known ? jint(fl->saves) : json_null(), "slim_bytes",
					 r->slim ? jint(fl->slim_bytes) : json_null()));
	}
	json_object_set_new(root, "flags", flags);
	json_object_set_new(root, "counts",
			    json_pack("{s:I, s:I, s:I}", "error", (json_int_t)counts[SEVERITY_ERROR], "warning",
				      (json_int_t)counts[SEVERITY_WARNING], "info", (json_int_t)counts[SEVERITY_INFO]));
	json_object_set_new(root, "score",
			    json_pack("{s:I, s:o, s:o}", "value", (json_int_t)r->score, "saves_bytes", jint(r->saves_bytes),
				      "total_bytes", jint(r->score_total)));
	json_object_set_new(root, "slim",
			    r->slim ? json_pack("{s:o, s:o, s:o}", "removed_bytes", jint(r->slim_removed_bytes),
						"removed_files", jint(r->slim_removed_files), "in_findings_bytes",
						jint(r->slim_in_findings))
				    : json_null());
	return root;
}

int xray_print_json(FILE *f, const struct image *img, const struct xray_report *r)
{
	json_t *root = json_report(img, r);
	int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (rc < 0) {
		errno = errno ? errno : EIO;
		return -1;
	}
	fputc('\n', f);
	return ferror(f) ? -1 : 0;
}
