/* Pull (manifest or index, the platform's manifest, config and layers verified into an OCI layout)
 * and push (blobs that the registry lacks, then the manifest) over the distribution API. */
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/internal.h"
#include "image/registry.h"
#include "image/registry_int.h"
#include "lib/interrupt.h"
#include "lib/xalloc.h"

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MAX_MANIFEST (4 << 20)

static int write_file(const char *dir, const char *name, const void *buf, size_t n, struct pare_error *err)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, name);
	cleanup_close int fd = open(p, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, buf, n) != (ssize_t)n)
		return pare_error_errno(err, "writing '%s'", p);
	return 0;
}

/* "OS/ARCH[/VARIANT]", each part 1..31 of [a-z0-9._-]; NULL gives linux/<host arch>. */
static int platform_split(const char *p, char os[32], char arch[32], char variant[32])
{
	os[0] = arch[0] = variant[0] = '\0';
	if (!p) {
		snprintf(os, 32, "linux"), snprintf(arch, 32, "%s", image_host_arch());
		return 0;
	}
	char *parts[3] = { os, arch, variant };
	size_t k = 0;
	for (const char *q = p;; k++) {
		size_t n = strcspn(q, "/");
		if (k > 2 || n == 0 || n > 31 || strspn(q, "abcdefghijklmnopqrstuvwxyz0123456789._-") < n)
			return -1;
		memcpy(parts[k], q, n);
		parts[k][n] = '\0';
		q += n;
		if (!*q)
			break;
		q++;
	}
	return k >= 1 ? 0 : -1;
}

int registry_platform_check(const char *platform, struct pare_error *err)
{
	char os[32], arch[32], variant[32];
	if (platform_split(platform, os, arch, variant) < 0)
		return pare_error_set(err, 0, "'%s' is not a platform (OS/ARCH[/VARIANT], e.g. linux/arm64/v8)", platform);
	return 0;
}

/* The manifest descriptor of the index for our platform, or NULL with err naming those present. */
static json_t *pick_platform(json_t *index, const char *what, struct pare_error *err)
{
	char os[32], arch[32], variant[32];
	if (platform_split(registry_opts.platform, os, arch, variant) < 0)
		return pare_error_set(err, 0, "'%s' is not a platform (OS/ARCH[/VARIANT])", registry_opts.platform), NULL;
	json_t *ms = json_object_get(index, "manifests"), *d;
	size_t i;
	cleanup_free char *have = NULL;
	json_array_foreach (ms, i, d) {
		json_t *p = json_object_get(d, "platform");
		const char *o = json_string_value(json_object_get(p, "os"));
		const char *a = json_string_value(json_object_get(p, "architecture"));
		const char *v = json_string_value(json_object_get(p, "variant"));
		if (o && a && !strcmp(o, os) && !strcmp(a, arch) && (!variant[0] || (v && !strcmp(v, variant))))
			return d;
		if (o && a && strcmp(o, "unknown") != 0) {
			char *n = xasprintf("%s%s%s/%s%s%s", have ? have : "", have ? ", " : "", o, a, v ? "/" : "", v ? v : "");
			free(have);
			have = n;
		}
	}
	pare_error_set(err, 0, "%s has no %s/%s%s%s image (it has %s); choose one with --platform", what, os, arch,
		       variant[0] ? "/" : "", variant, have ? have : "none");
	return NULL;
}

