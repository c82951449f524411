/* pare xray flags: what the usual image-size and image-safety advice warns about.
 * Path rules are data (one row per flag); the few that need more than paths are functions below. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image/xray.h"
#include "lib/strvec.h"
#include "lib/xalloc.h"

/* Patterns are fnmatch(3) globs over the normalised absolute path, without FNM_PATHNAME:
 * '*' also matches '/', so the glob for /usr/lib/gcc plus a star is the whole tree below it.
 * A flag is raised when a marker exists (any non-directory; symlinks count: /usr/bin/gcc -> gcc-12),
 * or, for rules without markers, when the footprint holds content (bytes > 0).
 * The bytes reported are the footprint's regular files, hardlinks counted once. */
struct path_rule {
	const char *id;
	enum xray_flag_kind kind;
	const char *title;
	const char *const *markers;
	const char *const *footprint;
	const char *const *exclude; /* paths never in the footprint nor markers */
};

#define P(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Most rows have no exclude list: left out, NULL. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct path_rule rules[] = {
	/* Package-manager and language caches: never needed at run time. */
	{ "apt-lists", XRAY_CACHE, "apt package lists (/var/lib/apt/lists)", NULL, P("/var/lib/apt/lists/*") },
	{ "apt-archives", XRAY_CACHE, "downloaded .deb files (/var/cache/apt/archives)", NULL,
	  P("/var/cache/apt/archives/*.deb", "/var/cache/apt/archives/partial/*") },
	{ "apt-cache", XRAY_CACHE, "apt binary caches (/var/cache/apt/*.bin)", NULL, P("/var/cache/apt/*.bin") },
	{ "apk-cache", XRAY_CACHE, "apk cache (/var/cache/apk)", NULL, P("/var/cache/apk/*", "/etc/apk/cache/*") },
	{ "yum-cache", XRAY_CACHE, "yum cache (/var/cache/yum)", NULL, P("/var/cache/yum/*") },
	{ "dnf-cache", XRAY_CACHE, "dnf cache (/var/cache/dnf, /var/cache/libdnf5)", NULL,
	  P("/var/cache/dnf/*", "/var/cache/libdnf5/*") },
	{ "zypper-cache", XRAY_CACHE, "zypper cache (/var/cache/zypp)", NULL, P("/var/cache/zypp/*") },
	{ "pip-cache", XRAY_CACHE, "pip cache (~/.cache/pip)", NULL, P("*/.cache/pip/*") },
	{ "npm-cache", XRAY_CACHE, "npm cache (~/.npm)", NULL, P("*/.npm/*") },
	{ "yarn-cache", XRAY_CACHE, "yarn cache (~/.cache/yarn)", NULL, P("*/.cache/yarn/*", "*/.yarn/cache/*") },
	{ "go-cache", XRAY_CACHE, "Go build and module caches (~/.cache/go-build, $GOPATH/pkg/mod)", NULL,
	  P("*/.cache/go-build/*", "*/go/pkg/mod/*") },
	{ "cargo-cache", XRAY_CACHE, "cargo registry and git caches (~/.cargo/registry)", NULL,
	  P("*/.cargo/registry/*", "*/.cargo/git/*", "/usr/local/cargo/registry/*", "/usr/local/cargo/git/*") },
	{ "maven-cache", XRAY_CACHE, "Maven repository (~/.m2/repository)", NULL, P("*/.m2/repository/*") },
	{ "gradle-cache", XRAY_CACHE, "Gradle caches (~/.gradle/caches)", NULL, P("*/.gradle/caches/*") },
	{ "composer-cache", XRAY_CACHE, "Composer cache", NULL, P("*/.composer/cache/*", "*/.cache/composer/*") },
	{ "gem-cache", XRAY_CACHE, "RubyGems package cache (*.gem)", NULL, P("*/cache/*.gem") },

	/* Compilers and build tools: needed to build, rarely to run. */
	{ "gcc", XRAY_BUILD_TOOL, "GCC compiler",
	  P("/usr/bin/gcc", "/usr/bin/gcc-[0-9]*", "/usr/bin/*-linux-gnu*-gcc", "/usr/bin/*-linux-gnu*-gcc-[0-9]*",
	    "/usr/local/bin/gcc*", "/usr/lib/gcc/*/cc1", "/usr/libexec/gcc/*/cc1", "/usr/lib/gcc/*/cc1plus",
	    "/usr/libexec/gcc/*/cc1plus"),
	  P("/usr/lib/gcc/*", "/usr/libexec/gcc/*", "/usr/bin/gcc*", "/usr/bin/g++*", "/usr/bin/cpp*", "/usr/bin/*-gcc*",
	    "/usr/bin/*-g++*", "/usr/bin/*-cpp*", "/usr/local/bin/gcc*", "/usr/local/bin/g++*", "/usr/lib/*/libasan*",
	    "/usr/lib/*/libtsan*", "/usr/lib/*/liblsan*", "/usr/lib/*/libubsan*", "/usr/lib/*/libisl*",
	    "/usr/lib/*/libmpc.*", "/usr/lib/*/libmpfr*") },
	{ "clang", XRAY_BUILD_TOOL, "Clang/LLVM compiler",
	  P("/usr/bin/clang", "/usr/bin/clang-[0-9]*", "/usr/lib/llvm-*/bin/clang", "/usr/local/bin/clang"),
	  P("/usr/bin/clang*", "/usr/lib/llvm-*/bin/clang*", "/usr/lib/llvm-*/lib/clang/*", "/usr/lib/llvm-*/lib/libclang*",
	    "/usr/lib/*/libclang*", "/usr/local/bin/clang*") },
	{ "binutils", XRAY_BUILD_TOOL, "assembler and linker (binutils)",
	  P("/usr/bin/ld", "/usr/bin/ld.bfd", "/usr/bin/ld.gold", "/usr/bin/as", "/usr/bin/*-linux-gnu*-ld",
	    "/usr/bin/*-linux-gnu*-as"),
	  P("/usr/bin/ld", "/usr/bin/ld.*", "/usr/bin/as", "/usr/bin/*-linux-gnu*-ld*", "/usr/bin/*-linux-gnu*-as",
	    "/usr/lib/*/libbfd*", "/usr/lib/*/libopcodes*", "/usr/lib/*/libctf*", "/usr/lib/*/libgprofng*") },
	{ "make", XRAY_BUILD_TOOL, "make", P("/usr/bin/make", "/usr/bin/gmake", "/usr/local/bin/make"),
	  P("/usr/bin/make", "/usr/bin/gmake", "/usr/bin/make-*", "/usr/local/bin/make") },
	{ "cmake", XRAY_BUILD_TOOL, "CMake", P("/usr/bin/cmake", "/usr/local/bin/cmake"),
	  P("/usr/bin/cmake", "/usr/bin/ctest", "/usr/bin/cpack", "/usr/share/cmake*", "/usr/local/bin/cmake",
	    "/usr/local/share/cmake*") },
	{ "autotools", XRAY_BUILD_TOOL, "autoconf, automake, libtool",
	  P("/usr/bin/autoconf", "/usr/bin/automake", "/usr/bin/libtool", "/usr/bin/libtoolize"),
	  P("/usr/bin/autoconf", "/usr/bin/autoreconf", "/usr/bin/automake*", "/usr/bin/aclocal*", "/usr/bin/libtool*",
	    "/usr/share/autoconf/*", "/usr/share/automake-*", "/usr/share/aclocal*", "/usr/share/libtool/*") },
	{ "go", XRAY_BUILD_TOOL, "Go toolchain",
	  P("/usr/local/go/bin/go", "/usr/lib/go-*/bin/go", "/usr/lib/go/bin/go", "/usr/bin/go"),
	  P("/usr/local/go/*", "/usr/lib/go-*/*", "/usr/lib/go/*", "/usr/share/go-*/*", "/usr/share/go/*") },
	{ "rust", XRAY_BUILD_TOOL, "Rust toolchain (rustc, cargo)", P("*/bin/rustc", "*/bin/cargo"),
	  P("*/bin/rustc", "*/bin/cargo", "*/bin/rustdoc", "/usr/local/rustup/*", "*/.rustup/*", "/usr/lib/rustlib/*",
	    "/usr/lib/*/librustc_driver*", "/usr/lib/*/libLLVM*rust*") },
	{ "jdk", XRAY_BUILD_TOOL, "Java compiler (a JDK where a JRE would do)", P("*/bin/javac"),
	  P("*/bin/javac", "/usr/lib/jvm/*/jmods/*", "/opt/*/jmods/*", "/usr/lib/jvm/*/lib/ct.sym", "/usr/lib/jvm/*/lib/src.zip",
	    "/usr/lib/jvm/*/include/*") },
	{ "headers", XRAY_BUILD_TOOL, "C/C++ headers (/usr/include)", NULL, P("/usr/include/*", "/usr/local/include/*") },
	{ "static-libs", XRAY_BUILD_TOOL, "static libraries (*.a)", NULL,
	  P("/usr/lib/*.a", "/usr/local/lib/*.a", "/lib/*.a", "/usr/lib64/*.a", "/lib64/*.a") },
	{ "git", XRAY_BUILD_TOOL, "git", P("/usr/bin/git", "/usr/local/bin/git"),
	  P("/usr/bin/git", "/usr/bin/git-*", "/usr/lib/git-core/*", "/usr/libexec/git-core/*", "/usr/share/git-core/*",
	    "/usr/local/bin/git", "/usr/local/libexec/git-core/*") },
	{ "debuggers", XRAY_BUILD_TOOL, "debuggers and tracers (gdb, strace, ltrace, valgrind)",
	  P("/usr/bin/gdb", "/usr/bin/strace", "/usr/bin/ltrace", "/usr/bin/valgrind"),
	  P("/usr/bin/gdb*", "/usr/bin/strace", "/usr/bin/ltrace", "/usr/bin/valgrind*", "/usr/libexec/valgrind/*",
	    "/usr/lib/*/valgrind/*", "/usr/share/gdb/*") },

	/* Content that is rarely read at run time. */
	{ "docs", XRAY_BLOAT, "documentation (/usr/share/doc, info)", NULL,
	  P("/usr/share/doc/*", "/usr/local/share/doc/*", "/usr/share/info/*", "/usr/share/gtk-doc/*") },
	{ "man-pages", XRAY_BLOAT, "man pages (/usr/share/man)", NULL, P("/usr/share/man/*", "/usr/local/share/man/*") },
	{ "locales", XRAY_BLOAT, "message translations and locale sources", NULL,
	  P("/usr/share/locale/*/LC_MESSAGES/*", "/usr/local/share/locale/*/LC_MESSAGES/*", "/usr/share/i18n/*") },
	{ "debug-symbols", XRAY_BLOAT, "debug symbols (/usr/lib/debug)", NULL, P("/usr/lib/debug/*") },
	/* What a .dockerignore keeps out of COPY . . (the system's own, under /usr, came from packages). */
	{ "pycache", XRAY_BLOAT, "Python bytecode caches (__pycache__, *.pyc) outside /usr", NULL,
	  P("*/__pycache__/*", "*.pyc"), P("/usr/*") },
	{ "node-dev-deps", XRAY_BLOAT, "Node development packages in node_modules (typescript, eslint, jest, ...)", NULL,
	  P("*/node_modules/typescript/*", "*/node_modules/eslint/*", "*/node_modules/eslint-*", "*/node_modules/@types/*",
	    "*/node_modules/@typescript-eslint/*", "*/node_modules/jest/*", "*/node_modules/@jest/*", "*/node_modules/mocha/*",
	    "*/node_modules/webpack/*", "*/node_modules/webpack-cli/*", "*/node_modules/prettier/*", "*/node_modules/nodemon/*",
	    "*/node_modules/ts-node/*", "*/node_modules/@babel/core/*", "*/node_modules/vite/*", "*/node_modules/rollup/*",
	    "*/node_modules/esbuild/*", "*/node_modules/@esbuild/*"),
	  P("/usr/*") },
	{ "tmp-files", XRAY_BLOAT, "files left in /tmp and /var/tmp", NULL, P("/tmp/*", "/var/tmp/*") },
	{ "logs", XRAY_BLOAT, "log files (/var/log)", NULL, P("/var/log/*") },

	/* Names that usually hold secrets or leak sources. Names only: contents are not read. */
	{ "secret-files", XRAY_SECURITY, "files whose names suggest secrets (keys, credentials)",
	  P("*/id_rsa", "*/id_dsa", "*/id_ecdsa", "*/id_ed25519", "*.key", "*/.aws/credentials", "*/.docker/config.json",
	    "*/.npmrc", "*/.pypirc", "*/.netrc", "*/.git-credentials", "*/.pgpass", "*/.ssh/authorized_keys"),
	  P("*/id_rsa", "*/id_dsa", "*/id_ecdsa", "*/id_ed25519", "*.key", "*/.aws/credentials", "*/.docker/config.json",
	    "*/.npmrc", "*/.pypirc", "*/.netrc", "*/.git-credentials", "*/.pgpass", "*/.ssh/authorized_keys") },
	{ "dotenv", XRAY_SECURITY, "environment files (.env, .env.*)", P("*/.env", "*/.env.*"), P("*/.env", "*/.env.*") },
	{ "vcs-metadata", XRAY_SECURITY, "version-control metadata (.git, .svn, .hg)", P("*/.git/HEAD", "*/.svn/*", "*/.hg/*"),
	  P("*/.git/*", "*/.svn/*", "*/.hg/*") },
};
#pragma GCC diagnostic pop
#define N_RULES (sizeof(rules) / sizeof(rules[0]))

