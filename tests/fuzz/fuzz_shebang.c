/* Fuzz target: the #! line reader (minifier/shebang.c) and env(1) command extraction. */
#include <stdlib.h>
#include <string.h>

#include "minifier/shebang.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shebang sb;
	memset(&sb, 0, sizeof(sb));
	int r = shebang_parse(data, size, &sb);
	if (r == 1) {
		if (!sb.interp || !sb.interp[0] || strlen(sb.interp) >= SHEBANG_BUF_SIZE)
			abort(); /* the kernel's rules: a non-empty interpreter within the first 256 bytes */
		free(shebang_env_command(&sb));
		shebang_release(&sb);
	} else if (r != 0) {
		abort();
	}
	return 0;
}
