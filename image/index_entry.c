/* From one tar entry of a layer to a pending record: names checked and normalised, whiteouts
 * recognised, metadata (owner, mode, times, xattrs, link targets, devices) copied. */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image/index_internal.h"
#include "lib/path.h"
#include "lib/xalloc.h"

#define WH ".wh."
#define WH_META ".wh..wh."
#define WH_OPQ ".wh..wh..opq"

void index_entry_release(struct fs_entry *e)
{
	free(e->path);
	free(e->uname);
	free(e->gname);
	free(e->link_target);
	for (size_t i = 0; i < e->n_xattrs; i++) {
		free(e->xattrs[i].name);
		free(e->xattrs[i].value);
	}
	free(e->xattrs);
	e->path = e->uname = e->gname = e->link_target = NULL;
	e->xattrs = NULL;
	e->n_xattrs = 0;
}

/* Everything but path, layer/ordinal-independent fields included (an inode's metadata). */
void index_entry_copy_meta(struct fs_entry *dst, const struct fs_entry *src)
{
	dst->mode = src->mode;
	dst->uid = src->uid;
	dst->gid = src->gid;
	dst->uname = src->uname ? xstrdup(src->uname) : NULL;
	dst->gname = src->gname ? xstrdup(src->gname) : NULL;
	dst->mtime = src->mtime;
	dst->mtime_nsec = src->mtime_nsec;
	dst->size = src->size;
	dst->link_target = src->link_target ? xstrdup(src->link_target) : NULL;
	dst->rdev = src->rdev;
	dst->layer = src->layer;
	dst->ordinal = src->ordinal;
	dst->n_xattrs = src->n_xattrs;
	dst->xattrs = src->n_xattrs ? xcalloc(src->n_xattrs, sizeof(*dst->xattrs)) : NULL;
	for (size_t i = 0; i < src->n_xattrs; i++) {
		dst->xattrs[i].name = xstrdup(src->xattrs[i].name);
		dst->xattrs[i].size = src->xattrs[i].size;
		dst->xattrs[i].value = xmalloc(src->xattrs[i].size ? src->xattrs[i].size : 1);
		memcpy(dst->xattrs[i].value, src->xattrs[i].value, src->xattrs[i].size);
	}
}

void index_pending_release(struct pending *p)
{
	free(p->target);
	index_entry_release(&p->meta);
	free(p->path);
	memset(p, 0, sizeof(*p));
}

static const char *entry_name(struct archive_entry *ae)
{
	const char *n = archive_entry_pathname(ae);
	return n ? n : archive_entry_pathname_utf8(ae);
}

/* A component below the root that starts with ".wh..wh." marks aufs metadata (".wh..wh.plnk"). */
static bool in_aufs_meta(const char *path)
{
	for (const char *p = path; (p = strstr(p, "/" WH_META)); p++) {
		const char *end = strchr(p + 1, '/');
		if (end || strcmp(p + 1, WH_OPQ) != 0)
			return true;
	}
	return false;
}

static void read_xattrs(struct archive_entry *ae, struct fs_entry *m)
{
	size_t cap = 0;
	const char *name;
	const void *value;
	size_t size;
	if (archive_entry_xattr_reset(ae) == 0)
		return;
	while (archive_entry_xattr_next(ae, &name, &value, &size) == ARCHIVE_OK) {
		if (!name)
			continue;
		m->xattrs = xgrow(m->xattrs, &cap, m->n_xattrs + 1, sizeof(*m->xattrs));
		struct fs_xattr *x = &m->xattrs[m->n_xattrs++];
		x->name = xstrdup(name);
		x->size = size;
		x->value = xmalloc(size ? size : 1);
		if (size)
			memcpy(x->value, value, size);
	}
}

static int set_whiteout(struct pending *p, const char *path, size_t layer, struct pare_error *err)
{
	const char *base = path_basename(path);
	cleanup_free char *dir = path_dirname(path);
	if (strcmp(base, WH_OPQ) == 0) {
		p->kind = 'o';
		p->path = steal_pointer(&dir);
		return 0;
	}
	if (strncmp(base, WH_META, strlen(WH_META)) == 0)
		return 0; /* other aufs metadata: ignored, as docker does */
	const char *victim = base + strlen(WH);
	if (!*victim || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0 || strchr(victim, '/'))
		return pare_error_set(err, 0, "layer %zu: invalid whiteout '%s'", layer, path);
	p->kind = 'w';
	p->path = strcmp(dir, "/") == 0 ? xasprintf("/%s", victim) : xasprintf("%s/%s", dir, victim);
	return 0;
}

