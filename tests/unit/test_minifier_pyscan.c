/* Unit tests for minifier/pyscan.c: the import statements a Python module runs
 * when imported. */
#include <stdlib.h>
#include <string.h>

#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "minifier/pyscan.h"
#include "tests/unit/unit.h"

static void collect(unsigned level, const char *module, bool optional, void *data)
{
	strvec_pushf(data, "%u:%s%s", level, module, optional ? "?" : "");
}

/* The imports of src, as "level:module[?]" joined by blanks. */
static char *scan(const char *src)
{
	struct strvec sv = STRVEC_INIT;
	py_scan_imports(src, strlen(src), collect, &sv);
	char *out = xstrdup("");
	for (size_t i = 0; i < sv.n; i++) {
		char *next = xasprintf("%s%s%s", out, i ? " " : "", sv.v[i]);
		free(out);
		out = next;
	}
	strvec_release(&sv);
	return out;
}

#define CHECK_SCAN(src, want)                        \
	do {                                         \
		cleanup_free char *got_ = scan(src); \
		CHECK_STR(got_, want);               \
	} while (0)

TEST(pyscan_statements)
{
	CHECK_SCAN("import os, sys as system, xml.dom.minidom\n", "0:os 0:sys 0:xml.dom.minidom");
	CHECK_SCAN("from __future__ import annotations\n", "0:__future__ 0:__future__.annotations?");
	CHECK_SCAN("from . import sibling ; from .. import parent\n", "1: 1:sibling? 2: 2:parent?");
	CHECK_SCAN("from .pkg.sub import (a, b as c,\n    d)\n", "1:pkg.sub 1:pkg.sub.a? 1:pkg.sub.b? 1:pkg.sub.d?");
	CHECK_SCAN("from slow import *\n", "0:slow");
	CHECK_SCAN("import \\\n    continued\n", "0:continued");
	CHECK_SCAN("from  a . b  import  c\n", "0:a.b 0:a.b.c?");
	CHECK_SCAN("import a\r\nimport b\r\n", "0:a 0:b");
	CHECK_SCAN("import caf\xc3\xa9\n", "0:caf\xc3\xa9");
}

TEST(pyscan_what_runs_at_import)
{
	/* Compound statements at module level run; their bodies on the same line too.
   */
	CHECK_SCAN("try: import fast\nexcept ImportError: import slow\n", "0:fast 0:slow");
	CHECK_SCAN("try:\n    import fast\nexcept ImportError:\n    import slow\n", "0:fast 0:slow");
	CHECK_SCAN("if sys.platform == 'win32':\n    import nt\nelse:\n    import posix\n", "0:nt 0:posix");
	CHECK_SCAN("with x:\n    import w\nfor i in y: import f\n", "0:w 0:f");
	/* A class body runs; a function body does not, nor does what a decorator
   * wraps. */
	CHECK_SCAN("class K(B):\n    import in_class\n    def m(self):\n        "
		   "import in_method\n    import after\n",
		   "0:in_class 0:after");
	CHECK_SCAN("@dec\ndef f(a,\n      b):\n    import lazy\nimport top\n", "0:top");
	CHECK_SCAN("async def f():\n    import lazy\n\n    # comment\n  \nimport top\n", "0:top");
	CHECK_SCAN("def f(): import lazy\nimport top\n", "0:top");
	/* Blocks that never run when the module is imported. */
	CHECK_SCAN("if TYPE_CHECKING:\n    import t\nimport top\n", "0:top");
	CHECK_SCAN("if typing.TYPE_CHECKING: import t\n", "");
	CHECK_SCAN("if __name__ == '__main__':\n    import main\nelse:\n    import lib\n", "0:lib");
	CHECK_SCAN("if __name__==\"__main__\": import main\n", "");
	/* Strings and comments hold no statements. */
	CHECK_SCAN("\"\"\"Doc\nimport not_this\n\"\"\"\nx = 'import no; import no2'; "
		   "import yes\n",
		   "0:yes");
	CHECK_SCAN("s = '''\nimport in_triple\n'''\nimport after\n", "0:after");
	CHECK_SCAN("s = r'\\'' ; import after_escape\n", "0:after_escape");
	CHECK_SCAN("x = 1  # import no\nd = {1: 2,\n  3: 4}; import after_dict\n", "0:after_dict");
	CHECK_SCAN("print('x:'); import after_colon\n", "0:after_colon");
}

TEST(pyscan_malformed)
{
	CHECK_SCAN("", "");
	CHECK_SCAN("import\nfrom import x\nimport .x\nfrom x\nimport 9a\n", "");
	CHECK_SCAN("from ...... import y\n", "6: 6:y?");
	CHECK_SCAN("import a..b\n", "0:a");
	CHECK_SCAN("x = \"\"\"unterminated\nimport hidden\n", "");
	CHECK_SCAN("x = 'unterminated\nimport after\n", "0:after");
	CHECK_SCAN("f(\nimport inside_brackets\n", "");
	/* A NUL byte is a blank, not the end of the source. */
	static const char nul[] = "x = 1\0import after_nul\n";
	struct strvec sv = STRVEC_INIT;
	py_scan_imports(nul, sizeof(nul) - 1, collect, &sv);
	CHECK_INT((int)sv.n, 0); /* "x = 1 import after_nul" is one (invalid) line */
	strvec_release(&sv);
}
