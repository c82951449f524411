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

/* dpkg.c */
int dpkg_read(struct pkgdb *db, struct pare_error *err);
/* fn for each line of a mapped file (a NUL-terminated copy without its newline). */
void dpkg_each_line(const struct content_map *m, void (*fn)(void *ctx, char *line), void *ctx);
char *dpkg_field(const char *stanza, const char *name);
char *dpkg_info_path(const struct pkgdb_pkg *pkg, const char *ext);
/* The index entry of a listed path (through symlinked directories, the last component itself). */
struct fs_entry *dpkg_lookup(struct layer_index *idx, const char *listed);
/* dpkg_rewrite.c: the status, list and md5sums files of the slim image, after the decision. */
int dpkg_rewrite(struct pkgdb *db, struct keep_set *ks, struct pare_error *err);
#endif
