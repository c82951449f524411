/* Processes that chrooted (haproxy's `chroot /var/lib/haproxy`, the chroot(8) command, privilege-
 * separated daemons): their absolute paths, absolute symlink targets and ".." are resolved inside
 * their own root, as the kernel resolves them. Each distinct root gets a resolver of its own, opened
 * on /proc/TID/root of a process that has it; results are turned back into image paths. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/path.h"
#include "lib/xalloc.h"
#include "tracer/tracer_int.h"

/* The jail's symlinks, recorded under their image path. */
static void jail_record_link(void *data, const char *path, const char *target, uint64_t mnt)
{
	struct jail *j = data;
	cleanup_free char *image = jail_image_path(j->root, path);
	record_link(j->t, image, target, mnt);
}

char *jail_image_path(const char *root, const char *path)
{
	if (!strcmp(root, "/"))
		return xstrdup(path);
	if (!strcmp(path, "/"))
		return xstrdup(root);
	return xasprintf("%s%s", root, path);
}

struct jail *jail_find(struct tracer *t, const char *root)
{
	for (size_t i = 0; i < t->n_jails; i++)
		if (!strcmp(t->jails[i]->root, root))
			return t->jails[i];
	return NULL;
}

/* The jail of root, opened from tid's root when it is new; NULL when it cannot be opened. */
static struct jail *jail_get(struct tracer *t, const char *root, pid_t tid)
{
	struct jail *j = jail_find(t, root);
	if (j)
		return j;
	j = xcalloc(1, sizeof(*j));
	struct pare_error err = { 0 };
	if (resolver_open(&j->res, tid, &err) < 0) {
		pare_debug("chroot '%s' of %d: %s", root, (int)tid, err.msg);
		free(j);
		return NULL;
	}
	j->t = t;
	j->root = xstrdup(root);
	j->res.on_link = jail_record_link;
	j->res.data = j;
	t->jails = xrealloc(t->jails, (t->n_jails + 1) * sizeof(*t->jails));
	t->jails[t->n_jails++] = j;
	return j;
}

const char *tracee_root(struct tracer *t, struct tracee *te)
{
	if (te->root && te->root_gen == t->root_gen)
		return te->root;
	char proc[64], buf[PATH_MAX];
	snprintf(proc, sizeof(proc), "/proc/%d/root", (int)te->tid);
	ssize_t n = readlink(proc, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	char *root = n > 0 ? resolver_map(&t->res, buf) : NULL;
	/* Unknown, outside the image, or a jail that cannot be opened: the container's root. */
	if (root && strcmp(root, "/") != 0 && !jail_get(t, root, te->tid)) {
		free(root);
		root = NULL;
	}
	free(te->root);
	te->root = root ? root : xstrdup("/");
	te->root_gen = t->root_gen;
	return te->root;
}

bool jail_rebase(const char *root, char **abs)
{
	if (!strcmp(root, "/") || !path_has_prefix(*abs, root))
		return false;
	const char *rest = *abs + strlen(root);
	char *rebased = xstrdup(rest[0] ? rest : "/");
	free(*abs);
	*abs = rebased;
	return true;
}

void jail_invalidate_all(struct tracer *t)
{
	for (size_t i = 0; i < t->n_jails; i++)
		resolver_invalidate(&t->jails[i]->res);
}

void jail_release_all(struct tracer *t)
{
	for (size_t i = 0; i < t->n_jails; i++) {
		resolver_release(&t->jails[i]->res);
		free(t->jails[i]->root);
		free(t->jails[i]);
	}
	free(t->jails);
	t->jails = NULL;
	t->n_jails = 0;
}