/* GET a manifest by tag or digest; its digest is checked against want (or the registry's header). */
static int get_manifest(struct reg_session *s, const char *what, const char *ref, const char *want,
			struct reg_call *c, char digest[SHA256_DIGEST_STR], struct pare_error *err)
{
	cleanup_free char *url = xasprintf("/v2/%s/manifests/%s", s->ref.repo, ref);
	*c = (struct reg_call){ .method = "GET", .url = url, .body_fd = -1, .max_out = MAX_MANIFEST,
		.accept = MT_OCI_MANIFEST ", " MT_OCI_INDEX ", " MT_DOCKER_MANIFEST ", " MT_DOCKER_LIST };
	if (reg_do(s, c, err) < 0)
		return pare_error_prefix(err, "%s", what);
	c->url = NULL;
	if (c->status == 404)
		return pare_error_set(err, 0, "%s: no such image (the registry knows no manifest '%s')", what, ref);
	if (c->status != 200) {
		char m[256];
		reg_status_message(c, m, sizeof(m));
		return pare_error_set(err, 0, "%s: reading the manifest: %s", what, m);
	}
	sha256_buffer(c->mem.s ? c->mem.s : "", c->mem.len, digest);
	const char *expect = want ? want : c->content_digest;
	if (expect && strcmp(expect, digest) != 0)
		return pare_error_set(err, 0, "%s: manifest '%s' does not match its digest (its bytes hash to '%s')", what,
				      expect, digest);
	return 0;
}

static int get_blob(struct reg_session *s, const char *what, const char *dir, const char *digest, int64_t size,
		    struct pare_error *err)
{
	if (!sha256_digest_valid(digest))
		return pare_error_set(err, 0, "%s: blob digest '%s' is not a sha256 digest", what, digest);
	cleanup_free char *path = xasprintf("%s/blobs/sha256/%s", dir, digest + 7);
	cleanup_free char *url = xasprintf("/v2/%s/blobs/%s", s->ref.repo, digest);
	FILE *f = fopen(path, "w+e");
	if (!f)
		return pare_error_errno(err, "creating '%s'", path);
	struct reg_call c = { .method = "GET", .url = url, .body_fd = -1, .max_out = size, .out = f };
	int ret = reg_do(s, &c, err);
	if (fclose(f) != 0 && ret == 0)
		ret = pare_error_errno(err, "writing '%s'", path);
	if (ret < 0) {
		pare_error_prefix(err, "%s: blob '%s'", what, digest);
	} else if (c.status != 200) {
		char m[256];
		reg_status_message(&c, m, sizeof(m));
		ret = pare_error_set(err, 0, "%s: blob '%s': %s", what, digest, m);
	} else if (size >= 0 && c.got != size) {
		ret = pare_error_set(err, 0, "%s: blob '%s': %lld bytes, not the %lld of its descriptor", what, digest,
				     (long long)c.got, (long long)size);
	} else {
		char got[SHA256_DIGEST_STR];
		sha256_final(&c.hash, got);
		c.hashing = 0;
		if (strcmp(got, digest) != 0)
			ret = pare_error_set(err, 0, "%s: blob '%s' does not match its digest", what, digest);
	}
	reg_call_release(&c);
	return ret;
}

