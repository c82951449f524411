/* Library resolution as the image's own dynamic linker would do it (glibc's elf/dl-load.c order, or
 * musl's), over the layer index: DT_RPATH of the object and its loaders (only without DT_RUNPATH),
 * LD_LIBRARY_PATH, DT_RUNPATH, /etc/ld.so.cache, default directories; $ORIGIN/$LIB/$PLATFORM; a
 * candidate of the wrong ELF class or machine is skipped as ld.so skips it. Every library found is
 * kept with its glibc-hwcaps (and legacy hwcap subdirectory) variants so the slim image also loads
 * on another CPU. Scripts get their #! interpreter (and env's target on the image's PATH). */
#include <elf.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/path.h"
#include "lib/xalloc.h"
#include "minifier/elf.h"
#include "minifier/keep_int.h"
#include "minifier/shebang.h"

#define RESOLVE_MAX_DEPTH 64

struct arch {
	int machine, elf_class;
	const char *triples[3];   /* multiarch directories, in glibc's search order */
	const char *libdirs[2];   /* lib64, lib32, libx32 */
	const char *platforms[4]; /* $PLATFORM values */
};

static const struct arch arches[] = {
	{ EM_X86_64, ELFCLASS64, { "x86_64-linux-gnu" }, { "lib64" }, { "x86_64", "haswell", "xeon_phi" } },
	{ EM_X86_64, ELFCLASS32, { "x86_64-linux-gnux32" }, { "libx32" }, { "x86_64" } },
	{ EM_386, ELFCLASS32, { "i386-linux-gnu" }, { "lib32" }, { "i686", "i586", "i486", "i386" } },
	{ EM_AARCH64, ELFCLASS64, { "aarch64-linux-gnu" }, { "lib64" }, { "aarch64" } },
	{ EM_ARM, ELFCLASS32, { "arm-linux-gnueabihf", "arm-linux-gnueabi" }, { NULL }, { "v7l", "v6l", "v5l" } },
	{ EM_PPC64, ELFCLASS64, { "powerpc64le-linux-gnu", "powerpc64-linux-gnu" }, { "lib64" }, { "ppc64le", "power9", "power8" } },
	{ EM_S390, ELFCLASS64, { "s390x-linux-gnu" }, { "lib64" }, { "s390x", "z13", "z14", "z15" } },
	{ EM_RISCV, ELFCLASS64, { "riscv64-linux-gnu" }, { "lib64/lp64d", "lib64" }, { "riscv64" } },
};

/* Legacy hwcap and platform subdirectories (glibc before 2.37). */
static const char *const legacy_subdirs[] = { "tls", "haswell", "xeon_phi", "x86_64", "avx512_1", "i686", "i586",
					      "sse2", "aarch64", "atomics", "v7l", "v6l", "vfp", "neon", "power8",
					      "power9", "z13", "z14", "z15", NULL };

static const struct arch *arch_for(int machine, int elf_class)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (arches[i].machine == machine && arches[i].elf_class == elf_class)
			return &arches[i];
	return NULL;
}

/* The RPATHs of the objects that loaded the one being resolved (glibc: l_loader chain). */
struct rchain {
	char **dirs;
	const struct rchain *up;
};

struct object {
	const char *path;   /* as loaded (for $ORIGIN) */
	const char *canon;  /* resolved in the index */
	struct elf_file ef;
	const struct arch *arch;
	bool musl;
};

/* ---- $ORIGIN, $LIB, $PLATFORM ---- */

static const char *dst_token(const char *p, const char *name, size_t *len)
{
	size_t n = strlen(name);
	if (p[0] != '$')
		return NULL;
	if (!strncmp(p + 1, name, n) && !(p[1 + n] == '_' || (p[1 + n] >= 'A' && p[1 + n] <= 'Z') ||
					  (p[1 + n] >= 'a' && p[1 + n] <= 'z') || (p[1 + n] >= '0' && p[1 + n] <= '9'))) {
		*len = 1 + n;
		return name;
	}
	if (p[1] == '{' && !strncmp(p + 2, name, n) && p[2 + n] == '}') {
		*len = 3 + n;
		return name;
	}
	return NULL;
}

