#!/usr/bin/env bash
# The samples (samples/NAME: realistic Debian images built with mmdebstrap, cached) against real
# engines: the fat image runs under `docker run` and passes the sample's check; `pare build` slims it
# (and slims the same image as written by `docker save` and `podman save --format oci-archive`: for
# python-http in CI, for every sample under `make check-all`); each
# slim archive loads with `docker load` and `podman load`, is read by `skopeo inspect` as
# docker-archive: and oci-archive:, passes the sample's check under `docker run`, and is smaller by the
# factor the sample promises. CI runs python-http, nginx and node; `make check-all` every sample.
. "$(dirname "$0")/lib.sh"
. "$ROOT/samples/lib.sh"
need_dockerd || { not_ok "a dockerd answers" "no dockerd"; t_done; }
podman_conf

if [ -n "${PARE_TEST_SAMPLES:-}" ]; then
	read -ra samples <<<"$PARE_TEST_SAMPLES" # for a quicker run by hand
elif [ "${PARE_CHECK_ALL:-}" = 1 ]; then
	mapfile -t samples < <("$ROOT/samples/build.sh" --list)
else
	samples=(python-http nginx node)
fi
# The reduction each sample must reach at least (node: libnode and the ICU data are most of it).
# python-http: 8.5, not 10: the modules of the Python packages it uses are kept whole, with what they
# import (doc/MINIFIER.md, Siblings: encodings.* and the CJK codecs' extension modules are 2.3 MB of
# the 24 MB).
min_ratio() { case $1 in nginx | shell-entrypoint | fat-dev) echo 10 ;; python-http) echo 8.5 ;; node) echo 2.5 ;; static-go-like) echo 20 ;; *) echo 5 ;; esac; }

# mapped_bytes NAME REF: runs REF under docker, drives it with the sample's check, then prints the
# total size of the distinct files its processes have mapped (executables, libraries, data files
# such as ICU's), read from /proc/PID/maps of every process of the container.
mapped_bytes() {
	local name=$1 ref=$2 port c ip pid p
	port=$(sample_port "$name")
	c=$(docker run -d --pull never "$ref") || return 1
	ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$c")
	wait_tcp "$ip" "$port" 60 && "$ROOT/samples/$name/check" "$ip:$port" >/dev/null
	pid=$(docker inspect -f '{{.State.Pid}}' "$c")
	for p in $(docker top "$c" -eo pid | tail -n +2); do
		awk '$6 ~ /^\// {print $6}' "/proc/$p/maps"
	done | sort -u | while read -r f; do stat -L -c %s "/proc/$pid/root$f" 2>/dev/null; done |
		awk '{s += $1} END {print s + 0}'
	docker rm -f "$c" >/dev/null 2>&1
}

# slim NAME INPUT OUT TAG: pare build with the sample's options, tagged TAG.
slim() {
	sample_options "$1"
	"$PARE" build "$2" -o "$3" --tag "$4" --quiet "${SAMPLE_OPTIONS[@]}"
}

# built DESC NAME INPUT OUT TAG: `slim` as a TAP line; returns its status (lib.sh's check does not).
built() {
	local desc=$1
	shift
	if slim "$@" >"$T/build.log" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc" "pare build $2 -o $3: $(tail -5 "$T/build.log")"
		return 1
	fi
}

# docker_load ARCHIVE: loads it and prints the loaded reference.
docker_load() { docker load -i "$1" | sed -n 's/^Loaded image: //p; s/^Loaded image ID: //p' | tail -1; }

# slim_checks NAME SLIM TAG WHAT: the slim archive against docker, podman and skopeo.
slim_checks() {
	local name=$1 s=$2 tag=$3 what=$4 ref
	ref=$(docker_load "$s")
	t_cleanup_add "docker rmi -f '$tag'"
	assert_eq "$name: slim image from $what loads with docker load" "$ref" "$tag"
	check "$name: slim image from $what passes the check under docker run" docker_run_check "$name" "$tag"
	check "$name: slim image from $what: skopeo inspect docker-archive:" skopeo inspect "docker-archive:$s"
	check "$name: slim image from $what: skopeo inspect oci-archive:" skopeo inspect "oci-archive:$s"
}

