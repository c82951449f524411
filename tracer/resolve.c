#include "tracer/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/path.h"
#include "lib/xalloc.h"

#define MAX_LINKS 40

int resolver_open(struct resolver *r, pid_t pid, struct pare_error *err)
{
	char proc[64], buf[PATH_MAX];
	snprintf(proc, sizeof(proc), "/proc/%d/root", (int)pid);
	memset(r, 0, sizeof(*r));
	r->rootfd = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->rootfd < 0)
		return pare_error_errno(err, "opening %s", proc);
	ssize_t n = readlink(proc, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	r->prefix = xstrdup(n > 0 && buf[0] == '/' ? buf : "/");
	r->prefix_len = strlen(r->prefix);
	struct statx stx;
	if (statx(r->rootfd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0) {
		close(r->rootfd);
		return pare_error_errno(err, "statx %s", proc);
	}
	r->root_mnt = stx.stx_mnt_id;
	return 0;
}

static void free_result(void *p)
{
	struct res_result *res = p;
	if (res)
		free(res->path);
	free(res);
}

void resolver_invalidate(struct resolver *r)
{
	strmap_clear(&r->dirs, free_result);
}

void resolver_release(struct resolver *r)
{
	strmap_release(&r->dirs, free_result);
	if (r->rootfd >= 0)
		close(r->rootfd);
	r->rootfd = -1;
	free(r->prefix);
	r->prefix = NULL;
}

char *resolver_map(const struct resolver *r, const char *tp)
{
	if (tp[0] != '/')
		return NULL;
	if (!strcmp(r->prefix, "/"))
		return path_normalize(tp);
	if (!path_has_prefix(tp, r->prefix))
		return NULL;
	return path_normalize(tp + r->prefix_len);
}

/* "/a//./b/" -> "/a/b": drops "." and empty components, keeps "..". */
static char *clean(const char *p)
{
	char *out = xmalloc(strlen(p) + 2);
	size_t o = 0;
	while (*p) {
		while (*p == '/')
			p++;
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		if (n && !(n == 1 && p[0] == '.')) {
			out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = e;
	}
	if (!o)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

/* Position of the first ".." component of a cleaned path, or NULL. */
static const char *find_dotdot(const char *p)
{
	for (const char *s = p; (s = strstr(s, "/..")); s++)
		if (s[3] == '/' || s[3] == '\0')
			return s;
	return NULL;
}

static char *join(const char *dir, const char *name)
{
	if (name[0] == '/')
		return xstrdup(name);
	return xasprintf("%s/%s", strcmp(dir, "/") ? dir : "", name);
}

static void lookup(struct resolver *r, const char *abs, bool follow, int depth, struct res_result *out);

/* The cached resolution of a directory path (cleaned, without ".."). */
static const struct res_result *dir_lookup(struct resolver *r, const char *dir, int depth)
{
	struct strmap_slot *s = strmap_find(&r->dirs, dir);
	if (s)
		return s->value;
	struct res_result *res = xcalloc(1, sizeof(*res));
	lookup(r, dir, true, depth, res);
	if (res->state == RES_EXISTS && !S_ISDIR(res->type)) {
		res->state = RES_ERROR;
		res->err = ENOTDIR;
	}
	s = strmap_insert(&r->dirs, dir, NULL);
	s->value = res;
	return res;
}

static void set_from_dir(struct res_result *out, const struct res_result *d, const char *rest)
{
	out->state = d->state;
	out->err = d->err;
	out->mnt = d->mnt;
	out->type = 0;
	out->path = join(d->path, rest);
}

/* Resolve "..": everything before the first ".." is resolved (cached), then its real parent is
 * where the rest continues, as the kernel does. */
static void lookup_dotdot(struct resolver *r, char *path, bool follow, int depth, struct res_result *out)
{
	const char *dd;
	while ((dd = find_dotdot(path))) {
		cleanup_free char *prefix = xstrndup(path, (size_t)(dd - path));
		const char *rest = dd[3] ? dd + 4 : "";
		const struct res_result *d = dir_lookup(r, prefix[0] ? prefix : "/", depth);
		if (d->state != RES_EXISTS) {
			set_from_dir(out, d, rest);
			free(path);
			return;
		}
		cleanup_free char *parent = path_dirname(d->path);
		char *next = join(parent, rest);
		char *cleaned = clean(next);
		free(next);
		free(path);
		path = cleaned;
	}
	lookup(r, path, follow, depth, out);
	free(path);
}

static void lookup(struct resolver *r, const char *abs, bool follow, int depth, struct res_result *out)
{
	if (depth > MAX_LINKS) {
		*out = (struct res_result){ .path = xstrdup(abs), .state = RES_ERROR, .err = ELOOP };
		return;
	}
	cleanup_free char *path = clean(abs);
	if (find_dotdot(path)) {
		lookup_dotdot(r, steal_pointer(&path), follow, depth, out);
		return;
	}
	if (!strcmp(path, "/")) {
		*out = (struct res_result){ .path = xstrdup("/"), .state = RES_EXISTS, .type = S_IFDIR, .mnt = r->root_mnt };
		return;
	}
	cleanup_free char *parent = path_dirname(path);
	const char *name = path_basename(path);
	const struct res_result *d = dir_lookup(r, parent, depth);
	if (d->state != RES_EXISTS) {
		set_from_dir(out, d, name);
		return;
	}
	char *cand = join(d->path, name);
	struct statx stx;
	r->statx_calls++;
	if (statx(r->rootfd, cand + 1, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE | STATX_MNT_ID, &stx) < 0) {
		int e = errno;
		*out = (struct res_result){ .path = cand, .mnt = d->mnt };
		out->state = e == ENOENT ? RES_MISSING : RES_ERROR;
		out->err = e;
		return;
	}
	if (S_ISLNK(stx.stx_mode) && follow) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(r->rootfd, cand + 1, target, sizeof(target) - 1);
		if (n >= 0) {
			target[n] = '\0';
			if (r->on_link)
				r->on_link(r->data, cand, target, stx.stx_mnt_id);
			cleanup_free char *next = join(d->path, target);
			free(cand);
			lookup(r, next, true, depth + 1, out);
			return;
		}
	}
	*out = (struct res_result){ .path = cand, .state = RES_EXISTS, .type = stx.stx_mode & S_IFMT, .mnt = stx.stx_mnt_id };
}

void resolver_lookup(struct resolver *r, const char *abs, bool follow_last, struct res_result *out)
{
	lookup(r, abs, follow_last, 0, out);
}
