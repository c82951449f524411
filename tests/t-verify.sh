#!/usr/bin/env bash
# pare build --verify: the slim image proves itself. Every sample passes with its probe options; a
# slim image broken on purpose (an --exclude that removes what the application imports) fails with
# exit status 3 and is still written; an answer that differs between two runs of the original (a
# random id) is compared by status only and reported so; -o - and -o docker-daemon: verify too.
. "$(dirname "$0")/lib.sh"
. "$ROOT/samples/lib.sh"

# jq-free report reading: verify_field REPORT EXPR (a Python expression over r = the "verify" object).
verify_field() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['verify']; print($2)" "$1"; }

if [ -n "${PARE_TEST_SAMPLES+x}" ]; then
	read -ra samples <<<"$PARE_TEST_SAMPLES" # a quicker run by hand ("" for none)
else
	mapfile -t samples < <("$ROOT/samples/build.sh" --list)
fi
for name in "${samples[@]}"; do
	sample_fat "$name" || continue
	sample_options "$name"
	rep="$T/$name.json"
	"$PARE" build "$fat" -o "$T/$name.slim.tar" --quiet --verify --report "$rep" "${SAMPLE_OPTIONS[@]}" >"$T/$name.log" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && [ "$(verify_field "$rep" "r['passed'], r['differ'], r['compared'] > 0")" = "True 0 True" ]; then
		ok "$name: --verify passes ($(verify_field "$rep" "r['compared']") probes compared, $(verify_field "$rep" "r['status_only']") by status only)"
	else
		not_ok "$name: --verify passes" "exit status $rc" "$(tail -15 "$T/$name.log")"
	fi
done

fat=$("$ROOT/samples/build.sh" python-http 2>"$T/ph.log") || { not_ok "sample python-http" "$(tail -5 "$T/ph.log")"; t_done; }
sample_options python-http

# Broken on purpose: the json module the API imports lazily is excluded.
"$PARE" build "$fat" -o "$T/broken.tar" --verify --report "$T/broken.json" "${SAMPLE_OPTIONS[@]}" \
	--exclude '/usr/lib/python3*/json' >"$T/broken.log" 2>&1
assert_eq "broken slim image: exit status 3" "$?" 3
check "broken slim image: still written (and readable)" "$PARE" xray "$T/broken.tar"
# json is imported at start: the slim application exits at once, and every probe differs.
assert_eq "broken slim image: the report says every probe differs" \
	"$(verify_field "$T/broken.json" "r['passed'], r['differ'] == r['compared'] == 5, r['runs']['slim']['application_exited']")" \
	"False True True"
if grep -q '^pare: verify: the slim image answered [0-9]* of [0-9]* probes differently' "$T/broken.log" &&
	grep -q 'GET /api/stats?values=1,2,3,4 .* differs' "$T/broken.log"; then
	ok "broken slim image: the table and one error line on stderr"
else
	not_ok "broken slim image: the table and one error line on stderr" "$(tail -12 "$T/broken.log")"
fi

# A nondeterministic answer: the test server's /random (a new id per request) in the sample's Python.
"$PARE" build "$fat" -o "$T/random.tar" --verify --report "$T/random.json" \
	--entrypoint /usr/bin/python3 --cmd /t.py --cmd 8080 --cmd /tmp/requests.log \
	-v "$ROOT/tests/http-test-server.py:/t.py:ro" --http-probe-ports 8080 --http-crawl-depth 0 \
	--http-probe-cmd /random --http-probe-cmd /a.html >"$T/random.log" 2>&1
assert_eq "random answer: --verify passes" "$?" 0
assert_eq "random answer: compared by status only, the fixed pages by their body" \
	"$(verify_field "$T/random.json" "sorted((x['probe'], x['verdict'], x['compared'].split(':')[0]) for x in r['results'])")" \
	"[('GET /', 'same', 'status and body or output hash'), ('GET /a.html', 'same', 'status and body or output hash'), ('GET /random', 'same status', 'status only')]"
if grep -q 'GET /random .* same status (varies)' "$T/random.log" && grep -q '1 compared by status only' "$T/random.log"; then
	ok "random answer: the table says so"
else
	not_ok "random answer: the table says so" "$(tail -8 "$T/random.log")"
fi
# --exec output is hashed too: a random id varies between runs, 'echo fixed' does not.
"$PARE" build "$fat" -o "$T/random2.tar" --verify --quiet --report "$T/exec.json" \
	--entrypoint /usr/bin/python3 --cmd /t.py --cmd 8080 --cmd /tmp/requests.log \
	-v "$ROOT/tests/http-test-server.py:/t.py:ro" --http-probe-ports 8080 --http-crawl-depth 0 \
	--exec 'python3 -c "import os; print(os.urandom(4).hex())"' --exec 'echo fixed' >"$T/exec.log" 2>&1
assert_eq "--exec output: --verify passes" "$?" 0
assert_eq "--exec output: a random id compared by status only, 'echo fixed' by its output" \
	"$(verify_field "$T/exec.json" "[(x['probe'], x['verdict']) for x in r['results'] if x['probe'].startswith('exec')]")" \
	"[('exec python3 -c \"import os; print(os.urandom(4).hex())\"', 'same status'), ('exec echo fixed', 'same')]"

# -o - and -o docker-daemon:
"$PARE" build "$fat" -o - --verify --quiet "${SAMPLE_OPTIONS[@]}" 2>"$T/stdout.log" >"$T/stdout.tar"
assert_eq "-o - --verify: exit 0" "$?" 0
check "-o - --verify: the archive on stdout is whole" tar tf "$T/stdout.tar"
if need_dockerd; then
	u="pare-verify/t$$"
	t_cleanup_add "docker rmi -f '$u:slim' >/dev/null 2>&1"
	"$PARE" build "$fat" -o "docker-daemon:$u:slim" --verify --report "$T/daemon.json" --quiet "${SAMPLE_OPTIONS[@]}" >"$T/daemon.log" 2>&1
	assert_eq "-o docker-daemon: --verify: exit 0" "$?" 0
	assert_eq "-o docker-daemon: the verified copy is the loaded image" \
		"$(docker image inspect -f '{{.Id}}' "$u:slim" 2>&1)" \
		"$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['image_id'])" "$T/daemon.json")"
else
	skip "-o docker-daemon: --verify" "no dockerd"
fi
t_done
