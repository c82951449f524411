/* The keep set: marking entries of the layer index with a reason, symlink chains and parents. */
#include "minifier/keep_int.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/path.h"
#include "lib/xalloc.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *const why_names[KEEP_WHY_COUNT] = {
	[KEEP_ENTRYPOINT] = "entrypoint", [KEEP_TRACED] = "traced",	   [KEEP_INCLUDE] = "include",
	[KEEP_ALWAYS] = "always",	  [KEEP_INTERP] = "interpreter",   [KEEP_ELF_DEP] = "elf-dependency",
	[KEEP_HWCAPS] = "hwcaps-variant", [KEEP_SIBLING] = "sibling", [KEEP_PYIMPORT] = "python-import",
	[KEEP_PKGDEP] = "package-dependency", [KEEP_PKGMETA] = "package-metadata",
	[KEEP_PKGDB] = "package-database", [KEEP_SYMLINK] = "symlink",
	[KEEP_PARENT] = "parent",
};

bool keep_index_is(const struct keep_set *ks, const char *path, mode_t type)
{
	const struct fs_entry *e = layer_index_lookup(ks->idx, path);
	return e && (e->mode & S_IFMT) == type;
}

const char *keep_why_name(enum keep_why why)
{
	return why < KEEP_WHY_COUNT ? why_names[why] : "?";
}

const struct keep_mark *keep_mark_of(const struct fs_entry *e)
{
	return e->keep ? e->user : NULL;
}

/* Records a formatted warning once; alert: also among the alerts (said louder by the caller). */
static void add_warning(struct keep_set *ks, bool alert, const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		return;
	if (!strset_add(&ks->warned, s)) {
		free(s);
		return;
	}
	if (alert)
		strvec_push(&ks->alerts, s);
	strvec_push_nodup(&ks->warnings, s);
}

void keep_warn(struct keep_set *ks, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_warning(ks, false, fmt, ap);
	va_end(ap);
}

void keep_alert(struct keep_set *ks, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_warning(ks, true, fmt, ap);
	va_end(ap);
}

char *const *keep_warnings(const struct keep_set *ks)
{
	static char *none[] = { NULL };
	return ks->warnings.v ? ks->warnings.v : none;
}

char *const *keep_alerts(const struct keep_set *ks)
{
	static char *none[] = { NULL };
	return ks->alerts.v ? ks->alerts.v : none;
}

bool keep_path_forbidden(const char *path)
{
	/* Kernel filesystems are mounted by the runtime; nothing of the image below them is used. */
	return path_has_prefix(path, "/proc") || path_has_prefix(path, "/sys") || path_has_prefix(path, "/dev");
}

const char *keep_env(const struct keep_set *ks, const char *key)
{
	size_t n = strlen(key);
	const char *val = NULL;
	for (char **e = ks->opts.env; e && *e; e++)
		if (!strncmp(*e, key, n) && (*e)[n] == '=')
			val = *e + n + 1; /* the last one wins, as in an environment built from a list */
	return val;
}

static char **split_colon(const char *s, bool empty_is_dot)
{
	struct strvec sv = STRVEC_INIT;
	const char *p = s;
	while (p) {
		const char *c = strchr(p, ':');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		if (n)
			strvec_push_nodup(&sv, xstrndup(p, n));
		else if (empty_is_dot)
			strvec_push(&sv, ".");
		p = c ? c + 1 : NULL;
	}
	return strvec_detach(&sv);
}

void keep_mark_entry(struct keep_set *ks, struct fs_entry *e, enum keep_why why, const char *detail)
{
	struct keep_mark *m = e->keep ? e->user : NULL;
	if (m) {
		if (why < m->why) {
			m->why = why;
			free(m->detail);
			m->detail = detail ? xstrdup(detail) : NULL;
		}
		return;
	}
	m = xcalloc(1, sizeof(*m));
	m->why = why;
	m->detail = detail ? xstrdup(detail) : NULL;
	ks->marks = xgrow(ks->marks, &ks->cap_marks, ks->n_marks + 1, sizeof(*ks->marks));
	ks->marks[ks->n_marks++] = m;
	e->keep = true;
	e->user = m;
	if (S_ISREG(e->mode)) {
		ks->queue = xgrow(ks->queue, &ks->cap_queue, ks->n_queue + 1, sizeof(*ks->queue));
		ks->queue[ks->n_queue++] = e;
	}
}

