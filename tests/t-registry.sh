#!/usr/bin/env bash
# The docker:// transport (doc/IMAGE.md) against the registries of tests/services.sh (anonymous
# $REG, htpasswd Basic $REG_AUTH) and tests/helpers/fake-registry.py in front of $REG (a Bearer token
# server, a connection closed mid-blob, a manifest whose digest lies, a slow upload to interrupt):
# samples go registry -> pare build -> registry and pass their check under docker run; auth from
# --creds, $REGISTRY_AUTH_FILE and ~/.docker/config.json; an index and --platform; failures in one
# line with no output; SIGINT during a push leaves the tag as it was; no secret is ever printed.
. "$(dirname "$0")/lib.sh"
. "$ROOT/samples/lib.sh"

for tool in docker skopeo python3 curl; do
	command -v $tool >/dev/null || { not_ok "tool $tool present (run make deps)"; t_done; }
done
need_registry || { not_ok "the test registries answer (tests/services.sh)"; t_done; }
need_dockerd || { not_ok "dockerd answers"; t_done; }

ns=pare-t$$
TV=--tls-verify=false
FAKE="$ROOT/tests/helpers/fake-registry.py"
# Nothing from the machine's own auth files.
export XDG_RUNTIME_DIR=$T/xdg HOME=$T/home
unset REGISTRY_AUTH_FILE DOCKER_CONFIG
mkdir -p "$XDG_RUNTIME_DIR" "$HOME"

# fake MODE [ARGS...]: starts the fake registry in front of $REG; sets $FAKE_PORT.
fake() {
	local mode=$1 pf="$T/fake-$1-$RANDOM.port" i
	shift
	python3 "$FAKE" "$mode" "$REG" "$pf" "$@" >"$T/fake-$mode.out" 2>&1 &
	t_cleanup_add "kill $!"
	for i in $(seq 1 50); do
		[ -s "$pf" ] && break
		sleep 0.1
	done
	FAKE_PORT=$(cat "$pf" 2>/dev/null)
	[ -n "$FAKE_PORT" ]
}
# one_line DESC: the last check's output is one line matching the pattern $2.
one_line() {
	if [ "$(wc -l <"$T/.check.log")" = 1 ] && grep -q -- "$2" "$T/.check.log"; then ok "$1"; else
		not_ok "$1" "$(cat "$T/.check.log")"; fi
}
digest_of() { skopeo inspect $TV --format '{{.Digest}}' "docker://$1" 2>/dev/null; }

# A small fixture (index, auth, faults) and a bigger one (the push to interrupt).
python3 "$ROOT/tests/mkimage.py" --format docker --entries '[{"path":"hello","content":"hi\n"}]' \
	--config '{"Entrypoint":["/hello"]}' --tag "$ns/small:1" "$T/small.tar" || { not_ok "fixture"; t_done; }
python3 "$ROOT/tests/mkimage.py" --format docker --entries '[{"path":"big","size":6000000}]' \
	--config '{"Entrypoint":["/big"]}' --tag "$ns/big:1" "$T/big.tar" || { not_ok "fixture big"; t_done; }
check "skopeo pushes the fixture" skopeo copy -q --dest-tls-verify=false "docker-archive:$T/small.tar" "docker://$REG/$ns/small:1"

