/* Node: the packages that a used package, or the application's own package.json, declares it needs at
 * run time (doc/MINIFIER.md, "Siblings"). A package requires its dependencies where it needs them,
 * often inside a function (a view engine on the first render, a driver on the first query), so a
 * probe run can leave one unloaded; the slim image then fails with "Cannot find module". Each
 * dependency is found as require() finds it and kept like a used package, transitively. */
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/path.h"
#include "lib/xalloc.h"
#include "minifier/keep_int.h"

static const char *const dependency_fields[] = { "dependencies", "optionalDependencies", "peerDependencies",
						 NULL };

/* npm's names: "x" or "@scope/x", no path tricks. */
static bool package_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 214 || name[0] == '.' || strstr(name, "..") || strchr(name, '\\'))
		return false;
	const char *slash = strchr(name, '/');
	if (!slash)
		return true;
	return name[0] == '@' && slash > name + 1 && slash[1] && slash[1] != '.' && !strchr(slash + 1, '/');
}

/* Where require(name) from a file in dir finds the package: dir/node_modules/name, then the same in
 * every directory above (skipping node_modules directories themselves), then the image's NODE_PATH. */
static char *find_package(struct keep_set *ks, const char *from, const char *name)
{
	cleanup_free char *dir = xstrdup(from);
	for (;;) {
		if (strcmp(path_basename(dir), "node_modules")) {
			cleanup_free char *rel = xasprintf("node_modules/%s", name);
			char *cand = path_join(dir, rel);
			cleanup_free char *manifest = path_join(cand, "package.json");
			if (keep_index_is(ks, cand, S_IFDIR) && keep_index_is(ks, manifest, S_IFREG))
				return cand;
			free(cand);
		}
		if (!strcmp(dir, "/"))
			break;
		char *up = path_dirname(dir);
		free(dir);
		dir = up;
	}
	const char *node_path = keep_env(ks, "NODE_PATH");
	cleanup_free char *copy = node_path ? xstrdup(node_path) : NULL;
	for (char *p = copy, *next; p && *p; p = next) {
		next = strchr(p, ':');
		if (next)
			*next++ = '\0';
		if (p[0] != '/')
			continue;
		char *cand = path_join(p, name);
		cleanup_free char *manifest = path_join(cand, "package.json");
		if (keep_index_is(ks, cand, S_IFDIR) && keep_index_is(ks, manifest, S_IFREG))
			return cand;
		free(cand);
	}
	return NULL;
}

/* Adds the dependencies of the package in dir to pkgs (those not yet in done), keeping their files. */
static void add_dependencies(struct keep_set *ks, const char *dir, struct strvec *pkgs, struct strset *done)
{
	cleanup_free char *manifest = path_join(dir, "package.json");
	struct content_map m = { 0 };
	struct pare_error err = { 0 };
	if (content_map(ks->content, manifest, &m, &err) < 0)
		return;
	json_error_t jerr;
	json_t *root = m.len ? json_loadb(m.data, m.len, 0, &jerr) : NULL;
	content_unmap(&m);
	if (!json_is_object(root)) {
		json_decref(root);
		return;
	}
	for (size_t f = 0; dependency_fields[f]; f++) {
		json_t *deps = json_object_get(root, dependency_fields[f]);
		const char *name;
		json_t *version;
		json_object_foreach(deps, name, version)
		{
			if (!package_name_ok(name))
				continue;
			cleanup_free char *found = find_package(ks, dir, name);
			if (!found || !strset_add(done, found))
				continue;
			keep_node_package(ks, found, KEEP_PKGDEP, manifest);
			strvec_push(pkgs, found);
		}
	}
	json_decref(root);
}

void keep_node_dependencies(struct keep_set *ks, struct strvec *pkgs, struct strset *done)
{
	if (!ks->content)
		return;
	for (size_t i = 0; i < pkgs->n; i++) {
		cleanup_free char *dir = xstrdup(pkgs->v[i]); /* pkgs grows meanwhile */
		add_dependencies(ks, dir, pkgs, done);
	}
}
