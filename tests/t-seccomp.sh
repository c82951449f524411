#!/usr/bin/env bash
# pare build --seccomp-profile (doc/SECURITY.md, "Seccomp profile"; doc/TRACER.md, "Syscall census"):
# the profile is Docker's JSON; the slim image runs under `docker run --security-opt seccomp=FILE`
# and passes its sample's check (static-go-like, python-http, nginx); a syscall the analysis never
# saw is refused with EPERM under the profile and works without it (tests/helpers/sysprobe); runc
# cannot start the container without the runtime's extra syscalls the profile adds.
. "$(dirname "$0")/lib.sh"
. "$ROOT/samples/lib.sh"
need_dockerd || { not_ok "a dockerd answers" "no dockerd"; t_done; }
[ -x "$HELPERS/sysprobe" ] || { not_ok "$HELPERS/sysprobe missing: run make helpers"; t_done; }

tag="pare-seccomp-$$"
mkdir -p "$T/root"
cp "$HELPERS/sysprobe" "$T/root/sysprobe"
python3 "$ROOT/tests/mkimage.py" --format docker-archive --layer "$T/root" --tag "$tag/probe:fat" \
	--config '{"Entrypoint": ["/sysprobe"], "Cmd": ["plain"]}' "$T/probe.tar" || { not_ok "build the test image"; t_done; }
t_cleanup_add "docker rmi -f '$tag/probe:slim' >/dev/null 2>&1"
check "pare build --seccomp-profile of the sysprobe image" \
	"$PARE" build -q "$T/probe.tar" -o "$T/probe.slim.tar" --tag "$tag/probe:slim" --seccomp-profile "$T/probe.json"
check "the profile is Docker's format: ERRNO by default (EPERM), x86_64, execve and write allowed" \
	jq -e '.defaultAction == "SCMP_ACT_ERRNO" and .defaultErrnoRet == 1 and .architectures == ["SCMP_ARCH_X86_64"]
		and ([.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]] | index("execve") and index("write"))' "$T/probe.json"
check "the profile allows no syscall the analysis did not see (getcpu, sysinfo, uname)" \
	jq -e '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]] | (index("getcpu") or index("sysinfo") or index("uname")) | not' "$T/probe.json"
check "the slim image loads with docker load" docker load -q -i "$T/probe.slim.tar"
run() { docker run --rm --pull never "$@" 2>&1; }
assert_eq "under the profile: what the analysis ran works" "$(run --security-opt seccomp="$T/probe.json" "$tag/probe:slim" plain)" ok
for sc in getcpu sysinfo uname; do
	assert_eq "under the profile: $sc (never seen) is refused with EPERM" \
		"$(run --security-opt seccomp="$T/probe.json" "$tag/probe:slim" call $sc)" "refused: EPERM"
	assert_eq "without the profile: $sc works" "$(run "$tag/probe:slim" call $sc)" ok
done
# Only the census, without what runc needs after it applied the profile: runc fails.
jq '.syscalls |= map(select(.comment | startswith("runc:") | not))' "$T/probe.json" >"$T/census-only.json"
out=$(run --security-opt seccomp="$T/census-only.json" "$tag/probe:slim" plain)
case $out in
*"operation not permitted"*) ok "without the runtime's syscalls runc cannot start the container" ;;
*) not_ok "without the runtime's syscalls runc cannot start the container" "got: $out" ;;
esac
check "a bad --seccomp-profile path fails with one line and no file" \
	bash -c "! '$PARE' build -q '$T/probe.tar' -o '$T/x.tar' --seccomp-profile '$T/no/such/dir/p.json' 2>'$T/err' && [ \$(wc -l <'$T/err') = 1 ] && grep -q '^pare: ' '$T/err'"

if [ -n "${PARE_TEST_SAMPLES:-}" ]; then
	read -ra samples <<<"$PARE_TEST_SAMPLES"
else
	samples=(static-go-like python-http nginx)
fi
for name in "${samples[@]}"; do
	sample_fat "$name" || continue
	sample_options "$name"
	prof="$T/$name.seccomp.json"
	t_cleanup_add "docker rmi -f '$tag/$name:slim' >/dev/null 2>&1"
	if ! "$PARE" build -q "$fat" -o "$T/$name.slim.tar" --tag "$tag/$name:slim" --seccomp-profile "$prof" \
		--report "$T/$name.report.json" "${SAMPLE_OPTIONS[@]}" >"$T/$name.log" 2>&1; then
		not_ok "$name: pare build --seccomp-profile" "$(tail -5 "$T/$name.log")"
		continue
	fi
	n=$(jq '.seccomp_profile.syscalls' "$T/$name.report.json")
	ok "$name: pare build --seccomp-profile ($n syscalls allowed, $(stat -c %s "$prof") bytes)"
	docker load -q -i "$T/$name.slim.tar" >/dev/null
	check "$name: the slim image passes its check under the seccomp profile" \
		docker_run_check "$name" "$tag/$name:slim" --security-opt seccomp="$prof"
done
t_done
