/* Shared by the image fuzz targets (fuzz_image.c, fuzz_layer_index.c): build an image archive in memory
 * from members whose digests are filled in by the harness, so that mutations reach the JSON and tar
 * handling behind the digest checks, then read it with image_open() and layer_index_build().
 *
 * Members: a header line "== K NAME" (K a one-character blob id or '-') starts each member; its content
 * runs to the newline before the next header. In contents and names, "{{d:K}}" becomes the sha256 digest
 * of blob K's final content ("sha256:<hex>"), "{{h:K}}" its hex and "{{s:K}}" its size. */
#ifndef PARE_FUZZ_IMAGE_H
#define PARE_FUZZ_IMAGE_H
#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "image/image.h"
#include "image/layer_index.h"
#include "lib/hash.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"

#define FUZZ_MAX_MEMBERS 16

struct fuzz_member {
	char id; /* blob id, or 0 */
	char *name;
	char *data;
	size_t len;
};

struct fuzz_image {
	struct fuzz_member m[FUZZ_MAX_MEMBERS];
	size_t n;
};

static inline void fuzz_image_add(struct fuzz_image *fi, char id, const char *name, const void *data, size_t len)
{
	if (fi->n >= FUZZ_MAX_MEMBERS)
		return;
	struct fuzz_member *m = &fi->m[fi->n++];
	m->id = id;
	m->name = xstrdup(name);
	m->data = xmalloc(len + 1);
	memcpy(m->data, data, len);
	m->data[len] = '\0';
	m->len = len;
}

static inline void fuzz_image_release(struct fuzz_image *fi)
{
	for (size_t i = 0; i < fi->n; i++) {
		free(fi->m[i].name);
		free(fi->m[i].data);
	}
	fi->n = 0;
}

/* Split the text format described above. */
static inline void fuzz_image_parse(struct fuzz_image *fi, const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	while (p < end && fi->n < FUZZ_MAX_MEMBERS) {
		if (end - p < 5 || memcmp(p, "== ", 3) != 0 || p[4] != ' ') {
			const void *nl = memchr(p, '\n', (size_t)(end - p));
			p = nl ? (const char *)nl + 1 : end;
			continue;
		}
		char id = p[3] == '-' ? 0 : p[3];
		const char *name = p + 5;
		const char *nl = memchr(name, '\n', (size_t)(end - name));
		const char *name_end = nl ? nl : end;
		const char *body = nl ? nl + 1 : end, *stop = body;
		while (stop < end && !(end - stop >= 4 && memcmp(stop, "\n== ", 4) == 0))
			stop++;
		cleanup_free char *nm = xstrndup(name, (size_t)(name_end - name));
		fuzz_image_add(fi, id, nm, body, (size_t)(stop - body));
		p = stop < end ? stop + 1 : end;
	}
}

static struct fuzz_member *fuzz_image_blob(struct fuzz_image *fi, char id)
{
	for (size_t i = 0; i < fi->n; i++)
		if (fi->m[i].id == id)
			return &fi->m[i];
	return NULL;
}

static inline bool has_placeholder(const char *s, size_t len)
{
	return memmem(s, len, "{{", 2) != NULL;
}

/* Replace the placeholders of blobs that are final; returns true when something changed. */
static inline bool fuzz_substitute(struct fuzz_image *fi, char **s, size_t *len)
{
	bool changed = false;
	for (size_t off = 0; off + 7 <= *len;) {
		char *at = memmem(*s + off, *len - off, "{{", 2);
		if (!at || (size_t)(at - *s) + 7 > *len)
			break;
		size_t pos = (size_t)(at - *s);
		struct fuzz_member *b = at[3] == ':' && at[5] == '}' && at[6] == '}' ? fuzz_image_blob(fi, at[4]) : NULL;
		if (!b || (at[2] != 'd' && at[2] != 'h' && at[2] != 's') || has_placeholder(b->data, b->len)) {
			off = pos + 2;
			continue;
		}
		char digest[SHA256_DIGEST_STR], rep[96];
		sha256_buffer(b->data, b->len, digest);
		if (at[2] == 'd')
			snprintf(rep, sizeof(rep), "%s", digest);
		else if (at[2] == 'h')
			snprintf(rep, sizeof(rep), "%s", digest + 7);
		else
			snprintf(rep, sizeof(rep), "%zu", b->len);
		size_t rl = strlen(rep), nl = *len - 7 + rl;
		char *n = xmalloc(nl + 1);
		memcpy(n, *s, pos);
		memcpy(n + pos, rep, rl);
		memcpy(n + pos + rl, *s + pos + 7, *len - pos - 7);
		n[nl] = '\0';
		free(*s);
		*s = n;
		*len = nl;
		off = pos + rl;
		changed = true;
	}
	return changed;
}

