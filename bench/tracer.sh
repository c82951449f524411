#!/usr/bin/env bash
# Tracer benchmark: file-heavy workloads inside an image, three ways in one run:
#   untraced (pare run), traced (pare profile), and strace -f --seccomp-bpf -e trace=%file (pare run
#   under strace, the same filter idea) for comparison. Prints a markdown table with the ratios.
# Standalone: bench/tracer.sh [RUNS]   (called by `make bench`; needs root, mmdebstrap on first use)
# Goal (issue 4): traced within 1.10x of untraced, and faster than strace.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PARE="$PWD/$BUILD/pare"
RUNS=${1:-${BENCH_RUNS:-5}}
CACHE=${PARE_TEST_CACHE:-/var/cache/pare-tests}
IMG="$CACHE/bench-python.tar"
mkdir -p "$CACHE"

if [ ! -s "$IMG" ]; then
	echo "building $IMG (mmdebstrap, once)..." >&2
	rootfs=$(mktemp -d "$CACHE/bench-python-rootfs.XXXXXX")
	trap 'rm -rf "$rootfs"' EXIT
	mmdebstrap --quiet --variant=minbase --include=python3 bookworm "$rootfs" >&2 || exit 1
	python3 tests/mkimage.py --format oci-archive --layer "$rootfs" \
		--config '{"Entrypoint":["/usr/bin/python3"],"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}' \
		"$IMG.tmp" >&2 && mv "$IMG.tmp" "$IMG" || exit 1
	rm -rf "$rootfs"
	trap - EXIT
fi

IMPORTS='import sys, importlib
skip = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "lib2to3", "ensurepip", "venv", "pydoc"}
n = 0
for name in sorted(sys.stdlib_module_names):
    if name in skip or name.startswith("_"):
        continue
    try:
        importlib.import_module(name)
        n += 1
    except Exception:
        pass
print(n)'

out=$(mktemp -d "${TMPDIR:-/var/tmp}/paretest.XXXXXX")
trap 'rm -rf "$out"' EXIT

# CPU seconds (user + system) of this shell's reaped children so far, in microseconds (`times` must
# run in this shell, not in a command substitution's subshell)
children_cpu() {
	times >"$out/times"
	tail -1 "$out/times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%d", t * 1e6 }'
}

# "WALL CPU" in microseconds for one run of "$@" (output discarded; a failure aborts the bench).
# CPU counts pare and everything it reaped: the application, and the tracer for pare profile.
run_time() {
	local s e c0 c1
	children_cpu >"$out/c0"
	s=$(date +%s%N)
	"$@" >/dev/null 2>"$out/err" || { echo "bench: failed: $* ($(tail -2 "$out/err"))" >&2; exit 1; }
	e=$(date +%s%N)
	children_cpu >"$out/c1"
	c0=$(cat "$out/c0") c1=$(cat "$out/c1")
	echo "$(((e - s) / 1000)) $((c1 - c0))"
}

# workload name, then the pare run arguments
bench() {
	local name=$1; shift
	local i u t s
	: >"$out/u"; : >"$out/t"; : >"$out/s"
	"$PARE" run "$@" >/dev/null 2>&1 # warm the rootfs cache
	for ((i = 0; i < RUNS; i++)); do # interleaved, so load changes hit all three alike
		run_time "$PARE" run "$@" >>"$out/u"
		run_time "$PARE" profile -o "$out/p.json" "$@" >>"$out/t"
		run_time strace -f --seccomp-bpf -e trace=%file -o /dev/null "$PARE" run "$@" >>"$out/s"
	done
	stops=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stats"]["seccomp_stops"])' "$out/p.json")
	# The minimum of each is the least disturbed by other load on the machine.
	u=$(sort -n "$out/u" | head -1); t=$(sort -n "$out/t" | head -1); s=$(sort -n "$out/s" | head -1)
	uc=$(sort -n -k2 "$out/u" | head -1 | cut -d' ' -f2); tc=$(sort -n -k2 "$out/t" | head -1 | cut -d' ' -f2)
	sc=$(sort -n -k2 "$out/s" | head -1 | cut -d' ' -f2)
	awk -v n="$name" -v u="${u% *}" -v t="${t% *}" -v s="${s% *}" -v uc="$uc" -v tc="$tc" -v sc="$sc" -v st="$stops" -v fl="$FLOOR" 'BEGIN {
		printf "| %s | %d | %.3f | %.3f | %.3f | **%.2fx** | %.2fx | %.2fx | %.2f / %.2f / %.2f |\n", n, st, u/1e6, t/1e6, s/1e6, t/u, (u + st * fl)/u, s/u, uc/1e6, tc/1e6, sc/1e6 }'
}

# The floor: what one stop costs with a tracer that does nothing but resume (bench/stopcost.c), the
# lower of its sleeping and polling variants, minus the untraced call; best of three.
STOPCOST="$PWD/$BUILD/bench/stopcost"
[ -x "$STOPCOST" ] || make -s "$BUILD/bench/stopcost" >&2 || exit 1
floor=$(for i in 1 2 3; do "$STOPCOST" || exit 1; done | awk '{ s = ($2 < $3 ? $2 : $3) - $1; if (NR == 1 || s < m) { m = s; b = $1; sl = $2; po = $3 } }
	END { printf "%.2f %.2f %.2f %.2f", m, b, sl, po }') || { echo "bench: bench/stopcost failed" >&2; exit 1; }
set -- $floor
FLOOR=$1

echo "Tracer benchmark: best of $RUNS runs each, seconds of wall time for the whole \`pare run\`/\`pare profile\`"
echo "(container start included), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)."
echo "Stop floor here (bench/stopcost: a tracer that only resumes): $FLOOR us per stop ($2 us per stat untraced,"
echo "$3 us traced with a sleeping tracer, $4 us with a polling one). \"floor\" = the least ratio any"
echo "stop-per-call tracer can reach on the workload here: (untraced + stops x floor) / untraced."
echo
echo "| workload | traced syscalls | untraced | pare profile | strace %file | profile/untraced | floor | strace/untraced | CPU s: untraced / profile / strace |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
bench "python3: import the standard library" "$IMG" -c "$IMPORTS"
bench "find /usr: stat every file" --entrypoint /usr/bin/find "$IMG" /usr -xdev -printf '%s %m %p\n'
