#include "minifier/ldcache.h"

#include <elf.h>
#include <stdint.h>
#include <string.h>

#include "lib/xalloc.h"

#define OLD_MAGIC "ld.so-1.7.0"
#define NEW_MAGIC "glibc-ld.so.cache"
#define NEW_VERSION "1.1"
#define OLD_HEADER 16       /* char magic[11]; uint32 nlibs (at offset 12) */
#define OLD_ENTRY 12        /* int32 flags; uint32 key, value */
#define NEW_HEADER 48       /* magic[17] version[3] nlibs len_strings flags pad[3] ext_offset unused[3] */
#define NEW_ENTRY 24        /* int32 flags; uint32 key, value, osversion; uint64 hwcap */
#define LDCACHE_MAX_ENTRIES (1u << 20)

static uint32_t rd32(const unsigned char *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static uint64_t rd64(const unsigned char *p, bool swap)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return swap ? __builtin_bswap64(v) : v;
}

void ldcache_release(struct ldcache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->entries[i].key);
		free(c->entries[i].value);
	}
	free(c->entries);
	c->entries = NULL;
	c->n = 0;
}

/* A NUL-terminated string at `off` of [base, base+size); NULL when out of bounds. */
static const char *str_at(const unsigned char *base, size_t size, uint32_t off)
{
	if (off >= size || !memchr(base + off, '\0', size - off))
		return NULL;
	return (const char *)base + off;
}

static int parse_new(const unsigned char *p, size_t len, struct ldcache *out, struct pare_error *err)
{
	if (len < NEW_HEADER)
		return pare_error_set(err, 0, "truncated ld.so.cache header");
	/* flags byte: 2 little-endian, 3 big-endian, 0 unknown (host order). */
	uint8_t endian = p[28];
	bool swap = false;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	swap = endian == 3;
#else
	swap = endian == 2;
#endif
	uint32_t nlibs = rd32(p + 20, swap);
	if (nlibs > LDCACHE_MAX_ENTRIES || (size_t)nlibs * NEW_ENTRY > len - NEW_HEADER)
		return pare_error_set(err, 0, "ld.so.cache entry count %u exceeds its size", nlibs);
	out->entries = xcalloc(nlibs ? nlibs : 1, sizeof(*out->entries));
	for (uint32_t i = 0; i < nlibs; i++) {
		const unsigned char *e = p + NEW_HEADER + (size_t)i * NEW_ENTRY;
		/* String offsets are relative to the start of the new header. */
		const char *k = str_at(p, len, rd32(e + 4, swap));
		const char *v = str_at(p, len, rd32(e + 8, swap));
		if (!k || !v) {
			ldcache_release(out);
			return pare_error_set(err, 0, "ld.so.cache entry %u points outside the cache", i);
		}
		struct ldcache_entry *o = &out->entries[out->n++];
		o->flags = (int32_t)rd32(e, swap);
		o->key = xstrdup(k);
		o->value = xstrdup(v);
		o->hwcap = rd64(e + 16, swap);
	}
	return 0;
}

static int parse_old(const unsigned char *p, size_t len, struct ldcache *out, struct pare_error *err)
{
	if (len < OLD_HEADER)
		return pare_error_set(err, 0, "truncated ld.so.cache header");
	uint32_t nlibs = rd32(p + 12, false);
	if (nlibs > LDCACHE_MAX_ENTRIES || (size_t)nlibs * OLD_ENTRY > len - OLD_HEADER)
		return pare_error_set(err, 0, "ld.so.cache entry count %u exceeds its size", nlibs);
	size_t end_old = OLD_HEADER + (size_t)nlibs * OLD_ENTRY;
	/* A new-format cache may follow, aligned to its structure's alignment (8, or 4 on 32-bit). */
	for (size_t align = 8; align >= 4; align /= 2) {
		size_t off = (end_old + align - 1) & ~(align - 1);
		if (off + NEW_HEADER <= len && !memcmp(p + off, NEW_MAGIC NEW_VERSION, 20))
			return parse_new(p + off, len - off, out, err);
	}
	/* Old format alone: strings follow the entries, offsets relative to their start. */
	const unsigned char *strs = p + end_old;
	size_t strs_len = len - end_old;
	out->entries = xcalloc(nlibs ? nlibs : 1, sizeof(*out->entries));
	for (uint32_t i = 0; i < nlibs; i++) {
		const unsigned char *e = p + OLD_HEADER + (size_t)i * OLD_ENTRY;
		const char *k = str_at(strs, strs_len, rd32(e + 4, false));
		const char *v = str_at(strs, strs_len, rd32(e + 8, false));
		if (!k || !v) {
			ldcache_release(out);
			return pare_error_set(err, 0, "ld.so.cache entry %u points outside the cache", i);
		}
		struct ldcache_entry *o = &out->entries[out->n++];
		o->flags = (int32_t)rd32(e, false);
		o->key = xstrdup(k);
		o->value = xstrdup(v);
	}
	return 0;
}

int ldcache_parse(const void *buf, size_t len, struct ldcache *out, struct pare_error *err)
{
	const unsigned char *p = buf;
	memset(out, 0, sizeof(*out));
	if (len >= 20 && !memcmp(p, NEW_MAGIC, 17)) {
		if (memcmp(p + 17, NEW_VERSION, 3))
			return pare_error_set(err, 0, "unsupported ld.so.cache version '%.3s'", (const char *)p + 17);
		return parse_new(p, len, out, err);
	}
	if (len >= 11 && !memcmp(p, OLD_MAGIC, 11))
		return parse_old(p, len, out, err);
	return pare_error_set(err, 0, "not an ld.so.cache file");
}

/* glibc's _DL_CACHE_DEFAULT_ID per architecture (sysdeps/.../dl-cache.h). */
int32_t ldcache_flags_for(int elf_class, int machine, bool arm_hardfloat)
{
	const int32_t libc6 = LDCACHE_FLAG_ELF_LIBC6;
	switch (machine) {
	case EM_X86_64: return elf_class == ELFCLASS64 ? (libc6 | 0x0300) : (libc6 | 0x0800);
	case EM_386: return libc6;
	case EM_AARCH64: return libc6 | 0x0a00;
	case EM_ARM: return arm_hardfloat ? (libc6 | 0x0900) : libc6;
	case EM_PPC64: return libc6 | 0x0500;
	case EM_PPC: return libc6;
	case EM_S390: return elf_class == ELFCLASS64 ? (libc6 | 0x0400) : libc6;
	case EM_SPARCV9: return libc6 | 0x0100;
	case EM_IA_64: return libc6 | 0x0200;
	case EM_RISCV: return elf_class == ELFCLASS64 ? (libc6 | 0x1000) : -1;
	default: return -1;
	}
}

int ldcache_lookup(const struct ldcache *c, const char *name, int (*fn)(const struct ldcache_entry *e, void *data),
		   void *data)
{
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->entries[i].key, name))
			continue;
		int r = fn(&c->entries[i], data);
		if (r)
			return r;
	}
	return 0;
}
