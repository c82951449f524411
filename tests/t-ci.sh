#!/usr/bin/env bash
# pare in CI, inside a container: pare's own image is built by the project's recipe (Dockerfile, make
# image) on a local Debian base, slimmed by pare with --verify, and the slim image of pare then runs
# `pare build --verify` of a sample inside dockerd, in the configuration doc/CI.md documents; the
# image it writes is loaded and passes the sample's check. Without the privileges, pare fails with
# one line naming the docker run options to add, and writes nothing.
. "$(dirname "$0")/lib.sh"
. "$ROOT/samples/lib.sh"

for tool in docker mmdebstrap; do
	command -v $tool >/dev/null || { not_ok "tool $tool present (run make deps)"; t_done; }
done
need_dockerd || { not_ok "dockerd answers"; t_done; }
N=paretest-ci-$$
# The configuration doc/CI.md documents (keep both in step).
PRIV=(--cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add SYS_PTRACE --security-opt seccomp=unconfined)
BASE_TAR=$CACHE/ci-bookworm-minbase.tar

build_base() {
	[ -f "$BASE_TAR" ] && return 0
	local tmp="${BASE_TAR%.tar}.tmp.$$.tar" # mmdebstrap picks the format from the name's ending
	mmdebstrap --quiet --variant=minbase bookworm "$tmp" && [ -f "$tmp" ] && mv "$tmp" "$BASE_TAR"
}
check "fixture: a Debian bookworm base (mmdebstrap, cached in $CACHE)" build_base || t_done
docker import "$BASE_TAR" "$N-base:1" >/dev/null || { not_ok "docker import of the base"; t_done; }
t_cleanup_add "docker rmi -f $N-base:1 $N:fat $N:slim >/dev/null 2>&1"

# The recipe, as a user runs it: make image (docker build of the repository's Dockerfile).
if make -s -C "$ROOT" image BASE="$N-base:1" IMAGE="$N:fat" >"$T/image.log" 2>&1; then
	ok "make image builds pare's image from the Dockerfile"
else
	not_ok "make image builds pare's image from the Dockerfile" "$(tail -15 "$T/image.log")"
	t_done
fi
assert_eq "the image's pare is this tree's" "$(docker run --rm --pull never "$N:fat" --version 2>&1)" \
	"$("$PARE" --version)"
assert_eq "no compiler in the image (two stages)" \
	"$(docker run --rm --pull never --entrypoint /bin/sh "$N:fat" -c 'command -v gcc cc make; echo end')" "end"
# pare's own advice on its recipe: only the root user, which pare needs (namespaces, the tracer).
"$PARE" lint --json "$ROOT/Dockerfile" >"$T/lint.json"
assert_eq "pare lint on the Dockerfile: only root-user" \
	"$(python3 -c 'import json,sys; print(sorted({f["rule"] for f in json.load(open(sys.argv[1]))["findings"]}))' "$T/lint.json")" \
	"['root-user']"

fat=$("$ROOT/samples/build.sh" static-go-like 2>"$T/sample.log") ||
	{ not_ok "sample static-go-like builds" "$(tail -5 "$T/sample.log")"; t_done; }
mkdir -p "$T/in" "$T/out" && cp "$fat" "$T/in/app.tar" && cp "$ROOT/Dockerfile" "$T/in/Dockerfile"

# pare slims its own image: the analysis runs pare's commands that need no privileges (the build
# itself is proved below, by the slim image); the slim image keeps pare's entrypoint and Cmd.
"$PARE" build "docker-daemon:$N:fat" -o "docker-daemon:$N:slim" --verify --report "$T/self.json" \
	--entrypoint /bin/sleep --cmd 300 -v "$T/in:/in:ro" \
	--exec '/usr/local/bin/pare --version' --exec '/usr/local/bin/pare xray /in/app.tar' \
	--exec '/usr/local/bin/pare lint --fail-on error /in/Dockerfile' >"$T/self.log" 2>&1
rc=$?
if [ "$rc" = 0 ] && docker image inspect "$N:slim" >/dev/null 2>&1; then
	ok "pare slims its own image, --verify passes ($(grep -o '[0-9.]*x smaller' "$T/self.log"))"
else
	not_ok "pare slims its own image, --verify passes" "exit status $rc" "$(tail -15 "$T/self.log")"
	t_done
fi
assert_eq "the slim image of pare keeps its entrypoint" \
	"$(docker image inspect -f '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' "$N:slim")" \
	'["/usr/local/bin/pare"] ["--help"]'

# The slim pare inside dockerd, in the documented configuration: build --verify of a sample.
sample_options static-go-like
in_docker() { # OPTIONS... -- PARE-ARGS...
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	docker run --rm --pull never "${opts[@]}" -v "$T/in:/in:ro" -v "$T/out:/out" "$N:slim" "$@"
}
in_docker "${PRIV[@]}" -- build /in/app.tar -o /out/app.slim.tar --verify --report /out/app.json \
	"${SAMPLE_OPTIONS[@]}" >"$T/inner.log" 2>&1
rc=$?
if [ "$rc" = 0 ] && [ -s "$T/out/app.slim.tar" ]; then
	ok "slim pare in docker run ${PRIV[*]}: build --verify passes"
else
	not_ok "slim pare in docker run ${PRIV[*]}: build --verify passes" "exit status $rc" "$(tail -15 "$T/inner.log")"
fi
assert_eq "the inner build traced the application (files in its profile)" \
	"$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["profile"]; print(p["files"] > 0, "ptrace-seccomp" in p["sensors"])' "$T/out/app.json" 2>&1)" \
	"True True"
ref=$(docker load -i "$T/out/app.slim.tar" 2>/dev/null | sed -n 's/^Loaded image: //p' | tail -1)
if [ -n "$ref" ]; then
	t_cleanup_add "docker rmi -f '$ref' >/dev/null 2>&1"
	check "the image built inside the container passes the sample's check under docker run" \
		docker_run_check static-go-like "$ref"
else
	not_ok "the image built inside the container loads into docker"
fi

# Without the privileges: one line naming what to add, exit 1, no output.
missing() { # DESC WANT-IN-LINE DOCKER-OPTIONS...
	local desc=$1 want=$2
	shift 2
	rm -f "$T/out/none.tar"
	in_docker "$@" -- build --quiet /in/app.tar -o /out/none.tar "${SAMPLE_OPTIONS[@]}" >"$T/m.out" 2>"$T/m.err"
	local rc=$? lines
	lines=$(wc -l <"$T/m.err")
	if [ "$rc" = 1 ] && [ "$lines" = 1 ] && grep -qF -- "$want" "$T/m.err" && [ ! -e "$T/out/none.tar" ]; then
		ok "$desc"
	else
		not_ok "$desc" "exit status $rc, $lines lines" "$(cat "$T/m.err")"
	fi
}
missing "docker run's defaults: one line naming every option to add" \
	"run it with --cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add SYS_PTRACE --security-opt seccomp=unconfined"
missing "--cap-add SYS_ADMIN only: the line names the rest" \
	"run it with --cap-add NET_ADMIN --cap-add SYS_PTRACE --security-opt seccomp=unconfined" --cap-add SYS_ADMIN
missing "without SYS_PTRACE: the tracer says it cannot read the application (no silent empty profile)" \
	"needs CAP_SYS_PTRACE (in a container: --cap-add SYS_PTRACE" \
	--cap-add SYS_ADMIN --cap-add NET_ADMIN --security-opt seccomp=unconfined
t_done
