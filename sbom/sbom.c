/* The SBOM's model from the slim image's index, package database and language packages; files
 * hashed as the writer wrote them (the rewritten database files from the overrides, the rest from
 * the unpacked tree); written in the chosen format. */
#include "sbom/sbom_int.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/json_file.h"
#include "lib/path.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "minifier/content.h"
#include "minifier/langpkg.h"

int sbom_format_parse(const char *name, enum sbom_format *out)
{
	if (!strcmp(name, "spdx-json"))
		*out = SBOM_SPDX_JSON;
	else if (!strcmp(name, "cyclonedx-json"))
		*out = SBOM_CYCLONEDX_JSON;
	else
		return -1;
	return 0;
}

static char *pct(const char *s)
{
	size_t n = strlen(s);
	char *o = xmalloc(n * 3 + 1), *q = o;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr(".-_~", *p))
			*q++ = (char)*p;
		else
			q += snprintf(q, 4, "%%%02X", *p);
	}
	*q = '\0';
	return o;
}

char *sbom_purl(const char *type, const char *ns, const char *name, const char *version, const char *qualifiers)
{
	cleanup_free char *ens = ns ? pct(ns) : NULL, *en = pct(name), *ev = version && *version ? pct(version) : NULL;
	return xasprintf("pkg:%s/%s%s%s%s%s%s%s", type, ens ? ens : "", ens ? "/" : "", en, ev ? "@" : "",
			 ev ? ev : "", qualifiers ? "?" : "", qualifiers ? qualifiers : "");
}

static void hex(const unsigned char *md, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void digests(const void *data, size_t len, char sha1[41], char sha256[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_Digest(data, len, md, &n, EVP_sha1(), NULL);
	hex(md, n, sha1);
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	hex(md, n, sha256);
}

struct ctx {
	const struct sbom_input *in;
	struct content_root *cr;
	struct sbom *s;
	struct strvec paths; /* every file of every package, before sorting */
	size_t cap_pkgs;
	char *distro_id, *distro_version;
};

static struct fs_entry *resolved(struct layer_index *idx, const char *path)
{
	cleanup_free char *res = NULL;
	if (layer_index_resolve(idx, path, false, &res, NULL, NULL, NULL) != 1)
		return NULL;
	return layer_index_lookup(idx, res);
}

/* The mapped content of a regular file of the original tree (followed through symlinks). */
static int map_original(struct ctx *c, const char *path, struct content_map *m)
{
	const struct fs_entry *fe = resolved(c->in->idx, path);
	struct pare_error e = { 0 };
	if (!fe || !S_ISREG(fe->mode) || content_map(c->cr, fe->path, m, &e) < 0)
		return -1;
	return 0;
}

static char *os_release_value(const char *data, size_t len, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = data, *end = data + len; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t ll = eol ? (size_t)(eol - p) : (size_t)(end - p);
		if (ll > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			const char *v = p + kl + 1;
			size_t vl = ll - kl - 1;
			if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
				v++;
				vl -= 2;
			}
			return vl ? xstrndup(v, vl) : NULL;
		}
		p += ll + 1;
	}
	return NULL;
}

static void read_os_release(struct ctx *c)
{
	struct content_map m = { 0 };
	if (map_original(c, "/etc/os-release", &m) < 0 && map_original(c, "/usr/lib/os-release", &m) < 0)
		return;
	if (m.len) {
		c->distro_id = os_release_value(m.data, m.len, "ID");
		c->distro_version = os_release_value(m.data, m.len, "VERSION_ID");
	}
	content_unmap(&m);
}

static struct sbom_pkg *add_pkg(struct ctx *c)
{
	struct sbom *s = c->s;
	s->pkgs = xgrow(s->pkgs, &c->cap_pkgs, s->n_pkgs + 1, sizeof(*s->pkgs));
	struct sbom_pkg *p = &s->pkgs[s->n_pkgs++];
	memset(p, 0, sizeof(*p));
	return p;
}

