#!/usr/bin/env bash
# `make demo`: the README's first command. Builds the python-http sample (a Debian bookworm image
# with python3, built with mmdebstrap and cached), slims it with `pare build`, runs the original and
# the slim image with `pare run` (no Docker daemon), checks that the slim one answers exactly like
# the original, and prints the sizes. `make demo` runs `make deps` and builds pare first.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/samples/lib.sh"
BUILD=${BUILD:-build}
PARE="$ROOT/$BUILD/pare"
NAME=${1:-python-http}
OUT=${PARE_DEMO_DIR:-${TMPDIR:-/var/tmp}/paredemo}
mkdir -p "$OUT"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { echo "demo: $*" >&2; exit 1; }
[ -x "$PARE" ] || fail "$PARE is missing: run make"
. "$ROOT/tests/fresh.sh"
fresh_caches
trap 'pare_run_stop; rm -rf ${FRESH_TMP:+"$FRESH_TMP"}' EXIT

step "1. the sample image: $NAME (Debian bookworm + $(set +u; dir=$ROOT/samples/$NAME; . "$dir/recipe"; echo "${PACKAGES[*]}"))"
[ -f "$("$ROOT/samples/build.sh" --path "$NAME" 2>/dev/null)" ] || echo "building it with mmdebstrap (downloads Debian packages once, then cached)..."
fat=$("$ROOT/samples/build.sh" "$NAME")
echo "$fat"

step "2. pare build: run it under the tracer, probe it, keep what it used"
sample_options "$NAME"
slim="$OUT/$NAME.slim.tar"
echo "+ pare build $fat -o $slim --report $OUT/$NAME.report.json ${SAMPLE_OPTIONS[*]}"
"$PARE" build "$fat" -o "$slim" --report "$OUT/$NAME.report.json" "${SAMPLE_OPTIONS[@]}"

step "3. run both with pare run and compare their answers"
for which in fat slim; do
	img=$fat
	[ $which = slim ] && img=$slim
	rm -f "$OUT/$which.transcript"
	pare_run_start "$PARE" "$img" "$OUT/$which.run.log" || { cat "$OUT/$which.run.log"; fail "pare run of the $which image did not start"; }
	echo "-- $which image (pare run, own network namespace; check run inside it):"
	if ! CHECK_TRANSCRIPT="$OUT/$which.transcript" pare_run_check "$NAME"; then
		tail -20 "$OUT/$which.run.log"
		fail "the $which image failed the $NAME check"
	fi
	pare_run_stop
done
if ! cmp -s "$OUT/fat.transcript" "$OUT/slim.transcript"; then
	diff -u "$OUT/fat.transcript" "$OUT/slim.transcript" | head -40
	fail "the slim image answers differently from the original"
fi
echo "the slim image answered all $(grep -c '^== ' "$OUT/slim.transcript") requests exactly like the original"

step "4. sizes"
read -r fat_bytes fat_files < <("$ROOT/samples/imgsize.py" "$fat")
read -r slim_bytes slim_files < <("$ROOT/samples/imgsize.py" "$slim")
awk -v fb="$fat_bytes" -v ff="$fat_files" -v sb="$slim_bytes" -v sf="$slim_files" 'BEGIN {
	printf "original: %8.1f MB  %6d files\n", fb / 1e6, ff
	printf "slim:     %8.1f MB  %6d files\n", sb / 1e6, sf
	printf "ratio:    %.1fx smaller\n", fb / sb
}'
echo
echo "slim image: $slim  (docker load -i / podman load -i it; report: $OUT/$NAME.report.json)"
