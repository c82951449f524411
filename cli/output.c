/* Helpers shared by the commands that write images or run them: output names, interrupts, phases. */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "image/image.h"
#include "image/transport.h"
#include "image/writer.h"
#include "lib/error.h"
#include "lib/interrupt.h"
#include "lib/path.h"
#include "lib/xalloc.h"

/* An image in the engine or a registry goes back to it: "PREFIX NAME.SUFFIX:TAG" (a digest gives
 * "latest"). */
static char *ref_output(const char *prefix, const char *ref, const char *suffix)
{
	cleanup_free char *name = xstrndup(ref, strcspn(ref, "@"));
	const char *slash = strrchr(name, '/'), *colon = strrchr(name, ':');
	const char *tag = "latest";
	if (colon && (!slash || colon > slash)) {
		*(char *)colon = '\0';
		tag = colon + 1;
	}
	return xasprintf("%s%s.%s:%s", prefix, name, suffix, tag);
}

char *cli_default_output(const char *input, const char *suffix, bool oci_dir)
{
	if (!strncmp(input, "docker-daemon:", 14))
		return ref_output("docker-daemon:", input + 14, suffix);
	if (!strncmp(input, "docker://", 9))
		return ref_output("docker://", input + 9, suffix);
	if (image_name_is_engine_ref(input))
		return ref_output("docker-daemon:", input, suffix); /* a bare NAME:TAG read from the engine (image_open) */
	struct image_name tn;
	if (image_transport_parse(input, &tn, NULL) == 0)
		input = tn.rest;
	cleanup_free char *norm = path_normalize(input);
	cleanup_free char *base = xstrdup(path_basename(norm));
	static const char *const exts[] = { ".tar.gz", ".tar.zst", ".tar.zstd", ".tgz", ".tar", ".oci", NULL };
	for (const char *const *e = exts; *e; e++) {
		size_t bl = strlen(base), el = strlen(*e);
		if (bl > el && !strcmp(base + bl - el, *e)) {
			base[bl - el] = '\0';
			break;
		}
	}
	if (!*base)
		return xasprintf("image.%s%s", suffix, oci_dir ? "" : ".tar");
	return xasprintf("%s.%s%s", base, suffix, oci_dir ? "" : ".tar");
}

int cli_default_compression(int oci_dir, const char *output, const char *input)
{
	const char *to = output ? output : input;
	return oci_dir || !strncmp(to, "docker://", 9) ? IMAGE_COMP_GZIP : IMAGE_COMP_NONE;
}

static void on_interrupt(int sig)
{
	if (!pare_interrupt_signal) {
		pare_interrupt_signal = sig; /* honoured at the next check (lib/interrupt.h) */
		return;
	}
	/* Asked again: pare may be stuck where nothing checks. Remove the image being written and end
	 * now, as the signal would; other temporary directories are reaped by the next run. */
	image_write_abort();
	signal(sig, SIG_DFL);
	raise(sig);
}

void cli_interrupt_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int cli_exit_status(int status)
{
	return status && pare_interrupt_signal ? 128 + pare_interrupt_signal : status;
}

static int phase(const char *what, bool on_terminal, struct pare_error *err)
{
	if (pare_interrupt_check(err) < 0)
		return -1;
	if (pare_verbosity > 1 || (on_terminal && pare_verbosity == 1 && isatty(STDERR_FILENO)))
		fprintf(stderr, "pare: %s...\n", what);
	/* Test hook (tests/t-faults.sh): stop at the start of this phase, so that a test can send a
	 * signal exactly here (it continues the process after). */
	const char *stop = getenv("PARE_TEST_STOP_AT");
	if (stop && !strcmp(stop, what))
		raise(SIGSTOP);
	return 0;
}

int cli_phase(const char *what, struct pare_error *err)
{
	return phase(what, true, err);
}

int cli_phase_quiet(const char *what, struct pare_error *err)
{
	return phase(what, false, err);
}

const char *cli_human_size(uint64_t n, char buf[32])
{
	if (n < 1024)
		snprintf(buf, 32, "%" PRIu64 " B", n);
	else if (n < 1024 * 1024)
		snprintf(buf, 32, "%.1f KiB", (double)n / 1024);
	else if (n < 1024ull * 1024 * 1024)
		snprintf(buf, 32, "%.1f MiB", (double)n / (1024 * 1024));
	else
		snprintf(buf, 32, "%.2f GiB", (double)n / (1024.0 * 1024 * 1024));
	return buf;
}

int cli_image_open(const char *input, const char *ref, struct image **out, struct pare_error *err)
{
	if (image_open(input, ref, out, err) < 0)
		return -1;
	for (size_t i = 0; i < (*out)->notes.n; i++)
		pare_info("pare: warning: %s\n", (*out)->notes.v[i]);
	return 0;
}
