#!/usr/bin/env bash
# Hostile images (issue 7): every command that reads images, on every input of the generated corpus
# (tests/hostile/gen.py), must exit 1 with exactly one line "pare: ..." on stderr (or succeed where
# the format allows it: the corpus says which and why), never crash, never write outside its output,
# leave no output file on failure, no pare-* temp dir, no process, no mount, and not modify the input.
. "$(dirname "$0")/lib.sh"

CORPUS="$T/corpus"
CANARY="$T/canary"
mkdir -p "$CANARY"
echo "canary" >"$CANARY/victim"
if ! python3 "$ROOT/tests/hostile/gen.py" "$CORPUS" "$CANARY" >"$T/gen.log" 2>&1; then
	not_ok "generate the hostile corpus" "$(tail -5 "$T/gen.log")"
	t_done
fi
n_cases=$(wc -l <"$CORPUS/cases.tsv")
if [ "$n_cases" -ge 40 ]; then ok "corpus has $n_cases hostile images"; else not_ok "corpus has only $n_cases images"; fi

# How each command is run: $IN is the input, $OUT the output directory (the only place it may write).
cmd_line() { # COMMAND -> the argv, one word per line
	case $1 in
	squash) printf '%s\n' squash "$IN" -o "$OUT/out.tar" ;;
	xray) printf '%s\n' xray "$IN" --json ;;
	build) printf '%s\n' build "$IN" -o "$OUT/out.tar" -q --continue-after exit ;;
	profile) printf '%s\n' profile -o "$OUT/profile.json" "$IN" ;;
	run) printf '%s\n' run -q "$IN" ;;
	esac
}
COMMANDS=()
for c in squash xray run profile build; do
	if "$PARE" "$c" --help >/dev/null 2>&1; then
		COMMANDS+=("$c")
	else
		echo "# pare $c is not on main yet: not tested here"
	fi
done
[ ${#COMMANDS[@]} -gt 0 ] || { not_ok "no command that reads images exists"; t_done; }

canary_state() { (cd "$CANARY" && find . -printf '%p %y %s %m\n' | sort && cat victim) | sha256sum; }
input_state() { # file or directory (oci-dir)
	if [ -d "$1" ]; then (cd "$1" && find . -printf '%p %y %s %m %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum
	else sha256sum <"$1"; fi
}
CANARY0=$(canary_state)

# Places a relative "../" escape from pare's work dirs could reach: every ancestor of the work dirs.
escape_candidates() {
	local d=$1
	while [ "$d" != / ]; do echo "$d"; d=$(dirname "$d"); done
	echo /
}

# Processes whose root or cwd lies in DIR (a container or helper left behind): one find, no fork per process.
procs_in() {
	find /proc/[0-9]*/ -maxdepth 1 \( -name root -o -name cwd \) -printf '%p %l\n' 2>/dev/null |
		awk -v d="$1/" 'index($2, d) == 1 { split($1, p, "/"); print p[3] }' | sort -u
}

run_case() { # NAME INPUT EXPECT ENV WHY COMMAND
	local name=$1 input=$2 expect=$3 env=$4 cmd=$6
	local W="$T/w" rc problems=() lines first before after
	rm -rf "$W"
	mkdir -p "$W/cwd" "$W/out" "$W/tmp"
	IN=$input OUT="$W/out"
	local argv=()
	mapfile -t argv < <(cmd_line "$cmd")
	# No rootfs cache: what run/build unpack must land in TMPDIR, where the checks below look.
	local envs=(TMPDIR="$W/tmp" PARE_ROOTFS_CACHE_MAX=0)
	[ "$env" = - ] || envs+=("$env")
	before=$(input_state "$input")
	(cd "$W/cwd" && exec env "${envs[@]}" timeout -k 5 300 "$PARE" "${argv[@]}" >"$W/stdout" 2>"$W/stderr" </dev/null)
	rc=$?
	after=$(input_state "$input")
	lines=$(wc -l <"$W/stderr")
	first=$(head -1 "$W/stderr")

	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then problems+=("hung (killed by timeout)")
	elif [ $rc -ge 128 ]; then problems+=("crashed: exit status $rc")
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$W/stderr"; then
		problems+=("sanitizer report")
	fi
	local one_line=0
	[ "$lines" -eq 1 ] && [ "${first#pare: }" != "$first" ] && one_line=1
	case $expect/$rc in
	fail/1 | allowed/1) [ $one_line = 1 ] || problems+=("exit 1 but stderr is not one line 'pare: ...' ($lines lines)") ;;
	allowed/0) ;;
	allowed/126 | allowed/127)
		# run/profile: the image is readable but its application cannot start (no /bin/sh in it).
		case $cmd in run | profile) ;; *) problems+=("exit status $rc") ;; esac ;;
	fail/*) [ $rc -ge 128 ] || problems+=("exit status $rc, expected 1") ;;
	*) [ $rc -ge 128 ] || problems+=("exit status $rc") ;;
	esac
	[ "$before" = "$after" ] || problems+=("the input was modified")
	[ "$(canary_state)" = "$CANARY0" ] || problems+=("the canary directory outside was changed")
	[ -z "$(ls -A "$W/cwd")" ] || problems+=("files created in the working directory: $(ls -A "$W/cwd" | head -3 | tr '\n' ' ')")
	[ -z "$(ls -A "$W/tmp")" ] || problems+=("left in TMPDIR: $(ls -A "$W/tmp" | head -3 | tr '\n' ' ')")
	if [ $rc -ne 0 ]; then
		[ -z "$(ls -A "$W/out")" ] || problems+=("output left after a failure: $(ls -A "$W/out" | tr '\n' ' ')")
	fi
	local extra
	extra=$(ls -A "$W" | grep -vxE 'cwd|out|tmp|stdout|stderr')
	[ -z "$extra" ] || problems+=("created next to the output: $extra")
	local d
	for d in $(escape_candidates "$W/tmp/a/b/c/d/e/f"); do
		if [ -e "$d/pare-hostile-escape" ] || [ -e "$d/pare-hostile-outer" ]; then
			problems+=("escaped: $d/pare-hostile-*")
			rm -f "$d/pare-hostile-escape" "$d/pare-hostile-outer"
		fi
	done
	local left
	left=$(procs_in "$W")
	[ -z "$left" ] || problems+=("processes left: $left")
	if grep -q " $W" /proc/self/mountinfo; then problems+=("mounts left: $(grep " $W" /proc/self/mountinfo | head -2)"); fi

	if [ ${#problems[@]} -eq 0 ]; then
		ok "$cmd $name ($expect, exit $rc)"
	else
		not_ok "$cmd $name ($expect)" "${problems[@]}" "stderr: $(head -3 "$W/stderr" | cut -c1-300)"
		# Clean what a failure left so the next case starts fresh.
		for left in $(procs_in "$W" | cut -d' ' -f1); do kill -9 "$left" 2>/dev/null; done
		grep " $W" /proc/self/mountinfo | cut -d' ' -f5 | sort -r | xargs -r -n1 umount -l 2>/dev/null
	fi
	rm -rf "$W"
}

while IFS=$'\t' read -r name input expect env why; do
	[ "$expect" = allowed ] && echo "# $name: success allowed: $why"
	for cmd in "${COMMANDS[@]}"; do
		run_case "$name" "$input" "$expect" "$env" "$why" "$cmd"
	done
done <"$CORPUS/cases.tsv"
t_done