/* Files are recorded by path first (c->paths, then the pkg's files hold indexes into it); numbered
 * against the sorted table afterwards. */
static void add_file(struct ctx *c, struct sbom_pkg *p, size_t *cap, const struct fs_entry *fe)
{
	p->files = xgrow(p->files, cap, p->n_files + 1, sizeof(*p->files));
	p->files[p->n_files++] = c->paths.n;
	strvec_push(&c->paths, fe->path);
}

/* The OS packages (dpkg or apk) with a kept file. */
static void add_os_packages(struct ctx *c)
{
	const struct pkgdb *db = c->in->db;
	if (!db || (db->manager != PKGDB_DPKG && db->manager != PKGDB_APK))
		return;
	bool apk = db->manager == PKGDB_APK;
	const char *distro = c->distro_id ? c->distro_id : apk ? "alpine" : "debian";
	for (size_t i = 0; i < db->n_pkgs; i++) {
		const struct pkgdb_pkg *dp = &db->pkgs[i];
		if (dp->state == PKGDB_GONE)
			continue;
		struct sbom_pkg *p = add_pkg(c);
		p->type = apk ? "apk" : "deb";
		p->name = xstrdup(dp->name);
		p->version = xstrdup(dp->version ? dp->version : "");
		p->arch = dp->arch ? xstrdup(dp->arch) : NULL;
		p->state = xstrdup(pkgdb_state_name(dp->state));
		cleanup_free char *q = NULL;
		if (dp->arch && c->distro_version)
			q = xasprintf("arch=%s&distro=%s-%s", dp->arch, distro, c->distro_version);
		else if (dp->arch)
			q = xasprintf("arch=%s", dp->arch);
		p->purl = sbom_purl(p->type, distro, dp->name, p->version, q);
		if (apk) {
			p->license_text = dp->license ? xstrdup(dp->license) : NULL; /* apk's L: */
		} else {
			cleanup_free char *copyright = xasprintf("/usr/share/doc/%s/copyright", dp->name);
			struct content_map m = { 0 };
			if (map_original(c, copyright, &m) == 0) {
				if (m.len)
					p->license_text = sbom_license_dep5(m.data, m.len);
				content_unmap(&m);
			}
		}
		p->license = p->license_text ? sbom_license_spdx(p->license_text) : NULL;
		size_t cap = 0;
		for (size_t k = 0; k < dp->n_files; k++) {
			const struct fs_entry *fe = dp->files[k].fe;
			if (fe && fe->keep && S_ISREG(fe->mode))
				add_file(c, p, &cap, fe);
		}
	}
}

static int add_language(struct ctx *c, struct pare_error *err)
{
	struct langpkg *lp = NULL;
	size_t n = 0;
	if (langpkg_scan(c->in->idx, c->cr, &lp, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct fs_entry *meta = layer_index_lookup(c->in->idx, lp[i].meta);
		if (!meta || !meta->keep)
			continue;
		struct sbom_pkg *p = add_pkg(c);
		p->type = langpkg_purl_type(lp[i].kind);
		p->version = xstrdup(lp[i].version);
		if (lp[i].kind == LANGPKG_PYTHON) {
			/* PyPI names are compared lowercased with runs of -_. as one - (PEP 503). */
			p->name = xstrdup(lp[i].name);
			cleanup_free char *norm = xstrdup(lp[i].name);
			char *o = norm;
			for (const char *q = lp[i].name; *q; q++) {
				bool sep = *q == '-' || *q == '_' || *q == '.';
				if (sep && o > norm && o[-1] == '-')
					continue;
				*o++ = sep ? '-' : (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
			}
			*o = '\0';
			p->purl = sbom_purl("pypi", NULL, norm, p->version, NULL);
		} else {
			p->name = xstrdup(lp[i].name);
			const char *slash = lp[i].name[0] == '@' ? strchr(lp[i].name, '/') : NULL;
			cleanup_free char *ns = slash ? xstrndup(lp[i].name, (size_t)(slash - lp[i].name)) : NULL;
			p->purl = sbom_purl("npm", ns, slash ? slash + 1 : lp[i].name, p->version, NULL);
		}
		p->license_text = lp[i].license ? xstrdup(lp[i].license) : NULL;
		p->license = p->license_text ? sbom_license_spdx(p->license_text) : NULL;
		size_t cap = 0;
		for (size_t k = 0; k < lp[i].n_meta; k++)
			if (lp[i].meta_files[k]->keep && S_ISREG(lp[i].meta_files[k]->mode))
				add_file(c, p, &cap, lp[i].meta_files[k]);
		for (size_t k = 0; k < lp[i].n_files; k++)
			if (lp[i].files[k]->keep && S_ISREG(lp[i].files[k]->mode))
				add_file(c, p, &cap, lp[i].files[k]);
	}
	langpkg_free(lp, n);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct sbom_file *)a)->path, ((const struct sbom_file *)b)->path);
}

