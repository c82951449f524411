#!/usr/bin/env bash
# `make bench`: slims every sample with `pare build` and prints one markdown table (one row per
# sample), then the baseline of the physical work and pare's overhead over it, then the tracer
# workloads (bench/tracer.sh). Not a test: it measures; it fails only when something breaks.
#   bench/run.sh [SAMPLE...]        (default: every sample, then the tracer workloads)
# Columns: original and slim size (sum of file sizes, as `docker images` counts), ratio, entries
# kept, time per phase of `pare build --verify` (from its --report JSON; "verify" is the extra time
# --verify takes: a second untraced run of the original and one of the slim image, with the replayed
# probes), pare's peak RSS (VmHWM of pare's own
# processes; the application's memory is not counted), whether the slim image passes the sample's
# check (run with `pare run`, and with docker too when a dockerd answers).
# Baseline: `tar -xf` of every layer of the original into a directory plus `tar -cf` of the slim
# rootfs; overhead = pare build's wall time minus the time the application itself ran (its run and
# probe phases), divided by that baseline (goal: 1.5x or less). pare build starts with an empty
# rootfs cache (PARE_CACHE_DIR), as on a first run, so it unpacks like the baseline does.
# Both timed steps start from the same state, so that the ratio compares work, not circumstances:
# - the input is in the page cache for both: the baseline reads layers it has just written, so the
#   sample archive is read once (untimed) before pare build;
# - nothing the bench made is deleted before the end of the run. On ext4 (without a journal, as
#   here) creating files scans past every inode deleted in the last 60 s (6 min while their inode
#   table blocks are dirty) in the same block group, so a step that follows a big `rm -rf` creates
#   its files several times slower (measured here: `tar -xf` of the nginx layer, 10k entries,
#   1.0 s fresh, 1.9 s right after removing the same tree; pare's unpack up to 10x). Removing
#   pare's rootfs cache before the baseline, and the baseline's trees before the next sample's
#   pare build, charged that to whichever step came next. The trees are removed at exit instead
#   (peak disk use: about three times the sum of the samples' sizes under $TMPDIR).
# Deletions by other jobs on a shared machine still add noise: compare runs under similar load.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/samples/lib.sh"
BUILD=${BUILD:-build}
PARE="$ROOT/$BUILD/pare"
[ -x "$PARE" ] || { echo "bench: $PARE is missing: run make" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/var/tmp}/parebench.XXXXXX")
# BENCH_KEEP=1 leaves the work dir (named on stderr) to the caller, e.g. to remove it only after
# a second run that is to be compared with this one (see the deletions above).
if [ -n "${BENCH_KEEP:-}" ]; then
	trap 'pare_run_stop; echo "bench: work dir left: $W" >&2' EXIT
else
	trap 'pare_run_stop; rm -rf "$W"' EXIT
fi
# `pare run` of the slim images (the checks) unpacks into a cache of the bench's own, which evicts
# nothing before the end (see the deletions above).
export PARE_CACHE_DIR="$W/runcache" PARE_ROOTFS_CACHE_MAX=64
samples=("$@")
[ ${#samples[@]} -gt 0 ] || mapfile -t samples < <("$ROOT/samples/build.sh" --list)
use_docker=0
docker info >/dev/null 2>&1 && use_docker=1
log() { echo "bench: $*" >&2; }

# peak_rss PID OUTFILE: until PID exits, records the highest VmHWM (kB) of PID and of its
# descendants that run the pare binary (the application's processes are not pare).
peak_rss() {
	local pid=$1 out=$2 max=0 p v
	local exe
	exe=$(readlink -f "$PARE")
	while kill -0 "$pid" 2>/dev/null; do
		for p in $pid $(pgrep -P "$pid" 2>/dev/null) $(pgrep -g "$(ps -o pgid= "$pid" | tr -d ' ')" 2>/dev/null); do
			[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$exe" ] || continue
			v=$(awk '/^VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null)
			[ -n "$v" ] && [ "$v" -gt "$max" ] && max=$v
		done
		echo "$max" >"$out"
		sleep 0.1
	done
}

now() { date +%s.%N; }
# manifest_layers DIR: the layer paths of an unpacked docker-archive, in order.
manifest_layers() {
	python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))[0]["Layers"]))' "$1/manifest.json"
}

