#!/usr/bin/env bash
# pare build and what the engine runs besides the entrypoint: the image's HEALTHCHECK. Docker runs it
# inside the container all the time; a slim image without the checker turns "unhealthy". pare build
# runs it once, traced, at the end of the analysis, so the checker and what it loads are kept.
# Fixture: busybox httpd (the application) and a second busybox reached only as /opt/hc/wget (the
# checker), in CMD and CMD-SHELL forms; a checker that hangs is killed after the image's Timeout.
# Then the analysis network: the container's hostname resolves, as on Docker's default bridge.
. "$(dirname "$0")/lib.sh"

for tool in docker busybox python3 tar; do
	command -v $tool >/dev/null || { not_ok "tool $tool present (run make deps)"; t_done; }
done
need_dockerd || { not_ok "dockerd answers"; t_done; }
N=paretest-health-$$
cd "$ROOT"

r=$T/root
mkdir -p "$r/bin" "$r/opt/hc" "$r/www" "$r/etc" "$r/tmp"
cp /bin/busybox "$r/bin/busybox"
ln -s busybox "$r/bin/sh"
cp /bin/busybox "$r/opt/hc/busybox"
ln -s busybox "$r/opt/hc/wget"
echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
echo 'hello' >"$r/www/index.html"
mk_image() { # OUT TAG HEALTHCHECK-JSON
	tar --numeric-owner -C "$r" -cf "$T/layer.tar" . || return 1
	python3 - "$T/layer.tar" "$1" "$2" "$3" <<-'PY'
		import json, subprocess, sys
		layer, out, tag, hc = sys.argv[1:]
		config = {"Entrypoint": ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"],
		          "ExposedPorts": {"8080/tcp": {}}, "Healthcheck": json.loads(hc)}
		spec = {"format": "docker-archive", "tags": [tag], "config": config, "layers": [{"raw_file": layer}]}
		subprocess.run([sys.executable, "tests/mkimage.py", "-", out], input=json.dumps(spec).encode(), check=True)
	PY
}
layer_has() { # ARCHIVE PATH: the (only) layer of a pare-written archive holds PATH
	python3 - "$1" "$2" <<-'PY'
		import json, sys, tarfile, io
		t = tarfile.open(sys.argv[1])
		man = json.load(t.extractfile("manifest.json"))
		layer = tarfile.open(fileobj=io.BytesIO(t.extractfile(man[0]["Layers"][-1]).read()))
		sys.exit(0 if any("/" + m.name.lstrip("./") == sys.argv[2] for m in layer) else 1)
	PY
}
# health TAG: the container's health once docker has run the check a few times ("healthy",
# "unhealthy"), waiting at most 60 s for it to leave "starting".
health() {
	local c s i
	c=$(docker run -d --pull never "$1") || return 1
	for i in $(seq 1 300); do
		s=$(docker inspect -f '{{.State.Health.Status}}' "$c" 2>/dev/null)
		[ "$s" = starting ] || break
		sleep 0.2
	done
	echo "$s"
	docker rm -f "$c" >/dev/null 2>&1
}

SEC=1000000000
for form in cmd shell; do
	if [ $form = cmd ]; then
		hc='{"Test":["CMD","/opt/hc/wget","-q","-O","/dev/null","http://127.0.0.1:8080/"],"Interval":'$SEC',"Retries":2}'
	else
		hc='{"Test":["CMD-SHELL","/opt/hc/wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"],"Interval":'$SEC',"Retries":2}'
	fi
	if ! mk_image "$T/$form.tar" "$N-$form:1" "$hc" >"$T/fixture.log" 2>&1; then
		not_ok "fixture: image with a $form HEALTHCHECK" "$(tail -5 "$T/fixture.log")"
		continue
	fi
	check "$form: pare build" "$PARE" build "$T/$form.tar" -o "$T/$form.slim.tar" --tag "$N-$form-slim:1" \
		--stop-timeout 1 --quiet --report "$T/$form.json"
	check "$form: the checker is kept" layer_has "$T/$form.slim.tar" /opt/hc/busybox
	python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["probes"]["healthcheck"]; assert h["status"]==0, h; print("ok")' \
		"$T/$form.json" >"$T/$form.check" 2>&1
	assert_eq "$form: the report lists the HEALTHCHECK run" "$(tail -1 "$T/$form.check")" ok
	docker load -i "$T/$form.tar" >/dev/null && t_cleanup_add "docker rmi -f $N-$form:1 >/dev/null 2>&1"
	docker load -i "$T/$form.slim.tar" >/dev/null && t_cleanup_add "docker rmi -f $N-$form-slim:1 >/dev/null 2>&1"
	assert_eq "$form: the original is healthy under docker" "$(health "$N-$form:1")" healthy
	assert_eq "$form: the slim image is healthy under docker" "$(health "$N-$form-slim:1")" healthy