static inline void fuzz_image_resolve(struct fuzz_image *fi)
{
	for (int pass = 0; pass < FUZZ_MAX_MEMBERS + 1; pass++) {
		bool changed = false;
		for (size_t i = 0; i < fi->n; i++)
			changed |= fuzz_substitute(fi, &fi->m[i].data, &fi->m[i].len);
		if (!changed)
			break;
	}
	for (size_t i = 0; i < fi->n; i++) {
		size_t l = strlen(fi->m[i].name);
		fuzz_substitute(fi, &fi->m[i].name, &l);
	}
}

/* Write the members as a tar into a memfd; returns its fd or -1. */
static inline int fuzz_image_write(struct fuzz_image *fi)
{
	int fd = memfd_create("fuzz-image", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		archive_write_free(a);
		close(fd);
		return -1;
	}
	for (size_t i = 0; i < fi->n; i++) {
		if (!fi->m[i].name[0])
			continue;
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, fi->m[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)fi->m[i].len);
		if (archive_write_header(a, e) == ARCHIVE_OK)
			archive_write_data(a, fi->m[i].data, fi->m[i].len);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return fd;
}

static inline void fuzz_index_walk(struct layer_index *idx)
{
	size_t n = layer_index_count(idx);
	for (size_t i = 0; i < n; i++) {
		struct fs_entry *e = layer_index_at(idx, i);
		if (!e || !e->path || e->path[0] != '/')
			abort(); /* entries are absolute, normalised paths */
		if (layer_index_lookup(idx, e->path) != e)
			abort(); /* and each is found again by its path */
	}
	static const char *const paths[] = { "/bin/sh", "/etc/passwd", "/a/b/c", "/", "/lib/../etc" };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char *resolved = NULL;
		struct pare_error err = { 0 };
		layer_index_resolve(idx, paths[i], false, &resolved, NULL, NULL, &err);
		free(resolved);
		resolved = NULL;
		layer_index_resolve(idx, paths[i], true, &resolved, NULL, NULL, &err);
		free(resolved);
	}
	size_t first, cn;
	layer_index_children(idx, "/", &first, &cn);
	(void)layer_index_stats(idx);
}

/* Read the archive in fd as pare does; every failure must come with a message. */
static inline void fuzz_image_read(int fd)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct image *img = NULL;
	struct pare_error err = { 0 };
	bool debug = getenv("PARE_FUZZ_DEBUG") != NULL; /* to check that seeds get through */
	if (image_open(path, NULL, &img, &err) < 0) {
		if (debug)
			fprintf(stderr, "image_open: %s\n", err.msg);
		if (!err.msg[0])
			abort();
		return;
	}
	strv_free(image_config_strv(img, "Entrypoint"));
	strv_free(image_config_strv(img, "Env"));
	strv_free(image_config_keys(img, "ExposedPorts"));
	(void)image_config_str(img, "User");
	struct layer_index *idx = NULL;
	if (layer_index_build(img, &idx, &err) == 0) {
		if (debug)
			fprintf(stderr, "layer index: %zu entries\n", layer_index_count(idx));
		fuzz_index_walk(idx);
		layer_index_free(idx);
	} else {
		if (debug)
			fprintf(stderr, "layer_index_build: %s\n", err.msg);
		if (!err.msg[0])
			abort();
	}
	image_free(img);
}
#endif
