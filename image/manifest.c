/* Choosing the image in a source and reading its manifest and config:
 * OCI layouts (index.json, nested indexes, platform choice) and docker-archive manifest.json. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "image/internal.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"

#define MAX_INDEX_DEPTH 4

struct cand {
	struct strvec names; /* refs it answers to, as written in the source */
	json_t *desc;        /* OCI: its descriptor in index.json; docker: its manifest.json entry (borrowed) */
	const char *key;     /* manifest digest (OCI) or config name (docker), for dedup and --ref */
};

const char *image_host_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__i386__)
	return "386";
#elif defined(__arm__)
	return "arm";
#elif defined(__powerpc64__)
	return "ppc64le";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__riscv)
	return "riscv64";
#else
	return "unknown";
#endif
}

/* "docker.io/library/foo" -> "foo:latest"; "foo:1" stays. New string. */
static char *canon_ref(const char *r)
{
	static const char *const prefixes[] = { "docker.io/library/", "index.docker.io/library/", "docker.io/",
						"index.docker.io/", "localhost/" };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(r, prefixes[i], n) == 0 && r[n]) {
			r += n;
			break;
		}
	}
	const char *slash = strrchr(r, '/');
	const char *last = slash ? slash + 1 : r;
	if (strchr(r, '@') || strchr(last, ':'))
		return xstrdup(r);
	return xasprintf("%s:latest", r);
}

static bool cand_matches(const struct cand *c, const char *ref)
{
	if (c->key && strcmp(c->key, ref) == 0)
		return true;
	cleanup_free char *want = canon_ref(ref);
	for (size_t i = 0; i < c->names.n; i++) {
		if (strcmp(c->names.v[i], ref) == 0)
			return true;
		cleanup_free char *have = canon_ref(c->names.v[i]);
		if (strcmp(have, want) == 0)
			return true;
	}
	return false;
}

static char *cand_display(const struct cand *c)
{
	for (size_t i = 0; i < c->names.n; i++)
		if (strchr(c->names.v[i], ':') || strchr(c->names.v[i], '/'))
			return canon_ref(c->names.v[i]);
	if (c->names.n)
		return xstrdup(c->names.v[0]);
	return xasprintf("%s (untagged)", c->key ? c->key : "?");
}

static const char *jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A required string field; wrong types are errors. */
static int req_str(json_t *obj, const char *key, const char *what, const char **out, struct pare_error *err)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (!v)
		return pare_error_set(err, 0, "%s has no '%s'", what, key);
	if (!json_is_string(v))
		return pare_error_set(err, 0, "%s: '%s' is not a string", what, key);
	*out = json_string_value(v);
	return 0;
}

static int check_digest(const char *d, const char *what, struct pare_error *err)
{
	if (sha256_digest_valid(d))
		return 0;
	if (strncmp(d, "sha256:", 7) != 0 && strchr(d, ':'))
		return pare_error_set(err, 0, "%s: unsupported digest algorithm in '%.80s'", what, d);
	return pare_error_set(err, 0, "%s: invalid digest '%.80s'", what, d);
}

/* A descriptor's digest and size (-1 when absent), validated. */
static int desc_parse(json_t *desc, const char *what, const char **digest, int64_t *size, struct pare_error *err)
{
	if (!json_is_object(desc))
		return pare_error_set(err, 0, "%s is not a JSON object", what);
	if (req_str(desc, "digest", what, digest, err) < 0 || check_digest(*digest, what, err) < 0)
		return -1;
	json_t *sz = json_object_get(desc, "size");
	*size = -1;
	if (sz) {
		if (!json_is_integer(sz) || json_integer_value(sz) < 0)
			return pare_error_set(err, 0, "%s: 'size' is not a non-negative integer", what);
		*size = json_integer_value(sz);
	}
	return 0;
}

static char *blob_name(const char *digest)
{
	return xasprintf("blobs/sha256/%s", digest + 7);
}

/* 1 when the descriptor's platform is ours, 0 when it is another, -1 when it names none. */
static int platform_match(json_t *desc)
{
	json_t *p = json_object_get(desc, "platform");
	if (!json_is_object(p))
		return -1;
	const char *os = jstr(p, "os"), *arch = jstr(p, "architecture");
	return os && arch && strcmp(os, "linux") == 0 && strcmp(arch, image_host_arch()) == 0;
}

