#!/usr/bin/env bash
# pare squash against real engines: images made by docker (import + build, with real whiteouts and
# opaque directories), saved by docker and podman (docker-archive and oci-archive) and copied by
# skopeo (oci: and oci-archive:), are squashed; the result must load in docker and podman, be read
# by skopeo as docker-archive: and oci-archive:, and unpack with umoci to the same filesystem as the
# original, entry for entry (tests/fscompare.py).
. "$(dirname "$0")/lib.sh"

for tool in docker podman skopeo umoci setcap tar python3 busybox; do
	command -v $tool >/dev/null || { not_ok "tool $tool present (run make deps)"; t_done; }
done
need_dockerd || { not_ok "dockerd answers"; t_done; }
podman_conf
FSCOMPARE="python3 $ROOT/tests/fscompare.py"
N=paretest-squash-$$

# ---- fixture: a busybox rootfs with the hard cases, imported, then changed by docker build ----
mk_rootfs() {
	local r=$1
	mkdir -p "$r"/{bin,etc,tmp,opq,del,repl2/sub,data,home/user,dev}
	cp /bin/busybox "$r/bin/"
	local a
	for a in sh ls cat echo id stat sha256sum; do ln -s busybox "$r/bin/$a"; done
	cp /bin/busybox "$r/bin/capbox"
	setcap cap_net_bind_service,cap_net_raw+ep "$r/bin/capbox"
	chmod 2755 "$r/bin/capbox"
	cp /bin/busybox "$r/bin/suid"
	chmod 4755 "$r/bin/suid"
	chmod 1777 "$r/tmp"
	echo hello >"$r/data/hl1"
	ln "$r/data/hl1" "$r/data/hl2"
	ln "$r/data/hl1" "$r/data/hl3"
	echo a >"$r/opq/a"
	echo b >"$r/opq/b"
	echo x >"$r/del/x"
	echo keep >"$r/del/y"
	echo r >"$r/repl"
	echo s >"$r/repl2/sub/s"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
	echo 'user:x:1000:1000::/home/user:/bin/sh' >>"$r/etc/passwd"
	echo u >"$r/home/user/f"
	chown -R 1000:1000 "$r/home/user"
	mknod "$r/dev/mynull" c 1 3
	mkfifo "$r/data/fifo"
	ln -s ../data/hl1 "$r/etc/rel"
	ln -s /data/hl1 "$r/etc/abs"
	: >"$r/data/empty"
	printf '%s\n' "$(seq 1 20000)" >"$r/data/big"
	mkdir -p "$r/long/$(printf 'd%.0s' {1..90})/$(printf 'e%.0s' {1..90})"
	echo deep >"$r/long/$(printf 'd%.0s' {1..90})/$(printf 'e%.0s' {1..90})/$(printf 'f%.0s' {1..60})"
}

build_fixture() {
	mk_rootfs "$T/rootfs" || return 1
	tar --xattrs --xattrs-include='*' --numeric-owner -C "$T/rootfs" -cf "$T/base.tar" . || return 1
	docker import "$T/base.tar" "$N-base:1" >/dev/null || return 1
	t_cleanup_add "docker rmi -f $N-base:1"
	mkdir -p "$T/ctx"
	cat >"$T/ctx/Dockerfile" <<-EOF
		FROM $N-base:1
		RUN rm /del/x && rm -rf /opq && mkdir /opq && echo c >/opq/c && rm /repl && mkdir /repl && echo f >/repl/f && rm -rf /repl2 && echo file >/repl2 && ln /data/hl1 /data/hl4 && chmod 6711 /bin/suid
		RUN echo three >/etc/l3 && rm /data/hl2 && chown 123:456 /data/empty && mkdir -m 0750 /srv && chown 7:8 /srv
		ENV FOO=bar PATH=/bin
		WORKDIR /home/user
		USER 1000:1000
		EXPOSE 8080/tcp 53/udp
		VOLUME /data
		LABEL org.example.x=y
		STOPSIGNAL SIGTERM
		ENTRYPOINT ["/bin/sh", "-c"]
		CMD ["echo hi"]
	EOF
	DOCKER_BUILDKIT=0 docker build -q -t "$N:1" "$T/ctx" >/dev/null || return 1
	t_cleanup_add "docker rmi -f $N:1"
	docker save "$N:1" -o "$T/docker-save.tar"
}
check "fixture: docker import + docker build + docker save" build_fixture