/* A glob with a cheap pre-test: its literal prefix, or for "*..." globs its longest literal run. */
struct glob {
	const char *pat;
	size_t prefix;
	char needle[64];
};

static void glob_init(struct glob *g, const char *pat)
{
	size_t best = 0, bestlen = 0;
	g->pat = pat;
	g->prefix = strcspn(pat, "*?[");
	for (size_t i = 0; pat[i];) {
		size_t n = strcspn(pat + i, "*?[");
		if (n > bestlen) {
			best = i;
			bestlen = n;
		}
		i += n;
		if (pat[i])
			i++;
	}
	if (pat[best + bestlen] == '[' && bestlen > 0)
		bestlen--; /* a bracket may start inside what looked literal: keep it conservative */
	if (bestlen >= sizeof(g->needle))
		bestlen = sizeof(g->needle) - 1;
	memcpy(g->needle, pat + best, bestlen);
	g->needle[bestlen] = '\0';
}

static bool glob_match(const struct glob *g, const char *path)
{
	if (g->prefix && strncmp(path, g->pat, g->prefix) != 0)
		return false;
	if (!g->prefix && g->needle[0] && !strstr(path, g->needle))
		return false;
	return fnmatch(g->pat, path, 0) == 0;
}

/* A set of content locations (layer, ordinal), to count hardlinked content once per flag. */
struct keyset {
	uint64_t *v;
	size_t cap, n;
};