done

# A checker that hangs: killed after the image's Timeout; the build goes on and says so.
hc='{"Test":["CMD","/opt/hc/busybox","sleep","600"],"Timeout":'$SEC'}'
if mk_image "$T/hang.tar" "$N-hang:1" "$hc" >"$T/fixture.log" 2>&1; then
	"$PARE" build "$T/hang.tar" -o "$T/hang.slim.tar" --tag "$N-hang-slim:1" --stop-timeout 1 >"$T/hang.out" 2>&1
	assert_eq "a hanging HEALTHCHECK: the build ends and succeeds" "$?" 0
	check "a hanging HEALTHCHECK: a warning names its timeout" grep -q "HEALTHCHECK '/opt/hc/busybox sleep 600' timed out after 1 s" "$T/hang.out"
else
	not_ok "fixture: image with a hanging HEALTHCHECK" "$(tail -5 "$T/fixture.log")"
fi
# A malformed Test: one line, status 1, no output.
if mk_image "$T/bad.tar" "$N-bad:1" '{"Test":["EXEC","x"]}' >"$T/fixture.log" 2>&1; then
	"$PARE" build "$T/bad.tar" -o "$T/bad.slim.tar" >"$T/bad.out" 2>&1
	rc=$?
	[ $rc = 1 ] && [ "$(wc -l <"$T/bad.out")" = 1 ] && [ ! -e "$T/bad.slim.tar" ] && grep -q "Healthcheck.Test starts with 'EXEC'" "$T/bad.out"
	assert_eq "a malformed Healthcheck.Test: one line, status 1, no output" "$?" 0
fi

# The analysis runs on a network where the hostname resolves, as on Docker's default bridge (not as
# `docker run --network none`): an application that resolves its own name at start (Erlang nodes,
# Java's InetAddress.getLocalHost()) must start, and its slim image must too.
cat >"$r/bin/start" <<'SH'
#!/bin/sh
/bin/busybox hostname -i >/tmp/self || exit 3
exec /bin/busybox httpd -f -p 8080 -h /www
SH
chmod 755 "$r/bin/start"
tar --numeric-owner -C "$r" -cf "$T/layer.tar" .
python3 - "$T/layer.tar" "$T/self.tar" "$N-self:1" <<'PY' >"$T/fixture.log" 2>&1
import json, subprocess, sys
layer, out, tag = sys.argv[1:]
config = {"Entrypoint": ["/bin/start"], "ExposedPorts": {"8080/tcp": {}}}
spec = {"format": "docker-archive", "tags": [tag], "config": config, "layers": [{"raw_file": layer}]}
subprocess.run([sys.executable, "tests/mkimage.py", "-", out], input=json.dumps(spec).encode(), check=True)
PY
check "an application that resolves its own hostname at start: pare build" \
	"$PARE" build "$T/self.tar" -o "$T/self.slim.tar" --tag "$N-self-slim:1" --stop-timeout 1 --quiet
docker load -i "$T/self.slim.tar" >/dev/null 2>&1 && t_cleanup_add "docker rmi -f $N-self-slim:1 >/dev/null 2>&1"
c=$(docker run -d --pull never "$N-self-slim:1")
ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$c")
got=
for i in $(seq 1 100); do
	got=$(curl -s --max-time 2 "http://$ip:8080/") && break
	[ "$(docker inspect -f '{{.State.Running}}' "$c")" = true ] || break
	sleep 0.2
done
docker rm -f "$c" >/dev/null 2>&1
assert_eq "its slim image starts and serves under docker run" "$got" hello
t_done