rows=() failed=0
for s in "${samples[@]}"; do
	log "$s: building the sample image (cached)"
	fat=$("$ROOT/samples/build.sh" "$s") || { rows+=("| $s | build of the sample failed | | | | | | | | | | | | | | | FAIL |"); failed=1; continue; }
	sample_options "$s"
	slim="$W/$s.slim.tar" report="$W/$s.report.json"
	cat "$fat" >/dev/null # into the page cache, like the layers the baseline reads (see above)
	log "$s: pare build"
	t0=$(now)
	# A cache of its own: pare's unpacked-rootfs cache starts cold, as on a first run (removed at exit).
	PARE_CACHE_DIR="$W/cache-$s" "$PARE" build "$fat" -o "$slim" --report "$report" --verify --quiet "${SAMPLE_OPTIONS[@]}" >"$W/$s.build.log" 2>&1 &
	bpid=$!
	peak_rss "$bpid" "$W/$s.rss" &
	rpid=$!
	wait "$bpid"
	rc=$?
	t1=$(now)
	wait "$rpid"
	# 3: --verify found the slim image answering differently (the image is written): a failed check
	if { [ $rc -ne 0 ] && [ $rc -ne 3 ]; } || [ ! -f "$slim" ]; then
		log "$s: pare build failed: $(tail -3 "$W/$s.build.log")"
		rows+=("| $s | pare build failed (exit $rc) | | | | | | | | | | | | | | | FAIL |")
		failed=1
		continue
	fi
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')

	log "$s: checking the slim image"
	check=pass
	if pare_run_start "$PARE" "$slim" "$W/$s.run.log" && pare_run_check "$s" >"$W/$s.check.log" 2>&1; then :; else check=FAIL; fi
	[ $rc -eq 3 ] && check=FAIL-verify
	pare_run_stop
	if [ $use_docker = 1 ] && [ $check = pass ]; then
		ref=$(docker load -i "$slim" 2>/dev/null | sed -n 's/^Loaded image: //p; s/^Loaded image ID: //p' | tail -1)
		if [ -z "$ref" ] || ! docker_run_check "$s" "$ref" >>"$W/$s.check.log" 2>&1; then check=FAIL; fi
		[ -n "$ref" ] && docker rmi -f "$ref" >/dev/null 2>&1
	fi
	[ $check = pass ] || { failed=1; log "$s: slim check failed:"; grep -v '^ok' "$W/$s.check.log" | head -10 >&2; }

	log "$s: baseline (tar -xf of the layers, tar -cf of the slim rootfs)"
	b="$W/base-$s" # removed at exit, like the rootfs cache (see above)
	mkdir -p "$b/x" "$b/fs" "$b/y" "$b/slimfs"
	tar -xf "$fat" -C "$b/x" # the outer archive is not part of the physical work
	tb0=$(now)
	for l in $(manifest_layers "$b/x"); do tar -xf "$b/x/$l" -C "$b/fs"; done
	tb1=$(now)
	tar -xf "$slim" -C "$b/y"
	for l in $(manifest_layers "$b/y"); do tar -xf "$b/y/$l" -C "$b/slimfs"; done
	tb2=$(now)
	tar -cf "$b/slimfs.tar" -C "$b/slimfs" .
	tb3=$(now)
	base=$(awk -v a="$tb0" -v b="$tb1" -v c="$tb2" -v d="$tb3" 'BEGIN {printf "%.2f", (b - a) + (d - c)}')

	read -r fb _ < <("$ROOT/samples/imgsize.py" "$fat")
	read -r sb sf < <("$ROOT/samples/imgsize.py" "$slim")
	rss=$(cat "$W/$s.rss" 2>/dev/null || echo 0)
	row=$(python3 "$ROOT/bench/report.py" "$report" "$s" "$fb" "$sb" "$sf" "$wall" "$rss" "$check" "$base")
	rows+=("$row")
done

echo
echo "### Samples ($(date -u +%Y-%m-%d), $(nproc) cores $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(free -g | awk '/^Mem/ {print $2}') GB, Linux $(uname -r))"
echo
python3 "$ROOT/bench/report.py" --header
printf '%s\n' "${rows[@]}"
echo
echo "baseline: tar -xf of the original's layers + tar -cf of the slim rootfs; overhead: pare build's"
echo "time beyond the application's own run (its run phase), divided by the baseline (goal <= 1.5x)."
echo "check: the slim image passes samples/NAME/check under \`pare run\`$([ $use_docker = 1 ] && echo ' and under `docker run`')."

if [ $# -gt 0 ]; then
	: # samples named: the tracer workloads only run with the full benchmark
elif [ -x "$ROOT/bench/tracer.sh" ]; then
	echo
	echo "### Tracer overhead (bench/tracer.sh)"
	echo
	BUILD=$BUILD "$ROOT/bench/tracer.sh" || failed=1
else
	echo
	echo "(bench/tracer.sh is not there yet: no tracer workloads)"
fi
exit $failed