static bool keyset_add(struct keyset *s, uint64_t key)
{
	key++; /* 0 marks an empty slot */
	if ((s->n + 1) * 2 > s->cap) {
		struct keyset bigger = { xcalloc(s->cap ? s->cap * 2 : 64, sizeof(uint64_t)), s->cap ? s->cap * 2 : 64, 0 };
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				keyset_add(&bigger, s->v[i] - 1);
		free(s->v);
		*s = bigger;
	}
	size_t i = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 7) & (s->cap - 1);
	while (s->v[i]) {
		if (s->v[i] == key)
			return false;
		i = (i + 1) & (s->cap - 1);
	}
	s->v[i] = key;
	s->n++;
	return true;
}

/* Accumulates one flag: totals, marker paths, and the biggest footprint files as examples. */
struct acc {
	uint64_t bytes, files;
	uint64_t slim_bytes; /* of bytes, what pare build removes (entries marked keep false) */
	bool slim;
	struct keyset links;
	struct strvec markers;
	const struct fs_entry *top[XRAY_FLAG_PATHS];
	size_t n_top;
};

static void acc_add(struct acc *a, const struct fs_entry *e)
{
	if (e->nlink > 1 && !keyset_add(&a->links, ((uint64_t)e->layer << 32) | e->ordinal))
		return;
	a->files++;
	a->bytes += e->size > 0 ? (uint64_t)e->size : 0;
	if (a->slim && !e->keep)
		a->slim_bytes += e->size > 0 ? (uint64_t)e->size : 0;
	size_t i = a->n_top < XRAY_FLAG_PATHS ? a->n_top++ : XRAY_FLAG_PATHS;
	if (i == XRAY_FLAG_PATHS) {
		if (a->top[XRAY_FLAG_PATHS - 1]->size >= e->size)
			return;
		i = XRAY_FLAG_PATHS - 1;
	}
	while (i > 0 && a->top[i - 1]->size < e->size) {
		a->top[i] = a->top[i - 1];
		i--;
	}
	a->top[i] = e;
}