# --- Round trips: registry -> pare build -> registry, then docker pull + the sample's check.
for s in static-go-like python-http; do
	fat=$("$ROOT/samples/build.sh" "$s" 2>"$T/sample.log") || { not_ok "sample $s" "$(tail -5 "$T/sample.log")"; continue; }
	check "$s: skopeo pushes the sample" skopeo copy -q --dest-tls-verify=false "docker-archive:$fat" "docker://$REG/$ns/$s:1"
	sample_options "$s"
	check "$s: pare build docker:// -o docker:// $TV" "$PARE" build "docker://$REG/$ns/$s:1" \
		-o "docker://$REG/$ns/$s:1-slim" $TV --quiet "${SAMPLE_OPTIONS[@]}"
	check "$s: skopeo inspects the pushed image" skopeo inspect $TV "docker://$REG/$ns/$s:1-slim"
	mt=$(skopeo inspect $TV --raw "docker://$REG/$ns/$s:1-slim" |
		python3 -c 'import json,sys; m=json.load(sys.stdin); print(m["mediaType"], m["layers"][0]["mediaType"])')
	assert_eq "$s: an OCI image manifest, its layer gzip-compressed" "$mt" \
		"application/vnd.oci.image.manifest.v1+json application/vnd.oci.image.layer.v1.tar+gzip"
	t_cleanup_add "docker rmi -f '$REG/$ns/$s:1-slim'"
	check "$s: docker pulls it" docker pull -q "$REG/$ns/$s:1-slim"
	check "$s: the slim image passes the sample's check under docker run" docker_run_check "$s" "$REG/$ns/$s:1-slim"
	want=$(digest_of "$REG/$ns/$s:1-slim")
	check "$s: pare xray reads it back by digest" "$PARE" xray "docker://$REG/$ns/$s@$want" $TV
done

# run and profile read docker:// too (their options come before IMAGE).
check "pare run docker://" "$PARE" run --tls-verify=false --timeout 2 "docker://$REG/$ns/static-go-like:1-slim"
check "pare profile docker://" "$PARE" profile --tls-verify=false --timeout 2 -o "$T/profile.json" "docker://$REG/$ns/static-go-like:1-slim"

# --verify reads the slim image back from the registry.
sample_options static-go-like
check "build --verify with a docker:// output" "$PARE" build "docker://$REG/$ns/static-go-like:1" \
	-o "docker://$REG/$ns/static-go-like:verified" $TV --verify --verbose "${SAMPLE_OPTIONS[@]}"
grep -q "verify: 2 probes replayed against the slim image: 0 differ" "$T/.check.log" &&
	ok "... every probe is the same" || not_ok "verify table" "$(grep verify "$T/.check.log")"

# A docker:// input's default output is NAME.slim:TAG in the same registry.
check "squash: a docker:// input defaults to docker://HOST/REPO.squashed:TAG" "$PARE" squash "docker://$REG/$ns/small:1" $TV -q
check "... which is there" skopeo inspect $TV "docker://$REG/$ns/small.squashed:1"

# --- Bad input: one line, exit 1 (2 for usage), no output.
check_status "a missing tag: exit 1" 1 "$PARE" squash "docker://$REG/$ns/small:nosuch" $TV -o "$T/missing.tar"
one_line "... one line naming it" "no such image"
[ ! -e "$T/missing.tar" ] && ok "... no output" || not_ok "missing tag left output"
check_status "a missing repository: exit 1" 1 "$PARE" xray "docker://$REG/$ns/nosuch:1" $TV
one_line "... one line" "no such image"
check_status "https by default: a plain-HTTP registry needs --tls-verify=false" 1 "$PARE" xray "docker://$REG/$ns/small:1"
one_line "... one line saying so" "needs --tls-verify=false"
check_status "a bad reference: exit 1" 1 "$PARE" xray "docker://$REG/Bad:1" $TV
one_line "... one line" "is not a registry reference"
check_status "a push to a digest: usage error before any work" 2 "$PARE" squash "docker://$REG/$ns/small:1" $TV -o "docker://$REG/$ns/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
grep -q "names a tag, not a digest" "$T/.check.log" && ok "... saying so" || not_ok "push to digest message" "$(cat "$T/.check.log")"
check_status "a bad -o docker:// reference: usage error" 2 "$PARE" build "docker://$REG/$ns/small:1" $TV -o "docker://$REG/Bad:1"
check_status "--platform malformed: usage error" 2 "$PARE" xray "docker://$REG/$ns/small:1" $TV --platform linux
check_status "--tls-verify=maybe: usage error" 2 "$PARE" xray "docker://$REG/$ns/small:1" --tls-verify=maybe
check_status "--creds without a colon: usage error" 2 "$PARE" xray "docker://$REG/$ns/small:1" $TV --creds pare