/* Every directory above `path` (which exists in the index), with its original metadata. */
static void keep_parents(struct keep_set *ks, const char *path, bool full)
{
	cleanup_free char *dir = path_dirname(path);
	for (;;) {
		struct fs_entry *e = layer_index_lookup(ks->idx, dir);
		if (e) {
			if (e->keep && e->user && !full)
				return; /* its own parents were kept with it */
			bool was_kept = e->keep && e->user;
			keep_mark_entry(ks, e, KEEP_PARENT, path);
			if (!was_kept)
				((struct keep_mark *)e->user)->derived = true;
		}
		if (!strcmp(dir, "/"))
			return;
		char *up = path_dirname(dir);
		free(dir);
		dir = up;
	}
}

struct link_list {
	const struct fs_entry **v;
	size_t n, cap;
};

static void collect_link(const struct fs_entry *link, void *data)
{
	struct link_list *l = data;
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = link;
}

static void keep_subtree(struct keep_set *ks, const char *dir, enum keep_why why, const char *detail, int depth)
{
	size_t first, n;
	if (depth > 256 || layer_index_children(ks->idx, dir, &first, &n) < 0)
		return;
	for (size_t i = first; i < first + n; i++) {
		struct fs_entry *c = layer_index_at(ks->idx, i);
		if (keep_path_forbidden(c->path))
			continue;
		keep_mark_entry(ks, c, why, detail);
		if (S_ISDIR(c->mode))
			keep_subtree(ks, c->path, why, detail, depth + 1);
		else if (S_ISLNK(c->mode))
			keep_path_ex(ks, c->path, KEEP_F_AUTO, KEEP_SYMLINK, c->path, NULL, NULL);
	}
}

static bool refused(struct keep_set *ks, const char *path, unsigned flags, enum keep_why why, const char *detail)
{
	if (!(flags & KEEP_F_AUTO) || !ks->profile || !profile_is_missing(ks->profile, path))
		return false;
	keep_warn(ks, "not adding '%s' (%s%s%s): the traced run looked it up and did not find it", path,
		  keep_why_name(why), detail ? " of " : "", detail ? detail : "");
	return true;
}

int keep_path_ex(struct keep_set *ks, const char *path, unsigned flags, enum keep_why why, const char *detail,
		 char **resolved, struct pare_error *err)
{
	(void)err;
	if (resolved)
		*resolved = NULL;
	cleanup_free char *norm = path_normalize(path);
	if (keep_path_forbidden(norm) || refused(ks, norm, flags, why, detail))
		return 0;
	struct link_list links = { 0 };
	cleanup_free char *res = NULL;
	struct pare_error rerr = { 0 };
	int r = layer_index_resolve(ks->idx, norm, flags & KEEP_F_NOFOLLOW, &res, collect_link, &links, &rerr);
	if (r < 0) {
		keep_warn(ks, "'%s': %s", norm, rerr.msg);
		free(links.v);
		return 0;
	}
	if (r == 1 && strcmp(res, norm) && (keep_path_forbidden(res) || refused(ks, res, flags, why, detail))) {
		free(links.v);
		return 0;
	}
	if (r == 1 || !(flags & KEEP_F_AUTO)) {
		for (size_t i = 0; i < links.n; i++) {
			struct fs_entry *l = layer_index_lookup(ks->idx, links.v[i]->path);
			if (!l)
				continue;
			keep_mark_entry(ks, l, KEEP_SYMLINK, norm);
			keep_parents(ks, l->path, false);
		}
	}
	free(links.v);
	if (r == 0) {
		if (flags & KEEP_F_ANCESTOR) {
			/* Created at run time: not copied, but the directory it was written into is kept. */
			cleanup_free char *dir = path_dirname(res);
			struct fs_entry *d;
			while (!(d = layer_index_lookup(ks->idx, dir)) && strcmp(dir, "/")) {
				char *up = path_dirname(dir);
				free(dir);
				dir = up;
			}
			if (d && S_ISDIR(d->mode) && !keep_path_forbidden(d->path)) {
				keep_mark_entry(ks, d, KEEP_PARENT, norm);
				((struct keep_mark *)d->user)->derived = false; /* written into: kept for itself */
				keep_parents(ks, d->path, false);
			}
		}
		return 0;
	}
	struct fs_entry *e = layer_index_lookup(ks->idx, res);
	if (!e)
		return 0;
	keep_mark_entry(ks, e, why, detail);
	keep_parents(ks, res, false);
	if ((flags & KEEP_F_SUBTREE) && S_ISDIR(e->mode))
		keep_subtree(ks, res, why, detail, 0);
	if (resolved)
		*resolved = steal_pointer(&res);
	return 1;
}