static void acc_release(struct acc *a)
{
	free(a->links.v);
	strvec_release(&a->markers);
}

static struct xray_flag *flag_new(struct xray_report *r, const char *id, enum xray_flag_kind kind, const char *title)
{
	r->flags = xrealloc(r->flags, (r->n_flags + 1) * sizeof(*r->flags));
	struct xray_flag *f = &r->flags[r->n_flags++];
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->kind = kind;
	f->title = title;
	return f;
}

/* Marker paths first (what was found), then the biggest files of the footprint. */
static char **acc_paths(struct acc *a)
{
	struct strvec sv = STRVEC_INIT;
	for (size_t i = 0; i < a->markers.n && sv.n < XRAY_FLAG_PATHS; i++)
		strvec_push(&sv, a->markers.v[i]);
	for (size_t i = 0; i < a->n_top && sv.n < XRAY_FLAG_PATHS; i++) {
		bool dup = false;
		for (size_t j = 0; j < sv.n && !dup; j++)
			dup = !strcmp(sv.v[j], a->top[i]->path);
		if (!dup)
			strvec_push(&sv, a->top[i]->path);
	}
	return strvec_detach(&sv);
}

static bool glob_any(const struct glob *g, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (glob_match(&g[i], path))
			return true;
	return false;
}

