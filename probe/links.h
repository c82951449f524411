/* Links found in an HTML document or a CSS stylesheet, for the HTTP prober's crawl.
 * Pure functions over a buffer (no I/O, no allocation beyond the results): fuzzed in tests/fuzz/. */
#ifndef PARE_LINKS_H
#define PARE_LINKS_H
#include <stdbool.h>
#include <stddef.h>

#include "lib/strvec.h"

/* Limits: longer URLs are skipped, links beyond the count are ignored (documented in doc/LIMITS.md). */
#define LINKS_MAX_URL 8192
#define LINKS_MAX_PER_DOC 10000

/* Append to `out` the URL-valued attributes of an HTML document in document order: href, src,
 * srcset candidates, poster, plus url(...) and @import in <style> elements and style="" attributes.
 * Values are entity-decoded and trimmed; non-crawlable ones (see links_is_crawlable) are dropped.
 * When `base` is not NULL it receives a new copy of the first <base href>, or NULL. */
void links_extract_html(const char *buf, size_t len, struct strvec *out, char **base);
/* Append the url(...) and @import targets of a CSS stylesheet. */
void links_extract_css(const char *buf, size_t len, struct strvec *out);
/* false for what a crawler must not fetch: empty, fragment-only ("#top"), and the schemes
 * javascript:, mailto:, data:, tel:, about:, blob:, file:, ftp: and similar non-HTTP ones. */
bool links_is_crawlable(const char *url);
#endif
