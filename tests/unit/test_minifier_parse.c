/* Unit tests for the minifier's parsers: ELF (host binaries and mutations), ld.so.cache (the host's
 * and synthetic ones in both formats), "#!" lines. */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "minifier/elf.h"
#include "minifier/ldcache.h"
#include "minifier/shebang.h"
#include "tests/unit/unit.h"

static char *slurp(const char *path, size_t *len)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	char *buf = xmalloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	*len = got;
	return buf;
}

static bool strv_has(char **v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

TEST(elf_parses_host_ls)
{
	size_t len;
	cleanup_free char *buf = slurp("/bin/ls", &len);
	CHECK(buf != NULL);
	if (!buf)
		return;
	struct elf_file ef;
	struct pare_error err = { 0 };
	CHECK_INT(elf_file_parse(buf, len, &ef, &err), 0);
	CHECK_INT(ef.elf_class, ELFCLASS64);
#ifdef __x86_64__
	CHECK_INT(ef.machine, EM_X86_64);
	CHECK_STR(ef.interp, "/lib64/ld-linux-x86-64.so.2");
#endif
	CHECK(ef.dynamic);
	CHECK(strv_has(ef.needed, "libc.so.6"));
	CHECK(ef.soname == NULL);
	elf_file_release(&ef);
}

TEST(elf_parses_host_libc_soname)
{
	const char *cands[] = { "/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6", "/lib64/libc.so.6" };
	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		size_t len;
		cleanup_free char *buf = slurp(cands[i], &len);
		if (!buf)
			continue;
		struct elf_file ef;
		struct pare_error err = { 0 };
		CHECK_INT(elf_file_parse(buf, len, &ef, &err), 0);
		CHECK_STR(ef.soname, "libc.so.6");
		CHECK_INT(ef.type, ET_DYN);
		elf_file_release(&ef);
		return;
	}
	unit_fail(__FILE__, __LINE__, "no host libc.so.6 found");
}

TEST(elf_rejects_non_elf_and_truncations)
{
	struct elf_file ef;
	struct pare_error err = { 0 };
	CHECK_INT(elf_file_parse("#!/bin/sh\n", 10, &ef, &err), -1);
	CHECK(strstr(err.msg, "not an ELF") != NULL);
	CHECK_INT(elf_file_parse("", 0, &ef, &err), -1);
	size_t len;
	cleanup_free char *buf = slurp("/bin/ls", &len);
	if (!buf)
		return;
	/* Every truncation either parses (the headers fit) or fails cleanly: never a crash. */
	size_t cuts[] = { 4, 16, 52, 63, 64, 65, 100, 200, 1000, 4096, len / 2, len - 1 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		cleanup_free char *copy = xmalloc(cuts[i]);
		memcpy(copy, buf, cuts[i]);
		if (elf_file_parse(copy, cuts[i], &ef, &err) == 0)
			elf_file_release(&ef);
	}
}

TEST(elf_survives_mutations)
{
	size_t len;
	cleanup_free char *buf = slurp("/bin/ls", &len);
	if (!buf)
		return;
	cleanup_free char *copy = xmalloc(len);
	unsigned seed = 12345;
	int parsed = 0;
	/* Flip bytes in the headers and the dynamic section, where the parser looks. */
	for (int round = 0; round < 2000; round++) {
		memcpy(copy, buf, len);
		for (int k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t off = (seed >> 8) % (round % 2 ? 4096 : len);
			seed = seed * 1103515245u + 12345u;
			copy[off] = (char)(seed >> 16);
		}
		struct elf_file ef;
		struct pare_error err = { 0 };
		if (elf_file_parse(copy, len, &ef, &err) == 0) {
			parsed++;
			CHECK(ef.needed != NULL);
			elf_file_release(&ef);
		} else {
			CHECK(err.msg[0] != '\0');
		}
	}
	CHECK(parsed > 0);
}