/* The score's and the slim report's totals: content counted once however many rules match it. */
struct totals {
	struct acc saved, removed;
};

static void collect_path_rules(const struct layer_index *idx, struct xray_report *r, struct totals *t)
{
	struct acc acc[N_RULES];
	struct glob *globs[N_RULES][3];
	size_t nglob[N_RULES][3];
	bool saves[N_RULES];

	memset(acc, 0, sizeof(acc));
	for (size_t k = 0; k < N_RULES; k++) {
		const char *const *lists[3] = { rules[k].markers, rules[k].footprint, rules[k].exclude };
		acc[k].slim = r->slim;
		saves[k] = xray_flag_saves(rules[k].id, rules[k].kind);
		for (int w = 0; w < 3; w++) {
			nglob[k][w] = lists[w] ? strv_len((char *const *)lists[w]) : 0;
			globs[k][w] = xcalloc(nglob[k][w] + 1, sizeof(struct glob));
			for (size_t g = 0; g < nglob[k][w]; g++)
				glob_init(&globs[k][w][g], lists[w][g]);
		}
	}
	size_t n = layer_index_count(idx);
	for (size_t i = 0; i < n; i++) {
		const struct fs_entry *e = layer_index_at(idx, i);
		if (S_ISDIR(e->mode))
			continue;
		if (S_ISREG(e->mode) && r->slim && !e->keep)
			acc_add(&t->removed, e);
		bool saved = false;
		for (size_t k = 0; k < N_RULES; k++) {
			if (nglob[k][2] && glob_any(globs[k][2], nglob[k][2], e->path))
				continue;
			if (glob_any(globs[k][0], nglob[k][0], e->path))
				strvec_push(&acc[k].markers, e->path);
			if (!S_ISREG(e->mode) || !glob_any(globs[k][1], nglob[k][1], e->path))
				continue;
			acc_add(&acc[k], e);
			saved = saved || saves[k];
		}
		if (saved)
			acc_add(&t->saved, e);
	}
	for (size_t k = 0; k < N_RULES; k++) {
		bool raised = rules[k].markers ? acc[k].markers.n > 0 : acc[k].bytes > 0;
		if (raised) {
			struct xray_flag *f = flag_new(r, rules[k].id, rules[k].kind, rules[k].title);
			f->bytes = acc[k].bytes;
			f->files = acc[k].files;
			f->paths = acc_paths(&acc[k]);
			f->slim_bytes = acc[k].slim_bytes;
		}
		acc_release(&acc[k]);
		for (int w = 0; w < 3; w++)
			free(globs[k][w]);
	}
}

