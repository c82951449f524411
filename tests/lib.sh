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
# The sample NAME's image (samples/build.sh, cached) into $fat; a failed build is reported (and false).
sample_fat() {
	fat=$("$ROOT/samples/build.sh" "$1" 2>"$T/$1.build.log") && return 0
	not_ok "$1: sample image builds" "$(tail -5 "$T/$1.build.log")"
	return 1
}
# The first layer of a docker-archive (a slim image has one) unpacked into DIR.
unpack_layer0() { # ARCHIVE DIR
	mkdir -p "$2.x" "$2" && tar -xf "$1" -C "$2.x" &&
		tar -xf "$2.x/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][0])' "$2.x/manifest.json")" -C "$2" &&
		rm -rf "$2.x"
}
# check_dpkg_truth NAME SLIM_ROOT FAT_ARCHIVE: the slim rootfs against its status file
# (tests/pkgdb-walk.py), dpkg -l listing exactly the status file's packages without a warning, and
# dpkg --verify reporting nothing (the host's dpkg with --root: the slim image rarely keeps dpkg).
check_dpkg_truth() {
	local name=$1 r=$2 fat=$3 n_status n_l
	if python3 "$ROOT/tests/pkgdb-walk.py" "$r" "$fat" >"$T/$name.walk" 2>&1; then
		ok "$name: slim rootfs matches its status file ($(tail -1 "$T/$name.walk"))"
	else
		not_ok "$name: slim rootfs matches its status file" "$(head -5 "$T/$name.walk")"
	fi
	n_status=$(grep -c '^Package:' "$r/var/lib/dpkg/status")
	n_l=$(dpkg --root="$r" -l 2>"$T/$name.dpkg.err" | grep -c '^ii ')
	assert_eq "$name: dpkg -l lists the status file's $n_status packages" "$n_l" "$n_status"
	check "$name: dpkg -l prints no warning" test ! -s "$T/$name.dpkg.err"
	dpkg --root="$r" --verify >"$T/$name.verify" 2>&1
	check_status "$name: dpkg --verify succeeds" 0 test "$?" = 0
	if [ ! -s "$T/$name.verify" ]; then
		ok "$name: dpkg --verify reports nothing"
		return 0
	fi
	# What the image's own builder changed (a conffile edited after install) is reported for the
	# original too: the original, unpacked by skopeo and umoci, must report every line the slim one does.
	rm -rf "$T/$name.fat.oci" "$T/$name.fatroot"
	if skopeo copy -q "docker-archive:$fat" "oci:$T/$name.fat.oci:x" >/dev/null 2>&1 &&
		umoci raw unpack --image "$T/$name.fat.oci:x" "$T/$name.fatroot" >/dev/null 2>&1; then
		dpkg --root="$T/$name.fatroot" --verify >"$T/$name.fat.verify" 2>&1
		check "$name: dpkg --verify reports only what it reports for the original ($(wc -l <"$T/$name.verify") lines)" \
			sh -c '! grep -vxFf "$1" "$2"' _ "$T/$name.fat.verify" "$T/$name.verify"
	else
		not_ok "$name: dpkg --verify reports nothing" "$(head -5 "$T/$name.verify")"
	fi
	sed 's/^/#   /' "$T/$name.verify" | head -5
	rm -rf "$T/$name.fat.oci" "$T/$name.fatroot"
	return 0
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

# need_sbom_validators: ajv-cli with the CycloneDX 1.5 and SPDX 2.3 schemas (npm, cached once; reported
# as a test), then validate spdx|cdx FILE and invalid spdx|cdx FILE. False when they cannot be had.
need_sbom_validators() {
	# One prefix for the validator, its formats plugin (required from ajv-cli's own node_modules) and the schemas.
	SBOM_V="$CACHE/npm/sbom-validators-1"
	if [ ! -x "$SBOM_V/node_modules/.bin/ajv" ]; then
		command -v npm >/dev/null || { not_ok "npm is installed (make deps)"; return 1; }
		rm -rf "$SBOM_V.tmp.$$" && mkdir -p "$SBOM_V.tmp.$$" &&
			npm install --prefix "$SBOM_V.tmp.$$" --no-audit --no-fund --loglevel=error ajv-cli@5.0.0 ajv-formats@3.0.1 \
				@cyclonedx/cyclonedx-library@10.3.0 >&2 &&
			{ mv -T "$SBOM_V.tmp.$$" "$SBOM_V" 2>/dev/null || rm -rf "$SBOM_V.tmp.$$"; } ||
			{ rm -rf "$SBOM_V.tmp.$$"; not_ok "installing ajv-cli, ajv-formats, @cyclonedx/cyclonedx-library from npm"; return 1; }
	fi
	ok "ajv-cli 5.0.0, ajv-formats 3.0.1, @cyclonedx/cyclonedx-library 10.3.0 installed from the npm registry"
	SBOM_S="$SBOM_V/node_modules/@cyclonedx/cyclonedx-library/res/schema"
	# The package's bom schema names its neighbours by their file names; ajv resolves them by $id.
	sed 's/spdx\.SNAPSHOT\.schema\.json/spdx.schema.json/g; s/jsf-0\.82\.SNAPSHOT\.schema\.json/jsf-0.82.schema.json/g' \
		"$SBOM_S/bom-1.5.SNAPSHOT.schema.json" >"$T/bom-1.5.schema.json"
}
validate() { # validate spdx|cdx FILE
	local ajv="$SBOM_V/node_modules/.bin/ajv"
	if [ "$1" = spdx ]; then
		"$ajv" validate --spec=draft7 --strict=false -c ajv-formats -s "$ROOT/tests/schemas/spdx-2.3.schema.json" -d "$2"
	else
		"$ajv" validate --spec=draft7 --strict=false -c ajv-formats -s "$T/bom-1.5.schema.json" \
			-r "$SBOM_S/spdx.SNAPSHOT.schema.json" -r "$SBOM_S/jsf-0.82.SNAPSHOT.schema.json" -d "$2"
	fi
}
invalid() { ! validate "$@" >/dev/null 2>&1; }