# The same image as podman and skopeo write it.
podman_fixtures() {
	podman load -q -i "$T/docker-save.tar" >/dev/null || return 1
	t_cleanup_add "podman rmi -f localhost/$N:1 docker.io/library/$N:1 $N:1"
	podman save -q --format docker-archive -o "$T/podman-docker.tar" "$N:1" &&
		podman save -q --format oci-archive -o "$T/podman-oci.tar" "$N:1"
}
check "fixture: podman save (docker-archive and oci-archive)" podman_fixtures
check "fixture: skopeo copy to oci: and oci-archive:" bash -c "
	skopeo copy -q docker-archive:$T/docker-save.tar oci:$T/skopeo-oci:t &&
	skopeo copy -q docker-archive:$T/docker-save.tar oci-archive:$T/skopeo-oci.tar:t"

# The reference filesystem: umoci's unpacking of the original.
check "umoci unpack of the original" umoci unpack --image "$T/skopeo-oci:t" "$T/orig-bundle"
ORIG_CONFIG=$(skopeo inspect --config "docker-archive:$T/docker-save.tar")

# ---- squash each source and check the result with every tool ----
# config_same ARCHIVE: the config's runtime fields, architecture and os are those of the original;
# one layer, one history entry.
config_same() {
	local got
	got=$(skopeo inspect --config "docker-archive:$1") || return 1
	python3 - "$ORIG_CONFIG" "$got" <<-'EOF'
		import json, sys
		a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
		bad = []
		for k in ("Entrypoint", "Cmd", "Env", "WorkingDir", "User", "ExposedPorts", "Volumes", "Labels", "StopSignal"):
		    if a["config"].get(k) != b["config"].get(k):
		        bad.append("%s: %r != %r" % (k, a["config"].get(k), b["config"].get(k)))
		for k in ("architecture", "os", "created"):
		    if a.get(k) != b.get(k):
		        bad.append("%s: %r != %r" % (k, a.get(k), b.get(k)))
		if len(b["rootfs"]["diff_ids"]) != 1:
		    bad.append("diff_ids: %r" % b["rootfs"]["diff_ids"])
		if len(b["history"]) != 1 or b["history"][0].get("empty_layer"):
		    bad.append("history: %r" % b["history"])
		print("\n".join(bad))
		sys.exit(1 if bad else 0)
	EOF
}

# unpack_same ARCHIVE NAME [SKOPEO-OPTION...]: skopeo copy oci-archive: -> oci:, umoci unpack, compare
# with the original.
unpack_same() {
	local in=$1 name=$2
	shift 2
	skopeo copy -q "$@" "oci-archive:$in" "oci:$T/$name-oci:t" &&
		umoci unpack --image "$T/$name-oci:t" "$T/$name-bundle" >/dev/null &&
		$FSCOMPARE --mtime "$T/orig-bundle/rootfs" "$T/$name-bundle/rootfs"
}