bool xray_user_is_root(const char *user)
{
	if (!user || !*user)
		return true;
	size_t n = strcspn(user, ":");
	return (n == 1 && user[0] == '0') || (n == 4 && !strncmp(user, "root", 4));
}

/* Entries by mode or xattr: setuid/setgid programs, file capabilities, world-writable paths. */
static void collect_mode_flags(const struct layer_index *idx, struct xray_report *r)
{
	struct acc suid = { .slim = r->slim }, caps = { .slim = r->slim }, ww = { .slim = r->slim };
	size_t n = layer_index_count(idx);

	for (size_t i = 0; i < n; i++) {
		const struct fs_entry *e = layer_index_at(idx, i);
		if (S_ISLNK(e->mode))
			continue;
		if (!S_ISDIR(e->mode) && (e->mode & (S_ISUID | S_ISGID))) {
			strvec_push(&suid.markers, e->path);
			acc_add(&suid, e);
		}
		for (size_t x = 0; x < e->n_xattrs; x++)
			if (!strcmp(e->xattrs[x].name, "security.capability")) {
				strvec_push(&caps.markers, e->path);
				acc_add(&caps, e);
			}
		/* Device nodes such as /dev/null are world-writable by design. */
		if ((e->mode & S_IWOTH) && !S_ISCHR(e->mode) && !S_ISBLK(e->mode) &&
		    !(S_ISDIR(e->mode) && (e->mode & S_ISVTX))) {
			strvec_push(&ww.markers, e->path);
			ww.files++;
		}
	}
	struct {
		struct acc *a;
		const char *id, *title;
	} out[] = {
		{ &suid, "setuid", "setuid/setgid programs" },
		{ &caps, "file-capabilities", "programs with file capabilities (security.capability)" },
		{ &ww, "world-writable", "world-writable files and directories without the sticky bit (device nodes aside)" },
	};
	for (size_t k = 0; k < sizeof(out) / sizeof(out[0]); k++) {
		struct acc *a = out[k].a;
		if (a->markers.n) {
			struct xray_flag *f = flag_new(r, out[k].id, XRAY_SECURITY, out[k].title);
			f->bytes = a->bytes;
			f->files = a->markers.n;
			f->paths = acc_paths(a);
			f->slim_bytes = a->slim_bytes;
		}
		acc_release(a);
	}
}

/* A variable or build-argument name that usually carries a secret. */
static bool name_looks_secret(const char *name, size_t n)
{
	static const char *const words[] = { "PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY",
					     "PRIVATE_KEY", "ACCESS_KEY", "CREDENTIAL", "AUTH" };
	char up[128];
	if (n == 0 || n >= sizeof(up))
		return false;
	for (size_t i = 0; i < n; i++)
		up[i] = (char)toupper((unsigned char)name[i]);
	up[n] = '\0';
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(up, words[i]))
			return true;
	return false;
}

/* Env entries "NAME=value" with a secret-looking name and a value; and build arguments recorded in
 * the history ("RUN |2 TOKEN=x B=y /bin/sh -c ..." as BuildKit writes them). Names only, never values. */
