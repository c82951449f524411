/* Internal to pkgdb/. */
#ifndef PARE_PKGDB_INT_H
#define PARE_PKGDB_INT_H
#include "pkgdb/pkgdb.h"

#define DPKG_DIR "/var/lib/dpkg"
#define DPKG_STATUS DPKG_DIR "/status"
#define DPKG_INFO DPKG_DIR "/info"
/* The field that marks a package kept in part in the slim image's status (dpkg keeps and ignores
 * fields it does not know): "Pare-Partial: KEPT/PRESENT files". */
#define DPKG_PARTIAL_FIELD "Pare-Partial"

#define APK_DB_DIR "/lib/apk/db"
#define APK_INSTALLED APK_DB_DIR "/installed"

struct strbuf;
/* pkgdb.c: shared by the managers */
void pkgdb_pkg_release(struct pkgdb_pkg *p);
/* A rewritten file of the slim image: b's bytes (taken; b is reset) as the content of path. */
void pkgdb_add_override(struct pkgdb *db, size_t *cap, const char *path, struct strbuf *b);
/* The kept regular file path rewritten line by line: fn appends what replaces each line (a line and
 * its newline, or nothing) to out. Nothing happens when the slim image does not keep path. */
typedef void pkgdb_line_fn(void *data, const char *line, struct strbuf *out);
int pkgdb_rewrite_file(struct pkgdb *db, size_t *cap, const char *path, pkgdb_line_fn *fn, void *data,
		       struct pare_error *err);
/* fn for each line of a mapped file (a NUL-terminated copy without its newline). */
void pkgdb_each_line(const struct content_map *m, void (*fn)(void *ctx, char *line), void *ctx);
/* The index entry of a listed path (through symlinked directories, the last component itself). */
struct fs_entry *pkgdb_lookup(struct layer_index *idx, const char *listed);
/* Whether the slim image has the listed path: its entry kept, and every symlink met on the way to it
 * (/bin -> usr/bin) too. */
bool pkgdb_path_kept(struct layer_index *idx, const char *listed);

/* dpkg.c */
int dpkg_read(struct pkgdb *db, struct pare_error *err);
char *dpkg_field(const char *stanza, const char *name);
char *dpkg_info_path(const struct pkgdb_pkg *pkg, const char *ext);
/* dpkg_rewrite.c: the status, list and md5sums files of the slim image, after the decision. */
int dpkg_rewrite(struct pkgdb *db, struct keep_set *ks, struct pare_error *err);
/* apk.c: /lib/apk/db/installed read; after the decision, installed, triggers and /etc/apk/world. */
int apk_read(struct pkgdb *db, struct pare_error *err);
int apk_rewrite(struct pkgdb *db, struct keep_set *ks, struct pare_error *err);
#endif