static void expand_into(const char *s, const struct object *o, struct strvec *out, int depth)
{
	const char *d = strchr(s, '$');
	if (!d) {
		strvec_push(out, s);
		return;
	}
	if (depth > 8)
		return;
	size_t tl = 0;
	struct strvec vals = STRVEC_INIT;
	if (dst_token(d, "ORIGIN", &tl)) {
		strvec_push_nodup(&vals, path_dirname(o->path));
	} else if (dst_token(d, "LIB", &tl)) {
		for (size_t i = 0; o->arch && i < 3 && o->arch->triples[i]; i++)
			strvec_pushf(&vals, "lib/%s", o->arch->triples[i]);
		for (size_t i = 0; o->arch && i < 2 && o->arch->libdirs[i]; i++)
			strvec_push(&vals, o->arch->libdirs[i]);
		strvec_push(&vals, "lib");
	} else if (dst_token(d, "PLATFORM", &tl)) {
		for (size_t i = 0; o->arch && i < 4 && o->arch->platforms[i]; i++)
			strvec_push(&vals, o->arch->platforms[i]);
	} else {
		/* Not a token ld.so knows: glibc drops such a path element. */
		return;
	}
	for (size_t i = 0; i < vals.n; i++) {
		cleanup_free char *next = xasprintf("%.*s%s%s", (int)(d - s), s, vals.v[i], d + tl);
		expand_into(next, o, out, depth + 1);
	}
	strvec_release(&vals);
}

/* Split a colon list and expand tokens; only absolute results are searched. */
static char **expand_list(const char *list, const struct object *o)
{
	struct strvec out = STRVEC_INIT;
	if (!list)
		return strvec_detach(&out);
	const char *p = list;
	while (p) {
		const char *c = strchr(p, ':');
		cleanup_free char *item = xstrndup(p, c ? (size_t)(c - p) : strlen(p));
		struct strvec one = STRVEC_INIT;
		expand_into(item, o, &one, 0);
		for (size_t i = 0; i < one.n; i++)
			if (one.v[i][0] == '/')
				strvec_push(&out, one.v[i]);
		strvec_release(&one);
		p = c ? c + 1 : NULL;
	}
	return strvec_detach(&out);
}

/* ---- Candidates ---- */

/* Does the file at `path` exist as an ELF object of the same class and machine? */
static bool candidate_ok(struct keep_set *ks, const char *path, const struct object *o)
{
	/* The traced run's dynamic linker did not find it there: its search went on, so does ours. */
	if (ks->profile && profile_is_missing(ks->profile, path)) {
		cleanup_free char *n = path_normalize(path);
		if (layer_index_lookup(ks->idx, n))
			keep_warn(ks, "not using '%s' for '%s': the traced run looked it up and did not find it", n,
				  o->canon);
		return false;
	}
	cleanup_free char *res = NULL;
	if (layer_index_resolve(ks->idx, path, false, &res, NULL, NULL, NULL) != 1)
		return false;
	const struct fs_entry *e = layer_index_lookup(ks->idx, res);
	if (!e || !S_ISREG(e->mode))
		return false;
	if (!ks->content)
		return true;
	unsigned char h[64];
	ssize_t n = content_read_head(ks->content, res, h, sizeof(h), NULL);
	if (n < 20 || !elf_file_is_elf(h, (size_t)n))
		return false;
	uint16_t mach = h[EI_DATA] == ELFDATA2MSB ? (uint16_t)(h[18] << 8 | h[19]) : (uint16_t)(h[19] << 8 | h[18]);
	return h[EI_CLASS] == o->ef.elf_class && mach == o->ef.machine;
}

static char *search_dirs(struct keep_set *ks, char *const *dirs, const char *name, const struct object *o)
{
	for (; dirs && *dirs; dirs++) {
		cleanup_free char *cand = path_join(*dirs, name);
		if (candidate_ok(ks, cand, o))
			return steal_pointer(&cand);
	}
	return NULL;
}

static void load_cache(struct keep_set *ks)
{
	if (ks->cache_tried || !ks->content)
		return;
	ks->cache_tried = true;
	cleanup_free char *res = NULL;
	if (layer_index_resolve(ks->idx, "/etc/ld.so.cache", false, &res, NULL, NULL, NULL) != 1)
		return;
	struct content_map m;
	struct pare_error err = { 0 };
	if (content_map(ks->content, res, &m, &err) < 0) {
		keep_warn(ks, "/etc/ld.so.cache: %s", err.msg);
		return;
	}
	if (ldcache_parse(m.data, m.len, &ks->cache, &err) < 0)
		keep_warn(ks, "/etc/ld.so.cache: %s (library search goes on without it)", err.msg);
	else
		ks->cache_loaded = true;
	content_unmap(&m);
}

void resolve_release(struct keep_set *ks)
{
	if (ks->cache_loaded)
		ldcache_release(&ks->cache);
	ks->cache_loaded = false;
}

struct cache_find {
	struct keep_set *ks;
	const struct object *o;
	char *found;
};