static void collect_secret_flags(const struct image *img, struct xray_report *r)
{
	cleanup_strv char **env = image_config_strv(img, "Env");
	struct strvec names = STRVEC_INIT, args = STRVEC_INIT;

	for (size_t i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		if (eq && eq[1] && name_looks_secret(env[i], (size_t)(eq - env[i])))
			strvec_push_nodup(&names, xstrndup(env[i], (size_t)(eq - env[i])));
	}
	for (size_t s = 0; s < r->n_steps; s++) {
		const char *c = r->steps[s].created_by;
		const char *bar = c ? strstr(c, "|") : NULL;
		if (!bar || !isdigit((unsigned char)bar[1]))
			continue;
		/* "|N A=1 B=2 cmd": N words of NAME=value follow the count. */
		char *end;
		long count = strtol(bar + 1, &end, 10);
		const char *p = end;
		for (long w = 0; w < count && *p; w++) {
			while (*p == ' ')
				p++;
			size_t wl = strcspn(p, " "), nl = strcspn(p, "= ");
			if (nl < wl && p[nl] == '=' && name_looks_secret(p, nl) && args.n < XRAY_FLAG_PATHS)
				strvec_push_nodup(&args, xasprintf("step %zu: %.*s", s, (int)nl, p));
			p += wl;
		}
	}
	if (names.n) {
		struct xray_flag *f = flag_new(r, "secret-env", XRAY_SECURITY, "environment variables named like secrets");
		f->paths = strvec_detach(&names); /* names, not files: files and bytes stay 0 */
	}
	if (args.n) {
		struct xray_flag *f =
			flag_new(r, "secret-build-args", XRAY_SECURITY, "build arguments named like secrets, kept in the history");
		f->paths = strvec_detach(&args);
	}
	strvec_release(&names);
	strvec_release(&args);
}

static const char *json_label(const struct image *img, const char *key)
{
	json_t *cfg = json_object_get(img->config, "config");
	json_t *labels = json_is_object(cfg) ? json_object_get(cfg, "Labels") : NULL;
	json_t *v = json_is_object(labels) ? json_object_get(labels, key) : NULL;
	return json_is_string(v) && json_string_length(v) ? json_string_value(v) : NULL;
}

/* "FROM name" as recorded in a history step (buildah writes it in the comment). New string or NULL. */
static char *history_from(const struct xray_report *r)
{
	for (size_t s = 0; s < r->n_steps; s++) {
		const char *texts[2] = { r->steps[s].comment, r->steps[s].created_by };
		for (int t = 0; t < 2; t++) {
			const char *p = texts[t];
			if (!p)
				continue;
			p += strspn(p, " \t");
			if (strncasecmp(p, "FROM ", 5))
				continue;
			p += 5 + strspn(p + 5, " \t");
			return xstrndup(p, strcspn(p, " \t\n"));
		}
	}
	return NULL;
}

/* The base is pinned when a digest names it: the org.opencontainers.image.base.digest label, or a
 * base name ("...base.name" label or a FROM in the history) carrying "@sha256:". Without either,
 * the build can silently pick up a different base next time: flagged, with what was found. */
static void collect_base_flag(const struct image *img, struct xray_report *r)
{
	if (json_label(img, "org.opencontainers.image.base.digest"))
		return;
	const char *label = json_label(img, "org.opencontainers.image.base.name");
	cleanup_free char *from = label ? NULL : history_from(r);
	const char *name = label ? label : from;
	char *detail;

	if (name && strstr(name, "@sha256:"))
		return;
	if (name) {
		const char *slash = strrchr(name, '/');
		const char *colon = strrchr(slash ? slash : name, ':');
		const char *where = label ? "label org.opencontainers.image.base.name" : "history";
		if (!colon || !strcmp(colon, ":latest"))
			detail = xasprintf("base '%s' (from the %s) is :latest, not a digest", name, where);
		else
			detail = xasprintf("base '%s' (from the %s) is a tag, not a digest", name, where);
	} else {
		detail = xstrdup("no base digest recorded: no org.opencontainers.image.base.digest or base.name label, "
				 "no FROM in the history");
	}
	struct xray_flag *f = flag_new(r, "unpinned-base", XRAY_PROVENANCE, "base image not pinned by digest");
	f->detail = detail;
	f->paths = xcalloc(1, sizeof(char *));
}

