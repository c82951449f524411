#include "minifier/elf.h"

#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <string.h>

#include "lib/strvec.h"
#include "lib/xalloc.h"

#define ELF_MAX_PHDRS 65535
#define ELF_MAX_DYN 65536

static pthread_once_t elf_once = PTHREAD_ONCE_INIT;
static void elf_lib_init(void)
{
	elf_version(EV_CURRENT);
}

bool elf_file_is_elf(const void *buf, size_t len)
{
	return len >= SELFMAG && memcmp(buf, ELFMAG, SELFMAG) == 0;
}

void elf_file_release(struct elf_file *ef)
{
	free(ef->interp);
	strv_free(ef->needed);
	free(ef->rpath);
	free(ef->runpath);
	free(ef->soname);
	memset(ef, 0, sizeof(*ef));
}

static void elf_endp(Elf **e)
{
	if (*e)
		elf_end(*e);
}

/* A file offset for a virtual address, through the PT_LOAD segment that maps it from the file. */
static int vaddr_to_offset(const GElf_Phdr *loads, size_t n_loads, uint64_t vaddr, uint64_t *off,
			   uint64_t *avail)
{
	for (size_t i = 0; i < n_loads; i++) {
		const GElf_Phdr *p = &loads[i];
		if (vaddr >= p->p_vaddr && vaddr - p->p_vaddr < p->p_filesz) {
			*off = p->p_offset + (vaddr - p->p_vaddr);
			*avail = p->p_filesz - (vaddr - p->p_vaddr);
			return 0;
		}
	}
	return -1;
}

/* A NUL-terminated string at `off` within [0, size) of tab; NULL when out of bounds. */
static const char *str_at(const char *tab, uint64_t size, uint64_t off)
{
	if (off >= size)
		return NULL;
	if (!memchr(tab + off, '\0', size - off))
		return NULL;
	return tab + off;
}


static int parse_dynamic(Elf *e, const char *buf, size_t len, const GElf_Phdr *dyn, const GElf_Phdr *loads,
			 size_t n_loads, struct elf_file *out, struct pare_error *err)
{
	if (dyn->p_offset > len || dyn->p_filesz > len - dyn->p_offset)
		return pare_error_set(err, 0, "dynamic segment lies outside the file");
	size_t entsz = gelf_fsize(e, ELF_T_DYN, 1, EV_CURRENT);
	if (!entsz)
		return pare_error_set(err, 0, "unsupported ELF class");
	size_t n = dyn->p_filesz / entsz;
	if (n == 0)
		return 0;
	if (n > ELF_MAX_DYN)
		return pare_error_set(err, 0, "dynamic segment has too many entries");
	Elf_Data *d = elf_getdata_rawchunk(e, (int64_t)dyn->p_offset, n * entsz, ELF_T_DYN);
	if (!d)
		return pare_error_set(err, 0, "cannot read the dynamic segment: %s", elf_errmsg(-1));

	uint64_t strtab = 0, strsz = 0;
	bool have_strtab = false, have_strsz = false;
	int64_t rpath = -1, runpath = -1, soname = -1;
	size_t n_needed = 0;
	cleanup_free uint64_t *needed = NULL;
	size_t needed_cap = 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Dyn dy;
		if (!gelf_getdyn(d, (int)i, &dy))
			return pare_error_set(err, 0, "cannot read dynamic entry %zu: %s", i, elf_errmsg(-1));
		if (dy.d_tag == DT_NULL)
			break;
		switch (dy.d_tag) {
		case DT_STRTAB: strtab = dy.d_un.d_ptr; have_strtab = true; break;
		case DT_STRSZ: strsz = dy.d_un.d_val; have_strsz = true; break;
		case DT_RPATH: rpath = (int64_t)dy.d_un.d_val; break;
		case DT_RUNPATH: runpath = (int64_t)dy.d_un.d_val; break;
		case DT_SONAME: soname = (int64_t)dy.d_un.d_val; break;
		case DT_FLAGS_1:
			if (dy.d_un.d_val & DF_1_NODEFLIB)
				out->nodeflib = true;
			break;
		case DT_NEEDED:
			if (n_needed >= ELF_MAX_NEEDED)
				return pare_error_set(err, 0, "too many DT_NEEDED entries");
			needed = xgrow(needed, &needed_cap, n_needed + 1, sizeof(*needed));
			needed[n_needed++] = dy.d_un.d_val;
			break;
		default: break;
		}
	}
	bool any_str = n_needed || rpath >= 0 || runpath >= 0 || soname >= 0;
	if (!any_str)
		return 0;
	if (!have_strtab || !have_strsz)
		return pare_error_set(err, 0, "dynamic segment has no string table");
	uint64_t off, avail;
	if (vaddr_to_offset(loads, n_loads, strtab, &off, &avail) < 0)
		return pare_error_set(err, 0, "dynamic string table lies outside the loaded segments");
	if (off > len)
		return pare_error_set(err, 0, "dynamic string table lies outside the file");
	if (strsz > avail)
		strsz = avail;
	if (strsz > len - off)
		strsz = len - off;
	const char *tab = buf + off;

	struct strvec sv = STRVEC_INIT;
	for (size_t i = 0; i < n_needed; i++) {
		const char *s = str_at(tab, strsz, needed[i]);
		if (!s || !*s) {
			strvec_release(&sv);
			return pare_error_set(err, 0, "DT_NEEDED entry %zu is not a valid string", i);
		}
		strvec_push(&sv, s);
	}
	out->needed = strvec_detach(&sv);
	const char *s;
	if (rpath >= 0 && (s = str_at(tab, strsz, (uint64_t)rpath)))
		out->rpath = xstrdup(s);
	if (runpath >= 0 && (s = str_at(tab, strsz, (uint64_t)runpath)))
		out->runpath = xstrdup(s);
	if (soname >= 0 && (s = str_at(tab, strsz, (uint64_t)soname)))
		out->soname = xstrdup(s);
	return 0;
}