static char *platform_str(json_t *desc)
{
	json_t *p = json_object_get(desc, "platform");
	const char *os = jstr(p, "os"), *arch = jstr(p, "architecture");
	return xasprintf("%s/%s", os ? os : "?", arch ? arch : "?");
}

static void cands_release(struct cand *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strvec_release(&c[i].names);
	free(c);
}

static void cand_add(struct cand **cs, size_t *n, size_t *cap, json_t *desc, const char *key)
{
	for (size_t i = 0; i < *n; i++)
		if (key && (*cs)[i].key && strcmp((*cs)[i].key, key) == 0)
			return;
	*cs = xgrow(*cs, cap, *n + 1, sizeof(**cs));
	struct cand *c = &(*cs)[(*n)++];
	memset(c, 0, sizeof(*c));
	c->desc = desc;
	c->key = key;
}

static struct cand *cand_find(struct cand *cs, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (cs[i].key && strcmp(cs[i].key, key) == 0)
			return &cs[i];
	return NULL;
}

/* Candidates from index.json: one per distinct manifest of our platform (or of none named). */
static int collect_oci(json_t *index, struct cand **cs, size_t *n, struct pare_error *err)
{
	json_t *ms = json_object_get(index, "manifests");
	if (!json_is_object(index) || !json_is_array(ms))
		return pare_error_set(err, 0, "index.json has no 'manifests' array");
	size_t cap = 0, i;
	json_t *d;
	struct strvec other = STRVEC_INIT;
	json_array_foreach (ms, i, d) {
		const char *digest;
		int64_t size;
		cleanup_free char *what = xasprintf("index.json manifest %zu", i);
		if (desc_parse(d, what, &digest, &size, err) < 0) {
			strvec_release(&other);
			return -1;
		}
		if (platform_match(d) == 0) {
			strvec_push_nodup(&other, platform_str(d));
			continue;
		}
		cand_add(cs, n, &cap, d, digest);
		struct cand *c = cand_find(*cs, *n, digest);
		json_t *ann = json_object_get(d, "annotations");
		const char *full = jstr(ann, "io.containerd.image.name");
		const char *rn = jstr(ann, "org.opencontainers.image.ref.name");
		if (full)
			strvec_push(&c->names, full);
		if (rn)
			strvec_push(&c->names, rn);
	}
	if (*n == 0 && other.n) {
		cleanup_free char *list = NULL;
		for (size_t k = 0; k < other.n; k++) {
			char *l = xasprintf("%s%s%s", list ? list : "", list ? ", " : "", other.v[k]);
			free(list);
			list = l;
		}
		pare_error_set(err, 0, "no linux/%s image in the archive (it has %s)", image_host_arch(), list);
		strvec_release(&other);
		return -1;
	}
	strvec_release(&other);
	return 0;
}

static int collect_docker(json_t *man, struct cand **cs, size_t *n, struct pare_error *err)
{
	if (!json_is_array(man))
		return pare_error_set(err, 0, "manifest.json is not a JSON array");
	size_t cap = 0, i;
	json_t *e;
	json_array_foreach (man, i, e) {
		const char *config;
		cleanup_free char *what = xasprintf("manifest.json entry %zu", i);
		if (req_str(e, "Config", what, &config, err) < 0)
			return -1;
		cand_add(cs, n, &cap, e, config);
		struct cand *c = cand_find(*cs, *n, config);
		json_t *tags = json_object_get(e, "RepoTags"), *t;
		size_t k;
		if (tags && !json_is_array(tags) && !json_is_null(tags))
			return pare_error_set(err, 0, "%s: 'RepoTags' is not an array", what);
		json_array_foreach (tags, k, t) {
			if (!json_is_string(t))
				return pare_error_set(err, 0, "%s: 'RepoTags' holds a non-string", what);
			strvec_push(&c->names, json_string_value(t));
		}
	}
	return 0;
}

