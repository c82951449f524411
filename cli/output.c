/* Output helpers shared by the commands that write images (squash, build). */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "image/writer.h"
#include "lib/path.h"
#include "lib/xalloc.h"

char *cli_default_output(const char *input, const char *suffix, bool oci_dir)
{
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

static void on_signal(int sig)
{
	image_write_abort();
	signal(sig, SIG_DFL);
	raise(sig);
}

void cli_abort_write_on_signals(void)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
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