TEST(ldcache_parses_host_cache)
{
	size_t len;
	cleanup_free char *buf = slurp("/etc/ld.so.cache", &len);
	if (!buf) {
		unit_fail(__FILE__, __LINE__, "no /etc/ld.so.cache on this host");
		return;
	}
	struct ldcache c;
	struct pare_error err = { 0 };
	CHECK_INT(ldcache_parse(buf, len, &c, &err), 0);
	CHECK(c.n > 10);
	bool found = false;
	for (size_t i = 0; i < c.n; i++) {
		if (!strcmp(c.entries[i].key, "libc.so.6")) {
			found = true;
			CHECK(access(c.entries[i].value, F_OK) == 0);
			CHECK_INT(c.entries[i].flags & LDCACHE_FLAG_TYPE_MASK, LDCACHE_FLAG_ELF_LIBC6);
#ifdef __x86_64__
			if (c.entries[i].hwcap == 0 && strstr(c.entries[i].value, "x86_64-linux-gnu"))
				CHECK_INT(c.entries[i].flags, ldcache_flags_for(ELFCLASS64, EM_X86_64, false));
#endif
		}
	}
	CHECK(found);
	/* Truncated caches fail cleanly or parse a consistent prefix: never read out of bounds. */
	for (size_t cut = 0; cut < len; cut += len / 37 + 1) {
		cleanup_free char *copy = xmalloc(cut + 1);
		memcpy(copy, buf, cut);
		struct ldcache t;
		if (ldcache_parse(copy, cut, &t, &err) == 0)
			ldcache_release(&t);
	}
	ldcache_release(&c);
}

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* A cache with an old-format part (2 entries) followed by the new format (2 entries). */
static size_t make_combined_cache(unsigned char *b, size_t cap)
{
	memset(b, 0, cap);
	memcpy(b, "ld.so-1.7.0", 11);
	put32(b + 12, 2);
	/* old entries at 16, 28; end at 40; new header aligned to 8: 40 */
	size_t nh = 40;
	memcpy(b + nh, "glibc-ld.so.cache1.1", 20);
	put32(b + nh + 20, 2);
	b[nh + 28] = 2; /* little-endian */
	size_t e0 = nh + 48, e1 = e0 + 24, strs = e1 + 24;
	const char *s[] = { "libfoo.so.1", "/usr/lib/libfoo.so.1", "/usr/lib/glibc-hwcaps/x86-64-v3/libfoo.so.1" };
	size_t off[3], o = strs;
	for (int i = 0; i < 3; i++) {
		off[i] = o - nh;
		memcpy(b + o, s[i], strlen(s[i]) + 1);
		o += strlen(s[i]) + 1;
	}
	put32(b + e0, 0x0303);
	put32(b + e0 + 4, (uint32_t)off[0]);
	put32(b + e0 + 8, (uint32_t)off[2]);
	put64(b + e0 + 16, (1ULL << 62) | 1);
	put32(b + e1, 0x0303);
	put32(b + e1 + 4, (uint32_t)off[0]);
	put32(b + e1 + 8, (uint32_t)off[1]);
	return o;
}

TEST(ldcache_old_with_new_embedded)
{
	unsigned char b[512];
	size_t len = make_combined_cache(b, sizeof(b));
	struct ldcache c;
	struct pare_error err = { 0 };
	CHECK_INT(ldcache_parse(b, len, &c, &err), 0);
	CHECK_INT(c.n, 2);
	if (c.n == 2) {
		CHECK_STR(c.entries[0].key, "libfoo.so.1");
		CHECK_STR(c.entries[0].value, "/usr/lib/glibc-hwcaps/x86-64-v3/libfoo.so.1");
		CHECK(c.entries[0].hwcap != 0);
		CHECK_STR(c.entries[1].value, "/usr/lib/libfoo.so.1");
		CHECK_INT(c.entries[1].hwcap, 0);
	}
	ldcache_release(&c);
	/* A string offset beyond the end is rejected, not followed. */
	put32(b + 40 + 48 + 24 + 8, 5000);
	CHECK_INT(ldcache_parse(b, len, &c, &err), -1);
	CHECK(strstr(err.msg, "outside") != NULL);
	/* An entry count larger than the file is rejected. */
	make_combined_cache(b, sizeof(b));
	put32(b + 40 + 20, 1000000);
	CHECK_INT(ldcache_parse(b, len, &c, &err), -1);
}