for name in "${samples[@]}"; do
	tag="pare-test-$$-$name"
	sample_fat "$name" || continue
	versions=$(sample_versions "$name" "$fat")
	ok "$name: sample image builds ($(basename "$fat"): $versions)"

	# The fat image under docker: the sample and its check are right to begin with. When it fails,
	# the sample image is broken (a change in Debian, a recipe), not pare: say so, and go on.
	ref=$(docker_load "$fat")
	docker tag "$ref" "$tag:fat" && docker rmi "$ref" >/dev/null
	t_cleanup_add "docker rmi -f '$tag:fat'"
	if docker_run_check "$name" "$tag:fat" >"$T/fat.log" 2>&1; then
		ok "$name: fat image passes the check under docker run"
	else
		not_ok "$name: sample image broken: the original fails its own check under docker run (not a pare failure)" \
			"built from: $versions (every package: ${fat%.tar}.packages)" "application log and check output:" "$(tail -25 "$T/fat.log")"
		continue
	fi

	# From the sample's own archive.
	s="$T/$name.slim.tar"
	if built "$name: pare build slims the image" "$name" "$fat" "$s" "$tag:slim"; then
		slim_checks "$name" "$s" "$tag:slim" "the sample archive"
		podman rmi -f "$tag:slim" >/dev/null 2>&1
		check "$name: slim image loads with podman load" podman load -i "$s"
		podman rmi -f "$tag:slim" >/dev/null 2>&1
		read -r fb _ < <("$ROOT/samples/imgsize.py" "$fat")
		read -r sb _ < <("$ROOT/samples/imgsize.py" "$s")
		want=$(min_ratio "$name")
		ratio=$(awk -v a="$fb" -v b="$sb" 'BEGIN {printf "%.1f", a / b}')
		if awk -v r="$fb" -v s="$sb" -v w="$want" 'BEGIN {exit !(r / s >= w)}'; then
			ok "$name: slim is ${ratio}x smaller (at least ${want}x): $fb -> $sb bytes"
		else
			not_ok "$name: slim is at least ${want}x smaller" "got ${ratio}x: $fb -> $sb bytes"
		fi
		if [ "$name" = node ]; then
			# libnode and ICU are most of node: the slim image can be no smaller than what node maps.
			# It should be little more: at most 10% and 5 MB above the mapped files.
			mb=$(mapped_bytes "$name" "$tag:fat")
			if [ -n "$mb" ] && [ "$mb" -gt 0 ] && [ "$sb" -le $((mb + mb / 10 + 5000000)) ]; then
				ok "$name: slim ($sb bytes) is about what node maps ($mb bytes)"
			else
				not_ok "$name: slim is at most what node maps + 10% + 5 MB" "slim $sb bytes, mapped ${mb:-?} bytes"
			fi
		fi
		rm -f "$s"
	fi

	# The input formats are the same for every sample: CI slims docker's and podman's own output for
	# python-http only, `make check-all` for every sample.
	if [ "$name" != python-http ] && [ "${PARE_CHECK_ALL:-}" != 1 ]; then continue; fi

	# From a real `docker save` of the fat image.
	check "$name: docker save of the fat image" docker save -o "$T/$name.docker.tar" "$tag:fat"
	s="$T/$name.slim-docker.tar"
	if built "$name: pare build slims the docker save output" "$name" "$T/$name.docker.tar" "$s" "$tag:slim-docker"; then
		slim_checks "$name" "$s" "$tag:slim-docker" "docker save"
	fi
	rm -f "$T/$name.docker.tar" "$s"

	# From `podman save --format oci-archive` of the same image loaded into podman.
	pref=$(podman load -q -i "$fat" 2>"$T/podman.log" | sed -n 's/^Loaded image: //p' | tail -1)
	t_cleanup_add "podman rmi -f '$pref'"
	check "$name: podman save --format oci-archive of the fat image" podman save --format oci-archive -o "$T/$name.podman.tar" "$pref"
	podman rmi -f "$pref" >/dev/null 2>&1
	s="$T/$name.slim-podman.tar"
	if built "$name: pare build slims the podman save output" "$name" "$T/$name.podman.tar" "$s" "$tag:slim-podman"; then
		slim_checks "$name" "$s" "$tag:slim-podman" "podman save"
	fi
	rm -f "$T/$name.podman.tar" "$s"
done
t_done