static int64_t desc_size(json_t *d)
{
	json_t *v = json_object_get(d, "size");
	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* The manifest named by `ref` (a tag or digest), parsed; an index leads to our platform's manifest.
 * *c keeps the manifest's bytes (c->mem.s) and digest[] their sha256. */
static int fetch_image_manifest(struct reg_session *s, const char *what, struct reg_call *c,
				char digest[SHA256_DIGEST_STR], json_t **out, struct pare_error *err)
{
	if (get_manifest(s, what, s->ref.digest ? s->ref.digest : s->ref.tag, s->ref.digest, c, digest, err) < 0)
		return -1;
	json_auto_t *j = json_loadb(c->mem.s ? c->mem.s : "", c->mem.len, 0, NULL);
	if (!json_is_object(j))
		return pare_error_set(err, 0, "%s: the manifest is not a JSON object", what);
	if (json_is_array(json_object_get(j, "manifests"))) {
		json_t *d = pick_platform(j, what, err);
		if (!d)
			return -1;
		const char *md = json_string_value(json_object_get(d, "digest"));
		if (!md || !sha256_digest_valid(md))
			return pare_error_set(err, 0, "%s: the index's manifest digest is not a sha256 digest", what);
		cleanup_free char *mdc = xstrdup(md);
		json_decref(j);
		reg_call_release(c);
		j = NULL;
		if (get_manifest(s, what, mdc, mdc, c, digest, err) < 0)
			return -1;
		j = json_loadb(c->mem.s ? c->mem.s : "", c->mem.len, 0, NULL);
		if (!json_is_object(j) || json_is_array(json_object_get(j, "manifests")))
			return pare_error_set(err, 0, "%s: manifest '%s' is not an image manifest", what, mdc);
	}
	json_t *sv = json_object_get(j, "schemaVersion");
	if (!json_is_integer(sv) || json_integer_value(sv) != 2 || !json_is_object(json_object_get(j, "config")) ||
	    !json_is_array(json_object_get(j, "layers")))
		return pare_error_set(err, 0, "%s: the manifest is not an image manifest of schema version 2", what);
	*out = steal_pointer(&j);
	return 0;
}

/* With --platform, an image that is not an index must be of that platform (its config says). */
static int check_config_platform(const char *what, const char *dir, const char *cd, struct pare_error *err)
{
	char os[32], arch[32], variant[32];
	if (!registry_opts.platform || platform_split(registry_opts.platform, os, arch, variant) < 0)
		return 0;
	cleanup_free char *path = xasprintf("%s/blobs/sha256/%s", dir, cd + 7);
	json_auto_t *j = json_load_file(path, 0, NULL);
	const char *o = json_string_value(json_object_get(j, "os"));
	const char *a = json_string_value(json_object_get(j, "architecture"));
	const char *v = json_string_value(json_object_get(j, "variant"));
	if (!o || !a || (!strcmp(o, os) && !strcmp(a, arch) && (!variant[0] || (v && !strcmp(v, variant)))))
		return 0;
	return pare_error_set(err, 0, "%s has no %s image (it is %s/%s%s%s)", what, registry_opts.platform, o, a,
			      v ? "/" : "", v ? v : "");
}

/* The manifest, its config and layers into dir as an OCI layout (index.json written last). */
static int pull_into(struct reg_session *s, const char *what, const char *dir, struct reg_call *c,
		     struct pare_error *err)
{
	char digest[SHA256_DIGEST_STR];
	json_auto_t *j = NULL;
	if (fetch_image_manifest(s, what, c, digest, &j, err) < 0)
		return -1;
	cleanup_free char *mname = xasprintf("blobs/sha256/%s", digest + 7);
	if (write_file(dir, mname, c->mem.s, c->mem.len, err) < 0)
		return -1;
	json_t *cfg = json_object_get(j, "config"), *l;
	const char *cd = json_string_value(json_object_get(cfg, "digest"));
	if (!cd)
		return pare_error_set(err, 0, "%s: the manifest names no config", what);
	if (get_blob(s, what, dir, cd, desc_size(cfg), err) < 0 || check_config_platform(what, dir, cd, err) < 0)
		return -1;
	size_t i;
	json_array_foreach (json_object_get(j, "layers"), i, l) {
		const char *ld = json_string_value(json_object_get(l, "digest"));
		if (!ld)
			return pare_error_set(err, 0, "%s: layer %zu has no digest", what, i);
		if (get_blob(s, what, dir, ld, desc_size(l), err) < 0)
			return -1;
	}
	const char *mt = json_string_value(json_object_get(j, "mediaType"));
	if (!mt && c->resp_type && (!strcmp(c->resp_type, MT_OCI_MANIFEST) || !strcmp(c->resp_type, MT_DOCKER_MANIFEST)))
		mt = c->resp_type;
	json_auto_t *idx = json_pack("{s:i, s:[{s:s, s:s, s:I, s:{s:s}}]}", "schemaVersion", 2, "manifests",
					     "mediaType", mt ? mt : MT_OCI_MANIFEST, "digest", digest, "size",
					     (json_int_t)c->mem.len, "annotations", "org.opencontainers.image.ref.name",
					     s->ref.tag ? s->ref.tag : "latest");
	cleanup_free char *txt = json_dumps(idx, JSON_COMPACT);
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	if (write_file(dir, "oci-layout", layout, sizeof(layout) - 1, err) < 0 ||
	    write_file(dir, "index.json", txt, strlen(txt), err) < 0)
		return -1;
	return 0;
}

int registry_pull(const char *ref, const char *dir, struct pare_error *err)
{
	cleanup_free char *what = xasprintf("'docker://%s'", ref);
	cleanup_free char *sha = xasprintf("%s/blobs/sha256", dir);
	cleanup_free char *blobs = xasprintf("%s/blobs", dir);
	struct reg_session s;
	struct reg_call c = { 0 };
	int ret = -1;
	if (reg_session_open(&s, ref, "pull", err) < 0)
		pare_error_prefix(err, "%s", what);
	else if (mkdir(blobs, 0700) < 0 || mkdir(sha, 0700) < 0)
		pare_error_errno(err, "creating '%s'", sha);
	else
		ret = pull_into(&s, what, dir, &c, err);
	reg_call_release(&c);
	reg_session_release(&s);
	return ret;
}

static int push_blob(struct reg_session *s, const char *what, const char *dir, const char *digest,
		     struct pare_error *err)
{
	cleanup_free char *url = xasprintf("/v2/%s/blobs/%s", s->ref.repo, digest);
	struct reg_call c = { .method = "HEAD", .url = url, .body_fd = -1, .max_out = 0 };
	int ret = reg_do(s, &c, err);
	if (ret < 0 || c.status == 200) {
		reg_call_release(&c);
		return ret < 0 ? pare_error_prefix(err, "%s", what) : 0;
	}
	cleanup_free char *start = xasprintf("/v2/%s/blobs/uploads/", s->ref.repo);
	reg_call_release(&c);
	c = (struct reg_call){ .method = "POST", .url = start, .body_fd = -1, .max_out = 1 << 16 };
	if (reg_do(s, &c, err) < 0)
		return pare_error_prefix(err, "%s", what);
	if (c.status != 202 || !c.location) {
		char m[256];
		reg_status_message(&c, m, sizeof(m));
		reg_call_release(&c);
		return pare_error_set(err, 0, "%s: starting an upload: %s", what, m);
	}
	cleanup_free char *loc = c.location[0] == '/' || strstr(c.location, "://") ? xstrdup(c.location)
				: xasprintf("/%s", c.location);
	reg_call_release(&c);
	cleanup_free char *put = xasprintf("%s%sdigest=%s", loc, strchr(loc, '?') ? "&" : "?", digest);
	cleanup_free char *path = xasprintf("%s/blobs/sha256/%s", dir, digest + 7);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return pare_error_errno(err, "opening '%s'", path);
	c = (struct reg_call){ .method = "PUT", .url = put, .body_fd = fd, .body_fd_len = st.st_size,
			       .content_type = "application/octet-stream", .max_out = 1 << 16 };
	ret = reg_do(s, &c, err);
	if (ret < 0) {
		pare_error_prefix(err, "%s: uploading blob '%s'", what, digest);
	} else if (c.status != 201) {
		char m[256];
		reg_status_message(&c, m, sizeof(m));
		ret = pare_error_set(err, 0, "%s: uploading blob '%s': %s", what, digest, m);
	}
	reg_call_release(&c);
	return ret;
}

/* The whole file `path` (at most MAX_MANIFEST bytes) and its digest. */
static int read_small(const char *path, char **buf, size_t *len, struct pare_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return pare_error_errno(err, "opening '%s'", path);
	if (st.st_size > MAX_MANIFEST)
		return pare_error_set(err, 0, "'%s' is larger than %d bytes", path, MAX_MANIFEST);
	char *b = xmalloc((size_t)st.st_size + 1);
	ssize_t n = read(fd, b, (size_t)st.st_size);
	if (n != st.st_size) {
		free(b);
		return pare_error_errno(err, "reading '%s'", path);
	}
	b[n] = '\0';
	*buf = b;
	*len = (size_t)n;
	return 0;
}

int registry_ref_check(const char *ref, bool for_push, struct pare_error *err)
{
	struct reg_ref r;
	if (reg_ref_parse(ref, &r, err) < 0)
		return -1;
	bool digest = r.digest != NULL;
	reg_ref_release(&r);
	if (for_push && digest)
		return pare_error_set(err, 0, "'docker://%s': a push names a tag, not a digest", ref);
	return 0;
}

/* The manifest last: only now does the tag name the new image. */
static int put_manifest(struct reg_session *s, const char *what, const char *mtxt, size_t mlen, const char *mt,
			const char *mdigest, struct pare_error *err)
{
	cleanup_free char *url = xasprintf("/v2/%s/manifests/%s", s->ref.repo, s->ref.tag);
	struct reg_call c = { .method = "PUT", .url = url, .body = mtxt, .body_len = mlen, .body_fd = -1,
			      .content_type = mt ? mt : MT_OCI_MANIFEST, .max_out = 1 << 16 };
	int ret = reg_do(s, &c, err);
	if (ret < 0) {
		pare_error_prefix(err, "%s: the manifest", what);
	} else if (c.status != 201) {
		char msg[256];
		reg_status_message(&c, msg, sizeof(msg));
		ret = pare_error_set(err, 0, "%s: the registry refused the manifest: %s", what, msg);
	} else if (c.content_digest && strcmp(c.content_digest, mdigest) != 0) {
		ret = pare_error_set(err, 0, "%s: the registry stored the manifest as '%s', not '%s'", what,
				     c.content_digest, mdigest);
	}
	reg_call_release(&c);
	return ret;
}

int registry_push(const char *dir, const char *ref, struct pare_error *err)
{
	cleanup_free char *what = xasprintf("pushing to 'docker://%s'", ref);
	struct reg_session s = { 0 };
	json_t *idx = NULL, *m = NULL;
	int ret = -1;
	cleanup_free char *ipath = xasprintf("%s/index.json", dir);
	cleanup_free char *mtxt = NULL;
	size_t mlen = 0;
	char mdigest[SHA256_DIGEST_STR];
	if (registry_ref_check(ref, true, err) < 0)
		return -1;
	idx = json_load_file(ipath, 0, NULL);
	json_t *d = json_array_get(json_object_get(idx, "manifests"), 0);
	const char *md = json_string_value(json_object_get(d, "digest"));
	const char *mt = json_string_value(json_object_get(d, "mediaType"));
	cleanup_free char *mpath = md && sha256_digest_valid(md) ? xasprintf("%s/blobs/sha256/%s", dir, md + 7) : NULL;
	if (!mpath || read_small(mpath, &mtxt, &mlen, err) < 0 || !(m = json_loadb(mtxt, mlen, 0, NULL))) {
		pare_error_set(err, 0, "%s: the written image has no readable manifest", what);
		goto out;
	}
	sha256_buffer(mtxt, mlen, mdigest);
	if (strcmp(mdigest, md) != 0) {
		pare_error_set(err, 0, "%s: the written manifest does not match its digest", what);
		goto out;
	}
	if (reg_session_open(&s, ref, "pull,push", err) < 0) {
		pare_error_prefix(err, "%s", what);
		goto out;
	}
	/* Blobs first (config, then layers); the tag appears only with the manifest, last. */
	json_t *l;
	size_t i;
	const char *cd = json_string_value(json_object_get(json_object_get(m, "config"), "digest"));
	if (!cd || !sha256_digest_valid(cd)) {
		pare_error_set(err, 0, "%s: the written manifest names no config", what);
		goto out;
	}
	if (push_blob(&s, what, dir, cd, err) < 0)
		goto out;
	json_array_foreach (json_object_get(m, "layers"), i, l) {
		const char *ld = json_string_value(json_object_get(l, "digest"));
		if (!ld || !sha256_digest_valid(ld)) {
			pare_error_set(err, 0, "%s: layer %zu of the written manifest has no digest", what, i);
			goto out;
		}
		if (push_blob(&s, what, dir, ld, err) < 0)
			goto out;
	}
	if ((ret = pare_interrupt_check(err)) < 0)
		goto out;
	ret = put_manifest(&s, what, mtxt, mlen, mt, mdigest, err);
out:
	json_decref(idx);
	json_decref(m);
	reg_session_release(&s);
	return ret;
}