static int cache_try(const struct ldcache_entry *e, void *data)
{
	struct cache_find *cf = data;
	if ((e->flags & LDCACHE_FLAG_TYPE_MASK) != LDCACHE_FLAG_ELF_LIBC6 && (e->flags & LDCACHE_FLAG_TYPE_MASK) != 1)
		return 0;
	if (e->hwcap != 0 || e->value[0] != '/')
		return 0; /* hwcaps variants are added with every library found */
	if (!candidate_ok(cf->ks, e->value, cf->o))
		return 0;
	cf->found = path_normalize(e->value);
	return 1;
}

static char **default_dirs(struct keep_set *ks, const struct object *o)
{
	struct strvec sv = STRVEC_INIT;
	if (o->musl) {
		/* musl: /etc/ld-musl-ARCH.path, else /lib:/usr/local/lib:/usr/lib. */
		const char *base = path_basename(o->ef.interp);
		size_t n = strlen(base);
		if (n > 12 && !strncmp(base, "ld-musl-", 8) && !strcmp(base + n - 5, ".so.1") && ks->content) {
			cleanup_free char *pf = xasprintf("/etc/%.*s.path", (int)(n - 5), base);
			cleanup_free char *res = NULL;
			struct content_map m;
			if (layer_index_resolve(ks->idx, pf, false, &res, NULL, NULL, NULL) == 1 &&
			    content_map(ks->content, res, &m, NULL) == 0) {
				cleanup_free char *text = xstrndup(m.data ? m.data : "", m.len);
				content_unmap(&m);
				for (char *p = text; *p; p++)
					if (*p == '\n')
						*p = ':';
				char **v = expand_list(text, o);
				for (char **d = v; *d; d++)
					strvec_push(&sv, *d);
				strv_free(v);
				return strvec_detach(&sv);
			}
		}
		strvec_push(&sv, "/lib");
		strvec_push(&sv, "/usr/local/lib");
		strvec_push(&sv, "/usr/lib");
		return strvec_detach(&sv);
	}
	for (size_t i = 0; o->arch && i < 3 && o->arch->triples[i]; i++) {
		strvec_pushf(&sv, "/lib/%s", o->arch->triples[i]);
		strvec_pushf(&sv, "/usr/lib/%s", o->arch->triples[i]);
	}
	for (size_t i = 0; o->arch && i < 2 && o->arch->libdirs[i]; i++) {
		strvec_pushf(&sv, "/%s", o->arch->libdirs[i]);
		strvec_pushf(&sv, "/usr/%s", o->arch->libdirs[i]);
	}
	strvec_push(&sv, "/lib");
	strvec_push(&sv, "/usr/lib");
	return strvec_detach(&sv);
}

static bool musl_reserved(const char *name)
{
	static const char *const reserved[] = { "c", "pthread", "rt", "m", "dl", "util", "xnet", NULL };
	const char *dot = strchr(name, '.');
	if (strncmp(name, "lib", 3) || !dot)
		return false;
	for (size_t i = 0; reserved[i]; i++)
		if ((size_t)(dot - name - 3) == strlen(reserved[i]) && !strncmp(name + 3, reserved[i], strlen(reserved[i])))
			return true;
	return false;
}

/* Find DT_NEEDED `name` of object o in the order its dynamic linker uses. */
static char *find_library(struct keep_set *ks, const char *name, const struct object *o, const struct rchain *chain)
{
	char *found = NULL;
	char **llp = NULL;
	if (ks->ld_library_path && ks->ld_library_path[0]) {
		struct strvec sv = STRVEC_INIT;
		for (char **d = ks->ld_library_path; *d; d++) {
			char **x = expand_list(*d, o);
			for (char **y = x; *y; y++)
				strvec_push(&sv, *y);
			strv_free(x);
		}
		llp = strvec_detach(&sv);
	}
	if (o->musl) {
		if ((found = search_dirs(ks, llp, name, o)))
			goto out;
		for (const struct rchain *c = chain; c; c = c->up)
			if ((found = search_dirs(ks, c->dirs, name, o)))
				goto out;
	} else {
		if (!o->ef.runpath) {
			for (const struct rchain *c = chain; c; c = c->up)
				if ((found = search_dirs(ks, c->dirs, name, o)))
					goto out;
		}
		if ((found = search_dirs(ks, llp, name, o)))
			goto out;
		if (o->ef.runpath) {
			char **rp = expand_list(o->ef.runpath, o);
			found = search_dirs(ks, rp, name, o);
			strv_free(rp);
			if (found)
				goto out;
		}
		if (!o->ef.nodeflib) {
			load_cache(ks);
			if (ks->cache_loaded) {
				struct cache_find cf = { ks, o, NULL };
				ldcache_lookup(&ks->cache, name, cache_try, &cf);
				if ((found = cf.found))
					goto out;
			}
		}
	}
	if (!o->ef.nodeflib || o->musl) {
		char **dd = default_dirs(ks, o);
		found = search_dirs(ks, dd, name, o);
		strv_free(dd);
	}
out:
	strv_free(llp);
	return found;
}

