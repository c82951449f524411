#!/usr/bin/env bash
# Replays each fuzz target's seed corpus (tests/fuzz/make-seeds.sh) through its replay program
# ($BUILD/fuzz/replay_<parser>, built by `make check` with the normal compiler, or with ASan and UBSan
# under SANITIZE=1): every seed, including the regression inputs of crashes found by fuzzing, must pass.
. "$(dirname "$0")/lib.sh"

"$ROOT/tests/fuzz/make-seeds.sh" "$T/corpus" >/dev/null
for src in "$ROOT"/tests/fuzz/fuzz_*.c; do
	parser=$(basename "$src" .c)
	parser=${parser#fuzz_}
	bin="$ROOT/$BUILD/fuzz/replay_$parser"
	if [ ! -x "$bin" ]; then
		not_ok "fuzz replay $parser" "$bin missing: run make fuzz-replay (make check builds it)"
		continue
	fi
	if [ -z "$(ls -A "$T/corpus/$parser" 2>/dev/null)" ]; then
		not_ok "fuzz replay $parser" "no seeds: tests/fuzz/make-seeds.sh writes none for '$parser'"
		continue
	fi
	n=$(ls "$T/corpus/$parser" | wc -l)
	check "fuzz replay $parser ($n seeds)" "$bin" "$T/corpus/$parser"
done
t_done
