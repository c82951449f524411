/* /etc/hosts, /etc/hostname and /etc/resolv.conf as Docker provides them: files in the run's temp
 * dir, bind-mounted over the image's (which are never modified).
 * - network none: hosts holds Docker's default lines only (plus "127.0.0.1 HOSTNAME" with
 *   hostname_resolves, as the default bridge network resolves the hostname); resolv.conf is the host's with localhost
 *   nameservers removed (Google's public servers when none is left), as libnetwork does.
 * - network host: the host's /etc/hosts and /etc/resolv.conf as they are. */
#include "runtime/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/xalloc.h"

static const char default_hosts[] = "127.0.0.1\tlocalhost\n"
				    "::1\tlocalhost ip6-localhost ip6-loopback\n"
				    "fe00::0\tip6-localnet\n"
				    "ff00::0\tip6-mcastprefix\n"
				    "ff02::1\tip6-allnodes\n"
				    "ff02::2\tip6-allrouters\n";

char *rt_random_hostname(void)
{
	unsigned char b[6] = { 0 };
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		/* Not fatal: fall back to something unique enough for a name. */
		unsigned long v = (unsigned long)getpid() * 2654435761UL ^ (unsigned long)time(NULL);
		memcpy(b, &v, sizeof(b) < sizeof(v) ? sizeof(b) : sizeof(v));
	}
	return xasprintf("%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
}

static int write_file(const char *dir, const char *name, const char *data, size_t len, struct pare_error *err)
{
	cleanup_free char *path = xasprintf("%s/%s", dir, name);
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return pare_error_errno(err, "creating '%s'", path);
	fchmod(fd, 0644);
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return pare_error_errno(err, "writing '%s'", path);
		off += (size_t)w;
	}
	return 0;
}

/* Reads a small host file (NULL when unreadable). */
static char *read_host_file(const char *path)
{
	cleanup_file FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, len = 0;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && len < 1024 * 1024) {
		buf = xgrow(buf, &cap, len + n + 1, 1);
		memcpy(buf + len, chunk, n);
		len += n;
	}
	if (!buf)
		buf = xstrdup("");
	else
		buf[len] = '\0';
	return buf;
}

static bool is_localhost_ns(const char *line)
{
	const char *p = line + strspn(line, " \t");
	if (strncmp(p, "nameserver", 10) != 0 || (p[10] != ' ' && p[10] != '\t'))
		return false;
	p += 10;
	p += strspn(p, " \t");
	if (!strncmp(p, "127.", 4))
		return true;
	return !strncmp(p, "::1", 3) && (p[3] == '\0' || p[3] == ' ' || p[3] == '\t');
}

/* The host's resolv.conf without localhost nameservers (unreachable from a new netns). */
static char *resolv_conf_filtered(void)
{
	cleanup_free char *host = read_host_file("/etc/resolv.conf");
	size_t cap = 0, len = 0;
	char *out = NULL;
	bool have_ns = false;
	if (host) {
		for (char *line = host; *line;) {
			size_t l = strcspn(line, "\n");
			char saved = line[l];
			line[l] = '\0';
			if (!is_localhost_ns(line)) {
				const char *p = line + strspn(line, " \t");
				if (!strncmp(p, "nameserver", 10))
					have_ns = true;
				out = xgrow(out, &cap, len + l + 2, 1);
				memcpy(out + len, line, l);
				len += l;
				out[len++] = '\n';
			}
			line[l] = saved;
			line += l + (saved ? 1 : 0);
		}
	}
	if (!have_ns) {
		const char *dflt = "\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n";
		size_t l = strlen(dflt);
		out = xgrow(out, &cap, len + l + 1, 1);
		memcpy(out + len, dflt, l);
		len += l;
	}
	out = xgrow(out, &cap, len + 1, 1);
	out[len] = '\0';
	return out;
}

int rt_etc_files_write(const char *dir, const char *hostname, enum rt_network net, bool hostname_resolves,
		       struct pare_error *err)
{
	cleanup_free char *hn = xasprintf("%s\n", hostname);
	if (write_file(dir, "hostname", hn, strlen(hn), err) < 0)
		return -1;
	cleanup_free char *hosts = NULL, *resolv = NULL;
	if (net == RT_NETWORK_HOST) {
		hosts = read_host_file("/etc/hosts");
		resolv = read_host_file("/etc/resolv.conf");
	}
	if (!hosts)
		hosts = hostname_resolves ? xasprintf("%s127.0.0.1\t%s\n", default_hosts, hostname) : xstrdup(default_hosts);
	if (!resolv)
		resolv = resolv_conf_filtered();
	if (write_file(dir, "hosts", hosts, strlen(hosts), err) < 0 ||
	    write_file(dir, "resolv.conf", resolv, strlen(resolv), err) < 0)
		return -1;
	return 0;
}
