#!/usr/bin/env bash
# Runs the C unit tests and every shell integration test (tests/t-*.sh), counts their TAP lines
# and ends with one line "N passed, N failed, N skipped". Exits non-zero on any failure.
# Usage: tests/run.sh [PATTERN...]   (only the t-*.sh files whose name contains a PATTERN)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
out=$(mktemp -d "${TMPDIR:-/var/tmp}/paretestrun.XXXXXX")
trap 'rm -rf "$out"' EXIT

. tests/fresh.sh
fresh_caches
trap 'rm -rf "$out" ${FRESH_TMP:+"$FRESH_TMP"}' EXIT

# Tests start python3 hundreds of times (tests/mkimage.py per fixture, JSON checks). When python3 on PATH
# is a wrapper script (a pyenv shim costs seconds per start on a loaded machine), put the interpreter it
# resolves to first on PATH under the same name: the same python3, started directly.
py=$(command -v python3 2>/dev/null) && real_py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) &&
	[ -n "$real_py" ] && [ "$(readlink -f "$py")" != "$(readlink -f "$real_py")" ] && {
	mkdir -p "$out/bin" && ln -s "$real_py" "$out/bin/python3" && export PATH="$out/bin:$PATH"
}

pass=0 fail=0 skip=0
failed_names=()
times=() # "SECONDS NAME" per test file, for the slowest-files summary

count() { # file with TAP output
	local p f s
	p=$(grep -cE '^ok [0-9]+' "$1" | head -1)
	s=$(grep -cE '^ok [0-9]+.*# (SKIP|skip)' "$1" | head -1)
	f=$(grep -cE '^not ok [0-9]+' "$1" | head -1)
	pass=$((pass + p - s)); skip=$((skip + s)); fail=$((fail + f))
	while IFS= read -r line; do failed_names+=("$line"); done < <(grep -E '^not ok [0-9]+' "$1")
}

run_one() { # name command...
	local name=$1; shift
	local log="$out/$name.log" start end rc
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	count "$log"
	if [ $rc -ne 0 ] && ! grep -qE '^not ok' "$log"; then
		# A script that died without reporting a failure still failed.
		fail=$((fail + 1)); failed_names+=("not ok - $name exited with status $rc")
	fi
	local n_ok n_bad
	n_ok=$(grep -cE '^ok ' "$log"); n_bad=$(grep -cE '^not ok ' "$log")
	printf '%-28s %3d ok %3d failed  (%ds)\n' "$name" "$n_ok" "$n_bad" $((end - start))
	times+=("$((end - start)) $name")
	if [ "$n_bad" -gt 0 ] || [ $rc -ne 0 ] || [ -n "${VERBOSE:-}" ]; then
		grep -E '^(not ok|#)' "$log" | sed 's/^/    /' | head -60
		[ $rc -ne 0 ] && tail -20 "$log" | sed 's/^/    | /'
	fi
	grep -E '^ok .*# (SKIP|skip)' "$log" | sed 's/^/    /'
}

if [ $# -eq 0 ]; then
	run_one unit "$BUILD/unit-tests"
fi
for t in tests/t-*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	if [ $# -gt 0 ]; then
		match=0
		for p in "$@"; do case $name in *"$p"*) match=1 ;; esac; done
		[ $match = 1 ] || continue
	fi
	run_one "$name" bash "$t"
done

if [ ${#times[@]} -gt 1 ]; then
	echo "slowest (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
	printf '%s\n' "${times[@]}" | sort -rn | head -5 | while read -r secs name; do
		printf '  %-26s %5ds\n' "$name" "$secs"
	done
	# The slowest unit tests, from the times the unit runner prints on its TAP lines.
	if [ -f "$out/unit.log" ]; then
		sed -nE 's/^(not )?ok [0-9]+ - unit: (.*) \(([0-9.]+)s\)$/\3 \2/p' "$out/unit.log" | sort -rn | head -5 |
			while read -r secs name; do printf '    unit: %-32s %6.1fs\n' "$name" "$secs"; done
	fi
fi
if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failures:"
	printf '  %s\n' "${failed_names[@]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
