/* User resolution through the image's own /etc/passwd and /etc/group, with runc's rules (what
 * `docker run -u` does): a name must exist; a number is taken as it is (gid 0 and HOME=/ when passwd
 * has no entry); supplementary groups are the primary group plus, unless a group was given
 * explicitly, the groups that list the user's name. */
#include "runtime/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/xalloc.h"

/* Opens etc/passwd or etc/group inside the image root as a stream; NULL when it does not exist. */
static FILE *open_db(int rootfd, const char *path)
{
	int fd = rt_open_in_root(rootfd, path, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	FILE *f = fdopen(fd, "r");
	if (!f)
		close(fd);
	return f;
}

/* Split a colon-separated line into at most n fields (pointers into line). Returns the count. */
static size_t split_fields(char *line, char **fields, size_t n)
{
	size_t k = 0;
	char *p = line;
	line[strcspn(line, "\n")] = '\0';
	while (k < n) {
		fields[k++] = p;
		char *c = strchr(p, ':');
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
	return k;
}

/* A decimal id in [0, INT32_MAX]; -1 when s is not one. */
static long parse_id(const char *s)
{
	if (!*s)
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end || errno || v < 0 || v > INT32_MAX || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return -1;
	return v;
}

static bool list_has(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && !strncmp(p, name, n))
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

static void add_group(struct rt_user *u, gid_t g)
{
	for (size_t i = 0; i < u->n_groups; i++)
		if (u->groups[i] == g)
			return;
	u->groups = xrealloc(u->groups, (u->n_groups + 1) * sizeof(*u->groups));
	u->groups[u->n_groups++] = g;
}

int rt_user_resolve(int rootfd, const char *spec, struct rt_user *u, struct pare_error *err)
{
	memset(u, 0, sizeof(*u));
	cleanup_free char *user_arg = xstrdup(spec ? spec : "");
	char *group_arg = strchr(user_arg, ':');
	if (group_arg)
		*group_arg++ = '\0';
	long uid_arg = parse_id(user_arg);
	cleanup_free char *name = NULL;
	u->home = xstrdup("/");

	cleanup_file FILE *pw = open_db(rootfd, "etc/passwd");
	bool found = false;
	if (pw) {
		char *line = NULL;
		size_t cap = 0;
		while (getline(&line, &cap, pw) > 0) {
			char *f[7];
			if (line[0] == '#' || split_fields(line, f, 7) < 4)
				continue;
			long uid = parse_id(f[2]), gid = parse_id(f[3]);
			if (uid < 0 || gid < 0)
				continue;
			bool match = !user_arg[0] ? uid == 0 : uid_arg >= 0 ? uid == uid_arg : !strcmp(f[0], user_arg);
			if (!match)
				continue;
			u->uid = (uid_t)uid;
			u->gid = (gid_t)gid;
			name = xstrdup(f[0]);
			free(u->home);
			u->home = xstrdup(f[5] && *f[5] ? f[5] : "/");
			found = true;
			break;
		}
		free(line);
	}
	if (!found) {
		if (user_arg[0] && uid_arg < 0) {
			rt_user_release(u);
			return pare_error_set(err, 0, "unable to find user %s: no matching entries in passwd file", user_arg);
		}
		u->uid = (uid_t)(uid_arg < 0 ? 0 : uid_arg);
		u->gid = 0;
	}

	cleanup_file FILE *gr = open_db(rootfd, "etc/group");
	long gid_arg = group_arg ? parse_id(group_arg) : -1;
	bool group_found = false;
	if (gr) {
		char *line = NULL;
		size_t cap = 0;
		while (getline(&line, &cap, gr) > 0) {
			char *f[4];
			if (line[0] == '#' || split_fields(line, f, 4) < 3)
				continue;
			long gid = parse_id(f[2]);
			if (gid < 0)
				continue;
			if (group_arg) {
				if (!group_found && (gid_arg >= 0 ? gid == gid_arg : !strcmp(f[0], group_arg))) {
					u->gid = (gid_t)gid;
					group_found = true;
				}
			} else if (name && f[3] && list_has(f[3], name)) {
				add_group(u, (gid_t)gid);
			}
		}
		free(line);
	}
	if (group_arg && !group_found) {
		if (gid_arg < 0) {
			rt_user_release(u);
			return pare_error_set(err, 0, "unable to find group %s: no matching entries in group file", group_arg);
		}
		u->gid = (gid_t)gid_arg;
	}
	/* runc (as Docker runs it) puts the primary group first in the supplementary list. */
	gid_t *member = u->groups;
	size_t n_member = u->n_groups;
	u->groups = NULL;
	u->n_groups = 0;
	add_group(u, u->gid);
	for (size_t i = 0; i < n_member; i++)
		add_group(u, member[i]);
	free(member);
	return 0;
}

void rt_user_release(struct rt_user *u)
{
	free(u->groups);
	free(u->home);
	memset(u, 0, sizeof(*u));
}
