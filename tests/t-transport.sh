#!/usr/bin/env bash
# Transports (doc/IMAGE.md, doc/IMAGE-OUTPUT.md): the explicit archive forms, and images read from
# and written back to an engine over its API socket: dockerd, and podman's API service (started
# here when tests/services.sh did not). A real sample goes daemon -> pare build -> daemon and passes
# its check under docker run.
. "$(dirname "$0")/lib.sh"
. "$ROOT/samples/lib.sh"

for tool in docker podman skopeo python3 curl; do
	command -v $tool >/dev/null || { not_ok "tool $tool present (run make deps)"; t_done; }
done
need_dockerd || { not_ok "dockerd answers"; t_done; }

# need_podman_service: $PODMAN_SOCK answers (tests/services.sh's, else one started here).
need_podman_service() {
	PODMAN_SOCK=${PARE_TEST_PODMAN_SOCK:-/run/pare-tests-podman.sock}
	curl -sf --unix-socket "$PODMAN_SOCK" http://d/_ping >/dev/null 2>&1 && return 0
	PODMAN_SOCK=$T/podman.sock
	podman_conf
	podman system service --time=0 "unix://$PODMAN_SOCK" >"$T/podman.log" 2>&1 &
	local pid=$! i
	t_cleanup_add "kill $pid; wait $pid"
	for i in $(seq 1 50); do
		curl -sf --unix-socket "$PODMAN_SOCK" http://d/_ping >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "podman system service did not start: $(tail -5 "$T/podman.log")" >&2
	return 1
}

u=transports-t$$
python3 "$ROOT/tests/mkimage.py" --format docker --entries '[{"path":"hello","content":"hi\n"}]' \
	--config '{"Entrypoint":["/hello"]}' --tag "$u:1" "$T/a.tar" || { not_ok "fixture"; t_done; }

# Explicit archive forms: the same bytes as the plain path.
"$PARE" squash "$T/a.tar" -o "$T/plain.tar" -t "$u:s" -q
check "docker-archive:PATH reads like PATH" "$PARE" squash "docker-archive:$T/a.tar" -o "$T/da.tar" -t "$u:s" -q
assert_file_eq "docker-archive: gives the same output" "$T/da.tar" "$T/plain.tar"
check "oci-archive:PATH writes an archive" "$PARE" squash "$T/a.tar" -o "oci-archive:$T/oa.tar" -t "$u:s" -q
assert_file_eq "oci-archive: output equals the plain one" "$T/oa.tar" "$T/plain.tar"
check "oci:DIR writes an OCI layout" "$PARE" squash "$T/a.tar" -o "oci:$T/o.oci" -t "$u:s" -q
check "skopeo reads the oci: output" skopeo inspect "oci:$T/o.oci"
check "oci:DIR reads it back" "$PARE" xray "oci:$T/o.oci"
check_status "oci: on a file: exit 1" 1 "$PARE" xray "oci:$T/a.tar"
check_status "docker-archive: on a directory: exit 1" 1 "$PARE" xray "docker-archive:$T/o.oci"
check_status "docker-archive: with no path: exit 1" 1 "$PARE" xray "docker-archive:"
check_status "docker:// with no registry there: exit 1" 1 "$PARE" xray "docker://127.0.0.1:1/x:1"
grep -q "no registry answers" "$T/.check.log" && [ "$(wc -l <"$T/.check.log")" = 1 ] &&
	ok "... in one line (tests/t-registry.sh tests the transport)" || not_ok "docker:// message" "$(cat "$T/.check.log")"

# A bare NAME:TAG with no engine: one line saying how.
out=$(DOCKER_HOST=unix://$T/none.sock "$PARE" xray "$u:1" 2>&1); rc=$?
assert_eq "bare NAME:TAG without an engine: exit 1" "$rc" 1
assert_eq "... in one line naming docker save and docker-daemon:" \
	"$(printf '%s\n' "$out" | grep -c 'docker save' ) $(printf '%s\n' "$out" | wc -l)" "1 1"

# engine_round_trip LABEL: DOCKER_HOST is set; load, squash from and to it, inspect, remove.
engine_round_trip() {
	local label=$1 ex
	curl -sf --unix-socket "${DOCKER_HOST#unix://}" -X POST -H 'Content-Type: application/x-tar' \
		--data-binary "@$T/a.tar" http://d/images/load >/dev/null || { not_ok "$label: load fixture"; return; }
	check "$label: docker-daemon: -> docker-daemon:" "$PARE" squash "docker-daemon:$u:1" -o "docker-daemon:$u.out:1" -q
	ex=$(curl -sf --unix-socket "${DOCKER_HOST#unix://}" "http://d/images/$u.out:1/json" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["Config"]["Entrypoint"])')
	assert_eq "$label: the image written back keeps its entrypoint" "$ex" "['/hello']"
	check "$label: a bare NAME:TAG defaults to NAME.squashed:TAG in the engine" "$PARE" squash "$u:1" -q
	check "$label: ... which exists" curl -sf --unix-socket "${DOCKER_HOST#unix://}" "http://d/images/$u.squashed:1/json"
	check_status "$label: a missing image: exit 1" 1 "$PARE" squash "docker-daemon:$u:nosuch" -o "$T/$label-missing.tar"
	grep -q "reference does not exist\|image not known\|no such image\|not found" "$T/.check.log" &&
		[ "$(wc -l <"$T/.check.log")" = 1 ] && [ ! -e "$T/$label-missing.tar" ] &&
		ok "$label: ... one line, no output" || not_ok "$label: missing image message" "$(cat "$T/.check.log")"
	for r in "$u:1" "$u.out:1" "$u.squashed:1"; do
		curl -s --unix-socket "${DOCKER_HOST#unix://}" -X DELETE "http://d/images/$r?force=1" >/dev/null
	done
}
DOCKER_HOST=unix:///var/run/docker.sock
export DOCKER_HOST
engine_round_trip dockerd
docker load -i "$T/a.tar" >/dev/null && docker tag "$u:1" "$u" &&
	t_cleanup_add "docker rmi -f '$u:1' '$u' '$u.squashed' >/dev/null 2>&1"
check "a bare NAME (no tag) is read from the engine" "$PARE" squash "$u" -q
check "... and written back as NAME.squashed:latest" docker image inspect "$u.squashed:latest"
if need_podman_service; then
	DOCKER_HOST=unix://$PODMAN_SOCK engine_round_trip podman
else
	not_ok "podman system service answers"
fi
unset DOCKER_HOST

# A real sample: dockerd -> pare build -> dockerd, then the sample's check.
fat=$("$ROOT/samples/build.sh" python-http 2>"$T/sample.log") || { not_ok "sample python-http" "$(tail -5 "$T/sample.log")"; t_done; }
ref=$(docker load -i "$fat" | sed -n 's/^Loaded image: //p' | tail -1)
sample_options python-http
t_cleanup_add "docker rmi -f '$u-py:slim' >/dev/null 2>&1"
check "python-http: pare build docker-daemon: -o docker-daemon: --tag" \
	"$PARE" build "docker-daemon:$ref" -o "docker-daemon:$u-py:slim" --tag "$u-py:slim" --quiet "${SAMPLE_OPTIONS[@]}"
check "python-http: the slim image from the engine passes the check" docker_run_check python-http "$u-py:slim"
t_done
