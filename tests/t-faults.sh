#!/usr/bin/env bash
# Faults (issue 7): the application fills its disk, spawns thousands of processes, fork-bombs; pare is
# interrupted (SIGINT/SIGTERM) in each phase of build, squash and profile, or SIGKILLed. After each:
# the expected exit status, no output file (not even a partial one), no process, mount, temp dir or
# cgroup left, the input archive unchanged.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	skip "fault tests" "need root (namespaces, overlay, cgroups)"
	t_done
fi
[ -x "$HELPERS/faulty" ] || { not_ok "static helper faulty missing (make helpers)"; t_done; }

export TMPDIR="$T/tmp" PARE_CACHE_DIR="$T/cache"
mkdir -p "$TMPDIR"
M=fault$$ # marker in the application's argv: its processes are found by it

R="$T/rootfs"
mkdir -p "$R/bin" "$R/data"
cp /bin/busybox "$R/bin/busybox"
for a in sh df du sleep cat true; do ln -s busybox "$R/bin/$a"; done
cp "$HELPERS/faulty" "$R/bin/faulty"
mkimg() { # NAME CONFIG_JSON
	python3 "$ROOT/tests/mkimage.py" --format docker-archive --layer "$R" --config "$2" "$T/$1.tar" >/dev/null
}
mkimg fill '{"Entrypoint":["/bin/faulty","fill","/data/big","'$M'"]}'
mkimg spawn '{"Entrypoint":["/bin/faulty","spawn"],"Cmd":["3000","'$M'"]}'
mkimg bomb '{"Entrypoint":["/bin/faulty","bomb","'$M'"]}'

# The cgroup hierarchy pare uses (v2 with the pids controller, else v1's pids), as runtime/cgroup.c.
if grep -qw pids /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then CG=/sys/fs/cgroup/pare; else CG=/sys/fs/cgroup/pids/pare; fi

