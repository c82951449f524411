# Sourced by tests/run.sh and samples/demo.sh. fresh_caches: with FRESH=1, runs as a new machine
# would, with empty caches of sample images, test fixtures (mmdebstrap rootfs trees) and unpacked
# rootfs trees, in a new directory FRESH_TMP that the caller removes on exit; FRESH=DIR uses DIR for
# them and leaves it (.ci/run shares one between its two passes). Installed packages stay.
FRESH_TMP=
fresh_caches() {
	local fresh
	[ -n "${FRESH:-}" ] && [ "$FRESH" != 0 ] || return 0
	if [ "$FRESH" = 1 ]; then
		fresh=$(mktemp -d "${TMPDIR:-/var/tmp}/parefresh.XXXXXX")
		FRESH_TMP=$fresh
	else
		fresh=$FRESH
		mkdir -p "$fresh"
	fi
	export PARE_SAMPLES_CACHE="$fresh/samples" PARE_TEST_CACHE="$fresh/tests" PARE_CACHE_DIR="$fresh/rootfs"
	unset PARE_UNSEEN_CACHE
	echo "FRESH: caches of samples, fixtures and rootfs trees start empty in $fresh"
}
