#!/usr/bin/env bash
# Installs, with apt-get, whatever the build, the tests, the demo and the benchmark need and is missing.
set -eu
pkgs=(
	build-essential pkg-config
	libarchive-dev libjansson-dev libseccomp-dev libcap-dev libssl-dev libcurl4-openssl-dev libelf-dev
	busybox-static python3 openssl curl zstd iproute2 strace libcap2-bin mosquitto-clients
	docker.io podman skopeo umoci runc uidmap mmdebstrap docker-registry apache2-utils
	clang libclang-rt-14-dev
	mariadb-client openssh-client postgresql-client
)
# npm (tests/t-lint-compare.sh, tests/t-sbom.sh install their pinned tools with it): Debian's nodejs
# and npm unless a node with its own npm is there already.
command -v npm >/dev/null || pkgs+=(nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "make deps: installing ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
	echo "make deps: need root to install packages" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
