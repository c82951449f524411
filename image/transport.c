/* Parsing an image name's transport prefix. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "image/transport.h"

static const struct {
	const char *prefix;
	enum image_transport t;
} prefixes[] = {
	{ "docker-archive:", IMAGE_TR_DOCKER_ARCHIVE },
	{ "oci-archive:", IMAGE_TR_OCI_ARCHIVE },
	{ "oci:", IMAGE_TR_OCI_DIR },
	{ "docker-daemon:", IMAGE_TR_DAEMON },
	{ "docker://", IMAGE_TR_REGISTRY },
};

int image_transport_parse(const char *name, struct image_name *out, struct pare_error *err)
{
	out->transport = IMAGE_TR_PATH;
	out->rest = name;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i].prefix);
		if (strncmp(name, prefixes[i].prefix, n) != 0)
			continue;
		out->transport = prefixes[i].t;
		out->rest = name + n;
		if (!*out->rest)
			return pare_error_set(err, 0, "'%s' names no %s", name,
					      prefixes[i].t == IMAGE_TR_OCI_DIR ? "directory"
					      : prefixes[i].t >= IMAGE_TR_DAEMON ? "image" : "file");
		return 0;
	}
	return 0;
}

bool image_name_is_engine_ref(const char *s)
{
	struct image_name n;
	struct stat st;
	if (image_transport_parse(s, &n, NULL) < 0 || n.transport != IMAGE_TR_PATH || !*s || *s == '/' ||
	    *s == '.' || *s == '-' || strstr(s, ".tar"))
		return false;
	for (const char *p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:@", *p))
			return false;
	return stat(s, &st) < 0 && errno == ENOENT;
}

const char *image_transport_label(enum image_transport t)
{
	switch (t) {
	case IMAGE_TR_DOCKER_ARCHIVE:
		return "docker-archive";
	case IMAGE_TR_OCI_ARCHIVE:
		return "oci-archive";
	case IMAGE_TR_OCI_DIR:
		return "oci";
	case IMAGE_TR_DAEMON:
		return "docker-daemon";
	case IMAGE_TR_REGISTRY:
		return "docker";
	default:
		return "path";
	}
}
