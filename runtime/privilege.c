/* What a confined pare lacks. Inside `docker run` (a CI job's container) the namespace, mount and
 * network calls pare makes fail with EPERM or ENOSYS, and the bare errno says nothing about the fix.
 * When a setup step fails that way, this names what the environment is missing (effective
 * capabilities, a seccomp filter, an AppArmor profile) as the docker run options that add it. The
 * tested configuration is in doc/CI.md. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/error.h"
#include "runtime/internal.h"

#define CAP_BIT_NET_ADMIN 12
#define CAP_BIT_SYS_PTRACE 19
#define CAP_BIT_SYS_ADMIN 21

struct confinement {
	bool known;        /* /proc/self/status could be read */
	bool sys_admin;
	bool net_admin;
	bool sys_ptrace;
	bool seccomp;      /* a seccomp filter is installed (mode 2) */
	char apparmor[64]; /* the enforced AppArmor profile, "" when none */
};

static void read_status(struct confinement *c)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return;
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "CapEff:", 7) == 0) {
			unsigned long long eff = strtoull(line + 7, NULL, 16);
			c->sys_admin = eff >> CAP_BIT_SYS_ADMIN & 1;
			c->net_admin = eff >> CAP_BIT_NET_ADMIN & 1;
			c->sys_ptrace = eff >> CAP_BIT_SYS_PTRACE & 1;
			c->known = true;
		} else if (strncmp(line, "Seccomp:", 8) == 0) {
			c->seccomp = strtol(line + 8, NULL, 10) == 2;
		}
	}
	fclose(f);
}

/* Root of the initial user namespace: missing capabilities are then a confinement (a container's
 * default set). A rootless pare (or its child in pare's own user namespace) has none to add. */
static bool initial_root(void)
{
	if (geteuid() != 0)
		return false;
	FILE *f = fopen("/proc/self/uid_map", "re");
	if (!f)
		return false;
	unsigned long inside, outside, count;
	bool full = fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 && outside == 0 &&
		    count == 4294967295UL;
	fclose(f);
	return full;
}

static void read_apparmor(struct confinement *c)
{
	static const char *const paths[] = { "/proc/self/attr/apparmor/current", "/proc/self/attr/current" };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		FILE *f = fopen(paths[i], "re");
		if (!f)
			continue;
		char buf[sizeof(c->apparmor)] = "";
		bool got = fgets(buf, sizeof(buf), f) != NULL;
		fclose(f);
		if (!got)
			continue;
		buf[strcspn(buf, "\n")] = 0;
		/* "unconfined", or "NAME (enforce)" / "NAME (complain)": only an enforced profile denies. */
		if (strstr(buf, "(enforce)")) {
			buf[strcspn(buf, " ")] = 0;
			snprintf(c->apparmor, sizeof(c->apparmor), "%s", buf);
		}
		return;
	}
}

void rt_privilege_hint(struct pare_error *err, bool needs_net_admin)
{
	if (!err || (err->code != EPERM && err->code != ENOSYS && err->code != EACCES))
		return;
	struct confinement c = { 0 };
	read_status(&c);
	read_apparmor(&c);
	if (!c.known)
		return;
	char opts[256] = "";
	size_t n = 0;
	if (!initial_root())
		c.sys_admin = c.net_admin = c.sys_ptrace = true; /* rootless: capabilities are not the answer */
	if (!c.sys_admin)
		n += (size_t)snprintf(opts + n, sizeof(opts) - n, " --cap-add SYS_ADMIN");
	if (needs_net_admin && !c.net_admin && n < sizeof(opts))
		n += (size_t)snprintf(opts + n, sizeof(opts) - n, " --cap-add NET_ADMIN");
	/* Not for this step, but tracing an application that runs as another user needs it (tracer/). */
	if (!c.sys_ptrace && n < sizeof(opts))
		n += (size_t)snprintf(opts + n, sizeof(opts) - n, " --cap-add SYS_PTRACE");
	if (c.seccomp && n < sizeof(opts))
		n += (size_t)snprintf(opts + n, sizeof(opts) - n, " --security-opt seccomp=unconfined");
	if (c.apparmor[0] && n < sizeof(opts))
		n += (size_t)snprintf(opts + n, sizeof(opts) - n, " --security-opt apparmor=unconfined");
	if (n == 0)
		return; /* nothing pare knows to be missing: the errno stands alone */
	size_t len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len,
		 " (pare is confined here; in a container run it with%s, see doc/CI.md)", opts);
}
