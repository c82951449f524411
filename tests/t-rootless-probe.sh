#!/usr/bin/env bash
# Rootless pare build probes its container over HTTP: the sockets come from the runtime's helper
# inside the container's network namespace (runtime/sockets.c). As user nobody, a sample with HTTP
# probes builds, the slim image passes the sample's check under docker, --verify passes, and no
# helper process or temp dir is left.
. "$(dirname "$0")/lib.sh"
. "$ROOT/samples/lib.sh"

if [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" != 1 ] || ! command -v setpriv >/dev/null; then
	skip "rootless probes" "no unprivileged user namespaces or no setpriv"
	t_done
fi
NB="$T/nobody"
mkdir -p "$NB/tmp" "$NB/home"
chown -R 65534:65534 "$NB"
chmod 755 "$T"
asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env -u PARE_CACHE_DIR HOME="$NB/home" TMPDIR="$NB/tmp" XDG_CACHE_HOME= "$PARE" "$@"; }

for name in ${PARE_TEST_SAMPLES-static-go-like python-http}; do
	sample_fat "$name" || continue
	cp "$fat" "$NB/$name.tar" && chmod 644 "$NB/$name.tar"
	sample_options "$name"
	out="$NB/$name.slim.tar"
	if asnobody build "$NB/$name.tar" -o "$out" --quiet --report "$NB/$name.json" "${SAMPLE_OPTIONS[@]}" >"$T/$name.log" 2>&1; then
		ok "$name: rootless build with HTTP probes"
	else
		not_ok "$name: rootless build with HTTP probes" "$(tail -5 "$T/$name.log")"
		continue
	fi
	probes=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); h=r.get('probes',{}).get('http') or r.get('http') or []; print(sum(1 for x in h if x.get('status')==200))" "$NB/$name.json" 2>/dev/null)
	check "$name: rootless probes got answers ($probes with 200)" test "${probes:-0}" -gt 0
	if need_dockerd 2>/dev/null; then
		ref=$(docker load -i "$out" 2>&1 | sed -n 's/^Loaded image: //p' | tail -1)
		if [ -n "$ref" ] && docker_run_check "$name" "$ref" >"$T/$name.docker.log" 2>&1; then
			ok "$name: the rootless slim image passes the sample's check under docker"
		else
			not_ok "$name: the rootless slim image passes the sample's check under docker" "$(tail -5 "$T/$name.docker.log")"
		fi
	else
		skip "$name: slim image under docker" "no dockerd"
	fi
	asnobody build "$NB/$name.tar" -o "$NB/$name.v.tar" --quiet --verify "${SAMPLE_OPTIONS[@]}" >"$T/$name.v.log" 2>&1
	assert_eq "$name: rootless --verify passes" "$?" 0
done
assert_eq "no socket helper left (processes of nobody running pare)" "$(pgrep -u 65534 -f "$PARE build" | wc -l)" 0
assert_eq "no temp dir left" "$(ls -A "$NB/tmp" | grep -v '^pare-cache' || true)" ""
t_done