int keep_path(struct keep_set *ks, const char *path, enum keep_why why, const char *detail, struct pare_error *err)
{
	return keep_path_ex(ks, path, 0, why, detail, NULL, err);
}

int keep_search_path(struct keep_set *ks, const char *name, char **found)
{
	*found = NULL;
	if (!*name)
		return 0;
	if (strchr(name, '/')) {
		*found = path_normalize(name);
		return 1;
	}
	for (char **d = ks->path_dirs; d && *d; d++) {
		if ((*d)[0] != '/')
			continue; /* relative PATH entries depend on the cwd: not searched */
		cleanup_free char *cand = path_join(*d, name);
		cleanup_free char *res = NULL;
		if (layer_index_resolve(ks->idx, cand, false, &res, NULL, NULL, NULL) != 1)
			continue;
		const struct fs_entry *e = layer_index_lookup(ks->idx, res);
		if (e && S_ISREG(e->mode) && (e->mode & 0111)) {
			*found = steal_pointer(&cand);
			return 1;
		}
	}
	return 0;
}

int keep_set_new(struct layer_index *idx, const char *rootfs_dir, const struct keep_opts *opts,
		 struct keep_set **out, struct pare_error *err)
{
	struct keep_set *ks = xcalloc(1, sizeof(*ks));
	ks->idx = idx;
	if (opts)
		ks->opts = *opts;
	if (rootfs_dir && content_root_open(rootfs_dir, &ks->content, err) < 0) {
		free(ks);
		return -1;
	}
	const char *path = keep_env(ks, "PATH");
	ks->path_dirs = split_colon(path ? path : DEFAULT_PATH, false);
	const char *llp = keep_env(ks, "LD_LIBRARY_PATH");
	ks->ld_library_path = split_colon(llp ? llp : "", llp != NULL);
	if (!llp) {
		strv_free(ks->ld_library_path);
		ks->ld_library_path = xcalloc(1, sizeof(char *));
	}
	*out = ks;
	return 0;
}

void keep_set_free(struct keep_set *ks)
{
	if (!ks)
		return;
	size_t n = layer_index_count(ks->idx);
	for (size_t i = 0; i < n; i++) {
		layer_index_at(ks->idx, i)->user = NULL;
	}
	for (size_t i = 0; i < ks->n_marks; i++) {
		free(ks->marks[i]->detail);
		free(ks->marks[i]);
	}
	free(ks->marks);
	free(ks->queue);
	strv_free(ks->path_dirs);
	strv_free(ks->ld_library_path);
	strset_release(&ks->analyzed);
	strset_release(&ks->analyzed_objects);
	strset_release(&ks->warned);
	strset_release(&ks->sonames);
	strvec_release(&ks->unresolved);
	strvec_release(&ks->warnings);
	strvec_release(&ks->alerts);
	free(ks->entry_path_owned);
	resolve_release(ks);
	content_root_free(ks->content);
	free(ks);
}

static void kinds_string(unsigned kinds, char *buf, size_t n)
{
	size_t o = 0;
	buf[0] = '\0';
	for (unsigned b = 0; b < PROFILE_KIND_COUNT; b++) {
		if (!(kinds & (1u << b)))
			continue;
		int w = snprintf(buf + o, n - o, "%s%s", o ? "," : "", profile_kind_name(1u << b));
		if (w < 0 || (size_t)w >= n - o)
			break;
		o += (size_t)w;
	}
}