# --- Platforms: an index (linux/arm64 decoy + linux/amd64), and a plain image asked for another one.
echo '{"format":"oci-dir","images":[{"tags":["idx:1"],"index_wrap":true,"config":{"Entrypoint":["/hello"]},
	"layers":[{"entries":[{"path":"hello","content":"amd64\n"}]}]}]}' | python3 "$ROOT/tests/mkimage.py" - "$T/idx.oci"
check "skopeo pushes a multi-platform index" skopeo copy -q --all --dest-tls-verify=false "oci:$T/idx.oci" "docker://$REG/$ns/idx:1"
check "an index: linux/amd64 by default" "$PARE" xray --json "docker://$REG/$ns/idx:1" $TV
grep -q '"architecture": *"amd64"' "$T/.check.log" && ok "... the amd64 image" || not_ok "index default pick" "$(head -20 "$T/.check.log")"
check "an index: --platform linux/arm64 picks the other" "$PARE" xray --json "docker://$REG/$ns/idx:1" $TV --platform linux/arm64
grep -q '"architecture": *"arm64"' "$T/.check.log" && ok "... the arm64 image" || not_ok "index arm64 pick" "$(head -20 "$T/.check.log")"
check_status "an index without the platform: exit 1" 1 "$PARE" squash "docker://$REG/$ns/idx:1" $TV --platform linux/s390x -o "$T/p.tar"
one_line "... one line naming those it has" "has no linux/s390x image (it has linux/arm64, linux/amd64)"
[ ! -e "$T/p.tar" ] && ok "... no output" || not_ok "platform error left output"
check_status "a plain image of another platform: exit 1" 1 "$PARE" xray "docker://$REG/$ns/small:1" $TV --platform linux/arm64
one_line "... one line" "has no linux/arm64 image (it is linux/amd64)"

# --- Basic auth ($REG_AUTH): --creds, $REGISTRY_AUTH_FILE, ~/.docker/config.json; wrong ones.
check "skopeo pushes to the auth registry" skopeo copy -q --dest-tls-verify=false --dest-creds "$REG_USER:$REG_PASS" \
	"docker-archive:$T/small.tar" "docker://$REG_AUTH/$ns/small:1"
check_status "auth registry, no credentials: exit 1" 1 "$PARE" xray "docker://$REG_AUTH/$ns/small:1" $TV
one_line "... one line saying how to give them" "wants authentication: give --creds"
check "auth registry with --creds" "$PARE" xray "docker://$REG_AUTH/$ns/small:1" $TV --creds "$REG_USER:$REG_PASS"
check "auth registry with --creds: push" "$PARE" squash "docker://$REG_AUTH/$ns/small:1" $TV --creds "$REG_USER:$REG_PASS" \
	-o "docker://$REG_AUTH/$ns/small:sq" -q
