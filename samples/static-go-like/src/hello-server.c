// hello-server: a tiny statically linked HTTP/1.0 server (the static-go-like sample).
//   hello-server [--port N] [--banner TEXT]
// GET /            -> JSON with the banner
// GET /healthz     -> {"status":"ok"}
// GET /motd        -> the contents of /etc/hello-server/motd.txt (read per request)
// anything else    -> 404
// It forks no children and uses no NSS lookups, so the binary alone is enough to run it.
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static void reply(int fd, int status, const char *type, const char *body)
{
	char head[256];
	const char *reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request";
	int n = snprintf(head, sizeof head,
			 "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nServer: hello-server\r\n"
			 "Connection: close\r\n\r\n",
			 status, reason, type, strlen(body));
	if (write(fd, head, (size_t)n) < 0 || write(fd, body, strlen(body)) < 0)
		perror("hello-server: write");
}

static void serve(int fd, const char *banner)
{
	char req[2048], body[4096], path[256];
	ssize_t n = read(fd, req, sizeof req - 1);
	if (n <= 0)
		return;
	req[n] = 0;
	if (sscanf(req, "GET %255s ", path) != 1) {
		reply(fd, 400, "text/plain", "bad request\n");
		return;
	}
	if (strcmp(path, "/") == 0) {
		snprintf(body, sizeof body, "{\"service\":\"static-go-like\",\"banner\":\"%s\"}\n", banner);
		reply(fd, 200, "application/json", body);
	} else if (strcmp(path, "/healthz") == 0) {
		reply(fd, 200, "application/json", "{\"status\":\"ok\"}\n");
	} else if (strcmp(path, "/motd") == 0) {
		FILE *f = fopen("/etc/hello-server/motd.txt", "r");
		size_t len = f ? fread(body, 1, sizeof body - 1, f) : 0;
		if (f)
			fclose(f);
		body[len] = 0;
		reply(fd, f ? 200 : 404, "text/plain", f ? body : "no motd\n");
	} else {
		reply(fd, 404, "application/json", "{\"error\":\"not found\"}\n");
	}
}

int main(int argc, char **argv)
{
	int port = 8081;
	const char *banner = "hello";
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--port") == 0)
			port = (int)strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--banner") == 0)
			banner = argv[i + 1];
	}
	struct sigaction sa = { .sa_handler = on_term };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int s = socket(AF_INET6, SOCK_STREAM, 0), one = 1, zero = 0;
	if (s < 0) {
		perror("hello-server: socket");
		return 1;
	}
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
	struct sockaddr_in6 addr = { .sin6_family = AF_INET6, .sin6_port = htons((unsigned short)port) };
	if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s, 64) < 0) {
		perror("hello-server: bind");
		return 1;
	}
	printf("hello-server: listening on :%d\n", port);
	fflush(stdout);
	while (!stopping) {
		int c = accept(s, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			perror("hello-server: accept");
			return 1;
		}
		serve(c, banner);
		close(c);
	}
	return 0;
}
