/* --creds, --tls-verify, --platform: parsed once for every command that takes images. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/image_opts.h"
#include "image/registry.h"
#include "lib/xalloc.h"

int cli_image_opts_parse(const char *cmd, int c, char *arg)
{
	struct pare_error err = { 0 };
	switch (c) {
	case CLI_OPT_CREDS: {
		const char *colon = strchr(arg, ':');
		if (!colon || colon == arg)
			return cli_usage_error(cmd, "--creds wants USER:PASSWORD");
		static char *creds;
		free(creds);
		creds = xstrdup(arg);
		memset(arg + (colon - arg) + 1, 'x', strlen(colon + 1)); /* not in ps from now on */
		registry_opts.creds = creds;
		break;
	}
	case CLI_OPT_TLS_VERIFY:
		if (!arg || !strcmp(arg, "true"))
			registry_opts.tls_verify = true;
		else if (!strcmp(arg, "false"))
			registry_opts.tls_verify = false;
		else
			return cli_usage_error(cmd, "--tls-verify wants true or false, not '%s'", arg);
		break;
	case CLI_OPT_PLATFORM:
		if (registry_platform_check(arg, &err) < 0)
			return cli_usage_error(cmd, "--platform: %s", err.msg);
		registry_opts.platform = arg;
		break;
	default: return 1;
	}
	return 0;
}

void cli_image_opts_help(FILE *f)
{
	fputs("  registry images (docker://HOST/REPO:TAG or @sha256:..., as IMAGE or -o):\n"
	      "      --creds USER:PASS   registry credentials (else $REGISTRY_AUTH_FILE, then\n"
	      "                          $XDG_RUNTIME_DIR/containers/auth.json, then ~/.docker/config.json)\n"
	      "      --tls-verify=false  do not check certificates; allow a plain-HTTP registry\n"
	      "      --platform OS/ARCH[/VARIANT]  the image of a multi-platform index (default linux/<host>)\n",
	      f);
}
