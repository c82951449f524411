#!/usr/bin/env bash
# pare build warns when the application ran a program from a directory of its own (CGI scripts,
# hooks, libexec helpers) and other programs there were never run: the slim image silently lacks
# them. A tiny busybox image whose entrypoint runs /app/hooks/first, with /app/hooks/second never
# run; tools of a PATH directory (/bin) that nothing ran, shared objects with execute bits and
# non-executable files give no warning. With the hook directory probed through --exec, no warning.
# A slim image given another command (--new-cmd) than the analysis ran gets a warning too.
. "$(dirname "$0")/lib.sh"

command -v busybox >/dev/null || { not_ok "tool busybox present (run make deps)"; t_done; }
bb=$(command -v busybox)
file -L "$bb" | grep -q 'statically linked' || { not_ok "busybox is static (busybox-static)"; t_done; }

r=$T/root
mkdir -p "$r/bin" "$r/app/hooks" "$r/tmp"
cp "$bb" "$r/bin/busybox"
for a in sh cat echo ls sleep tee; do ln -s busybox "$r/bin/$a"; done
printf '#!/bin/sh\necho first ran | tee /tmp/first-ran\n' >"$r/app/hooks/first"
printf '#!/bin/sh\necho second ran\n' >"$r/app/hooks/second"
printf 'not a program\n' >"$r/app/hooks/README"
printf 'ELF-ish\n' >"$r/app/hooks/libhook.so.1"
chmod 755 "$r/app/hooks/first" "$r/app/hooks/second" "$r/app/hooks/libhook.so.1"
printf '#!/bin/sh\n/app/hooks/first\nexec sleep 600\n' >"$r/app/start"
chmod 755 "$r/app/start"
python3 "$ROOT/tests/mkimage.py" --format docker-archive --layer "$r" --tag "paretest-unrun:$$" \
	--config '{"Entrypoint":["/app/start"],"Env":["PATH=/bin"]}' "$T/app.tar" >"$T/mk.log" 2>&1 ||
	{ not_ok "fixture image builds" "$(tail -3 "$T/mk.log")"; t_done; }

"$PARE" build "$T/app.tar" -o "$T/slim.tar" --report "$T/r.json" \
	--exec 'while [ ! -e /tmp/first-ran ]; do sleep 0.1; done' 2>"$T/err"
assert_eq "pare build of the hook image" "$?" 0
grep '^pare: warning:' "$T/err" >"$T/warn" || true
check "one warning on stderr, naming the directory, the program that ran and the one that did not" \
	test "$(wc -l <"$T/warn")" = 1 -a -n "$(grep -F "ran 'first' from '/app/hooks'" "$T/warn" | grep -F '(second)' | grep -F -- '--include-path /app/hooks')"
check "no warning for the tools of a PATH directory, for shared objects and non-programs" \
	test -z "$(grep -E "'/bin'|libhook|README" "$T/warn")"
check "the report lists the warning" \
	python3 -c 'import json,sys; w=json.load(open(sys.argv[1]))["warnings"]; sys.exit(not any("/app/hooks" in x and "second" in x for x in w))' "$T/r.json"
python3 - "$T/slim.tar" >"$T/slim.list" <<'PY'
import io, json, sys, tarfile
t = tarfile.open(sys.argv[1])
layer = t.extractfile(json.load(t.extractfile("manifest.json"))[0]["Layers"][-1]).read()
for m in tarfile.open(fileobj=io.BytesIO(layer)):
    print(m.name)
PY
check "the slim image has the program that ran and lacks the one that did not" \
	sh -c 'grep -q "app/hooks/first$" "$1" && ! grep -q "app/hooks/second$" "$1"' _ "$T/slim.list"

"$PARE" build "$T/app.tar" -o "$T/slim2.tar" --exec 'while [ ! -e /tmp/first-ran ]; do sleep 0.1; done; /app/hooks/second' 2>"$T/err2"
assert_eq "pare build with the other hook run by --exec" "$?" 0
check "no warning when every program there ran" test -z "$(grep '^pare: warning:' "$T/err2")"

# The slim image given another command than the analysis ran: what only it uses was never traced.
"$PARE" build "$T/app.tar" -o "$T/slim3.tar" --new-cmd 'fast' --report "$T/r3.json" \
	--exec 'while [ ! -e /tmp/first-ran ]; do sleep 0.1; done; /app/hooks/second' 2>"$T/err3"
assert_eq "pare build with --new-cmd" "$?" 0
check "a warning says the slim image runs another command than the analysis ran" \
	grep -qF "pare: warning: the slim image runs '/app/start fast' but the analysis ran '/app/start'" "$T/err3"
check "the report has it too" \
	python3 -c 'import json,sys; w=json.load(open(sys.argv[1]))["warnings"]; sys.exit(not any("analysis ran" in x for x in w))' "$T/r3.json"
t_done
