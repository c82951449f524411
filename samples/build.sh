#!/usr/bin/env bash
# Builds a sample's fat image (samples/NAME/recipe) as an image archive and caches it.
#
#   samples/build.sh [--format docker-archive|oci-archive] [--path] NAME   prints the archive's path
#   samples/build.sh --list                                               prints the sample names
#
# Layer 1 is `mmdebstrap --variant=minbase --include=PACKAGES bookworm` (device nodes dropped, as
# image builders do); layer 2 holds the application files (and whiteouts for REMOVE). The image is
# assembled with umoci and written with skopeo: a docker-archive that docker 20.10 loads, or an
# oci-archive. The archive is cached under $PARE_SAMPLES_CACHE (default /var/cache/pare-samples, which
# `make clean` leaves alone), keyed by a hash of the recipe and the sample's files; it is
# built under a temporary name and renamed, under a per-sample lock, so concurrent callers are safe.
# --path prints the cached path without building (exit 1 when it is not built yet).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "samples/build.sh: needs root (mmdebstrap, file owners)" >&2; exit 1; }
SAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${PARE_SAMPLES_CACHE:-/var/cache/pare-samples}
SUITE=bookworm
# Part of the cache key: bump it when a change here changes the images built.
IMAGE_FORMAT=2

usage() { sed -n '4,5p' "$0" | sed 's/^#  //' >&2; exit 2; }
die() { echo "samples/build.sh: $*" >&2; exit 1; }

