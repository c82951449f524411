# Shared helpers for the shell integration tests (after bubblewrap's libtest.sh and git's test-lib.sh).
# Source it first: it makes $T (a temp dir removed on exit) and prints TAP lines that tests/run.sh counts.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
PARE="$ROOT/$BUILD/pare"
HELPERS="$ROOT/$BUILD/helpers"
export PATH="$ROOT/tests/bin:$PATH"
T=$(mktemp -d "${TMPDIR:-/var/tmp}/paretest.XXXXXX")
_n=0
_failed=0
_cleanups=()

t_cleanup_add() { _cleanups+=("$*"); }
_t_exit() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do eval "${_cleanups[$i]}" >/dev/null 2>&1 || true; done
	rm -rf "$T"
}
trap _t_exit EXIT
trap 'exit 130' INT TERM

ok() { _n=$((_n + 1)); echo "ok $_n - $*"; }
not_ok() { _n=$((_n + 1)); _failed=1; echo "not ok $_n - $1"; shift; local l; for l in "$@"; do echo "#   $l"; done; }
skip() { _n=$((_n + 1)); echo "ok $_n - $1 # SKIP $2"; }
# check DESC COMMAND...: ok when the command exits 0; on failure its output is shown.
check() {
	local desc=$1; shift
	local log="$T/.check.log"
	if "$@" >"$log" 2>&1; then ok "$desc"; else not_ok "$desc" "command: $*" "$(tail -15 "$log")"; fi
}
# check_fails DESC STATUS COMMAND...: ok when the command exits with STATUS.
check_status() {
	local desc=$1 want=$2; shift 2
	local log="$T/.check.log" rc
	"$@" >"$log" 2>&1; rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc"; else not_ok "$desc" "exit status $rc, expected $want: $*" "$(tail -15 "$log")"; fi
}
assert_eq() { # DESC GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $(printf %q "$2")" "want: $(printf %q "$3")"; fi
}
assert_file_eq() { # DESC GOT_FILE WANT_FILE
	if cmp -s "$2" "$3"; then ok "$1"; else not_ok "$1" "$(diff -u "$3" "$2" | head -40)"; fi
}
t_done() { [ "$_failed" = 0 ]; exit $?; }

# Start a dockerd for this test unless one answers already; stopped when the test exits.
need_dockerd() {
	if docker info >/dev/null 2>&1; then return 0; fi
	command -v dockerd >/dev/null || { echo "dockerd missing: run make deps" >&2; return 1; }
	dockerd >"$T/dockerd.log" 2>&1 &
	local pid=$!
	t_cleanup_add "kill $pid; wait $pid"
	local i
	for i in $(seq 1 100); do
		docker info >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "dockerd did not start: $(tail -5 "$T/dockerd.log")" >&2
	return 1
}

# need_registry: the tests' two registries (tests/services.sh) answer on $REG (anonymous) and $REG_AUTH
# (htpasswd user $REG_USER, password $REG_PASS); started here, and stopped at exit, when they were not up.
REG=127.0.0.1:${PARE_TEST_REGISTRY_PORT:-5111}
REG_AUTH=127.0.0.1:${PARE_TEST_REGISTRY_AUTH_PORT:-5112}
REG_USER=pare REG_PASS=pare-test-pass
need_registry() {
	curl -s -o /dev/null "http://$REG/v2/" && curl -s -o /dev/null "http://$REG_AUTH/v2/" && return 0
	"$ROOT/tests/services.sh" registry-start || return 1
	t_cleanup_add "'$ROOT/tests/services.sh' registry-stop"
}

# A containers.conf that lets podman run containers on this machine (runc, ulimits it may set).
podman_conf() {
	local f="$T/containers.conf"
	[ -f "$f" ] || printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]\n[engine]\nruntime = "runc"\n' >"$f"
	export CONTAINERS_CONF="$f"
}

# Cache for slow-to-build fixtures (mmdebstrap images); survives make clean.
CACHE=${PARE_TEST_CACHE:-/var/cache/pare-tests}
mkdir -p "$CACHE"

# need_npm_tool PKG@VERSION: installs an npm package (pinned) into the fixture cache once and prints the
# directory of its executables; a failed install is a test failure, not a skip.
need_npm_tool() {
	local spec=$1 dir="$CACHE/npm/${1//[@\/]/_}"
	if [ ! -d "$dir/node_modules/.bin" ]; then
		command -v npm >/dev/null || { echo "npm missing: run make deps" >&2; return 1; }
		rm -rf "$dir.tmp.$$" && mkdir -p "$dir.tmp.$$" &&
			npm install --prefix "$dir.tmp.$$" --no-audit --no-fund --loglevel=error "$spec" >&2 &&
			{ mv -T "$dir.tmp.$$" "$dir" 2>/dev/null || rm -rf "$dir.tmp.$$"; } || { rm -rf "$dir.tmp.$$"; return 1; }
	fi
	echo "$dir/node_modules/.bin"
}
