/* Image references for RepoTags and the OCI index: parsing "name[:tag]" the way docker does
 * (distribution/reference grammar), and deriving a default name for a derived image. */
#include <ctype.h>
#include <regex.h>
#include <string.h>

#include "image/writer.h"
#include "lib/path.h"
#include "lib/xalloc.h"

#define NAME_MAX_LEN 255

/* Path components are lowercase alphanumerics joined by one ".", one or two "_", or dashes. */
static const char path_re[] = "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$";
static const char domain_re[] = "^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
				"(\\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(:[0-9]+)?$";
static const char tag_re[] = "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$";

static bool matches(const char *re, const char *s)
{
	regex_t r;
	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	bool ok = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return ok;
}

/* Does the first component of a multi-component name denote a registry? (docker's rule) */
static bool is_domain(const char *comp)
{
	if (!strcmp(comp, "localhost"))
		return true;
	for (const char *p = comp; *p; p++)
		if (*p == '.' || *p == ':' || isupper((unsigned char)*p))
			return true;
	return false;
}

void image_tag_release(struct image_tag *t)
{
	free(t->name);
	free(t->tag);
	free(t->familiar);
	free(t->full);
	memset(t, 0, sizeof(*t));
}

int image_tag_parse(const char *ref, struct image_tag *out, struct pare_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!ref || !*ref)
		return pare_error_set(err, 0, "empty image name");
	if (strchr(ref, '@'))
		return pare_error_set(err, 0, "image name '%s': a digest cannot be used as a tag", ref);
	cleanup_free char *name = xstrdup(ref);
	const char *tag = "latest";
	char *slash = strrchr(name, '/');
	char *colon = strrchr(name, ':');
	if (colon && (!slash || colon > slash)) {
		*colon = '\0';
		tag = colon + 1;
		if (!matches(tag_re, tag))
			return pare_error_set(err, 0, "image name '%s': invalid tag '%s'", ref, tag);
	}
	if (!*name || strlen(name) > NAME_MAX_LEN)
		return pare_error_set(err, 0, "image name '%s': invalid name", ref);

	const char *domain = NULL;
	cleanup_free char *first = NULL;
	const char *rest = name;
	char *sep = strchr(name, '/');
	if (sep) {
		first = xstrndup(name, (size_t)(sep - name));
		if (is_domain(first)) {
			if (!matches(domain_re, first))
				return pare_error_set(err, 0, "image name '%s': invalid registry '%s'", ref, first);
			domain = first;
			rest = sep + 1;
		}
	}
	cleanup_free char *path = xstrdup(rest);
	size_t n_comps = 0;
	for (char *c = path, *next; c; c = next) {
		next = strchr(c, '/');
		if (next)
			*next++ = '\0';
		if (!matches(path_re, c))
			return pare_error_set(err, 0,
					      "image name '%s': invalid component '%s' (lowercase letters, digits, "
					      "'.', '_', '-')", ref, c);
		n_comps++;
	}

	const char *registry = domain ? domain : "docker.io";
	if (!strcmp(registry, "index.docker.io"))
		registry = "docker.io";
	bool hub = !strcmp(registry, "docker.io");
	out->full = xasprintf("%s/%s%s:%s", registry, hub && n_comps == 1 ? "library/" : "", rest, tag);
	if (hub) /* docker shows hub images without "docker.io/" and "library/" */
		out->familiar = xasprintf("%s:%s", n_comps == 2 && !strncmp(rest, "library/", 8) ? rest + 8 : rest, tag);
	else
		out->familiar = xasprintf("%s:%s", name, tag);
	out->name = steal_pointer(&name);
	out->tag = xstrdup(tag);
	return 0;
}

/* The input's file name as an image name: lowercase, invalid characters turned into '-',
 * archive extensions dropped. */
static char *name_from_input(const char *input)
{
	if (!input || !strcmp(input, "-"))
		return xstrdup("image");
	cleanup_free char *norm = path_normalize(input);
	cleanup_free char *base = xstrdup(path_basename(norm));
	static const char *const exts[] = { ".tar.gz", ".tar.zst", ".tar.zstd", ".tgz", ".tar", NULL };
	for (const char *const *e = exts; *e; e++) {
		size_t bl = strlen(base), el = strlen(*e);
		if (bl > el && !strcasecmp(base + bl - el, *e)) {
			base[bl - el] = '\0';
			break;
		}
	}
	char *out = xmalloc(strlen(base) + 1);
	size_t n = 0;
	for (const char *p = base; *p; p++) {
		char c = (char)tolower((unsigned char)*p);
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (alnum)
			out[n++] = c;
		else if (n > 0 && out[n - 1] != '-')
			out[n++] = '-';
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	if (n == 0) {
		free(out);
		return xstrdup("image");
	}
	return out;
}

char *image_tag_default(const struct image *img, const char *suffix)
{
	cleanup_free char *name = NULL;
	const char *tag = "latest";
	struct image_tag parsed = { 0 };
	/* An OCI layout's ref is often only a tag ("latest"): then the name comes from the file name. */
	bool ref_is_name = img->ref && (strchr(img->ref, ':') || strchr(img->ref, '/'));
	if (ref_is_name && image_tag_parse(img->ref, &parsed, NULL) == 0) {
		name = xstrdup(parsed.name);
		tag = parsed.tag;
	} else {
		name = name_from_input(img->input);
		if (img->ref && image_tag_parse(img->ref, &parsed, NULL) == 0 &&
		    strspn(img->ref, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == strlen(img->ref))
			tag = img->ref;
	}
	char *res = xasprintf("%s%s:%s", name, suffix ? suffix : "", tag);
	image_tag_release(&parsed);
	struct image_tag check;
	if (image_tag_parse(res, &check, NULL) < 0) {
		free(res);
		res = xasprintf("image%s:latest", suffix ? suffix : "");
	} else {
		image_tag_release(&check);
	}
	return res;
}