check "... skopeo sees it" skopeo inspect $TV --creds "$REG_USER:$REG_PASS" "docker://$REG_AUTH/$ns/small:sq"
b64=$(printf '%s:%s' "$REG_USER" "$REG_PASS" | base64 -w0)
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REG_AUTH" "$b64" >"$T/auth.json"
check "auth registry with \$REGISTRY_AUTH_FILE" env REGISTRY_AUTH_FILE="$T/auth.json" "$PARE" xray "docker://$REG_AUTH/$ns/small:1" $TV
mkdir -p "$HOME/.docker"
printf '{"auths":{"http://%s/v2/":{"auth":"%s"}}}\n' "$REG_AUTH" "$b64" >"$HOME/.docker/config.json"
check "auth registry with ~/.docker/config.json" "$PARE" xray "docker://$REG_AUTH/$ns/small:1" $TV
rm -f "$HOME/.docker/config.json"
check_status "wrong --creds: exit 1" 1 "$PARE" squash "docker://$REG_AUTH/$ns/small:1" $TV --creds "$REG_USER:wrong-$REG_PASS" -o "$T/w.tar"
one_line "... one line" "refused the credentials"
[ ! -e "$T/w.tar" ] && ok "... no output" || not_ok "wrong creds left output"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REG_AUTH" "$(printf 'pare:nope' | base64 -w0)" >"$T/bad-auth.json"
check_status "wrong credentials in \$REGISTRY_AUTH_FILE: exit 1" 1 env REGISTRY_AUTH_FILE="$T/bad-auth.json" \
	"$PARE" xray "docker://$REG_AUTH/$ns/small:1" $TV
one_line "... one line" "refused the credentials"

# No secret on stderr, with --verbose, in the report, or in ps while it runs.
sample_options static-go-like
check "skopeo pushes static-go-like to the auth registry" skopeo copy -q --dest-tls-verify=false \
	--dest-creds "$REG_USER:$REG_PASS" "docker://$REG/$ns/static-go-like:1" "docker://$REG_AUTH/$ns/static-go-like:1" \
	--src-tls-verify=false
check "build from and to the auth registry with --creds --verbose --report" "$PARE" build \
	"docker://$REG_AUTH/$ns/static-go-like:1" -o "docker://$REG_AUTH/$ns/static-go-like:slim" $TV \
	--creds "$REG_USER:$REG_PASS" --verbose --report "$T/report.json" "${SAMPLE_OPTIONS[@]}"
cp "$T/.check.log" "$T/verbose.log"
"$PARE" xray "docker://$REG_AUTH/$ns/small:1" $TV --creds "$REG_USER:wrong-$REG_PASS" 2>>"$T/verbose.log"
if grep -aqF -e "$REG_PASS" -e "$b64" "$T/verbose.log" "$T/report.json"; then
	not_ok "the password is in no output" "$(grep -aF -e "$REG_PASS" -e "$b64" "$T/verbose.log" "$T/report.json" | head -3)"
else ok "the password is in no output (stderr, --verbose, report)"; fi

# --- Bearer: a token server in front of $REG (anonymous, then one that wants credentials).
if fake bearer --log "$T/bearer.log"; then
	check "Bearer (anonymous token): pull" "$PARE" xray "docker://127.0.0.1:$FAKE_PORT/$ns/small:1" $TV
	check "Bearer (anonymous token): push" "$PARE" squash "docker://127.0.0.1:$FAKE_PORT/$ns/small:1" $TV \
		-o "docker://127.0.0.1:$FAKE_PORT/$ns/small:bearer" -q
	check "... the image is in the registry behind" skopeo inspect $TV "docker://$REG/$ns/small:bearer"
	grep -q "^GET /token" "$T/bearer.log" && ok "... a token was fetched" || not_ok "no token request" "$(cat "$T/bearer.log")"
else not_ok "fake bearer registry starts" "$(cat "$T/fake-bearer.out")"; fi
if fake bearer --user "$REG_USER" --password "$REG_PASS"; then
	check "Bearer with --creds: token for Basic credentials" "$PARE" squash "docker://127.0.0.1:$FAKE_PORT/$ns/small:1" $TV --creds "$REG_USER:$REG_PASS" --verbose -o "$T/bearer.tar"
	grep -aqF -e "$REG_PASS" -e "$b64" "$T/.check.log" && not_ok "Bearer --verbose shows the password" || ok "... no secret in --verbose"
	check_status "Bearer with wrong credentials: exit 1" 1 "$PARE" xray "docker://127.0.0.1:$FAKE_PORT/$ns/small:1" $TV --creds "$REG_USER:nope"
	one_line "... one line" "refused the credentials"
	check_status "Bearer without credentials: exit 1" 1 "$PARE" xray "docker://127.0.0.1:$FAKE_PORT/$ns/small:1" $TV
	one_line "... one line" "refused the credentials (none given"