int index_pending_from_entry(struct archive_entry *ae, size_t layer, uint32_t ordinal, struct pending *p,
			     struct pare_error *err)
{
	memset(p, 0, sizeof(*p));
	const char *name = entry_name(ae);
	if (!name || !*name)
		return pare_error_set(err, 0, "layer %zu: entry %u has no name", layer, ordinal);
	if (strlen(name) > LAYER_INDEX_MAX_PATH)
		return pare_error_set(err, 0, "layer %zu: entry name '%.60s...' is longer than %d bytes", layer, name,
				      LAYER_INDEX_MAX_PATH);
	cleanup_free char *path = path_normalize_strict(name);
	if (!path)
		return pare_error_set(err, 0, "layer %zu: entry '%s' escapes the image root", layer, name);
	if (in_aufs_meta(path))
		return 0;
	const char *base = path_basename(path);
	if (strncmp(base, WH, strlen(WH)) == 0)
		return set_whiteout(p, path, layer, err);

	struct fs_entry *m = &p->meta;
	mode_t type = archive_entry_filetype(ae);
	const char *hl = archive_entry_hardlink(ae);
	if (!hl)
		hl = archive_entry_hardlink_utf8(ae);
	if (hl) {
		p->kind = 'h';
		if (!*hl)
			return pare_error_set(err, 0, "layer %zu: hardlink '%s' has an empty target", layer, path);
		p->target = path_normalize_strict(hl);
		if (!p->target)
			return pare_error_set(err, 0, "layer %zu: hardlink '%s' points outside the image root ('%s')", layer,
					      path, hl);
	} else if (type == AE_IFREG || type == AE_IFDIR || type == AE_IFLNK || type == AE_IFCHR ||
		   type == AE_IFBLK || type == AE_IFIFO) {
		p->kind = 'e';
	} else if (type == AE_IFSOCK) {
		return 0; /* a socket in a layer cannot be recreated meaningfully: dropped */
	} else {
		return pare_error_set(err, 0, "layer %zu: entry '%s' has an unsupported type", layer, path);
	}
	if (strcmp(path, "/") == 0 && (p->kind != 'e' || type != AE_IFDIR))
		return pare_error_set(err, 0, "layer %zu: the root '%s' is not a directory", layer, name);
	m->mode = (type ? type : AE_IFREG) | (archive_entry_perm(ae) & 07777);
	m->uid = (uid_t)archive_entry_uid(ae);
	m->gid = (gid_t)archive_entry_gid(ae);
	const char *un = archive_entry_uname(ae), *gn = archive_entry_gname(ae);
	m->uname = un && *un ? xstrdup(un) : NULL;
	m->gname = gn && *gn ? xstrdup(gn) : NULL;
	m->mtime = archive_entry_mtime(ae);
	m->mtime_nsec = archive_entry_mtime_nsec(ae);
	m->layer = (uint32_t)layer;
	m->ordinal = ordinal;
	m->nlink = 1;
	if (type == AE_IFREG && p->kind == 'e') {
		m->size = archive_entry_size(ae);
		if (m->size < 0)
			return pare_error_set(err, 0, "layer %zu: entry '%s' has a negative size", layer, path);
	}
	if (type == AE_IFLNK && p->kind == 'e') {
		const char *t = archive_entry_symlink(ae);
		if (!t)
			t = archive_entry_symlink_utf8(ae);
		if (!t || !*t)
			return pare_error_set(err, 0, "layer %zu: symlink '%s' has an empty target", layer, path);
		if (strlen(t) > LAYER_INDEX_MAX_PATH)
			return pare_error_set(err, 0, "layer %zu: symlink '%s' has a target longer than %d bytes", layer,
					      path, LAYER_INDEX_MAX_PATH);
		m->link_target = xstrdup(t);
	}
	if (type == AE_IFCHR || type == AE_IFBLK)
		m->rdev = archive_entry_rdev(ae);
	read_xattrs(ae, m);
	p->path = steal_pointer(&path);
	return 0;
}