static int choose(struct image *img, struct cand *cs, size_t n, const char *ref, struct cand **out,
		  struct pare_error *err)
{
	if (n == 0)
		return pare_error_set(err, 0, "'%s' holds no image", img->input);
	struct cand *hit = NULL;
	if (ref) {
		for (size_t i = 0; i < n; i++) {
			if (!cand_matches(&cs[i], ref))
				continue;
			if (hit)
				return pare_error_set(err, 0, "--ref '%s' matches several images in '%s'", ref, img->input);
			hit = &cs[i];
		}
	} else if (n == 1) {
		hit = &cs[0];
	}
	if (hit) {
		*out = hit;
		return 0;
	}
	cleanup_free char *list = NULL;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *d = cand_display(&cs[i]);
		char *l = xasprintf("%s%s%s", list ? list : "", list ? ", " : "", d);
		free(list);
		list = l;
	}
	if (ref)
		return pare_error_set(err, 0, "no image '%s' in '%s' (it holds: %s)", ref, img->input, list);
	return pare_error_set(err, 0, "'%s' holds %zu images, pick one with --ref: %s", img->input, n, list);
}

static enum image_compression media_compression(const char *mt)
{
	if (!mt)
		return IMAGE_COMP_NONE;
	if (strstr(mt, "gzip"))
		return IMAGE_COMP_GZIP;
	if (strstr(mt, "zstd"))
		return IMAGE_COMP_ZSTD;
	return IMAGE_COMP_NONE;
}

/* Follow nested indexes from `desc` to a manifest of our platform; *out gets the manifest JSON. */
static int load_oci_manifest(struct image *img, json_t *desc, int depth, json_t **out, char **mdigest,
			     struct pare_error *err)
{
	const char *digest;
	int64_t size;
	if (desc_parse(desc, "manifest descriptor", &digest, &size, err) < 0)
		return -1;
	cleanup_free char *name = blob_name(digest);
	char got[SHA256_DIGEST_STR];
	json_t *j;
	const char *mt = jstr(desc, "mediaType");
	bool is_index = mt && (strstr(mt, "image.index") || strstr(mt, "manifest.list"));
	if (source_read_json(img->src, name, is_index ? "image index" : "manifest", digest, size, &j, got, err) < 0)
		return -1;
	json_t *ms = json_object_get(j, "manifests");
	if (!json_is_array(ms)) {
		*out = j;
		*mdigest = xstrdup(digest);
		return 0;
	}
	if (depth >= MAX_INDEX_DEPTH) {
		json_decref(j);
		return pare_error_set(err, 0, "image index '%s' nests deeper than %d levels", digest, MAX_INDEX_DEPTH);
	}
	json_t *pick = NULL, *d, *unnamed = NULL;
	size_t i, n_unnamed = 0;
	json_array_foreach (ms, i, d) {
		int m = platform_match(d);
		if (m == 1 && !pick)
			pick = d;
		if (m == -1) {
			unnamed = d;
			n_unnamed++;
		}
	}
	if (!pick && n_unnamed == 1)
		pick = unnamed;
	if (!pick) {
		json_decref(j);
		return pare_error_set(err, 0, "image index '%s' has no linux/%s manifest", digest, image_host_arch());
	}
	int ret = load_oci_manifest(img, pick, depth + 1, out, mdigest, err);
	json_decref(j);
	return ret;
}

static int load_config(struct image *img, const char *name, const char *want, int64_t size,
		       struct pare_error *err)
{
	char got[SHA256_DIGEST_STR];
	if (source_read_json(img->src, name, "config", want, size, &img->config, got, err) < 0)
		return -1;
	img->config_digest = xstrdup(got);
	json_t *c = img->config;
	if (!json_is_object(c))
		return pare_error_set(err, 0, "config '%s' is not a JSON object", got);
	static const struct { const char *key; json_type type; } fields[] = {
		{ "architecture", JSON_STRING }, { "os", JSON_STRING }, { "config", JSON_OBJECT },
		{ "rootfs", JSON_OBJECT },       { "history", JSON_ARRAY },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *v = json_object_get(c, fields[i].key);
		if (v && !json_is_null(v) && json_typeof(v) != fields[i].type)
			return pare_error_set(err, 0, "config '%s': '%s' has the wrong JSON type", got, fields[i].key);
	}
	if (image_config_check(c, img->n_layers, got, err) < 0)
		return -1;
	json_t *ids = json_object_get(json_object_get(c, "rootfs"), "diff_ids");
	if (!json_is_array(ids))
		return pare_error_set(err, 0, "config '%s' has no 'rootfs.diff_ids' array", got);
	if (json_array_size(ids) != img->n_layers)
		return pare_error_set(err, 0, "config '%s' lists %zu diff_ids but the manifest has %zu layers", got,
				      json_array_size(ids), img->n_layers);
	for (size_t i = 0; i < img->n_layers; i++) {
		json_t *v = json_array_get(ids, i);
		if (!json_is_string(v) || !sha256_digest_valid(json_string_value(v)))
			return pare_error_set(err, 0, "config '%s': diff_id %zu is not a sha256 digest", got, i);
		img->layers[i].diff_id = xstrdup(json_string_value(v));
	}
	return 0;
}

