/* Path resolution inside the image root, as openat2(RESOLVE_IN_ROOT) does it: absolute symlink
 * targets and ".." stay inside the root, at most 40 symlinks are followed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image/index_internal.h"
#include "image/internal.h"
#include "lib/path.h"
#include "lib/xalloc.h"

#define MAX_LINKS 40

static char *child_path(const char *dir, const char *name, size_t n)
{
	return strcmp(dir, "/") == 0 ? xasprintf("/%.*s", (int)n, name) : xasprintf("%s/%.*s", dir, (int)n, name);
}

int index_resolve(const struct layer_index *idx, const char *path, bool nofollow, char **resolved,
		  void (*on_link)(const struct fs_entry *link, void *data), void *data, struct pare_error *err)
{
	char *rem = xstrdup(path);
	char *cur = xstrdup("/");
	const char *p = rem;
	int links = 0;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *rest = p + n;
		while (*rest == '/')
			rest++;
		bool last = !*rest;
		if (n == 1 && p[0] == '.') {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *up = path_dirname(cur);
			free(cur);
			cur = up;
			p += n;
			continue;
		}
		char *cand = child_path(cur, p, n);
		struct node *node = index_find(idx, cand);
		if (!node || (!last && !S_ISDIR(node->e.mode) && !S_ISLNK(node->e.mode))) {
			/* Missing, or a non-directory in the middle: the rest is joined lexically. */
			char *j = xasprintf("%s/%s", cand, rest);
			*resolved = path_normalize(j);
			free(j);
			free(cand);
			free(cur);
			free(rem);
			return 0;
		}
		if (S_ISLNK(node->e.mode) && (!last || !nofollow)) {
			if (++links > MAX_LINKS) {
				free(cand);
				free(cur);
				free(rem);
				return pare_error_set(err, ELOOP, "too many levels of symbolic links resolving '%s'", path);
			}
			if (on_link)
				on_link(&node->e, data);
			const char *t = node->e.link_target ? node->e.link_target : "";
			char *next = xasprintf("%s/%s", t, rest);
			if (t[0] == '/') {
				free(cur);
				cur = xstrdup("/");
			}
			free(rem);
			rem = next;
			p = rem;
			free(cand);
			continue;
		}
		free(cur);
		cur = cand;
		p += n;
	}
	free(rem);
	*resolved = cur;
	return 1;
}

int layer_index_resolve(const struct layer_index *idx, const char *path, bool nofollow, char **resolved,
			void (*on_link)(const struct fs_entry *link, void *data), void *data,
			struct pare_error *err)
{
	int rc = index_resolve(idx, path, nofollow, resolved, on_link, data, err);
	if (rc < 0)
		image_error_clean(err);
	return rc;
}
