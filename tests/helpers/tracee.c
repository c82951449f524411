/* Test helper for the tracer (tests/t-profile.sh, tests/unit/test_tracer.c): performs known file
 * accesses below BASE and prints each one, so the profile can be checked against what it did.
 *
 *   tracee BASE              every access below (fixtures made by tracee --setup BASE)
 *   tracee --setup DIR [BASE]  create the fixtures in DIR (files, symlinks, the #! script), for use
 *                            as BASE (default DIR) when DIR is copied into an image
 *   tracee --vforked BASE    (internal) the program a vfork child execs
 *   tracee --io-uring        try io_uring_setup and print the result (ENOSYS while traced)
 *   tracee --signals         a handled signal, a child stopped and continued (group-stop), a child
 *                            killed by a signal; then waits for SIGTERM (--timeout) and exits 0
 *   tracee SCRIPT            (internal) as the #! interpreter of BASE/bin/hello.sh
 *
 * Built static and non-PIE, so a static buffer lies below 4 GiB for the 32-bit int 0x80 open. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *base;

static char *at(const char *rel)
{
	static char bufs[8][512];
	static int i;
	char *b = bufs[i++ % 8];
	snprintf(b, 512, "%s/%s", base, rel);
	return b;
}

static void did(const char *what, const char *path, int r)
{
	printf("%-10s %s %s\n", what, path, r < 0 ? strerror(errno) : "ok");
	fflush(stdout);
}

static int open_close(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	return fd;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || chmod(path, mode) < 0) {
		perror(path);
		exit(1);
	}
}

static int setup(const char *image_base)
{
	const char *dirs[] = { "dir", "cwd", "list", "bin", NULL };
	for (int i = 0; dirs[i]; i++)
		if (mkdir(at(dirs[i]), 0755) < 0 && errno != EEXIST)
			return perror(at(dirs[i])), 1;
	const char *files[] = { "dir/file-at", "cwd/file-rel", "target", "fork-file", "vfork-file", "thread-file",
				"grandchild-file", "list/a", "list/b", "int80-file", "script-file", NULL };
	for (int i = 0; files[i]; i++)
		write_file(at(files[i]), "x\n", 0644);
	char abs[512];
	snprintf(abs, sizeof(abs), "%s/chain2", image_base);
	if (symlink(abs, at("chain1")) < 0 || symlink("target", at("chain2")) < 0 || symlink("target", at("link")) < 0)
		return perror("symlink"), 1;
	char script[600];
	/* The interpreter is this helper, named through the /bin symlink when the image has one. */
	snprintf(script, sizeof(script), "#!%s\n", getenv("TRACEE_INTERP") ? getenv("TRACEE_INTERP") : "/bin/tracee");
	write_file(at("bin/hello.sh"), script, 0755);
	return 0;
}

static void *thread_main(void *arg)
{
	(void)arg;
	did("thread", at("thread-file"), open_close(at("thread-file")));
	return NULL;
}

/* open(2) through the i386 syscall ABI: eax=5, ebx=path (must be below 4 GiB), ecx=flags. */
static int open_int80(const char *path)
{
	static char buf[512];
	snprintf(buf, sizeof(buf), "%s", path);
	if ((unsigned long)buf >= 0xffffffffUL) {
		errno = EFAULT;
		return -1;
	}
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(5L), "b"((long)buf), "c"((long)O_RDONLY), "d"(0L) : "memory", "r8", "r9", "r10", "r11");
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	close((int)r);
	return 0;
}

