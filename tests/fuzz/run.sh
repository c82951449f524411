#!/usr/bin/env bash
# Runs one libFuzzer target built by `make fuzz` for SECONDS (default 600) on one core, starting from
# its generated seeds, and prints libFuzzer's final statistics. Crash reproducers go to
# build-fuzz/crashes/PARSER/, the grown corpus to build-fuzz/corpus/PARSER/, the log to build-fuzz/logs/.
# Usage: tests/fuzz/run.sh PARSER [SECONDS] [extra libFuzzer flags...]
set -eu
cd "$(dirname "$0")/../.."
parser=${1:?usage: tests/fuzz/run.sh PARSER [SECONDS]}
secs=${2:-600}
shift $(($# < 2 ? $# : 2))
bin=build-fuzz/fuzz/fuzz_$parser
[ -x "$bin" ] || { echo "run.sh: $bin missing: run make fuzz" >&2; exit 1; }
[ -d build-fuzz/seeds/$parser ] || tests/fuzz/make-seeds.sh build-fuzz/seeds
mkdir -p build-fuzz/corpus/$parser build-fuzz/crashes/$parser build-fuzz/logs
log=build-fuzz/logs/$parser.log
# rss_limit: a parser must stay within its documented limits; malloc_limit catches huge single allocations.
"$bin" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
	-artifact_prefix=build-fuzz/crashes/$parser/ "$@" \
	build-fuzz/corpus/$parser build-fuzz/seeds/$parser >"$log" 2>&1 || true
grep -E '^(stat::|Done|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$log" || true
echo "crashes: $(find build-fuzz/crashes/$parser -type f | wc -l) (log: $log)"