TEST(ldcache_old_format_alone)
{
	unsigned char b[256];
	memset(b, 0, sizeof(b));
	memcpy(b, "ld.so-1.7.0", 11);
	put32(b + 12, 1);
	put32(b + 16, 0x0303);
	put32(b + 20, 0);
	put32(b + 24, 8);
	memcpy(b + 28, "libz.so\0/lib/libz.so", 21);
	struct ldcache c;
	struct pare_error err = { 0 };
	CHECK_INT(ldcache_parse(b, 28 + 21, &c, &err), 0);
	CHECK_INT(c.n, 1);
	if (c.n == 1) {
		CHECK_STR(c.entries[0].key, "libz.so");
		CHECK_STR(c.entries[0].value, "/lib/libz.so");
	}
	ldcache_release(&c);
	CHECK_INT(ldcache_parse("garbage garbage garbage", 23, &c, &err), -1);
	CHECK_INT(ldcache_parse("glibc-ld.so.cache1.0xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 60, &c, &err), -1);
}

static void check_shebang(const char *text, int want, const char *interp, const char *arg, const char *envcmd)
{
	struct shebang sb;
	int r = shebang_parse(text, strlen(text), &sb);
	CHECK_INT(r, want);
	if (r != 1)
		return;
	CHECK_STR(sb.interp, interp);
	if (arg)
		CHECK_STR(sb.arg, arg);
	else
		CHECK(sb.arg == NULL);
	cleanup_free char *cmd = shebang_env_command(&sb);
	if (envcmd)
		CHECK_STR(cmd, envcmd);
	else
		CHECK(cmd == NULL);
	shebang_release(&sb);
}

TEST(shebang_cases)
{
	check_shebang("#!/bin/sh\necho hi\n", 1, "/bin/sh", NULL, NULL);
	check_shebang("#! /bin/bash -e \n", 1, "/bin/bash", "-e", NULL);
	check_shebang("#!/usr/bin/python3 -u -W ignore\r\n", 1, "/usr/bin/python3", "-u -W ignore", NULL);
	check_shebang("#!/usr/bin/env python3\n", 1, "/usr/bin/env", "python3", "python3");
	check_shebang("#!/usr/bin/env -S python3 -u\n", 1, "/usr/bin/env", "-S python3 -u", "python3");
	check_shebang("#!/usr/bin/env -S -i PYTHONPATH=/x node --flag\n", 1, "/usr/bin/env",
		      "-S -i PYTHONPATH=/x node --flag", "node");
	check_shebang("#!/usr/bin/env -S -u HOME 'my prog' a\n", 1, "/usr/bin/env", "-S -u HOME 'my prog' a", "my prog");
	check_shebang("#!/bin/env\n", 1, "/bin/env", NULL, NULL);
	check_shebang("#!\n", 0, NULL, NULL, NULL);
	check_shebang("#!   \n", 0, NULL, NULL, NULL);
	check_shebang("# comment\n", 0, NULL, NULL, NULL);
	check_shebang("\x7f" "ELF", 0, NULL, NULL, NULL);
	check_shebang("#!/bin/sh", 1, "/bin/sh", NULL, NULL);
	/* An interpreter name that does not end within 256 bytes is not run by the kernel. */
	char longline[400];
	memset(longline, 'a', sizeof(longline) - 1);
	longline[0] = '#';
	longline[1] = '!';
	longline[2] = '/';
	longline[sizeof(longline) - 1] = '\0';
	check_shebang(longline, 0, NULL, NULL, NULL);
	/* A long argument is cut at 256 bytes, the interpreter is still found. */
	longline[10] = ' ';
	struct shebang sb;
	CHECK_INT(shebang_parse(longline, strlen(longline), &sb), 1);
	CHECK_STR(sb.interp, "/aaaaaaa");
	CHECK_INT(strlen(sb.arg), SHEBANG_BUF_SIZE - 12);
	shebang_release(&sb);
}