static int cmp_override(const void *a, const void *b)
{
	return strcmp(((const struct image_write_override *)a)->path, ((const struct image_write_override *)b)->path);
}

static int hash_file(struct ctx *c, struct sbom_file *f, struct sbom_stats *st, struct pare_error *err)
{
	const struct pkgdb *db = c->in->db;
	struct image_write_override key = { .path = f->path };
	const struct image_write_override *o =
		db && db->n_overrides ? bsearch(&key, db->overrides, db->n_overrides, sizeof(key), cmp_override) : NULL;
	if (o) {
		digests(o->data ? o->data : "", o->size, f->sha1, f->sha256);
		st->bytes_hashed += o->size;
		return 0;
	}
	struct content_map m = { 0 };
	if (content_map(c->cr, f->path, &m, err) < 0)
		return pare_error_prefix(err, "hashing '%s'", f->path);
	digests(m.data ? m.data : "", m.len, f->sha1, f->sha256);
	st->bytes_hashed += m.len;
	content_unmap(&m);
	return 0;
}

/* Sorts and uniques the recorded paths into s->files, hashes them, renumbers the packages'
 * references and computes each package's verification code. */
static int build_files(struct ctx *c, struct sbom_stats *st, struct pare_error *err)
{
	struct sbom *s = c->s;
	size_t n = c->paths.n;
	char **sorted = xcalloc(n + 1, sizeof(*sorted));
	memcpy(sorted, c->paths.v, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_str);
	s->files = xcalloc(n + 1, sizeof(*s->files));
	for (size_t i = 0; i < n; i++)
		if (!s->n_files || strcmp(s->files[s->n_files - 1].path, sorted[i]))
			s->files[s->n_files++].path = xstrdup(sorted[i]);
	free(sorted);
	for (size_t i = 0; i < s->n_files; i++)
		if (hash_file(c, &s->files[i], st, err) < 0)
			return -1;
	for (size_t i = 0; i < s->n_pkgs; i++) {
		struct sbom_pkg *p = &s->pkgs[i];
		char **sha1s = xcalloc(p->n_files + 1, sizeof(*sha1s));
		for (size_t k = 0; k < p->n_files; k++) {
			struct sbom_file key = { .path = c->paths.v[p->files[k]] };
			const struct sbom_file *f = bsearch(&key, s->files, s->n_files, sizeof(key), cmp_file);
			p->files[k] = (size_t)(f - s->files);
			sha1s[k] = (char *)f->sha1;
		}
		/* SPDX 2.3 7.9: SHA-1 of the files' sorted SHA-1s, concatenated. */
		qsort(sha1s, p->n_files, sizeof(*sha1s), cmp_str);
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		EVP_DigestInit_ex(md, EVP_sha1(), NULL);
		for (size_t k = 0; k < p->n_files; k++)
			EVP_DigestUpdate(md, sha1s[k], 40);
		unsigned char d[EVP_MAX_MD_SIZE];
		unsigned dn = 0;
		EVP_DigestFinal_ex(md, d, &dn);
		EVP_MD_CTX_free(md);
		hex(d, dn, p->verification);
		free(sha1s);
	}
	st->files = s->n_files;
	st->packages = s->n_pkgs;
	return 0;
}