static int alloc_layers(struct image *img, json_t *arr, const char *what, struct pare_error *err)
{
	if (!json_is_array(arr))
		return pare_error_set(err, 0, "%s has no layers array", what);
	if (json_array_size(arr) > IMAGE_MAX_LAYERS)
		return pare_error_set(err, 0, "%s has %zu layers (limit %d)", what, json_array_size(arr),
				      IMAGE_MAX_LAYERS);
	img->n_layers = json_array_size(arr);
	img->layers = xcalloc(img->n_layers ? img->n_layers : 1, sizeof(*img->layers));
	for (size_t i = 0; i < img->n_layers; i++)
		img->layers[i].size = -1;
	return 0;
}

static int load_oci(struct image *img, struct cand *c, struct pare_error *err)
{
	json_t *m = NULL;
	cleanup_free char *mdigest = NULL;
	if (load_oci_manifest(img, c->desc, 0, &m, &mdigest, err) < 0)
		return -1;
	int ret = -1;
	const char *cdigest;
	int64_t csize;
	cleanup_free char *what = xasprintf("manifest '%s'", mdigest);
	cleanup_free char *cname = NULL; /* before the first goto: its cleanup runs at "out" */
	if (!json_is_object(m)) {
		pare_error_set(err, 0, "%s is not a JSON object", what);
		goto out;
	}
	if (desc_parse(json_object_get(m, "config"), "manifest config descriptor", &cdigest, &csize, err) < 0 ||
	    alloc_layers(img, json_object_get(m, "layers"), what, err) < 0)
		goto out;
	for (size_t i = 0; i < img->n_layers; i++) {
		json_t *l = json_array_get(json_object_get(m, "layers"), i);
		const char *d;
		cleanup_free char *lw = xasprintf("%s layer %zu", what, i);
		if (desc_parse(l, lw, &d, &img->layers[i].size, err) < 0)
			goto out;
		img->layers[i].digest = xstrdup(d);
		img->layers[i].blob_name = blob_name(d);
		const char *mt = jstr(l, "mediaType");
		img->layers[i].media_type = mt ? xstrdup(mt) : NULL;
		img->layers[i].compression = media_compression(mt);
	}
	cname = blob_name(cdigest);
	if (load_config(img, cname, cdigest, csize, err) < 0)
		goto out;
	ret = 0;
out:
	json_decref(m);
	return ret;
}