int elf_file_parse(const void *vbuf, size_t len, struct elf_file *out, struct pare_error *err)
{
	const char *buf = vbuf;
	memset(out, 0, sizeof(*out));
	if (!elf_file_is_elf(buf, len))
		return pare_error_set(err, 0, "not an ELF file");
	pthread_once(&elf_once, elf_lib_init);
	/* libelf reads the image in place and allocates when it must convert; it never writes it. */
	__attribute__((cleanup(elf_endp))) Elf *e = elf_memory((char *)buf, len);
	if (!e || elf_kind(e) != ELF_K_ELF)
		return pare_error_set(err, 0, "not a valid ELF file: %s", elf_errmsg(-1));
	GElf_Ehdr eh;
	if (!gelf_getehdr(e, &eh))
		return pare_error_set(err, 0, "bad ELF header: %s", elf_errmsg(-1));
	out->elf_class = eh.e_ident[EI_CLASS];
	out->data = eh.e_ident[EI_DATA];
	out->osabi = eh.e_ident[EI_OSABI];
	out->type = eh.e_type;
	out->machine = eh.e_machine;

	size_t phnum;
	if (elf_getphdrnum(e, &phnum) != 0)
		return pare_error_set(err, 0, "bad program header count: %s", elf_errmsg(-1));
	if (phnum > ELF_MAX_PHDRS)
		return pare_error_set(err, 0, "too many program headers");
	cleanup_free GElf_Phdr *loads = xcalloc(phnum ? phnum : 1, sizeof(GElf_Phdr));
	size_t n_loads = 0;
	GElf_Phdr dyn = { 0 };
	bool have_dyn = false;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph))
			return pare_error_set(err, 0, "bad program header %zu: %s", i, elf_errmsg(-1));
		if (ph.p_type == PT_LOAD) {
			loads[n_loads++] = ph;
		} else if (ph.p_type == PT_DYNAMIC && !have_dyn) {
			dyn = ph;
			have_dyn = true;
		} else if (ph.p_type == PT_INTERP && !out->interp) {
			if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset || ph.p_filesz == 0)
				goto bad_interp;
			const char *s = buf + ph.p_offset;
			const char *nul = memchr(s, '\0', ph.p_filesz);
			if (!nul || nul == s)
				goto bad_interp;
			out->interp = xstrdup(s);
		}
	}
	out->dynamic = have_dyn;
	if (have_dyn && parse_dynamic(e, buf, len, &dyn, loads, n_loads, out, err) < 0) {
		elf_file_release(out);
		return -1;
	}
	if (!out->needed)
		out->needed = xcalloc(1, sizeof(char *));
	return 0;
bad_interp:
	elf_file_release(out);
	return pare_error_set(err, 0, "PT_INTERP is not a valid path");
}

static const struct {
	int machine;
	const char *name;
} machine_names[] = {
	{ EM_X86_64, "x86-64" }, { EM_386, "i386" },	   { EM_AARCH64, "aarch64" }, { EM_ARM, "arm" },
	{ EM_PPC64, "ppc64" },	 { EM_PPC, "ppc" },	   { EM_S390, "s390" },	      { EM_RISCV, "riscv" },
	{ EM_MIPS, "mips" },	 { EM_SPARCV9, "sparc64" }, { EM_IA_64, "ia64" },
#ifdef EM_LOONGARCH
	{ EM_LOONGARCH, "loongarch" },
#endif
};

const char *elf_machine_name(int machine, char *buf, size_t n)
{
	for (size_t i = 0; i < sizeof(machine_names) / sizeof(machine_names[0]); i++)
		if (machine_names[i].machine == machine)
			return machine_names[i].name;
	snprintf(buf, n, "machine %d", machine);
	return buf;
}
