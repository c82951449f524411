/* Replay main for a fuzz target: runs LLVMFuzzerTestOneInput over every file named on the command line
 * and every regular file in the directories named (sorted), then prints how many inputs it ran.
 * A crash is the target's failure (with SANITIZE=1, reported by ASan/UBSan). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/strvec.h"
#include "lib/xalloc.h"
#include "tests/fuzz/fuzz.h"

static int replay_file(const char *path)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t size = (size_t)st.st_size;
	cleanup_free uint8_t *buf = xmalloc(size ? size : 1);
	size_t got = 0;
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "replay: %s: short read\n", path);
			return -1;
		}
		got += (size_t)r;
	}
	/* An exact-size copy, so ASan sees reads past the input's end. */
	uint8_t *exact = xmalloc(size ? size : 1);
	memcpy(exact, buf, size);
	LLVMFuzzerTestOneInput(exact, size);
	free(exact);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	size_t n = 0;
	int bad = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= replay_file(argv[i]) < 0;
			n++;
			continue;
		}
		cleanup_dir DIR *d = opendir(argv[i]);
		if (!d) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		struct strvec files = STRVEC_INIT;
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char *p = xasprintf("%s/%s", argv[i], de->d_name);
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
				strvec_push_nodup(&files, p);
			else
				free(p);
		}
		if (files.n)
			qsort(files.v, files.n, sizeof(char *), cmp_str);
		for (size_t k = 0; k < files.n; k++, n++)
			bad |= replay_file(files.v[k]) < 0;
		strvec_release(&files);
	}
	printf("replayed %zu inputs\n", n);
	return bad || n == 0 ? 1 : 0;
}
