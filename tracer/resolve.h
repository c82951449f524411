/* Resolving paths the way the kernel does, inside the container's root (/proc/PID/root), component by
 * component, so that every symlink met on the way is seen and reported. Directory results are cached
 * (dropped with resolver_invalidate() whenever the application changes the tree). */
#ifndef PARE_TRACER_RESOLVE_H
#define PARE_TRACER_RESOLVE_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/error.h"
#include "tracer/strmap.h"

enum res_state { RES_EXISTS, RES_MISSING, RES_ERROR };

struct res_result {
	char *path;          /* normalised image path of what the lookup reached (owned by the caller) */
	enum res_state state;
	int err;             /* RES_ERROR: ENOTDIR, ELOOP, EACCES... */
	mode_t type;         /* RES_EXISTS: S_IFMT bits */
	uint64_t mnt;        /* mount id of the object, or of its deepest existing directory */
};

struct resolver {
	int rootfd;          /* O_PATH fd of the container's root */
	uint64_t root_mnt;   /* mount id of the root */
	char *prefix;        /* the root as a path seen by the tracer ("/" when it is ours) */
	size_t prefix_len;
	struct strmap dirs;  /* directory path -> struct res_result * */
	void (*on_link)(void *data, const char *path, const char *target, uint64_t mnt);
	void *data;
	uint64_t statx_calls;
};

/* Take the root of process pid. */
int resolver_open(struct resolver *r, pid_t pid, struct pare_error *err);
void resolver_release(struct resolver *r);
void resolver_invalidate(struct resolver *r);
/* A path as the tracer sees it (from /proc/PID/cwd, /proc/PID/fd/N, fanotify) inside the image;
 * NULL when it is not below the root or not a path ("socket:[12]"). New string. */
char *resolver_map(const struct resolver *r, const char *tracer_path);
/* Resolve abs (absolute inside the image; may hold ".", "..", "//"). */
void resolver_lookup(struct resolver *r, const char *abs, bool follow_last, struct res_result *out);
#endif