format=docker-archive path_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--format) format=${2:-}; shift 2 || usage ;;
	--format=*) format=${1#*=}; shift ;;
	--path) path_only=1; shift ;;
	--list) for d in "$SAMPLES"/*/recipe; do basename "$(dirname "$d")"; done; exit 0 ;;
	-h | --help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || usage
name=$1
dir="$SAMPLES/$name"
[ -f "$dir/recipe" ] || die "no sample '$name' (samples: $(echo $("$0" --list)))"
case $format in docker-archive) ext=tar ;; oci-archive) ext=oci.tar ;; *) usage ;; esac

# The key covers everything that shapes the image: IMAGE_FORMAT, the recipe and the sample's files.
key=$( (echo "$IMAGE_FORMAT $SUITE"; cd "$dir" && find . -type f ! -name check ! -name pare-options ! -name Dockerfile -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16)
out="$CACHE/$name-$key.$ext"
if [ $path_only = 1 ]; then echo "$out"; [ -f "$out" ]; exit; fi
[ -f "$out" ] && { echo "$out"; exit 0; }

mkdir -p "$CACHE"
exec 9>"$CACHE/$name.lock"
flock 9
[ -f "$out" ] && { echo "$out"; exit 0; }   # built by a concurrent caller while we waited

# An oci-archive is converted from the docker-archive (built first when missing).
if [ "$format" = oci-archive ]; then
	src=$("$0" "$name")
	tmp="$out.tmp.$$"
	trap 'rm -f "$tmp"' EXIT
	skopeo copy -q "docker-archive:$src" "oci-archive:$tmp:pare-sample/$name:latest" >&2
	mv "$tmp" "$out"
	echo "$out"
	exit 0
fi

# Recipe variables (see samples/README.md); the recipe is sourced, so it may define host_build().
PACKAGES=() ADD=() REMOVE=() ENTRYPOINT=() CMD=() PORTS=() ENV=() VOLUMES=() LABELS=() CUSTOMIZE=()
WORKDIR="" USER="" STOPSIGNAL=""
host_build() { :; }
# shellcheck disable=SC1091
. "$dir/recipe"

# Not named pare-*: pare reaps stale pare-* directories under $TMPDIR.
work=$(mktemp -d "${TMPDIR:-/var/tmp}/paresample.$name.XXXXXX")
trap 'rm -rf "$work"; rm -f "$out.tmp.$$"' EXIT
log() { echo "samples/build.sh: $name: $*" >&2; }

# Layer 1: the Debian base with the recipe's packages.
start=$(date +%s)
log "mmdebstrap ${PACKAGES[*]}"
hooks=()
for h in "${CUSTOMIZE[@]}"; do hooks+=(--customize-hook="$h"); done
include=$(IFS=,; echo "${PACKAGES[*]}")
mmdebstrap --quiet --variant=minbase ${include:+--include="$include"} "${hooks[@]}" \
	"$SUITE" "$work/mmdebstrap.tar" >&2 || die "mmdebstrap failed"
# Image builders never put device nodes into layers: /dev stays, empty. The layer is checked against
# dpkg's records, and the package versions are kept beside the archive (NAME-KEY.packages).
"$SAMPLES/baselayer.py" "$work/mmdebstrap.tar" "$work/base.tar" "$work/packages" || die "base layer check failed"
rm -f "$work/mmdebstrap.tar"

# Layer 2: the application files, owned by root unless ADD says otherwise, plus whiteouts.
stage="$work/stage"
mkdir -p "$stage"
chmod 0755 "$stage"
owners=()
for a in "${ADD[@]}"; do
	IFS=: read -r src dest uid gid mode <<<"$a"
	[ -e "$dir/$src" ] || die "recipe: '$src' does not exist"
	mkdir -p "$stage$(dirname "$dest")"
	cp -a "$dir/$src" "$stage$dest"
	if [ -n "${mode:-}" ]; then chmod -R "$mode" "$stage$dest"; fi
	if [ -n "${uid:-}" ]; then owners+=("${dest#/}:$uid:${gid:-$uid}"); fi
done
SRC=$dir STAGE=$stage host_build
for r in "${REMOVE[@]}"; do
	mkdir -p "$stage$(dirname "$r")"
	: >"$stage$(dirname "$r")/.wh.$(basename "$r")"
done
# Parent directories get the usual 0755; owners are root unless ADD names one (numeric ids, so the
# host needs no such user). Sorted names and a fixed mtime make the layer reproducible.
find "$stage" -mindepth 1 -type d -exec chmod u+rwx,go+rx {} +
chown -R 0:0 "$stage"
for o in "${owners[@]}"; do chown -R "${o#*:}" "$stage/${o%%:*}"; done
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort) >"$work/list"
tar --numeric-owner --mtime=@0 --no-recursion -C "$stage" -cf "$work/app.tar" -T "$work/list"

# Assemble: umoci builds the OCI layout and config, skopeo writes the docker-archive.
oci="$work/oci"
umoci init --layout "$oci"
umoci new --image "$oci:latest"
umoci raw add-layer --image "$oci:latest" --history.created_by "mmdebstrap --variant=minbase --include=$include $SUITE" "$work/base.tar"
umoci raw add-layer --image "$oci:latest" --history.created_by "COPY the $name application files" "$work/app.tar"
cfg=(--clear=config.entrypoint --clear=config.cmd)
for e in "${ENTRYPOINT[@]}"; do cfg+=(--config.entrypoint="$e"); done
for c in "${CMD[@]}"; do cfg+=(--config.cmd="$c"); done
for p in "${PORTS[@]}"; do cfg+=(--config.exposedports="$p"); done
for v in "${VOLUMES[@]}"; do cfg+=(--config.volume="$v"); done
for l in "${LABELS[@]}"; do cfg+=(--config.label="$l"); done
cfg+=(--config.env="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
for e in "${ENV[@]}"; do cfg+=(--config.env="$e"); done
[ -n "$WORKDIR" ] && cfg+=(--config.workingdir="$WORKDIR")
[ -n "$USER" ] && cfg+=(--config.user="$USER")
[ -n "$STOPSIGNAL" ] && cfg+=(--config.stopsignal="$STOPSIGNAL")
umoci config --image "$oci:latest" --history.created_by "pare sample $name: image config" "${cfg[@]}"
skopeo copy -q "oci:$oci:latest" "docker-archive:$out.tmp.$$:pare-sample/$name:latest" >&2
mv "$work/packages" "${out%.$ext}.packages"
mv "$out.tmp.$$" "$out"
log "built $(basename "$out") ($(du -m "$out" | cut -f1) MB) in $(($(date +%s) - start)) s"
echo "$out"
