/* What the dynamic linker needs from an ELF file: class, machine, PT_INTERP, DT_NEEDED, DT_RPATH,
 * DT_RUNPATH, DT_SONAME. Parsed with elfutils' libelf from a memory buffer, through the program
 * headers (as ld.so reads them), so stripped files without section headers work too. Every offset
 * and size is bounds-checked: the input may be hostile. */
#ifndef PARE_MINIFIER_ELF_H
#define PARE_MINIFIER_ELF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"

struct elf_file {
	int elf_class;   /* ELFCLASS32 or ELFCLASS64 */
	int data;        /* ELFDATA2LSB or ELFDATA2MSB */
	int type;        /* ET_EXEC, ET_DYN, ... */
	int machine;     /* e_machine (EM_X86_64, EM_386, EM_AARCH64...) */
	uint8_t osabi;
	char *interp;    /* PT_INTERP, or NULL */
	char **needed;   /* DT_NEEDED in order, NULL-terminated (never NULL after a successful parse) */
	char *rpath;     /* DT_RPATH or NULL */
	char *runpath;   /* DT_RUNPATH or NULL */
	char *soname;    /* DT_SONAME or NULL */
	bool nodeflib;   /* DF_1_NODEFLIB: no ld.so.cache, no default directories */
	bool dynamic;    /* has a PT_DYNAMIC segment */
};

/* Maximum number of DT_NEEDED entries accepted (anything beyond is malformed). */
#define ELF_MAX_NEEDED 4096

/* true when buf starts with the ELF magic. */
bool elf_file_is_elf(const void *buf, size_t len);
/* Parse an ELF image held in memory. The buffer is only read and may be freed afterwards.
 * Returns 0, or -1 with err set when the file is not ELF or is malformed. */
int elf_file_parse(const void *buf, size_t len, struct elf_file *out, struct pare_error *err);
void elf_file_release(struct elf_file *ef);
/* A short name for a machine ("x86-64", "i386", "aarch64"...), or "machine N" in buf. */
const char *elf_machine_name(int machine, char *buf, size_t n);
#endif
