/* Language package metadata kept with the package: a scanner (Trivy, Syft) finds a Python
 * distribution by its dist-info/egg-info and a Node package by its package.json, so a slim image
 * that keeps a package's code without them hides its version. */
#include <stdlib.h>
#include <sys/stat.h>

#include "minifier/keep_int.h"
#include "minifier/langpkg.h"

static const struct fs_entry *first_kept(const struct langpkg *p)
{
	for (size_t i = 0; i < p->n_files; i++)
		if (p->files[i]->keep)
			return p->files[i];
	return NULL;
}

int keep_language_metadata(struct keep_set *ks, struct pare_error *err)
{
	if (!ks->content)
		return 0;
	struct langpkg *pkgs = NULL;
	size_t n = 0;
	if (langpkg_scan(ks->idx, ks->content, &pkgs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct fs_entry *used = first_kept(&pkgs[i]);
		if (!used)
			continue;
		struct fs_entry *meta = layer_index_lookup(ks->idx, pkgs[i].meta);
		if (meta && S_ISDIR(meta->mode))
			keep_mark_entry(ks, meta, KEEP_PKGMETA, used->path);
		for (size_t k = 0; k < pkgs[i].n_meta; k++)
			if (keep_path_ex(ks, pkgs[i].meta_files[k]->path, KEEP_F_NOFOLLOW, KEEP_PKGMETA, used->path, NULL,
					 err) < 0) {
				langpkg_free(pkgs, n);
				return -1;
			}
	}
	langpkg_free(pkgs, n);
	return 0;
}
