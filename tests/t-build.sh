#!/usr/bin/env bash
# pare build on tiny images made here: a merged-/usr busybox tree (/bin -> usr/bin) with a dynamically
# linked program (a library in its RUNPATH directory, a plugin loaded with dlopen that has a
# dependency of its own), a #! entrypoint script, a script found through PATH by env, a setcap binary
# and hardlinks. The slim image must give the same output as the original under pare run and under
# docker run, keep capabilities and hardlinks, and lose the files nothing used. Then the HTTP prober
# (busybox httpd), --exec, probe failures, --continue-after, keep options, -o -, the report.
. "$(dirname "$0")/lib.sh"

for tool in docker busybox cc python3 tar setcap curl; do
	command -v $tool >/dev/null || { not_ok "tool $tool present (run make deps)"; t_done; }
done
M=x86_64-linux-gnu
[ -e /lib/$M/libc.so.6 ] || { skip "t-build fixtures" "host libc is not at /lib/$M"; t_done; }
need_dockerd || { not_ok "dockerd answers"; t_done; }
N=paretest-build-$$

# ---- the application image ----
mk_app_root() {
	local r=$1 src=$T/src
	mkdir -p "$r"/usr/{bin,lib/$M,lib64,local/bin,share/doc/pkg} "$r"/opt/{app/bin,app/lib,app/plugins,cap} \
		"$r"/etc "$r"/tmp "$r"/root "$r"/var/log "$src"
	ln -s usr/bin "$r/bin"
	ln -s usr/lib "$r/lib"
	ln -s usr/lib64 "$r/lib64"
	cp /bin/busybox "$r/usr/bin/busybox"
	local a
	for a in sh cat echo ls env id vi wc sed; do ln -s busybox "$r/usr/bin/$a"; done
	cp -L /lib/$M/libc.so.6 "$r/usr/lib/$M/"
	cp -L /lib64/ld-linux-x86-64.so.2 "$r/usr/lib/$M/ld-linux-x86-64.so.2"
	ln -s ../lib/$M/ld-linux-x86-64.so.2 "$r/usr/lib64/ld-linux-x86-64.so.2"
	cat >"$src/greet.c" <<-'C'
		int greet(void) { return 42; }
	C
	cat >"$src/helper.c" <<-'C'
		int helper(void) { return 7; }
	C
	cat >"$src/plugin.c" <<-'C'
		int helper(void);
		int plugin(void) { return helper() * 6; }
	C
	cat >"$src/main.c" <<-'C'
		#include <dlfcn.h>
		#include <stdio.h>
		int greet(void);
		int main(void)
		{
			printf("greet=%d\n", greet());
			void *h = dlopen("/opt/app/plugins/libplugin.so", RTLD_NOW);
			if (!h) {
				printf("dlopen: %s\n", dlerror());
				return 1;
			}
			int (*f)(void) = (int (*)(void))dlsym(h, "plugin");
			printf("plugin=%d\n", f ? f() : -1);
			return 0;
		}
	C
	cc -shared -fPIC -Wl,-soname,libgreet.so.1 -o "$r/opt/app/lib/libgreet.so.1" "$src/greet.c" &&
		cc -shared -fPIC -Wl,-soname,libunused.so.1 -o "$r/opt/app/lib/libunused.so.1" "$src/greet.c" &&
		cc -shared -fPIC -Wl,-soname,libhelper.so.1 -o "$r/opt/app/plugins/libhelper.so.1" "$src/helper.c" &&
		cc -shared -fPIC -o "$r/opt/app/plugins/libplugin.so" "$src/plugin.c" "$r/opt/app/plugins/libhelper.so.1" \
			-Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN' &&
		cc -o "$r/opt/app/bin/app" "$src/main.c" "$r/opt/app/lib/libgreet.so.1" -ldl \
			-Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/../lib' || return 1
	cp /bin/busybox "$r/opt/cap/id"
	setcap cap_net_bind_service+ep "$r/opt/cap/id" || return 1
	printf '#!/usr/bin/env sh\necho "hello from $0"\n' >"$r/usr/local/bin/hello"
	printf '#!/bin/sh\necho both-ok\n' >"$r/usr/local/bin/both1"
	ln "$r/usr/local/bin/both1" "$r/usr/local/bin/both2"
	printf '#!/bin/sh\necho half-ok\n' >"$r/usr/local/bin/half1"
	ln "$r/usr/local/bin/half1" "$r/usr/local/bin/half2"
	chmod 755 "$r"/usr/local/bin/*
	cat >"$r/usr/local/bin/entry" <<-'SH'
		#!/bin/sh
		echo "entry $*"
		/opt/app/bin/app
		hello
		both1
		both2
		half1
		cat /etc/motd
		/opt/cap/id -u
		echo "lines: $(wc -l </etc/passwd)"
		echo ran >/var/log/app.log
	SH
	chmod 755 "$r/usr/local/bin/entry"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
	echo 'root:x:0:' >"$r/etc/group"
	echo 'welcome' >"$r/etc/motd"
	echo 'extra' >"$r/etc/extra"
	echo 'docs' >"$r/usr/share/doc/pkg/README"
	echo 'more' >"$r/usr/share/other"
	head -c 300000 /dev/urandom >"$r/usr/share/doc/pkg/big.bin"
	chmod 1777 "$r/tmp"
	/sbin/ldconfig -r "$r" 2>/dev/null || true
}

mk_image() { # ROOT OUT TAG CONFIG-JSON
	tar --xattrs --xattrs-include='*' --numeric-owner -C "$1" -cf "$T/layer.tar" . || return 1
	python3 - "$T/layer.tar" "$2" "$3" "$4" <<-'PY'
		import json, subprocess, sys
		layer, out, tag, config = sys.argv[1:]
		spec = {"format": "docker-archive", "tags": [tag], "config": json.loads(config),
		        "layers": [{"raw_file": layer}]}
		subprocess.run([sys.executable, sys.argv[0] if False else "tests/mkimage.py", "-", out],
		               input=json.dumps(spec).encode(), check=True)
	PY
}

layer_list() { # ARCHIVE: "TYPE PATH [xattr]" lines of the (only) layer of a pare-written archive
	python3 - "$1" <<-'PY'
		import json, sys, tarfile, io
		t = tarfile.open(sys.argv[1])
		man = json.load(t.extractfile("manifest.json"))
		layer = t.extractfile(man[0]["Layers"][-1]).read()
		for m in tarfile.open(fileobj=io.BytesIO(layer)):
		    kind = {tarfile.REGTYPE: "f", tarfile.DIRTYPE: "d", tarfile.SYMTYPE: "l", tarfile.LNKTYPE: "h"}.get(m.type, "?")
		    cap = " cap" if "SCHILY.xattr.security.capability" in m.pax_headers else ""
		    print("%s /%s%s%s" % (kind, m.name.lstrip("./").rstrip("/"), (" -> " + m.linkname) if m.linkname else "", cap))
	PY
}

cd "$ROOT"
if mk_app_root "$T/root" >"$T/fixture.log" 2>&1 &&
	mk_image "$T/root" "$T/app.tar" "$N-app:1" '{"Entrypoint":["/usr/local/bin/entry"],"Cmd":["arg1"],"Env":["PATH=/usr/local/bin:/usr/bin:/bin"]}' >>"$T/fixture.log" 2>&1; then
	ok "fixture: application image built"
else
	not_ok "fixture: application image built" "$(tail -20 "$T/fixture.log")"
	t_done
fi

# The original, under pare run and docker run.
"$PARE" run "$T/app.tar" >"$T/orig.pare" 2>&1
assert_eq "original runs under pare run" "$?" 0
docker load -i "$T/app.tar" >/dev/null && t_cleanup_add "docker rmi -f $N-app:1"
docker run --rm --pull never "$N-app:1" >"$T/orig.docker" 2>&1
assert_file_eq "original: pare run and docker run agree" "$T/orig.pare" "$T/orig.docker"
grep -q '^plugin=42$' "$T/orig.pare" && grep -q '^hello from' "$T/orig.pare"
assert_eq "original output is the expected one" "$?" 0

# Slim it.
check "pare build slims the application image" \
	"$PARE" build "$T/app.tar" -o "$T/app.slim.tar" --tag "$N-app-slim:1" --report "$T/report.json"
"$PARE" run "$T/app.slim.tar" >"$T/slim.pare" 2>&1
assert_eq "slim image runs under pare run" "$?" 0
assert_file_eq "slim image: same output as the original (pare run)" "$T/slim.pare" "$T/orig.pare"
docker load -i "$T/app.slim.tar" >/dev/null && t_cleanup_add "docker rmi -f $N-app-slim:1"
docker run --rm --pull never "$N-app-slim:1" >"$T/slim.docker" 2>&1
assert_file_eq "slim image: same output as the original (docker run)" "$T/slim.docker" "$T/orig.docker"

layer_list "$T/app.slim.tar" >"$T/slim.list"
has() { grep -qxF -- "$1" "$T/slim.list"; }
missing=()
for want in "l /bin -> usr/bin" "l /lib -> usr/lib" "l /lib64 -> usr/lib64" "f /opt/app/bin/app" \
	"f /opt/app/lib/libgreet.so.1" "f /opt/app/plugins/libplugin.so" "f /opt/app/plugins/libhelper.so.1" \
	"f /usr/lib/$M/libc.so.6" "f /usr/lib/$M/ld-linux-x86-64.so.2" \
	"l /usr/lib64/ld-linux-x86-64.so.2 -> ../lib/$M/ld-linux-x86-64.so.2" "f /usr/local/bin/entry" \
	"f /usr/local/bin/hello" "l /usr/bin/env -> busybox" "f /opt/cap/id cap" "f /etc/motd" "f /etc/passwd" \
	"d /tmp" "d /var/log"; do
	has "$want" || missing+=("$want")
done
assert_eq "slim image keeps what the application needs" "${missing[*]}" ""
grep -qE '^(f /usr/local/bin/both[12]|h /usr/local/bin/both[12] -> usr/local/bin/both[12])$' "$T/slim.list" &&
	[ "$(grep -cE '^h /usr/local/bin/both[12] -> ' "$T/slim.list")" = 1 ]
assert_eq "hardlinks used under two names stay hardlinks" "$?" 0
extra=()
for gone in /usr/share/doc/pkg/README /usr/share/doc/pkg/big.bin /usr/share/other /opt/app/lib/libunused.so.1 \
	/usr/local/bin/half2 /usr/bin/vi /etc/extra; do
	grep -qE "^. $gone( |$)" "$T/slim.list" && extra+=("$gone")
done
assert_eq "unused files are gone" "${extra[*]}" ""
python3 - "$T/report.json" <<-'PY' >"$T/report.check" 2>&1
	import json, sys
	r = json.load(open(sys.argv[1]))
	kept = {k["path"]: k for k in r["kept"]}
	removed = {k["path"] for k in r["removed"]}
	assert kept["/opt/app/plugins/libhelper.so.1"]["reason"] in ("traced", "elf-dependency"), kept["/opt/app/plugins/libhelper.so.1"]
	assert kept["/etc/passwd"]["reason"] in ("always", "traced")
	assert kept["/bin"]["reason"] in ("traced", "symlink")
	assert "/usr/share/doc/pkg/big.bin" in removed
	assert r["sizes"]["slim_bytes"] < r["sizes"]["original_bytes"]
	assert r["profile"]["stats"]["execs"] >= 5, r["profile"]
	assert set(r["phases"]) >= {"unpack", "run", "probes", "minify", "write"}
	print("report ok")
PY
assert_eq "the report lists reasons, removed files, sizes, phases" "$(tail -1 "$T/report.check")" "report ok"

# Keep options, --exec, the output config, and the CI pipeline form (stdin to stdout). The analysis
# runs a long sleep instead of the entrypoint (run options apply to the analysis only) and exercises
# the application through --exec; the output keeps the original entrypoint, which must still work.
cat "$T/app.tar" | "$PARE" build - -o - --tag "$N-app-opts:1" --entrypoint /usr/bin/busybox \
	--cmd sleep --cmd 60 --stop-timeout 1 --exec '/usr/local/bin/entry arg1; cat /etc/extra' \
	--include-path /usr/share --exclude '/usr/share/doc' --new-env GREETING=hi --new-label stage=slim \
	>"$T/opts.tar" 2>"$T/opts.err"
assert_eq "pare build - -o - streams the slim image" "$?" 0
grep -qx extra "$T/opts.err" && grep -qx 'entry arg1' "$T/opts.err"
assert_eq "the application's output goes to stderr, the image to stdout" "$?" 0
layer_list "$T/opts.tar" >"$T/slim.list"
has "f /usr/share/other" && has "f /etc/extra" && ! grep -q '/usr/share/doc' "$T/slim.list"
assert_eq "--include-path, --exclude and --exec decide what is kept" "$?" 0
docker load -i "$T/opts.tar" >/dev/null && t_cleanup_add "docker rmi -f $N-app-opts:1"
env_label=$(docker inspect -f '{{range .Config.Env}}{{.}} {{end}}{{.Config.Labels.stage}}' "$N-app-opts:1" 2>&1)
assert_eq "--new-env and --new-label change the output config" "$env_label" \
	"PATH=/usr/local/bin:/usr/bin:/bin GREETING=hi slim"
docker run --rm --pull never "$N-app-opts:1" >"$T/opts.docker" 2>&1
assert_file_eq "an image analysed through --exec runs its entrypoint like the original" "$T/opts.docker" \
	"$T/orig.docker"

# ---- an HTTP server: the prober drives it; the slim image answers the same ----
mkdir -p "$T/web/bin" "$T/web/www/sub" "$T/web/etc" "$T/web/tmp"
cp /bin/busybox "$T/web/bin/"
ln -s busybox "$T/web/bin/sh"
echo 'root:x:0:0:root:/root:/bin/sh' >"$T/web/etc/passwd"
echo '<html><a href="/sub/page.html">sub</a><img src="/logo.txt"></html>' >"$T/web/www/index.html"
echo 'sub page' >"$T/web/www/sub/page.html"
echo 'logo' >"$T/web/www/logo.txt"
echo 'api' >"$T/web/www/api.txt"
echo 'never linked' >"$T/web/www/unused.html"
mk_image "$T/web" "$T/web.tar" "$N-web:1" \
	'{"Entrypoint":["/bin/busybox","httpd","-f","-p","8080","-h","/www"],"ExposedPorts":{"8080/tcp":{}}}' \
	>"$T/fixture.log" 2>&1 || not_ok "fixture: web image built" "$(tail -5 "$T/fixture.log")"
check "pare build probes an HTTP server (crawl + --http-probe-cmd)" \
	"$PARE" build "$T/web.tar" -o "$T/web.slim.tar" --tag "$N-web-slim:1" --http-probe-cmd /api.txt \
	--stop-timeout 1 --report "$T/web.json"
layer_list "$T/web.slim.tar" >"$T/slim.list"
has "f /www/index.html" && has "f /www/sub/page.html" && has "f /www/logo.txt" && has "f /www/api.txt" &&
	! grep -q unused.html "$T/slim.list"
assert_eq "crawled and requested pages are kept, unlinked ones are not" "$?" 0
serve_and_get() { # TAG: GET every page from the image run by docker
	local c
	c=$(docker run -d --rm --pull never -p 127.0.0.1::8080 "$1") || return 1
	local port
	port=$(docker port "$c" 8080/tcp | head -1 | sed 's/.*://')
	local i
	for i in $(seq 1 50); do curl -s "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
	for p in / /sub/page.html /logo.txt /api.txt /nope; do
		echo "$p $(curl -s -o - -w ' %{http_code}' "http://127.0.0.1:$port$p")"
	done
	docker rm -f "$c" >/dev/null
}
docker load -i "$T/web.tar" >/dev/null && t_cleanup_add "docker rmi -f $N-web:1"
docker load -i "$T/web.slim.tar" >/dev/null && t_cleanup_add "docker rmi -f $N-web-slim:1"
serve_and_get "$N-web:1" >"$T/web.orig" 2>&1
serve_and_get "$N-web-slim:1" >"$T/web.slim" 2>&1
assert_file_eq "slim web image answers like the original under docker" "$T/web.slim" "$T/web.orig"
grep -q '^/sub/page.html sub page' "$T/web.orig"
assert_eq "the original web image served its pages" "$?" 0
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); h=r["probes"]["http"]; assert len(h)>=4 and all(x["status"]==200 for x in h), h; print("ok")' \
	"$T/web.json" >"$T/web.check" 2>&1
assert_eq "the report lists the HTTP probes and their results" "$(tail -1 "$T/web.check")" "ok"

# The crawl's bounds: depth 0 sends GET / and the user's requests only; one page at most stops after GET /.
"$PARE" build "$T/web.tar" -o "$T/d0.tar" --http-crawl-depth 0 --http-probe-cmd /api.txt --stop-timeout 1 \
	--report "$T/d0.json" --quiet >"$T/d0.out" 2>&1
python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["probes"]["http"]; u=sorted(x["url"].split("/",3)[3] for x in h); print(u)' \
	"$T/d0.json" >"$T/d0.check" 2>&1
assert_eq "--http-crawl-depth 0: only GET / and the requested page" "$(cat "$T/d0.check")" "['', 'api.txt']"
"$PARE" build "$T/web.tar" -o "$T/p1.tar" --http-crawl-pages 1 --stop-timeout 1 --report "$T/p1.json" --quiet \
	>"$T/p1.out" 2>&1
python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["probes"]["http"]; print(len(h))' "$T/p1.json" >"$T/p1.check" 2>&1
assert_eq "--http-crawl-pages 1: one crawled request per port" "$(cat "$T/p1.check")" 1
check_status "--http-crawl-depth wants a whole number" 2 "$PARE" build "$T/web.tar" --http-crawl-depth=-1
rm -f "$T/d0.tar" "$T/p1.tar"

# A probe that fails makes the build fail, with no output; --probe-failures=ignore builds anyway.
rm -f "$T/fail.tar"
"$PARE" build "$T/web.tar" -o "$T/fail.tar" --http-probe-ports 9999 --http-probe-wait 2 --stop-timeout 1 \
	>"$T/fail.out" 2>&1
rc=$?
[ $rc = 1 ] && [ ! -e "$T/fail.tar" ] && grep -q '^pare: .*probe' "$T/fail.out"
assert_eq "a failed probe fails the build, leaves no output and says why" "$?" 0
check "--probe-failures=ignore builds anyway" \
	"$PARE" build "$T/web.tar" -o "$T/fail.tar" --http-probe-ports 9999 --http-probe-wait 1 --stop-timeout 1 \
	--probe-failures=ignore --quiet
"$PARE" build "$T/web.tar" -o "$T/fail.tar" --exec 'exit 3' --http-probe=off --stop-timeout 1 >"$T/fail.out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "exec 'exit 3' exited with status 3" "$T/fail.out"
assert_eq "a failing --exec fails the build" "$?" 0

# With the HTTP probe off, the --exec commands wait until the exposed ports accept connections: a
# client run before the server listens (here 2 s after the start) would only fail.
mk_image "$T/web" "$T/late.tar" "$N-late:1" \
	'{"Entrypoint":["/bin/sh","-c","sleep 2; exec /bin/busybox httpd -f -p 8080 -h /www"],"ExposedPorts":{"8080/tcp":{}}}' \
	>"$T/fixture.log" 2>&1 || not_ok "fixture: late web image built" "$(tail -5 "$T/fixture.log")"
check "--exec waits for the exposed ports when the HTTP probe is off" \
	"$PARE" build "$T/late.tar" -o "$T/late.slim.tar" --http-probe=off --stop-timeout 1 --quiet \
	--exec 'busybox wget -q -O - http://127.0.0.1:8080/api.txt'
layer_list "$T/late.slim.tar" >"$T/slim.list"
has "f /www/api.txt" && ! grep -q '/www/sub/page.html' "$T/slim.list"
assert_eq "what the --exec client fetched is kept" "$?" 0
rm -f "$T/late.tar" "$T/late.slim.tar"

# --continue-after SECONDS on a server that ignores SIGTERM (PID 1): stopped with SIGKILL, built.
check "--continue-after SECONDS stops a server that never exits" \
	"$PARE" build "$T/web.tar" -o "$T/cont.tar" --http-probe=off --continue-after 1 --stop-timeout 1 --quiet
layer_list "$T/cont.tar" >"$T/slim.list"
has "f /bin/busybox" && ! grep -q '/www/sub/page.html' "$T/slim.list"
assert_eq "without probes only the server's own start-up files are kept" "$?" 0

# Ctrl-C during the analysis ends the build: status 130, no output, no container left.
"$PARE" build "$T/web.tar" -o "$T/int.tar" --http-probe=off --continue-after 60 --quiet >/dev/null 2>&1 &
pid=$!
# The container's httpd is pare's child (another httpd on the machine, e.g. under docker, is not).
hpid=
for i in $(seq 1 100); do hpid=$(pgrep -P $pid -f "^/bin/busybox httpd -f -p 8080 -h /www") && break; sleep 0.1; done
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] && [ ! -e "$T/int.tar" ] && [ -n "$hpid" ] && ! kill -0 "$hpid" 2>/dev/null
assert_eq "SIGINT during the analysis: status 130, no output, no process left" "$?" 0

# An output or report that is a device or a FIFO (-o /dev/null, /dev/stdout, a pipe) is written to as it
# is, never replaced by a file renamed over it: a device node of our own here, not the machine's.
mknod -m 666 "$T/null" c 1 3 && mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fifo.out" &
reader=$!
"$PARE" build "$T/web.tar" -o "$T/null" --report "$T/null" --http-probe=off --continue-after 1 --quiet >/dev/null 2>&1 &&
	"$PARE" build "$T/web.tar" -o "$T/fifo" --http-probe=off --continue-after 1 --quiet >/dev/null 2>&1
rc=$?
# the reader ends with pare's close; it would wait forever on a FIFO that was replaced or never opened
{ [ $rc = 0 ] && [ -p "$T/fifo" ]; } || kill $reader 2>/dev/null
wait $reader
[ $rc = 0 ] && [ -c "$T/null" ] && [ -p "$T/fifo" ] && tar tf "$T/fifo.out" | grep -qx manifest.json &&
	[ -z "$(find "$T" -maxdepth 1 -name '.null.pare-*' -o -maxdepth 1 -name '.fifo.pare-*' -o -maxdepth 1 -name 'null.tmp*')" ]
assert_eq "-o and --report to a device or a FIFO: written there, the node stays" "$?" 0

# Merged /usr: the root's directory links are kept though nothing went through them (the application
# ran /usr/bin paths only): #!/bin/sh scripts, docker exec /bin/sh and packages' /bin paths need them.
m=$T/merged
mkdir -p "$m/usr/bin" "$m/usr/sbin" "$m/tmp"
ln -s usr/bin "$m/bin" && ln -s usr/sbin "$m/sbin"
cp /bin/busybox "$m/usr/bin/busybox" && ln -s busybox "$m/usr/bin/sh" && ln -s busybox "$m/usr/bin/echo"
mk_image "$m" "$T/merged.tar" "$N-merged:1" '{"Entrypoint":["/usr/bin/busybox","echo","hi"],"Env":["PATH=/usr/bin"]}' \
	>>"$T/fixture.log" 2>&1
"$PARE" build -q "$T/merged.tar" -o "$T/merged.slim.tar" >/dev/null 2>&1
assert_eq "merged /usr, entrypoint by its /usr path: pare build" "$?" 0
layer_list "$T/merged.slim.tar" >"$T/merged.list"
check "the slim image keeps /bin -> usr/bin and /sbin -> usr/sbin" \
	sh -c 'grep -qxF "l /bin -> usr/bin" "$1" && grep -qxF "l /sbin -> usr/sbin" "$1"' _ "$T/merged.list"
assert_eq "  (so /bin/busybox runs in it)" "$("$PARE" run --entrypoint /bin/busybox "$T/merged.slim.tar" echo via-bin 2>&1)" via-bin

# Bad input: one line, status 1 (usage errors 2), no output file.
"$PARE" build "$T/nope.tar" -o "$T/x.tar" >"$T/bad.out" 2>&1
assert_eq "missing image: status 1" "$?" 1
assert_eq "missing image: one line of error" "$(wc -l <"$T/bad.out")" 1
"$PARE" build "$T/web.tar" --continue-after soon >/dev/null 2>&1
assert_eq "bad --continue-after: status 2" "$?" 2
[ ! -e "$T/x.tar" ]
assert_eq "no output after a failure" "$?" 0
t_done
