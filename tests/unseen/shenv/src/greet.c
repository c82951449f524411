/* libgreet.so: a library found only through LD_LIBRARY_PATH (no RPATH, not in ld.so.cache). */
#include <stdio.h>
const char *greet_word(void);
const char *greet_word(void) { return "bonjour"; }