static int run_all(void)
{
	/* open relative to a dirfd */
	int dfd = open(at("dir"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = openat(dfd, "file-at", O_RDONLY | O_CLOEXEC);
	did("openat", at("dir/file-at"), fd);
	if (fd >= 0)
		close(fd);
	close(dfd);
	/* open after chdir */
	if (chdir(at("cwd")) < 0)
		return perror("chdir"), 1;
	did("open-rel", at("cwd/file-rel"), open_close("file-rel"));
	if (chdir("/") < 0)
		return 1;
	/* stat through two symlinks, the first absolute */
	struct stat st;
	did("stat", at("chain1"), stat(at("chain1"), &st));
	/* readlink */
	char buf[256];
	did("readlink", at("link"), (int)readlink(at("link"), buf, sizeof(buf)));
	/* a failing open */
	did("missing", at("missing-file"), open_close(at("missing-file")));
	/* a directory listing */
	DIR *d = opendir(at("list"));
	int n = 0;
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	did("listdir", at("list"), d ? n : -1);
	/* a thread */
	pthread_t th;
	pthread_create(&th, NULL, thread_main, NULL);
	pthread_join(th, NULL);
	/* fork */
	pid_t pid = fork();
	if (pid == 0) {
		did("fork", at("fork-file"), open_close(at("fork-file")));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	/* vfork + exec */
	char self[512];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[len > 0 ? len : 0] = '\0';
	pid = vfork();
	if (pid == 0) {
		execl(self, "tracee", "--vforked", base, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	/* a grandchild that outlives its parent; we learn through a pipe when it is done */
	int p[2];
	if (pipe(p) < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		pid_t parent = getpid();
		if (fork() == 0) {
			close(p[0]);
			while (getppid() == parent) /* until its parent is gone */
				usleep(1000);
			did("grandchild", at("grandchild-file"), open_close(at("grandchild-file")));
			if (write(p[1], "x", 1) < 0)
				_exit(1);
			_exit(0);
		}
		_exit(0);
	}
	close(p[1]);
	waitpid(pid, NULL, 0);
	char c;
	if (read(p[0], &c, 1) != 1)
		fprintf(stderr, "grandchild failed\n");
	close(p[0]);
	/* a 32-bit int 0x80 open, where the kernel offers the i386 ABI (probed in a child: without it,
	 * int 0x80 is a general protection fault) */
	pid = fork();
	if (pid == 0) {
		long r;
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
		_exit(r > 0 ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		did("int80", at("int80-file"), open_int80(at("int80-file")));
	else
		printf("%-10s %s unsupported\n", "int80", at("int80-file"));
	/* exec of a #! script found through PATH (the last thing: exec replaces us) */
	char path[600];
	snprintf(path, sizeof(path), "%s/nonexistent-dir:%s", base, at("bin"));
	setenv("PATH", path, 1);
	printf("%-10s %s\n", "exec", "hello.sh");
	fflush(stdout);
	execlp("hello.sh", "hello.sh", (char *)NULL);
	perror("exec hello.sh");
	return 1;
}

static void on_signal(int sig)
{
	char msg[64];
	int n = snprintf(msg, sizeof(msg), "got signal %d\n", sig);
	if (write(1, msg, (size_t)n) < 0)
		_exit(1);
	if (sig == SIGTERM)
		_exit(0);
}

static int run_signals(void)
{
	signal(SIGUSR1, on_signal);
	signal(SIGTERM, on_signal);
	raise(SIGUSR1);
	pid_t pid = fork();
	if (pid == 0) {
		raise(SIGSTOP);
		printf("child continued\n");
		fflush(stdout);
		_exit(5);
	}
	int status;
	waitpid(pid, &status, WUNTRACED);
	printf("child stopped by signal %d\n", WIFSTOPPED(status) ? WSTOPSIG(status) : -1);
	fflush(stdout);
	kill(pid, SIGCONT);
	waitpid(pid, &status, 0);
	printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	printf("child killed by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : -1);
	printf("waiting for SIGTERM\n");
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--signals"))
		return run_signals();
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "--setup")) {
		base = argv[2];
		return setup(argc == 4 ? argv[3] : argv[2]);
	}
	if (argc == 2 && !strcmp(argv[1], "--io-uring")) {
		unsigned char params[120] = { 0 }; /* struct io_uring_params */
		long fd = syscall(SYS_io_uring_setup, 4, params);
		printf("io_uring_setup: %s\n", fd < 0 ? strerror(errno) : "ok");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--vforked")) {
		base = argv[2];
		did("vfork", at("vfork-file"), open_close(at("vfork-file")));
		return 0;
	}
	if (argc == 2 && strlen(argv[1]) > 13 && !strcmp(argv[1] + strlen(argv[1]) - 13, "/bin/hello.sh")) {
		/* We are the #! interpreter: base is the script's grandparent directory. */
		static char b[512];
		snprintf(b, sizeof(b), "%.*s", (int)(strlen(argv[1]) - 13), argv[1]);
		base = b;
		did("script", at("script-file"), open_close(at("script-file")));
		return 3; /* a distinctive exit status */
	}
	if (argc == 2 && argv[1][0] == '/') {
		base = argv[1];
		return run_all();
	}
	fprintf(stderr, "usage: tracee [--setup|--vforked] BASE\n");
	return 2;
}
