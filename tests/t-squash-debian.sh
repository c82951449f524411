#!/usr/bin/env bash
# pare squash on a realistic image (longer suite: `make check-all`): a Debian bookworm minbase rootfs
# from mmdebstrap (setuid binaries, ping's file capability, thousands of files; cached), imported into
# docker and changed by docker build (a whole tree deleted, a user added), saved by docker, squashed,
# and compared with umoci entry for entry; the squashed image runs in docker.
. "$(dirname "$0")/lib.sh"

if [ -z "${PARE_CHECK_ALL:-}" ]; then
	echo "# longer suite: runs with make check-all"
	exit 0
fi
for tool in docker skopeo umoci mmdebstrap python3; do
	command -v $tool >/dev/null || { not_ok "tool $tool present (run make deps)"; t_done; }
done
need_dockerd || { not_ok "dockerd answers"; t_done; }
N=paretest-squashdeb-$$
ROOTFS=$CACHE/squash-bookworm-ping.tar

build_rootfs() {
	[ -f "$ROOTFS" ] && return 0
	# mmdebstrap picks its output format from the name's ending: the temporary name must end in .tar
	# (a name ending in .tmp.PID made a directory, which docker import cannot read).
	local tmp="${ROOTFS%.tar}.tmp.$$.tar"
	rm -rf "$ROOTFS"
	mmdebstrap --quiet --variant=minbase --include=python3-minimal,iputils-ping,passwd bookworm "$tmp" &&
		[ -f "$tmp" ] && mv "$tmp" "$ROOTFS"
}
check "fixture: bookworm rootfs (mmdebstrap, cached in $CACHE)" build_rootfs

build_image() {
	docker import "$ROOTFS" "$N-base:1" >/dev/null || return 1
	t_cleanup_add "docker rmi -f $N-base:1"
	mkdir -p "$T/ctx"
	cat >"$T/ctx/Dockerfile" <<-EOF
		FROM $N-base:1
		RUN rm -rf /usr/share/doc /usr/share/man /var/cache/apt/*.bin && useradd -m -u 1001 app && mkdir -p /app && echo 'import sys; print("ok", sys.argv[1:])' >/app/main.py && chown -R app:app /app
		USER app
		WORKDIR /app
		ENTRYPOINT ["python3", "/app/main.py"]
	EOF
	DOCKER_BUILDKIT=0 docker build -q -t "$N:1" "$T/ctx" >/dev/null || return 1
	t_cleanup_add "docker rmi -f $N:1"
	docker save "$N:1" -o "$T/saved.tar"
}
check "fixture: docker import + build + save" build_image
check "pare squash" "$PARE" squash "$T/saved.tar" -o "$T/sq.tar" --tag "$N-sq:1"
check "umoci unpack of the squashed image equals the original's, entry for entry" bash -c "
	skopeo copy -q docker-archive:$T/saved.tar oci:$T/o:t && umoci unpack --image $T/o:t $T/ob >/dev/null &&
	skopeo copy -q oci-archive:$T/sq.tar oci:$T/s:t && umoci unpack --image $T/s:t $T/sb >/dev/null &&
	python3 $ROOT/tests/fscompare.py --mtime $T/ob/rootfs $T/sb/rootfs"
docker_runs() {
	docker load -i "$T/sq.tar" >/dev/null || return 1
	t_cleanup_add "docker rmi -f $N-sq:1"
	[ "$(docker run --pull never --rm --net none "$N-sq:1" a b)" = "ok ['a', 'b']" ] &&
		[ "$(docker run --pull never --rm --net none --entrypoint python3 "$N-sq:1" -c \
			'import os; print(os.getxattr("/usr/bin/ping", "security.capability").hex()[:8], oct(os.stat("/usr/bin/su").st_mode))')" = "01000002 0o104755" ]
}
check "docker load + run: entrypoint, user, capability and setuid bits" docker_runs
t_done
