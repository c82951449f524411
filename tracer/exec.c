/* After a successful exec: the process record, and the files the kernel opened for the exec without a
 * syscall of the application (#! interpreters, the ELF interpreter), resolved so that their symlink
 * chains are recorded too (/lib64/ld-linux-x86-64.so.2 -> ..., /bin/sh -> dash). */
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "tracer/tracer_int.h"

#define MAX_SHEBANG_DEPTH 4

static char **read_cmdline(pid_t tid)
{
	char path[64], buf[65536];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)tid);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct strvec sv = STRVEC_INIT;
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	for (ssize_t i = 0; i < n;) {
		buf[n] = '\0';
		strvec_push(&sv, buf + i);
		i += (ssize_t)strlen(buf + i) + 1;
	}
	return strvec_detach(&sv);
}

/* The pid as the process's own PID namespace sees it (last NSpid field). */
static long ns_pid(pid_t tid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	cleanup_file FILE *f = fopen(path, "re");
	long pid = tid;
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6) != 0)
			continue;
		char *s = line + 6, *end;
		for (long v; (v = strtol(s, &end, 10)), end != s; s = end)
			pid = v;
		break;
	}
	return pid;
}

/* Read the start of an image file (a resolved path: no symlink in it) through the container root. */
static ssize_t read_head(struct tracer *t, const char *path, void *buf, size_t n, off_t off)
{
	cleanup_close int fd = openat(t->res.rootfd, path[1] ? path + 1 : ".", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	return pread(fd, buf, n, off);
}

/* The interpreter of a "#!" script, or NULL. */
static char *shebang_interpreter(struct tracer *t, const char *script)
{
	char buf[256];
	ssize_t n = read_head(t, script, buf, sizeof(buf) - 1, 0);
	if (n < 3 || buf[0] != '#' || buf[1] != '!')
		return NULL;
	buf[n] = '\0';
	char *s = buf + 2;
	s += strspn(s, " \t");
	size_t len = strcspn(s, " \t\n");
	return len && s[0] == '/' ? xstrndup(s, len) : NULL;
}

/* PT_INTERP of an ELF file, or NULL (static binaries, not ELF). */
static char *elf_interpreter(struct tracer *t, const char *path)
{
	unsigned char buf[4096];
	ssize_t n = read_head(t, path, buf, sizeof(buf), 0);
	if (n < (ssize_t)sizeof(Elf32_Ehdr) || memcmp(buf, ELFMAG, SELFMAG) != 0)
		return NULL;
	bool is64 = buf[EI_CLASS] == ELFCLASS64;
	uint64_t phoff, phnum, phentsize;
	if (is64) {
		if (n < (ssize_t)sizeof(Elf64_Ehdr))
			return NULL;
		const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
		phoff = eh->e_phoff, phnum = eh->e_phnum, phentsize = eh->e_phentsize;
	} else {
		const Elf32_Ehdr *eh = (const Elf32_Ehdr *)buf;
		phoff = eh->e_phoff, phnum = eh->e_phnum, phentsize = eh->e_phentsize;
	}
	if (phentsize < (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) || phnum > 256)
		return NULL;
	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t at = phoff + i * phentsize, off, size;
		if (at + phentsize > (uint64_t)n)
			return NULL;
		if (is64) {
			const Elf64_Phdr *ph = (const Elf64_Phdr *)(buf + at);
			if (ph->p_type != PT_INTERP)
				continue;
			off = ph->p_offset, size = ph->p_filesz;
		} else {
			const Elf32_Phdr *ph = (const Elf32_Phdr *)(buf + at);
			if (ph->p_type != PT_INTERP)
				continue;
			off = ph->p_offset, size = ph->p_filesz;
		}
		char interp[PATH_MAX];
		if (size < 2 || size >= sizeof(interp) || read_head(t, path, interp, size, (off_t)off) != (ssize_t)size)
			return NULL;
		interp[size - 1] = '\0';
		return interp[0] == '/' ? xstrdup(interp) : NULL;
	}
	return NULL;
}

void exec_record(struct tracer *t, struct tracee *te)
{
	char proc[64], buf[PATH_MAX];
	t->profile->stats.execs++;
	if (tracer_ensure_root(t, te->tid) < 0)
		return;
	snprintf(proc, sizeof(proc), "/proc/%d/exe", (int)te->tid);
	ssize_t n = readlink(proc, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	cleanup_free char *exe = n > 0 ? resolver_map(&t->res, buf) : NULL;
	cleanup_strv char **argv = read_cmdline(te->tid);
	profile_add_process(t->profile, ns_pid(te->tid), exe, argv);
	if (exe)
		record_path(t, "/", exe, false, PROFILE_EXEC, false, NULL);

	/* #! chain from the file the exec named to the binary that runs; the kernel reads the #! and ELF
	 * interpreters' paths inside the process's root. */
	const char *root = tracee_root(t, te);
	cleanup_free char *file = NULL;
	if (te->exec_path)
		record_path(t, te->exec_root, te->exec_path, true, PROFILE_EXEC, false, &file);
	for (int depth = 0; file && exe && strcmp(file, exe) != 0 && depth < MAX_SHEBANG_DEPTH; depth++) {
		cleanup_free char *interp = shebang_interpreter(t, file);
		free(file);
		file = NULL;
		if (interp)
			record_path(t, root, interp, true, PROFILE_EXEC, false, &file);
	}
	/* The ELF interpreter the kernel loaded. */
	cleanup_free char *interp = exe ? elf_interpreter(t, exe) : NULL;
	if (interp)
		record_path(t, root, interp, true, PROFILE_EXEC, false, NULL);
	free(te->exec_path);
	free(te->exec_root);
	te->exec_path = te->exec_root = NULL;
}