/* Group the flags by kind, keeping the order within a kind (a stable insertion sort: few flags). */
static void sort_flags_by_kind(struct xray_report *r)
{
	for (size_t i = 1; i < r->n_flags; i++) {
		struct xray_flag f = r->flags[i];
		size_t j = i;
		for (; j > 0 && r->flags[j - 1].kind > f.kind; j--)
			r->flags[j] = r->flags[j - 1];
		r->flags[j] = f;
	}
}

/* The first layer is the base as far as the layers tell (builders record no boundary); with one
 * layer only there is no telling base from application. */
static void collect_base_size(const struct layer_index *idx, struct xray_report *r)
{
	if (r->n_layers < 2 || r->layers[0].content_bytes < XRAY_BASE_BYTES)
		return;
	struct xray_flag *f = flag_new(r, "base-size", XRAY_BLOAT, "large base image (the first layer)");
	cleanup_free char *from = history_from(r);
	f->bytes = r->layers[0].content_bytes;
	f->files = r->layers[0].entries;
	f->detail = xasprintf("the first layer%s%s%s holds %.1f MiB; -slim, -alpine and distroless bases are 2-80 MB",
			      from ? " (FROM " : "", from ? from : "", from ? ")" : "", (double)f->bytes / (1024.0 * 1024.0));
	f->paths = xcalloc(1, sizeof(char *));
	if (r->slim) {
		struct acc a = { .slim = true }; /* hardlinked content once */
		size_t n = layer_index_count(idx);
		for (size_t i = 0; i < n; i++) {
			const struct fs_entry *e = layer_index_at(idx, i);
			if (S_ISREG(e->mode) && e->layer == 0)
				acc_add(&a, e);
		}
		f->slim_bytes = a.slim_bytes;
		acc_release(&a);
	}
}

void xray_flags_collect(const struct image *img, const struct layer_index *idx, struct xray_report *r)
{
	struct totals t;
	memset(&t, 0, sizeof(t));
	t.saved.slim = t.removed.slim = r->slim;
	collect_path_rules(idx, r, &t);
	collect_mode_flags(idx, r);
	collect_secret_flags(img, r);
	if (r->wasted_bytes > 0) {
		struct xray_flag *f = flag_new(r, "wasted", XRAY_BLOAT, "content overwritten or deleted by later layers");
		f->bytes = r->wasted_bytes;
		f->files = r->wasted_files;
		f->detail = xstrdup("still stored in the earlier layers: squashing or rebuilding drops it");
		f->paths = xcalloc(1, sizeof(char *));
		f->slim_bytes = r->slim ? r->wasted_bytes : 0; /* pare build writes one layer */
	}
	if (xray_user_is_root(r->user)) {
		struct xray_flag *f = flag_new(r, "root", XRAY_SECURITY, "runs as root");
		f->detail = r->user && *r->user ? xasprintf("User is '%s'", r->user)
						: xstrdup("no User set: the container runs as root");
		f->paths = xcalloc(1, sizeof(char *));
	}
	collect_base_flag(img, r);
	collect_base_size(idx, r);
	if (r->unmatched_steps || (r->layers_without_step && r->n_steps)) {
		struct xray_flag *f = flag_new(r, "history-mismatch", XRAY_PROVENANCE, "history does not match the layers");
		f->detail = xasprintf("%zu history steps without a layer, %zu layers without a history step",
				      r->unmatched_steps, r->layers_without_step);
		f->paths = xcalloc(1, sizeof(char *));
	}
	sort_flags_by_kind(r);
	for (size_t i = 0; i < r->n_flags; i++)
		xray_flag_advise(&r->flags[i]);
	r->saves_bytes = t.saved.bytes + r->wasted_bytes;
	uint64_t total = r->content_bytes > r->bytes + r->wasted_bytes ? r->content_bytes : r->bytes + r->wasted_bytes;
	uint64_t saved = r->saves_bytes < total ? r->saves_bytes : total;
	r->score_total = total;
	r->score = total ? (unsigned)((total - saved) * 100 / total) : 100;
	r->slim_removed_bytes = t.removed.bytes;
	r->slim_removed_files = t.removed.files;
	r->slim_in_findings = t.saved.slim_bytes;
	acc_release(&t.saved);
	acc_release(&t.removed);
}
