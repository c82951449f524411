/* secprobe: raw probes for tests/t-security.sh, run inside a container (static: no libc, NSS or shell
 * features needed from the image). Each prints one line and exits 0 when the action succeeded.
 *   secprobe connect IPV4 PORT       a TCP connection: "connected" or "refused: <error>"
 *   secprobe mknod-read PATH MAJ MIN  mknod a character device and read one byte from it:
 *                                    "read" or "failed: <step>: <error>"                          */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int probe_connect(const char *ip, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)strtoul(port, NULL, 10)) };
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
		printf("refused: bad address '%s'\n", ip);
		return 1;
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		printf("refused: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	printf("connected\n");
	return 0;
}

static int probe_mknod_read(const char *path, const char *maj, const char *min)
{
	char c;
	dev_t dev = makedev((unsigned)strtoul(maj, NULL, 10), (unsigned)strtoul(min, NULL, 10));
	if (mknod(path, S_IFCHR | 0600, dev) < 0 && errno != EEXIST) {
		printf("failed: mknod: %s\n", strerror(errno));
		return 1;
	}
	int fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		printf("failed: open: %s\n", strerror(errno));
		return 1;
	}
	ssize_t n = read(fd, &c, 1);
	close(fd);
	if (n < 0 && errno != EAGAIN && errno != EINVAL) {
		printf("failed: read: %s\n", strerror(errno));
		return 1;
	}
	printf("read\n"); /* opened: EAGAIN/EINVAL (kmsg wants a bigger buffer) still mean access */
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "connect"))
		return probe_connect(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "mknod-read"))
		return probe_mknod_read(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: secprobe connect IPV4 PORT | mknod-read PATH MAJOR MINOR\n");
	return 2;
}