/* RFC 4122 name-based UUID (version 5, URL namespace) of the manifest digest. */
static char *uuid_v5(const char *name)
{
	static const unsigned char ns[16] = { 0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
					      0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dn = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha1(), NULL);
	EVP_DigestUpdate(md, ns, sizeof(ns));
	EVP_DigestUpdate(md, name, strlen(name));
	EVP_DigestFinal_ex(md, d, &dn);
	EVP_MD_CTX_free(md);
	d[6] = (unsigned char)((d[6] & 0x0f) | 0x50);
	d[8] = (unsigned char)((d[8] & 0x3f) | 0x80);
	char h[33];
	hex(d, 16, h);
	return xasprintf("%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

static void image_fields(struct ctx *c)
{
	struct sbom *s = c->s;
	const struct image_write_result *r = c->in->image;
	s->image_tag = xstrdup(r->tag ? r->tag : "");
	s->image_id = xstrdup(r->image_id ? r->image_id : "");
	s->manifest_digest = xstrdup(r->manifest_digest ? r->manifest_digest : "");
	/* The repository's last component, without the tag: "registry:5000/team/app:1" -> "app". */
	const char *last = strrchr(s->image_tag, '/');
	last = last ? last + 1 : s->image_tag;
	s->image_name = xstrndup(last, strcspn(last, ":"));
	if (!*s->image_name) {
		free(s->image_name);
		s->image_name = xstrdup("image");
	}
	const char *colon = strrchr(last, ':');
	cleanup_free char *q = colon ? xasprintf("tag=%s", colon + 1) : NULL;
	s->image_purl = sbom_purl("oci", NULL, s->image_name, s->manifest_digest, q);
	s->uuid = uuid_v5(s->manifest_digest);
	time_t now = time(NULL);
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde) {
		char *end;
		long long v = strtoll(sde, &end, 10);
		if (!*end && v >= 0)
			now = (time_t)v;
	}
	struct tm tm;
	gmtime_r(&now, &tm);
	char buf[32];
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	s->created = xstrdup(buf);
}

static void sbom_release(struct sbom *s)
{
	for (size_t i = 0; i < s->n_pkgs; i++) {
		struct sbom_pkg *p = &s->pkgs[i];
		free(p->name);
		free(p->version);
		free(p->arch);
		free(p->purl);
		free(p->license);
		free(p->license_text);
		free(p->state);
		free(p->files);
	}
	free(s->pkgs);
	for (size_t i = 0; i < s->n_files; i++)
		free(s->files[i].path);
	free(s->files);
	free(s->image_name);
	free(s->image_tag);
	free(s->image_id);
	free(s->manifest_digest);
	free(s->image_purl);
	free(s->created);
	free(s->uuid);
}

int sbom_write(const struct sbom_input *in, enum sbom_format fmt, const char *file, struct sbom_stats *stats,
	       struct pare_error *err)
{
	struct sbom_stats st = { 0 };
	struct sbom s = { .tool_version = in->tool_version };
	struct ctx c = { .in = in, .s = &s, .paths = STRVEC_INIT };
	int ret = -1;
	if (content_root_open(in->rootfs_dir, &c.cr, err) < 0)
		goto out;
	read_os_release(&c);
	image_fields(&c);
	add_os_packages(&c);
	if (add_language(&c, err) < 0 || build_files(&c, &st, err) < 0)
		goto out;
	json_t *doc = fmt == SBOM_SPDX_JSON ? sbom_spdx_json(&s) : sbom_cyclonedx_json(&s);
	ret = json_write_atomic(file, doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER, err);
	json_decref(doc);
	if (ret == 0 && stats)
		*stats = st;
out:
	if (ret < 0)
		pare_error_prefix(err, "--sbom");
	sbom_release(&s);
	strvec_release(&c.paths);
	free(c.distro_id);
	free(c.distro_version);
	if (c.cr)
		content_root_free(c.cr);
	return ret;
}