/* ---- hwcaps variants ---- */

static void keep_variant(struct keep_set *ks, const char *dir, const char *name, const char *of)
{
	cleanup_free char *cand = path_join(dir, name);
	cleanup_free char *res = NULL;
	if (layer_index_resolve(ks->idx, cand, false, &res, NULL, NULL, NULL) == 1)
		keep_path_ex(ks, cand, KEEP_F_AUTO, KEEP_HWCAPS, of, NULL, NULL);
}

static void legacy_variants(struct keep_set *ks, const char *dir, const char *name, const char *of, int depth)
{
	size_t first, n;
	if (depth > 3 || layer_index_children(ks->idx, dir, &first, &n) < 0)
		return;
	for (size_t i = first; i < first + n; i++) {
		const struct fs_entry *c = layer_index_at(ks->idx, i);
		if (!S_ISDIR(c->mode))
			continue;
		const char *base = path_basename(c->path);
		for (size_t k = 0; legacy_subdirs[k]; k++) {
			if (strcmp(base, legacy_subdirs[k]))
				continue;
			keep_variant(ks, c->path, name, of);
			legacy_variants(ks, c->path, name, of, depth + 1);
		}
	}
}

static void keep_hwcaps_variants(struct keep_set *ks, const char *found)
{
	cleanup_free char *dir = path_dirname(found);
	cleanup_free char *rdir = NULL;
	if (layer_index_resolve(ks->idx, dir, false, &rdir, NULL, NULL, NULL) != 1)
		return;
	const char *name = path_basename(found);
	cleanup_free char *hw = path_join(rdir, "glibc-hwcaps");
	size_t first, n;
	const struct fs_entry *h = layer_index_lookup(ks->idx, hw);
	if (h && S_ISDIR(h->mode) && layer_index_children(ks->idx, hw, &first, &n) == 0) {
		for (size_t i = first; i < first + n; i++) {
			const struct fs_entry *c = layer_index_at(ks->idx, i);
			if (S_ISDIR(c->mode))
				keep_variant(ks, c->path, name, found);
		}
	}
	legacy_variants(ks, rdir, name, found, 0);
}

/* ---- Objects ---- */

static char *chain_signature(const struct rchain *c)
{
	struct strvec sv = STRVEC_INIT;
	for (; c; c = c->up)
		for (char **d = c->dirs; d && *d; d++)
			strvec_push(&sv, *d);
	size_t len = 1;
	for (size_t i = 0; i < sv.n; i++)
		len += strlen(sv.v[i]) + 1;
	char *s = xmalloc(len), *p = s;
	for (size_t i = 0; i < sv.n; i++) {
		size_t l = strlen(sv.v[i]);
		memcpy(p, sv.v[i], l);
		p[l] = ':';
		p += l + 1;
	}
	*p = '\0';
	strvec_release(&sv);
	return s;
}

static int elf_object(struct keep_set *ks, const char *load_path, const struct rchain *chain, int depth);

static void object_deps(struct keep_set *ks, struct object *o, const struct rchain *chain, int depth)
{
	if (o->ef.interp) {
		o->musl = !strncmp(path_basename(o->ef.interp), "ld-musl-", 8);
		keep_path_ex(ks, o->ef.interp, KEEP_F_AUTO, KEEP_INTERP, o->canon, NULL, NULL);
	}
	/* What this object's dependencies inherit: its RPATH (ignored when it has a RUNPATH) for glibc,
	 * either one for musl. */
	struct rchain mine = { NULL, chain };
	const char *rp = o->musl ? (o->ef.runpath ? o->ef.runpath : o->ef.rpath) : (o->ef.runpath ? NULL : o->ef.rpath);
	if (rp)
		mine.dirs = expand_list(rp, o);
	const struct rchain *own = rp ? &mine : chain;
	for (char **n = o->ef.needed; n && *n; n++) {
		if (o->musl && musl_reserved(*n))
			continue; /* provided by the dynamic linker itself */
		cleanup_free char *found = NULL;
		if (strchr(*n, '/')) {
			struct strvec sv = STRVEC_INIT;
			expand_into(*n, o, &sv, 0);
			for (size_t i = 0; i < sv.n && !found; i++) {
				/* Relative to the process's cwd, unknown here: taken from the root. */
				cleanup_free char *p = path_normalize(sv.v[i]);
				if (candidate_ok(ks, p, o))
					found = steal_pointer(&p);
			}
			strvec_release(&sv);
		} else {
			found = find_library(ks, *n, o, own);
		}
		if (!found) {
			strvec_pushf(&ks->unresolved, "%s\n%s", *n, o->canon);
			continue;
		}
		if (keep_path_ex(ks, found, KEEP_F_AUTO, KEEP_ELF_DEP, o->canon, NULL, NULL) != 1)
			continue;
		keep_hwcaps_variants(ks, found);
		elf_object(ks, found, own, depth + 1);
	}
	strv_free(mine.dirs);
}