for src in docker-save:docker-save.tar podman-docker:podman-docker.tar podman-oci:podman-oci.tar \
	skopeo-oci:skopeo-oci skopeo-ocitar:skopeo-oci.tar; do
	name=${src%%:*}
	in=$T/${src#*:}
	out=$T/sq-$name.tar
	check "$name: pare squash" "$PARE" squash "$in" -o "$out" --tag "$N-sq:$name"
	[ -f "$out" ] || continue
	check "$name: skopeo inspect docker-archive:" skopeo inspect "docker-archive:$out"
	check "$name: skopeo inspect oci-archive:" skopeo inspect "oci-archive:$out"
	check "$name: config kept, one layer, one history entry" config_same "$out"
	check "$name: umoci unpack equals the original, entry for entry" unpack_same "$out" "$name"
done

# ---- the squashed image runs in docker and loads in podman ----
SQ=$T/sq-docker-save.tar
RUN_CMD='id -u; cat /etc/l3 /opq/c /repl/f /repl2 /data/hl1 /data/hl3; ls /del /opq; stat -c "%a %u %g %n" /bin/suid /data/empty /srv /tmp; sha256sum /bin/capbox'
docker_runs() {
	docker load -i "$SQ" >/dev/null || return 1
	t_cleanup_add "docker rmi -f $N-sq:docker-save"
	local want got
	want=$(docker run --pull never --rm --net none "$N:1" "$RUN_CMD" 2>&1) || return 1
	got=$(docker run --pull never --rm --net none "$N-sq:docker-save" "$RUN_CMD" 2>&1) || return 1
	[ "$want" = "$got" ] || { diff <(echo "$want") <(echo "$got"); return 1; }
	[ "$(docker run --pull never --rm --net none "$N-sq:docker-save")" = hi ]
}
check "docker load + docker run of the squashed image behaves like the original" docker_runs

docker_config_same() {
	local f='{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{json .Config.Env}} {{.Config.WorkingDir}} {{.Config.User}} {{json .Config.ExposedPorts}} {{json .Config.Volumes}} {{json .Config.Labels}} {{.Config.StopSignal}} {{.Architecture}} {{.Os}}'
	local a b
	a=$(docker image inspect -f "$f" "$N:1") && b=$(docker image inspect -f "$f" "$N-sq:docker-save") || return 1
	echo "$a"; echo "$b"
	[ "$a" = "$b" ] && [ "$(docker image inspect -f '{{len .RootFS.Layers}}' "$N-sq:docker-save")" = 1 ]
}
check "docker inspect: config fields equal, one layer" docker_config_same

# Docker's own applier restored the capability: a docker save of the loaded image (regenerated from
# its storage) has it on /bin/capbox, byte for byte as in the original.
capability_kept() {
	docker save "$N-sq:docker-save" -o "$T/resaved.tar" || return 1
	python3 - "$T/resaved.tar" "$T/base.tar" <<-'EOF'
		import io, json, sys, tarfile
		def cap(tf, name):
		    for m in tf:
		        if m.name.lstrip("./") == name:
		            return m.pax_headers.get("SCHILY.xattr.security.capability")
		outer = tarfile.open(sys.argv[1])
		layers = json.load(outer.extractfile("manifest.json"))[0]["Layers"]
		got = cap(tarfile.open(fileobj=io.BytesIO(outer.extractfile(layers[0]).read())), "bin/capbox")
		want = cap(tarfile.open(sys.argv[2]), "bin/capbox")
		print("got %r want %r" % (got, want))
		sys.exit(0 if want and got == want else 1)
	EOF
}
check "docker load keeps security.capability (docker save of the loaded image has it)" capability_kept

podman_loads() {
	podman load -q -i "$SQ" >/dev/null || return 1
	t_cleanup_add "podman rmi -f $N-sq:docker-save docker.io/library/$N-sq:docker-save"
	podman image exists "$N-sq:docker-save" &&
		[ "$(podman image inspect -f '{{.Config.WorkingDir}} {{.Config.User}}' "$N-sq:docker-save")" = "/home/user 1000:1000" ]
}
check "podman load of the squashed image (named from the archive)" podman_loads

# ---- determinism, stdout, atomicity, formats, errors ----
check "two runs give byte-identical archives" bash -c "
	cd $T && $PARE squash -q docker-save.tar -o again.tar --tag $N-sq:docker-save && cmp again.tar $SQ"
check "squash of the squashed image gives the same layer" bash -c "
	$PARE squash -q $SQ -o $T/twice.tar --tag $N-sq:docker-save &&
	[ \"\$(skopeo inspect --config docker-archive:$T/twice.tar | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"rootfs\"][\"diff_ids\"][0])')\" = \
	  \"\$(skopeo inspect --config docker-archive:$SQ | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"rootfs\"][\"diff_ids\"][0])')\" ]"
check "default output INPUT.squashed.tar in the current directory, default tag NAME.squashed:TAG" bash -c "
	mkdir -p $T/cwd && cd $T/cwd && $PARE squash -q ../docker-save.tar &&
	tar -xOf docker-save.squashed.tar manifest.json | grep -q '\"RepoTags\":\\[\"$N.squashed:1\"\\]'"

stdout_pipe() {
	cat "$T/docker-save.tar" | "$PARE" squash -q - -o - --tag "$N-pipe:1" | docker load >/dev/null || return 1
	t_cleanup_add "docker rmi -f $N-pipe:1"
	[ "$(docker run --pull never --rm --net none "$N-pipe:1" 'cat /etc/l3')" = three ]
}
check "docker save | pare squash - -o - | docker load" stdout_pipe
check_status "stdin without -o is a usage error" 2 bash -c "$PARE squash - </dev/null"
check_status "bad --format is a usage error" 2 "$PARE" squash "$T/docker-save.tar" --format zip -o "$T/x.tar"
check_status "bad --compress is a usage error" 2 "$PARE" squash "$T/docker-save.tar" --compress lz4 -o "$T/x.tar"
check_status "bad --tag is a usage error" 2 "$PARE" squash "$T/docker-save.tar" --tag 'Bad Name' -o "$T/x.tar"
check_status "missing image is a usage error" 2 "$PARE" squash
check "--help" bash -c "$PARE squash --help | grep -q -- --compress"

# An archive of two images: --ref picks one; without it the error names them.
two_images() {
	python3 "$ROOT/tests/mkimage.py" - "$T/two.tar" <<-'EOF' || return 1
		{"format": "docker", "images": [
		  {"tags": ["one:1"], "layers": [{"entries": [{"path": "one", "content": "1"}]}]},
		  {"tags": ["two:2"], "layers": [{"entries": [{"path": "two", "content": "2"}]}]}]}
	EOF
	"$PARE" squash "$T/two.tar" -o "$T/two-sq.tar" 2>"$T/two.err"
	[ $? = 1 ] && grep -q "one:1" "$T/two.err" && grep -q "two:2" "$T/two.err" && [ ! -e "$T/two-sq.tar" ] || return 1
	"$PARE" squash -q "$T/two.tar" --ref two:2 -o "$T/two-sq.tar" &&
		tar -xOf "$T/two-sq.tar" manifest.json | grep -q '"RepoTags":\["two.squashed:2"\]' &&
		skopeo copy -q "oci-archive:$T/two-sq.tar" "oci:$T/two-oci:t" && umoci unpack --image "$T/two-oci:t" "$T/two-b" >/dev/null &&
		[ "$(cat "$T/two-b/rootfs/two")" = 2 ] && [ ! -e "$T/two-b/rootfs/one" ]
}
check "--ref picks one image of several; without it the error lists them" two_images

# Both manifests: one unreadable -> the other, with a one-line warning; disagreeing -> an error.
dual_manifests() {
	python3 "$ROOT/tests/mkimage.py" - "$T/dual.tar" <<-'EOF' || return 1
		{"format": "docker", "tags": ["dual:1"], "corrupt": {"index_raw": "{"},
		 "layers": [{"entries": [{"path": "f", "content": "x"}]}]}
	EOF
	"$PARE" squash "$T/dual.tar" -o "$T/dual-sq.tar" 2>"$T/dual.err" || return 1
	cat "$T/dual.err"
	[ "$(grep -c warning "$T/dual.err")" = 1 ] && grep -q '^pare: warning: index.json cannot be read' "$T/dual.err" &&
		skopeo inspect "docker-archive:$T/dual-sq.tar" >/dev/null || return 1
	python3 "$ROOT/tests/mkimage.py" - "$T/dual2.tar" <<-'EOF' || return 1
		{"format": "docker", "tags": ["dual:1"],
		 "corrupt": {"docker_manifest_raw": "[{\"Config\": \"c.json\", \"Layers\": []}]"},
		 "extra_members": [{"name": "c.json", "content": "{}"}],
		 "layers": [{"entries": [{"path": "f", "content": "x"}]}]}
	EOF
	"$PARE" squash "$T/dual2.tar" -o "$T/dual2-sq.tar" 2>"$T/dual2.err"
	[ $? = 1 ] && grep -q 'describe different images' "$T/dual2.err" && [ ! -e "$T/dual2-sq.tar" ]
}
check "index.json and manifest.json: an unreadable one is a warning, disagreeing ones an error" dual_manifests

atomic() {
	mkdir -p "$T/atomic"
	head -c 3000000 "$T/docker-save.tar" >"$T/atomic/truncated.tar"
	"$PARE" squash "$T/atomic/truncated.tar" -o "$T/atomic/out.tar" 2>"$T/atomic/err"
	local rc=$?
	cat "$T/atomic/err"
	[ $rc = 1 ] && [ "$(wc -l <"$T/atomic/err")" = 1 ] && [ "$(ls -A "$T/atomic")" = "$(printf 'err\ntruncated.tar')" ]
}
check "a corrupt input fails with one line, exit 1, and leaves no output or temporary file" atomic
# Killed while sending the archive (the reader of -o - never reads, so pare blocks in a pipe write
# once the layer is complete): the SIGTERM handler removes the spooled layer and pare's temp dir.
interrupted() {
	mkdir -p "$T/itmp"
	mkfifo "$T/ififo"
	TMPDIR=$T/itmp "$PARE" squash -q "$T/docker-save.tar" -o - >"$T/ififo" &
	local pid=$! i w=
	exec 7<"$T/ififo"
	for i in $(seq 1 600); do
		w=$(cat /proc/$pid/wchan 2>/dev/null)
		case $w in *pipe_write*) break ;; esac
		sleep 0.1
	done
	ls -A "$T"/itmp/pare-*/
	kill -TERM $pid
	wait $pid
	local rc=$?
	exec 7<&-
	echo "wchan $w, exit $rc, left: $(ls -A "$T/itmp")"
	[ $rc = 143 ] && [ -z "$(ls -A "$T/itmp")" ]
}
check "SIGTERM while writing leaves no temporary file" interrupted
check_status "the input is refused as output" 1 "$PARE" squash "$T/docker-save.tar" -o "$T/docker-save.tar"
check "an existing output file is replaced" bash -c "echo old >$T/exists.tar && $PARE squash -q $T/docker-save.tar -o $T/exists.tar --tag $N-sq:docker-save && cmp $T/exists.tar $SQ"

for comp in gzip zstd; do
	out=$T/sq-$comp.tar
	check "--compress $comp: squash, deterministic" bash -c "
		$PARE squash -q $T/docker-save.tar -o $out --compress $comp && $PARE squash -q $T/docker-save.tar -o $out.2 --compress $comp && cmp $out $out.2"
	check "--compress $comp: skopeo inspect both ways" bash -c "skopeo inspect docker-archive:$out && skopeo inspect oci-archive:$out"
done
check "--compress gzip: umoci unpack equals the original" unpack_same "$T/sq-gzip.tar" sq-gzip
# umoci 0.4.7 cannot read zstd layers: skopeo recompresses them (it must decompress them to do so).
check "--compress zstd: umoci unpack (after skopeo recompresses) equals the original" \
	unpack_same "$T/sq-zstd.tar" sq-zstd --dest-compress --dest-compress-format gzip
gzip_docker() {
	"$PARE" squash -q "$T/docker-save.tar" -o "$T/sq-gzip-tagged.tar" --compress gzip --tag "$N-gz:1" &&
		docker load -i "$T/sq-gzip-tagged.tar" >/dev/null || return 1
	t_cleanup_add "docker rmi -f $N-gz:1"
	[ "$(docker run --pull never --rm --net none "$N-gz:1" 'cat /etc/l3')" = three ]
}
check "--compress gzip: docker load + run" gzip_docker
# Debian's docker 20.10 cannot load zstd layers ("archive/tar: invalid tar header"); podman can.
zstd_podman() {
	"$PARE" squash -q "$T/docker-save.tar" -o "$T/sq-zstd-tagged.tar" --compress zstd --tag "$N-zst:1" &&
		podman load -q -i "$T/sq-zstd-tagged.tar" >/dev/null || return 1
	t_cleanup_add "podman rmi -f docker.io/library/$N-zst:1"
	podman image exists "docker.io/library/$N-zst:1"
}
check "--compress zstd: podman load" zstd_podman

oci_dir() {
	"$PARE" squash -q "$T/podman-oci.tar" --format oci-dir -o "$T/sq-dir" --tag "$N-dir:v1" || return 1
	[ -f "$T/sq-dir/oci-layout" ] && [ ! -e "$T/sq-dir/manifest.json" ] || return 1
	umoci unpack --image "$T/sq-dir:v1" "$T/sq-dir-bundle" >/dev/null &&
		$FSCOMPARE --mtime "$T/orig-bundle/rootfs" "$T/sq-dir-bundle/rootfs" &&
		skopeo inspect "oci:$T/sq-dir:v1" >/dev/null
}
check "--format oci-dir: umoci unpack equals the original, skopeo reads it" oci_dir
check_status "--format oci-dir refuses a non-empty directory" 1 "$PARE" squash -q "$T/docker-save.tar" --format oci-dir -o "$T/sq-dir"

t_done
