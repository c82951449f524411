/* Resolving a path the application used and recording it in the profile. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "tracer/tracer_int.h"

void record_link(void *data, const char *path, const char *target, uint64_t mnt)
{
	struct tracer *t = data;
	if (t->opts.image_only && mnt != t->res.root_mnt)
		return;
	profile_add_symlink(t->profile, path, target);
}

void record_path(struct tracer *t, const char *root, const char *abs, bool follow, unsigned kind, bool creates,
		 char **resolved)
{
	if (!t->res_ready)
		return;
	t->profile->stats.paths++;
	if (!root)
		root = "/";
	struct strmap_slot *seen = NULL;
	if (!resolved && !creates) {
		char key[2 * PATH_MAX + 8];
		snprintf(key, sizeof(key), "%d%s\n%s", follow, abs, strcmp(root, "/") ? root : "");
		seen = strmap_insert(&t->recorded, key, NULL);
		if (((uintptr_t)seen->value & kind) == kind)
			return;
		seen->value = (void *)((uintptr_t)seen->value | kind);
	}
	struct res_result r;
	struct jail *j = strcmp(root, "/") ? jail_find(t, root) : NULL;
	if (j) {
		resolver_lookup(&j->res, abs, follow, &r);
		char *image = jail_image_path(root, r.path);
		free(r.path);
		r.path = image;
	} else {
		cleanup_free char *image = jail_image_path(root, abs); /* a jail that could not be opened */
		resolver_lookup(&t->res, image, follow, &r);
	}
	if (t->opts.image_only && r.mnt != t->res.root_mnt) {
		t->profile->stats.outside_image++;
	} else if (r.state == RES_EXISTS) {
		profile_add_file(t->profile, r.path, kind, true);
	} else if (r.state == RES_MISSING) {
		if (creates)
			profile_add_file(t->profile, r.path, PROFILE_CREATE, false);
		else
			profile_add_missing(t->profile, r.path);
	} else {
		profile_add_error(t->profile, r.path, kind, r.err);
	}
	if (resolved)
		*resolved = r.path;
	else
		free(r.path);
}

static char *read_link(const char *proc)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(proc, buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

char *tracee_cwd(struct tracer *t, struct tracee *te)
{
	if (te->cwd && te->cwd_gen == t->cwd_gen)
		return te->cwd;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/%d/cwd", (int)te->tid);
	cleanup_free char *link = read_link(proc);
	free(te->cwd);
	te->cwd = link ? resolver_map(&t->res, link) : NULL;
	te->cwd_gen = t->cwd_gen;
	return te->cwd;
}

char *tracee_fd_path(struct tracer *t, pid_t tid, int fd)
{
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", (int)tid, fd);
	cleanup_free char *link = read_link(proc);
	return link ? resolver_map(&t->res, link) : NULL;
}

void tracer_note_blind(struct tracer *t, pid_t tid, const char *what, int errnum)
{
	if (t->blind || (errnum != EPERM && errnum != EACCES))
		return;
	uid_t uid = (uid_t)-1;
	char proc[64], line[128];
	snprintf(proc, sizeof(proc), "/proc/%d/status", (int)tid);
	FILE *f = fopen(proc, "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "Uid:", 4) == 0)
			uid = (uid_t)strtoul(line + 4, NULL, 10);
	if (f)
		fclose(f);
	char who[48] = "";
	if (uid != (uid_t)-1)
		snprintf(who, sizeof(who), " (uid %u)", (unsigned)uid);
	t->blind = xasprintf("the tracer could not read %s of a traced process%s: %s; tracing a process of another "
			     "user needs CAP_SYS_PTRACE (in a container: --cap-add SYS_PTRACE, see doc/CI.md)",
			     what, who, strerror(errnum));
}

int tracer_ensure_root(struct tracer *t, pid_t tid)
{
	if (t->res_ready)
		return 0;
	struct pare_error err = { 0 };
	if (resolver_open(&t->res, tid, &err) < 0) {
		tracer_note_blind(t, tid, "the root (/proc/PID/root)", err.code);
		return -1;
	}
	t->res.on_link = record_link;
	t->res.data = t;
	t->res_ready = true;
	profile_add_sensor(t->profile, "ptrace-seccomp");
	if (t->opts.fanotify && fan_start(t, &err) < 0)
		pare_debug("fanotify not used: %s", err.msg);
	return 0;
}