else not_ok "fake bearer registry with credentials starts"; fi

# --- A connection closed mid-blob; a manifest whose digest lies.
if fake close-blob; then
	check_status "a connection closed mid-blob: exit 1" 1 "$PARE" squash "docker://127.0.0.1:$FAKE_PORT/$ns/small:1" $TV -o "$T/cut.tar"
	one_line "... one line" "closed the connection early"
	[ ! -e "$T/cut.tar" ] && ok "... no output" || not_ok "cut blob left output"
else not_ok "fake close-blob registry starts"; fi
if fake lie-digest; then
	check_status "a manifest whose bytes are not its digest: exit 1" 1 "$PARE" squash "docker://127.0.0.1:$FAKE_PORT/$ns/small:1" $TV -o "$T/lie.tar"
	one_line "... one line" "does not match its digest"
	[ ! -e "$T/lie.tar" ] && ok "... no output" || not_ok "lying manifest left output"
	d=$(digest_of "$REG/$ns/small:1")
	check_status "... and pulled by digest: exit 1" 1 "$PARE" xray "docker://127.0.0.1:$FAKE_PORT/$ns/small@$d" $TV
	one_line "... one line" "does not match its digest"
else not_ok "fake lie-digest registry starts"; fi

# --- SIGINT during a push: the tag still names the image it named before.
check "skopeo pushes the tag to keep" skopeo copy -q --dest-tls-verify=false "docker-archive:$T/small.tar" "docker://$REG/$ns/keep:1"
before=$(digest_of "$REG/$ns/keep:1")
if fake slow-upload --log "$T/slow.log"; then
	"$PARE" squash "docker-archive:$T/big.tar" -o "docker://127.0.0.1:$FAKE_PORT/$ns/keep:1" $TV -q --compress none 2>"$T/int.err" &
	pid=$!
	for i in $(seq 1 300); do
		grep -q "^PUT .*/blobs/uploads/" "$T/slow.log" 2>/dev/null && break
		sleep 0.1
	done
	sleep 1
	kill -INT $pid
	t0=$(date +%s)
	wait $pid
	rc=$?
	assert_eq "SIGINT during the blob upload: exit 130" "$rc" 130
	[ $(($(date +%s) - t0)) -le 5 ] && ok "... promptly" || not_ok "SIGINT took $(($(date +%s) - t0)) s"
	assert_eq "... the tag still names the old image" "$(digest_of "$REG/$ns/keep:1")" "$before"
	grep -q "^PUT .*/manifests/" "$T/slow.log" && not_ok "a manifest was put" "$(cat "$T/slow.log")" || ok "... no manifest was put"
	: >"$T/slow.log"
	"$PARE" squash "docker-archive:$T/big.tar" -o "docker://127.0.0.1:$FAKE_PORT/$ns/fresh:1" $TV -q --compress none \
		--creds "$REG_USER:$REG_PASS" 2>"$T/int2.err" &
	pid=$!
	for i in $(seq 1 300); do
		grep -q "^PUT .*/blobs/uploads/" "$T/slow.log" 2>/dev/null && break
		sleep 0.1
	done
	tr '\0' ' ' </proc/$pid/cmdline | grep -qF -- "$REG_PASS" && not_ok "the password is in ps" ||
		ok "--creds' password is blanked in the command line (ps)"
	kill -INT $pid
	wait $pid
	assert_eq "SIGINT (fresh tag): exit 130" "$?" 130
	check_status "... skopeo finds no such tag" 1 skopeo inspect $TV "docker://$REG/$ns/fresh:1"
else not_ok "fake slow-upload registry starts"; fi
t_done
