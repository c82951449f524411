/* The import statements a Python module runs when it is imported: those at module level (also under
 * try/if/with/class), not those inside function bodies, `if TYPE_CHECKING:` or `if __name__ ==
 * "__main__":`. A tokenizer for what matters here (comments, strings of every kind, brackets and backslash
 * continuations, indentation, `;`), not a Python parser: a file it cannot read yields fewer imports, never
 * a crash. */
#ifndef PARE_MINIFIER_PYSCAN_H
#define PARE_MINIFIER_PYSCAN_H
#include <stdbool.h>
#include <stddef.h>

/* level: the leading dots of a relative import (0: absolute). module: the dotted name after them (""
 * for `from . import x`). optional: `from M import n` gives M, and M.n as optional (n may be an attribute
 * of M rather than a submodule). Names are ASCII or UTF-8 identifiers joined by dots. */
typedef void py_import_fn(unsigned level, const char *module, bool optional, void *data);

void py_scan_imports(const char *src, size_t len, py_import_fn *fn, void *data);
#endif