static int elf_object(struct keep_set *ks, const char *load_path, const struct rchain *chain, int depth)
{
	if (depth > RESOLVE_MAX_DEPTH)
		return 0;
	cleanup_free char *canon = NULL;
	if (layer_index_resolve(ks->idx, load_path, false, &canon, NULL, NULL, NULL) != 1)
		return 0;
	/* A kept library met again on its own (from the list of kept files) was already resolved in the
	 * context of the objects that load it (their RPATHs): without that context it could only miss. */
	if (depth == 0 && !chain && strset_has(&ks->analyzed_objects, canon))
		return 0;
	strset_add(&ks->analyzed_objects, canon);
	cleanup_free char *sig = chain_signature(chain);
	cleanup_free char *key = xasprintf("%s\n%s\n%s", canon, load_path, sig);
	if (!strset_add(&ks->analyzed, key))
		return 0;
	struct content_map m;
	struct pare_error err = { 0 };
	if (content_map(ks->content, canon, &m, &err) < 0) {
		keep_warn(ks, "%s", err.msg);
		return 0;
	}
	struct object o = { .path = load_path, .canon = canon };
	int r = elf_file_parse(m.data, m.len, &o.ef, &err);
	content_unmap(&m);
	if (r < 0) {
		keep_warn(ks, "'%s': %s", canon, err.msg);
		return 0;
	}
	o.arch = arch_for(o.ef.machine, o.ef.elf_class);
	if (o.ef.soname)
		strset_add(&ks->sonames, o.ef.soname);
	object_deps(ks, &o, chain, depth);
	elf_file_release(&o.ef);
	return 0;
}

static int script(struct keep_set *ks, struct fs_entry *e, const char *head, size_t n)
{
	struct shebang sb;
	if (shebang_parse(head, n, &sb) != 1)
		return 0;
	struct keep_mark *m = e->user;
	bool executed = (e->mode & 0111) || (m && m->why == KEEP_TRACED && m->detail && strstr(m->detail, "exec"));
	if (executed) {
		keep_path_ex(ks, sb.interp, KEEP_F_AUTO, KEEP_INTERP, e->path, NULL, NULL);
		cleanup_free char *cmd = shebang_env_command(&sb);
		cleanup_free char *found = NULL;
		if (cmd && keep_search_path(ks, cmd, &found) == 1)
			keep_path_ex(ks, found, KEEP_F_AUTO, KEEP_INTERP, e->path, NULL, NULL);
		else if (cmd)
			keep_warn(ks, "'%s' (env's command in the #! line of '%s') was not found on the image's PATH", cmd,
				  e->path);
	}
	shebang_release(&sb);
	return 0;
}

int resolve_analyze(struct keep_set *ks, struct fs_entry *e, struct pare_error *err)
{
	(void)err;
	if (!ks->content || !S_ISREG(e->mode) || e->size < 4)
		return 0;
	char head[SHEBANG_BUF_SIZE];
	struct pare_error rerr = { 0 };
	ssize_t n = content_read_head(ks->content, e->path, head, sizeof(head), &rerr);
	if (n < 0) {
		keep_warn(ks, "%s", rerr.msg);
		return 0;
	}
	if (elf_file_is_elf(head, (size_t)n))
		return elf_object(ks, e->path, NULL, 0);
	if (n >= 2 && head[0] == '#' && head[1] == '!')
		return script(ks, e, head, (size_t)n);
	return 0;
}

void resolve_warn_unresolved(struct keep_set *ks)
{
	for (size_t i = 0; i < ks->unresolved.n; i++) {
		cleanup_free char *name = xstrdup(ks->unresolved.v[i]);
		char *needer = strchr(name, '\n');
		*needer++ = '\0';
		if (!strset_has(&ks->sonames, name))
			keep_warn(ks, "library '%s' needed by '%s' was not found in the image", name, needer);
	}
	strvec_release(&ks->unresolved);
}
