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

# How each command is run: sets ARGV for COMMAND; $IN is the input, $OUT the output directory (the only
# place it may write).
cmd_argv() {
	case $1 in
	squash) ARGV=(squash "$IN" -o "$OUT/out.tar") ;;
	xray) ARGV=(xray "$IN" --json) ;;
	build) ARGV=(build "$IN" -o "$OUT/out.tar" -q --continue-after exit) ;;
	profile) ARGV=(profile -o "$OUT/profile.json" "$IN") ;;
	run) ARGV=(run -q "$IN") ;;
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

# The checks run hundreds of times on a machine that may be busy: they use shell builtins where they can.
shopt -s nullglob dotglob
canary_state() { (cd "$CANARY" && find . -printf '%p %y %s %m %T@\n' | sort && cat victim) | sha256sum; }
input_state() { # file or directory (oci-dir)
	if [ -d "$1" ]; then (cd "$1" && find . -printf '%p %y %s %m %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum
	else sha256sum <"$1"; fi
}
CANARY0=$(canary_state)
REF="$T/ref"
: >"$REF" # holds the input's mtime, for a per-command check without forks

# Places a relative "../" escape from pare's work dirs could reach: every ancestor of the work dirs.
ESCAPE_DIRS=()
d="$T/w/tmp/a/b/c/d/e/f"
while [ -n "$d" ]; do ESCAPE_DIRS+=("$d"); d=${d%/*}; done
ESCAPE_DIRS+=(/)

# Processes whose root or cwd lies in DIR (a container or helper left behind): one find, no fork per process.
procs_in() {
	find /proc/[0-9]*/ -maxdepth 1 \( -name root -o -name cwd \) -printf '%p %l\n' 2>/dev/null |
		awk -v d="$1/" 'index($2, d) == 1 { split($1, p, "/"); print p[3] }' | sort -u
}

entries() { local a=("$1"/*); echo "${#a[@]}"; }

run_cmd() { # NAME INPUT EXPECT ENV COMMAND: run one command on one input and check what it did
	local name=$1 input=$2 expect=$3 env=$4 cmd=$5
	local W="$T/w" rc problems=() err=() x
	rm -rf "$W"
	mkdir -p "$W/cwd" "$W/out" "$W/tmp"
	IN=$input OUT="$W/out"
	cmd_argv "$cmd"
	(
		cd "$W/cwd" || exit 99
		# No rootfs cache: what run/build unpack must land in TMPDIR, where the checks below look.
		export TMPDIR="$W/tmp" PARE_ROOTFS_CACHE_MAX=0
		[ "$env" = - ] || export "${env?}"
		exec timeout -k 5 300 "$PARE" "${ARGV[@]}" >"$W/stdout" 2>"$W/stderr" </dev/null
	)
	rc=$?
	mapfile -t err <"$W/stderr"

	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then problems+=("hung (killed by timeout)")
	elif [ $rc -ge 128 ]; then problems+=("crashed: exit status $rc")
	fi
	case "${err[*]}" in *AddressSanitizer* | *LeakSanitizer* | *UndefinedBehaviorSanitizer* | *"runtime error:"*)
		problems+=("sanitizer report") ;;
	esac
	local one_line=0
	[ ${#err[@]} -eq 1 ] && [ "${err[0]#pare: }" != "${err[0]}" ] && one_line=1
	case $expect/$rc in
	fail/1 | allowed/1) [ $one_line = 1 ] || problems+=("exit 1 but stderr is not one line 'pare: ...' (${#err[@]} lines)") ;;
	allowed/0) ;;
	allowed/126 | allowed/127)
		# run/profile: the image is readable but its application cannot start (no /bin/sh in it).
		case $cmd in run | profile) ;; *) problems+=("exit status $rc") ;; esac ;;
	fail/*) [ $rc -ge 128 ] || problems+=("exit status $rc, expected 1") ;;
	*) [ $rc -ge 128 ] || problems+=("exit status $rc") ;;
	esac
	if [ "$input" -nt "$REF" ] || [ "$input" -ot "$REF" ]; then problems+=("the input was modified (mtime)"); fi
	[ "$(entries "$W/cwd")" = 0 ] || problems+=("files created in the working directory: $(ls -A "$W/cwd" | head -3)")
	[ "$(entries "$W/tmp")" = 0 ] || problems+=("left in TMPDIR: $(ls -A "$W/tmp" | head -3)")
	# A profile of an application that could not start (126/127: its status passes through) is output.
	case $cmd/$rc in profile/126 | profile/127 | */0) ;; *)
		[ "$(entries "$W/out")" = 0 ] || problems+=("output left after a failure: $(ls -A "$W/out")") ;;
	esac
	for x in "$W"/*; do
		case ${x##*/} in cwd | out | tmp | stdout | stderr) ;; *) problems+=("created next to the output: $x") ;; esac
	done
	for x in "${ESCAPE_DIRS[@]}"; do
		if [ -e "$x/pare-hostile-escape" ] || [ -e "$x/pare-hostile-outer" ]; then
			problems+=("escaped: $x/pare-hostile-*")
			rm -f "$x/pare-hostile-escape" "$x/pare-hostile-outer"
		fi
	done
	local left mounts=()
	left=$(procs_in "$W")
	[ -z "$left" ] || problems+=("processes left: $left")
	mapfile -t mounts </proc/self/mountinfo
	case "${mounts[*]}" in *" $W/"*) problems+=("mounts left under $W") ;; esac

	if [ ${#problems[@]} -eq 0 ]; then
		ok "$cmd $name ($expect, exit $rc)"
	else
		not_ok "$cmd $name ($expect)" "${problems[@]}" "stderr: $(head -3 "$W/stderr" | cut -c1-300)"
		# Clean what a failure left so the next case starts fresh.
		for x in $left; do kill -9 "$x" 2>/dev/null; done
		grep " $W/" /proc/self/mountinfo | cut -d' ' -f5 | sort -r | xargs -r -n1 umount -l 2>/dev/null
	fi
	rm -rf "$W"
}

while IFS=$'\t' read -r name input expect env why; do
	[ "$expect" = allowed ] && echo "# $name: success allowed: $why"
	before=$(input_state "$input")
	touch -r "$input" "$REF"
	for cmd in "${COMMANDS[@]}"; do
		run_cmd "$name" "$input" "$expect" "$env" "$cmd"
	done
	# Content and the canary once per input (the per-command checks above use builtins only).
	assert_eq "$name: the input is unchanged (sha256)" "$(input_state "$input")" "$before"
	assert_eq "$name: nothing was written in the canary directory outside" "$(canary_state)" "$CANARY0"
done <"$CORPUS/cases.tsv"
t_done