static bool hex64(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* The digest a docker-archive path implies ("blobs/sha256/<hex>", "<hex>.json"), or NULL. */
static char *digest_from_path(const char *p)
{
	const char *base = strrchr(p, '/');
	base = base ? base + 1 : p;
	size_t n = strlen(base);
	if ((n == 64 || (n == 69 && strcmp(base + 64, ".json") == 0)) && hex64(base))
		return xasprintf("sha256:%.64s", base);
	return NULL;
}

static int load_docker(struct image *img, struct cand *c, struct pare_error *err)
{
	json_t *e = c->desc;
	if (alloc_layers(img, json_object_get(e, "Layers"), "manifest.json entry", err) < 0)
		return -1;
	for (size_t i = 0; i < img->n_layers; i++) {
		json_t *l = json_array_get(json_object_get(e, "Layers"), i);
		if (!json_is_string(l))
			return pare_error_set(err, 0, "manifest.json: layer %zu is not a string", i);
		struct image_layer *L = &img->layers[i];
		L->blob_name = xstrdup(json_string_value(l));
		if (strncmp(L->blob_name, "blobs/sha256/", 13) == 0)
			L->digest = digest_from_path(L->blob_name);
		struct src_member *mem = img->src->is_dir ? NULL : source_member(img->src, L->blob_name);
		if (mem)
			L->size = mem->size;
	}
	cleanup_free char *want = digest_from_path(c->key);
	return load_config(img, c->key, want, -1, err);
}

/* The chosen image, as index.json (use_index) or manifest.json describes it. */
static int load_from(struct image *img, bool use_index, const char *ref, struct pare_error *err)
{
	const char *doc_name = use_index ? "index.json" : "manifest.json";
	json_t *doc = NULL;
	char dg[SHA256_DIGEST_STR];
	struct cand *cs = NULL, *c = NULL;
	size_t n = 0;
	int ret = -1;
	if (source_read_json(img->src, doc_name, doc_name, NULL, -1, &doc, dg, err) < 0 ||
	    (use_index ? collect_oci(doc, &cs, &n, err) : collect_docker(doc, &cs, &n, err)) < 0 ||
	    choose(img, cs, n, ref, &c, err) < 0)
		goto out;
	if (c->names.n)
		img->ref = cand_display(c);
	if ((use_index ? load_oci(img, c, err) : load_docker(img, c, err)) < 0)
		goto out;
	ret = 0;
out:
	cands_release(cs, n);
	json_decref(doc);
	return ret;
}

/* With index.json read, does manifest.json (which docker load reads) name the same image, by its
 * config digest? 1 yes, 0 it names other images only, -1 it cannot be read (err says why). */
static int manifest_agrees(struct image *img, struct pare_error *err)
{
	json_t *doc = NULL, *e;
	char dg[SHA256_DIGEST_STR];
	size_t i;
	int ret = -1;
	if (source_read_json(img->src, "manifest.json", "manifest.json", NULL, -1, &doc, dg, err) < 0)
		return -1;
	if (!json_is_array(doc)) {
		pare_error_set(err, 0, "manifest.json is not a JSON array");
		goto out;
	}
	ret = 0;
	json_array_foreach (doc, i, e) {
		const char *config;
		json_t *cfg = NULL;
		struct pare_error ignored = { 0 };
		if (req_str(e, "Config", "entry", &config, &ignored) < 0 ||
		    source_read_json(img->src, config, "config", NULL, -1, &cfg, dg, &ignored) < 0)
			continue;
		json_decref(cfg);
		if (strcmp(dg, img->config_digest) == 0) {
			ret = 1;
			break;
		}
	}
out:
	json_decref(doc);
	return ret;
}

/* An archive with both index.json and manifest.json (Docker 25+, pare's own output): index.json is
 * read; when it cannot be, manifest.json is, with a note; when both are readable they must describe
 * the same image, or engines would load different images from one archive (doc/IMAGE.md). */
static int load_dual(struct image *img, const char *ref, struct pare_error *err)
{
	struct pare_error ierr = { 0 }, merr = { 0 };
	if (load_from(img, true, ref, &ierr) == 0) {
		int agree = manifest_agrees(img, &merr);
		if (agree == 1)
			return 0;
		if (agree < 0) {
			strvec_pushf(&img->notes, "manifest.json cannot be read (%s): index.json was used; docker load would fail on this archive",
				     merr.msg);
			return 0;
		}
		return pare_error_set(err, 0, "index.json and manifest.json describe different images (index.json: config %s, "
					      "which manifest.json does not list)", img->config_digest);
	}
	image_unload(img);
	if (load_from(img, false, ref, &merr) == 0) {
		strvec_pushf(&img->notes, "index.json cannot be read (%s): manifest.json was used", ierr.msg);
		return 0;
	}
	return pare_error_set(err, ierr.code, "%s (and manifest.json: %s)", ierr.msg, merr.msg);
}

int image_load_manifest(struct image *img, const char *ref, struct pare_error *err)
{
	struct image_source *s = img->src;
	bool has_index = source_has(s, "index.json"), has_manifest = source_has(s, "manifest.json");
	if (!has_index && !has_manifest)
		return pare_error_set(err, 0, "'%s' is not a container image (no index.json or manifest.json)",
				      img->input);
	img->format = xstrdup(has_manifest && !s->is_dir ? "docker-archive" : s->is_dir ? "oci-dir" : "oci-archive");
	if (has_index && has_manifest)
		return load_dual(img, ref, err);
	return load_from(img, has_index, ref, err);
}