int keep_add_profile(struct keep_set *ks, const struct profile *p, struct pare_error *err)
{
	ks->profile = p;
	const unsigned following = PROFILE_OPEN | PROFILE_EXEC | PROFILE_LISTDIR | PROFILE_CHDIR;
	for (size_t i = 0; i < p->n_files; i++) {
		const struct profile_file *f = &p->files[i];
		char kinds[128];
		kinds_string(f->kinds, kinds, sizeof(kinds));
		/* Profile paths are final (symlinks followed) except for lstat/readlink-like calls. */
		unsigned flags = KEEP_F_ANCESTOR | ((f->kinds & following) ? 0 : KEEP_F_NOFOLLOW);
		if (keep_path_ex(ks, f->path, flags, KEEP_TRACED, kinds, NULL, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < p->n_symlinks; i++) {
		struct fs_entry *e = layer_index_lookup(ks->idx, p->symlinks[i].path);
		if (e && S_ISLNK(e->mode) && !keep_path_forbidden(e->path)) {
			keep_mark_entry(ks, e, KEEP_TRACED, "symlink");
			keep_parents(ks, e->path, false);
		}
	}
	return 0;
}

/* A glob matches a path or one of its parent directories: "/usr/share/doc" drops the whole subtree. */
static bool excluded(char **globs, const char *path)
{
	for (char **g = globs; g && *g; g++) {
		if (!fnmatch(*g, path, 0))
			return true;
		cleanup_free char *p = xstrdup(path);
		for (char *s = strrchr(p, '/'); s && s > p; s = strrchr(p, '/')) {
			*s = '\0';
			if (!fnmatch(*g, p, 0))
				return true;
		}
	}
	return false;
}

/* Contents of kept files: ELF dependencies and interpreters may add more files, which are queued
 * in turn. */
static int drain_queue(struct keep_set *ks, struct pare_error *err)
{
	for (size_t i = 0; i < ks->n_queue; i++) {
		struct fs_entry *e = ks->queue[i];
		struct keep_mark *m = e->user;
		if (!e->keep || !m || m->analyzed)
			continue;
		m->analyzed = true;
		if (resolve_analyze(ks, e, err) < 0)
			return pare_error_prefix(err, "analysing '%s'", e->path);
	}
	return 0;
}

int keep_finish(struct keep_set *ks, struct pare_error *err)
{
	if (drain_queue(ks, err) < 0)
		return -1;
	keep_glibc_companions(ks);
	keep_siblings(ks);
	if (drain_queue(ks, err) < 0)
		return -1;
	resolve_warn_unresolved(ks);
	if (keep_language_metadata(ks, err) < 0)
		return -1;
	size_t n = layer_index_count(ks->idx);
	if (ks->opts.excludes) {
		for (size_t i = 0; i < n; i++) {
			struct fs_entry *e = layer_index_at(ks->idx, i);
			if (!e->keep || !e->user || !excluded(ks->opts.excludes, e->path))
				continue;
			struct keep_mark *m = e->user;
			if (m->why == KEEP_ENTRYPOINT || (ks->entry_path && !strcmp(ks->entry_path, e->path)))
				continue;
			e->keep = false;
		}
		/* Directories kept only as parents are recomputed from what is left. */
		for (size_t i = 0; i < n; i++) {
			struct fs_entry *e = layer_index_at(ks->idx, i);
			struct keep_mark *m = e->keep ? e->user : NULL;
			if (m && m->derived && m->why == KEEP_PARENT)
				e->keep = false;
		}
	}
	/* Every kept entry's parents (an --exclude may have dropped one). */
	for (size_t i = 0; i < n; i++) {
		struct fs_entry *e = layer_index_at(ks->idx, i);
		if (e->keep && e->user)
			keep_parents(ks, e->path, true);
	}
	struct fs_entry *root = layer_index_lookup(ks->idx, "/");
	if (root && !root->keep)
		keep_mark_entry(ks, root, KEEP_PARENT, "/");
	keep_check_unrun(ks);
	return 0;
}

void keep_totals(const struct keep_set *ks, struct keep_totals *t)
{
	memset(t, 0, sizeof(*t));
	size_t n = layer_index_count(ks->idx);
	struct strset seen_kept = STRSET_INIT;
	for (size_t i = 0; i < n; i++) {
		const struct fs_entry *e = layer_index_at(ks->idx, i);
		uint64_t bytes = 0;
		bool first_kept = true;
		if (S_ISREG(e->mode)) {
			bytes = (uint64_t)e->size;
			if (e->nlink > 1) {
				char key[32];
				snprintf(key, sizeof(key), "%u:%u", e->layer, e->ordinal);
				if (e->keep)
					first_kept = strset_add(&seen_kept, key);
			}
		}
		if (e->keep) {
			t->kept_files++;
			if (first_kept)
				t->kept_bytes += bytes;
		} else {
			t->removed_files++;
		}
	}
	/* Removed bytes: content no kept path still refers to. */
	uint64_t total = 0;
	struct strset seen_all = STRSET_INIT;
	for (size_t i = 0; i < n; i++) {
		const struct fs_entry *e = layer_index_at(ks->idx, i);
		if (!S_ISREG(e->mode))
			continue;
		if (e->nlink > 1) {
			char key[32];
			snprintf(key, sizeof(key), "%u:%u", e->layer, e->ordinal);
			if (!strset_add(&seen_all, key))
				continue;
		}
		total += (uint64_t)e->size;
	}
	t->removed_bytes = total - t->kept_bytes;
	strset_release(&seen_kept);
	strset_release(&seen_all);
}
