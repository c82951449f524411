/* Fuzz target: the ELF reader (minifier/elf.c), which reads every kept binary of a hostile image. */
#include <stdlib.h>

#include "lib/error.h"
#include "minifier/elf.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_file ef;
	struct pare_error err = { 0 };
	(void)elf_file_is_elf(data, size);
	if (elf_file_parse(data, size, &ef, &err) == 0) {
		if (!ef.needed)
			abort(); /* documented: never NULL after a successful parse */
		size_t n = 0;
		while (ef.needed[n])
			n++;
		if (n > ELF_MAX_NEEDED)
			abort();
		char buf[32];
		(void)elf_machine_name(ef.machine, buf, sizeof(buf));
		elf_file_release(&ef);
	} else if (!err.msg[0]) {
		abort(); /* a failure always says why */
	}
	return 0;
}