# wait_for FILE REGEX: until a line matches (bounded: 120 s), for event-driven steps without sleeps
# sized to the machine's speed.
wait_for() {
	local i
	for i in $(seq 1 1200); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
# no_leftovers DESC [PARE_PID]: no process with the marker, no pare temp dir, no mount under $T or of
# the writable layer's tmpfs on the host, no cgroup of that pare process.
no_leftovers() {
	local i
	for i in $(seq 1 100); do pgrep -f "$M" >/dev/null || break; sleep 0.1; done
	if pgrep -f "$M" >/dev/null; then not_ok "$1: no process left" "$(pgrep -af "$M" | head -3)"; else ok "$1: no process left"; fi
	assert_eq "$1: no pare temp dir left" "$(ls -A "$TMPDIR")" ""
	assert_eq "$1: no mount left on the host" "$(grep -cE "$T|pare-layer" /proc/self/mountinfo)" 0
	if [ -n "${2:-}" ]; then
		assert_eq "$1: no cgroup left" "$(ls -d "$CG/$2"-* 2>/dev/null)" ""
	fi
}

# --- the application fills its disk ---
out=$("$PARE" run --disk-limit 64M "$T/fill.tar" 2>"$T/err"); rc=$?
assert_eq "fills its disk: pare run ends normally (the app's status)" "$rc" 0
assert_eq "fills its disk: the app got ENOSPC at the 64M limit" "$out" "fill: 67108864 bytes, No space left on device"
no_leftovers "fills its disk (run)"
out=$("$PARE" run --disk-limit 1.5M --entrypoint df "$T/fill.tar" -k / 2>"$T/err")
assert_eq "the app sees its limit as the size of /" "$(echo "$out" | awk 'NR==2 {print $2}')" 1536

# While it waits after ENOSPC: what it wrote is in memory (the tmpfs), not on the disk of $TMPDIR.
"$PARE" run --disk-limit 64M -e FAULTY_WAIT=1 "$T/fill.tar" >"$T/fill.out" 2>&1 &
pid=$!
if wait_for "$T/fill.out" '^fill:'; then
	kb=$(du -sxk "$TMPDIR" | cut -f1)
	if [ "$kb" -lt 1024 ]; then ok "fills its disk: \$TMPDIR holds ${kb} KiB, not the 64 MiB written"; else not_ok "fills its disk: \$TMPDIR holds ${kb} KiB"; fi
else
	not_ok "fills its disk: the app wrote" "$(cat "$T/fill.out")"
fi
# The third SIGINT is a SIGKILL for the app (PID 1 without a handler never sees SIGINT); signals sent
# at once may merge into one, so send until pare is gone.
while kill -INT $pid 2>/dev/null; do sleep 0.2; done
wait $pid
assert_eq "fills its disk, then ^C^C^C: status 137" "$?" 137
no_leftovers "fills its disk and waits" $pid

"$PARE" build --disk-limit 64M -o "$T/fill.slim.tar" "$T/fill.tar" >"$T/build.out" 2>&1; rc=$?
assert_eq "fills its disk: pare build succeeds" "$rc" 0
check "fills its disk: pare build wrote the slim image" tar -tf "$T/fill.slim.tar" manifest.json
check "fills its disk: the app's ENOSPC went to stderr" grep -q "No space left on device" "$T/build.out"
no_leftovers "fills its disk (build)"
"$PARE" profile --disk-limit 64M -o "$T/fill.json" "$T/fill.tar" >/dev/null 2>&1
assert_eq "fills its disk: pare profile exits with the app's status" "$?" 0
check "fills its disk: the profile saw the file (fanotify and ptrace on the limited overlay)" \
	grep -q '"/data/big"' "$T/fill.json"
no_leftovers "fills its disk (profile)"

check_status "--disk-limit rejects a malformed size" 2 "$PARE" run --disk-limit 12X "$T/fill.tar"
check_status "--disk-limit rejects a size below 1M" 2 "$PARE" build --disk-limit 4k "$T/fill.tar"
check_status "--pids-limit rejects a non-number" 2 "$PARE" profile --pids-limit lots "$T/fill.tar"

# --- the application spawns thousands of processes ---
"$PARE" run --timeout 2 "$T/spawn.tar" >"$T/spawn.out" 2>&1 &
pid=$!
wait $pid
assert_eq "3000 processes, pare run --timeout: SIGKILL at the timeout (the app ignores SIGTERM)" "$?" 137
no_leftovers "3000 processes (run --timeout)" $pid
"$PARE" profile --timeout 2 -o "$T/spawn.json" "$T/spawn.tar" 2000 "$M" >"$T/spawn.out" 2>&1 &
pid=$!
wait $pid
assert_eq "2000 traced processes, pare profile --timeout: ends at the timeout" "$?" 137
check "2000 traced processes: the profile is written" test -s "$T/spawn.json"
no_leftovers "2000 traced processes (profile --timeout)" $pid
# PID 1 exits once all exist: the kernel kills 2000 tracees at once, the tracer sees each go.
"$PARE" build -e FAULTY_EXIT=1 --continue-after exit --cmd 2000 --cmd "$M" -o "$T/spawn.slim.tar" "$T/spawn.tar" \
	>"$T/spawn.out" 2>&1 &
pid=$!
wait $pid
assert_eq "2000 traced processes, PID 1 exits: pare build succeeds" "$?" 0
check "2000 traced processes: all were spawned" grep -q "spawned 2000" "$T/spawn.out"
check "2000 traced processes: the slim image is written" tar -tf "$T/spawn.slim.tar" manifest.json
no_leftovers "2000 traced processes (build)" $pid

# --- a fork bomb is contained by the pids limit ---
if [ -d "$(dirname "$CG")" ]; then
	out=$("$PARE" run --pids-limit 100 "$T/bomb.tar" 2>"$T/err"); rc=$?
	assert_eq "fork bomb: fork fails with EAGAIN inside" "$rc" 0
	n=$(echo "$out" | sed -n 's/^bomb: \([0-9]*\) forks.*/\1/p')
	if [ -n "$n" ] && [ "$n" -lt 100 ]; then ok "fork bomb: stopped at $n forks (--pids-limit 100)"; else not_ok "fork bomb: --pids-limit 100" "$out" "$(cat "$T/err")"; fi
	no_leftovers "fork bomb (run)"
	"$PARE" profile --pids-limit 100 -o "$T/bomb.json" "$T/bomb.tar" >"$T/bomb.out" 2>&1
	assert_eq "fork bomb, traced: contained too" "$?" 0
	no_leftovers "fork bomb (profile)"
	"$PARE" run --pids-limit 0 --entrypoint true "$T/bomb.tar"
	assert_eq "--pids-limit 0: no limit, runs" "$?" 0
else
	skip "fork bomb" "no cgroup pids controller on this machine"
fi

# --- pare gets SIGINT or SIGTERM in each phase ---
# PARE_TEST_STOP_AT=PHASE makes pare stop itself (SIGSTOP) when it starts PHASE (cli_phase); the test
# sends the signal and SIGCONT, so the signal lands in that phase whatever the machine's speed. Then:
# status 130 (SIGINT) or 143 (SIGTERM), no output (not even a temporary one next to it), no process,
# temp dir, mount or cgroup left, the input unchanged, and --verbose's progress line named the phase.
mkimg app '{"Entrypoint":["/bin/faulty","spawn","5","'$M'"]}'
mkdir -p "$T/out"
interrupt() { # DESC PHASE SIG INPUT PARE-ARGS... (the output goes to $T/out)
	local desc=$1 phase=$2 sig=$3 in=$4; shift 4
	local sum i st= rc
	sum=$(sha256sum <"$in")
	PARE_TEST_STOP_AT="$phase" "$PARE" "$@" >/dev/null 2>"$T/int.err" <"$in" &
	local pid=$!
	for i in $(seq 1 1200); do
		st=$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)
		[ "$st" = T ] || [ -z "$st" ] && break
		sleep 0.1
	done
	if [ "$st" != T ]; then
		not_ok "$desc: pare reached '$phase'" "$(cat "$T/int.err")"
		kill -KILL $pid 2>/dev/null; kill -CONT $pid 2>/dev/null; wait $pid
		return
	fi
	kill -"$sig" $pid
	kill -CONT $pid
	wait $pid; rc=$?
	local want=130; [ "$sig" = TERM ] && want=143
	if [ "$rc" = "$want" ] && grep -q "^pare: $phase\.\.\.$" "$T/int.err" && grep -q "interrupted by SIG$sig" "$T/int.err"; then
		ok "$desc: status $want, said so"
	else
		not_ok "$desc: status $want, said so" "status $rc" "$(tail -3 "$T/int.err")"
	fi
	assert_eq "$desc: no output, not even a partial one" "$(ls -A "$T/out")" ""
	assert_eq "$desc: the input is unchanged" "$(sha256sum <"$in")" "$sum"
	no_leftovers "$desc" $pid
	rm -rf "$T/out"/* "$T/out"/.[!.]*
}
export PARE_ROOTFS_CACHE_MAX=0 # unpacked into a temp dir each time: its removal is checked too
for sig in INT TERM; do
	for phase in "reading the image" "unpacking" "running the application under the tracer" "probing" \
		"deciding what to keep" "writing the slim image"; do
		interrupt "build, SIG$sig while $phase" "$phase" $sig "$T/app.tar" \
			build --verbose --exec true -o "$T/out/slim.tar" "$T/app.tar"
	done
	for phase in "reading the image" "writing the squashed image"; do
		interrupt "squash, SIG$sig while $phase" "$phase" $sig "$T/app.tar" \
			squash --verbose -o "$T/out/sq.tar" "$T/app.tar"
	done
	interrupt "squash from stdin (spooled), SIG$sig while writing" "writing the squashed image" $sig "$T/app.tar" \
		squash --verbose -o "$T/out/sq.tar" -
	interrupt "build to an OCI directory, SIG$sig while writing" "writing the slim image" $sig "$T/app.tar" \
		build --verbose --format oci-dir -o "$T/out/slim" "$T/app.tar"
	for phase in "reading the image" "unpacking" "running the application"; do
		interrupt "run, SIG$sig while $phase" "$phase" $sig "$T/app.tar" run --verbose "$T/app.tar"
	done
	for phase in "reading the image" "unpacking" "running the application under the tracer" "writing the profile"; do
		interrupt "profile, SIG$sig while $phase" "$phase" $sig "$T/app.tar" \
			profile --verbose -e FAULTY_EXIT=1 -o "$T/out/p.json" "$T/app.tar"
	done
done
unset PARE_ROOTFS_CACHE_MAX
PARE_CACHE_DIR="$T/cache-int" interrupt "build, SIGINT while unpacking into an empty cache" "unpacking" INT "$T/app.tar" \
	build --verbose -o "$T/out/slim.tar" "$T/app.tar"
assert_eq "build, SIGINT while unpacking into an empty cache: no tree, no partial one, no lock file" \
	"$(ls -A "$T/cache-int/rootfs")" ""
# Control: the same commands without a signal write their output.
PARE_ROOTFS_CACHE_MAX=0 "$PARE" build -q --exec true -o "$T/out/slim.tar" "$T/app.tar"
assert_eq "control: build without a signal succeeds" "$?" 0
check "control: the slim image is there" test -s "$T/out/slim.tar"
rm -rf "$T/out"/*

# --- pare SIGKILLed: the next run reaps its cgroup and temp dir ---
"$PARE" run "$T/spawn.tar" 50 "$M" >"$T/k.out" 2>&1 &
pid=$!
wait_for "$T/k.out" '^spawned 50'
kill -KILL $pid
wait $pid 2>/dev/null
for i in $(seq 1 100); do pgrep -f "$M" >/dev/null || break; sleep 0.1; done
if pgrep -f "$M" >/dev/null; then not_ok "pare SIGKILLed: the container died with it"; else ok "pare SIGKILLed: the container died with it"; fi
"$PARE" run --entrypoint true "$T/fill.tar"
no_leftovers "pare SIGKILLed, after the next run" $pid

t_done
