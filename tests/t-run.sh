#!/usr/bin/env bash
# pare run compared with docker run on the same images, plus fault and cleanup cases.
# Needs root (namespaces, overlay, docker); the user-namespace cases run as user nobody.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	skip "pare run vs docker run" "needs root"
	t_done
fi
need_dockerd || { not_ok "dockerd"; t_done; }
[ -x "$HELPERS/rtprobe" ] || { not_ok "static helper rtprobe missing (make helpers)"; t_done; }

# pare's temp dirs go to a private TMPDIR and its cache to a private dir, so leftovers can be counted.
export TMPDIR="$T/tmp" PARE_CACHE_DIR="$T/cache"
mkdir -p "$TMPDIR"
chmod 711 "$T"
chmod 1777 "$TMPDIR"
ID=$$
IMG="pare-t-run-$ID"

# --- images: one busybox-static tree, several configs ---
R="$T/rootfs"
mkdir -p "$R/bin" "$R/etc" "$R/home/app" "$R/usr/local/bin"
cp /bin/busybox "$R/bin/busybox"
for a in sh ls id env cat grep pwd sleep true false kill echo awk sed sort tr hostname stat test setsid touch wc head readlink; do
	ln -s busybox "$R/bin/$a"
done
cp "$HELPERS/rtprobe" "$R/bin/rtprobe"
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\napp:x:1000:\nextra:x:2000:app\nnogroup:x:65534:\n' >"$R/etc/group"
printf '#!/bin/sh\necho "entry: $0 $*"\nexec "$@"\n' >"$R/usr/local/bin/entry.sh"
chmod 755 "$R/usr/local/bin/entry.sh"
chown 1000:1000 "$R/home/app"

mkimg() { # NAME CONFIG_JSON
	python3 "$ROOT/tests/mkimage.py" --format docker-archive --layer "$R" --tag "$IMG-$1:1" --config "$2" "$T/$1.tar" &&
		docker load -q -i "$T/$1.tar" >/dev/null && t_cleanup_add "docker rmi -f $IMG-$1:1"
}
check "build and load image base" mkimg base '{"Env":["PATH=/usr/local/bin:/bin","FOO=bar baz"],"Cmd":["sh"]}'
check "build and load image user" mkimg user '{"Env":["PATH=/bin","GREETING=hi"],"User":"app","WorkingDir":"/home/app/work","Cmd":["sh"]}'
check "build and load image entry" mkimg entry '{"Entrypoint":["/usr/local/bin/entry.sh"],"Cmd":["echo","default"],"WorkingDir":"/srv","Volumes":{"/data":{}}}'
check "build and load image nopath" mkimg nopath '{"Cmd":["sh","-c","echo $PATH"]}'

# same IMAGE DESC ARGS...: stdout and exit status of pare run and docker run must match.
# PARE_OPTS / DOCKER_OPTS add options on each side.
same() {
	local name=$1 desc=$2; shift 2
	local po do ps ds
	po=$("$PARE" run ${PARE_OPTS:-} "$T/$name.tar" "$@" 2>"$T/pare.err"); ps=$?
	do=$(docker run --pull never --rm --network "${NET:-none}" ${DOCKER_OPTS:-} "$IMG-$name:1" "$@" 2>"$T/docker.err"); ds=$?
	if [ "$po" = "$do" ] && [ "$ps" = "$ds" ]; then
		ok "$name: $desc"
	else
		not_ok "$name: $desc" "pare (status $ps): $(printf %q "$po")" "docker (status $ds): $(printf %q "$do")" \
			"pare stderr: $(head -3 "$T/pare.err")"
	fi
}

# One run per image and side prints every section; each section is compared on its own.
PROBE='for s in id pwd env dev cmdline net caps; do echo "=== $s"; case $s in
id) id ;; pwd) pwd ;; env) env | grep -v ^HOSTNAME= | sort ;;
dev) ls -l /dev | sed -E "s/ [A-Z][a-z][a-z] +[0-9]+ +[0-9:]+ / /" ;;
cmdline) tr "\0" " " </proc/1/cmdline; echo ;; net) awk -F: "NR>2 {print \$1}" /proc/net/dev | sort ;;
caps) rtprobe caps ;; esac; done'
sections() { # IMAGE
	local name=$1 sec
	"$PARE" run "$T/$name.tar" sh -c "$PROBE" >"$T/p.out" 2>&1
	docker run --pull never --rm --network none "$IMG-$name:1" sh -c "$PROBE" >"$T/d.out" 2>&1
	for sec in id pwd env dev cmdline net caps; do
		awk -v s="=== $sec" '/^=== /{on=($0==s); next} on' "$T/p.out" >"$T/p.sec"
		awk -v s="=== $sec" '/^=== /{on=($0==s); next} on' "$T/d.out" >"$T/d.sec"
		if [ -s "$T/d.sec" ] && cmp -s "$T/p.sec" "$T/d.sec"; then
			ok "$name: $sec"
		else
			not_ok "$name: $sec" "$(diff "$T/d.sec" "$T/p.sec" | head -20)" "pare: $(head -5 "$T/p.out")"
		fi
	done
}
for img in base user entry; do sections $img; done
same base "default Cmd" sh -c 'echo "$FOO"'
same entry "Entrypoint script with a shebang and default Cmd"
same entry "Entrypoint with ARGs" id -u
same entry "VOLUME path exists" sh -c 'test -d /data && echo yes'
same nopath "default PATH when the image sets none"
same base "HOSTNAME is set and matches /etc/hostname" sh -c 'test "$HOSTNAME" = "$(cat /etc/hostname)" && test "$HOSTNAME" = "$(hostname)" && echo ok'
same base "/etc/hosts" cat /etc/hosts
same base "/.dockerenv as Docker makes it" sh -c 'stat -c "%n %s %a %u:%g" /.dockerenv'
same base "/etc/resolv.conf" cat /etc/resolv.conf
PARE_OPTS="-u app:extra -w /tmp/new/dir -e FOO=override -e NEW=1" DOCKER_OPTS="-u app:extra -w /tmp/new/dir -e FOO=override -e NEW=1" \
	same base "-u -w -e" sh -c 'id; pwd; ls -ld /tmp/new/dir | cut -c1-10; echo "$FOO $NEW $HOME"'
PARE_OPTS="-u 4242" DOCKER_OPTS="-u 4242" same base "unknown numeric uid" sh -c 'id; echo $HOME'
PARE_OPTS="-u app" DOCKER_OPTS="-u app" same base "non-root capabilities" rtprobe caps
PARE_OPTS="--entrypoint /bin/echo" DOCKER_OPTS="--entrypoint /bin/echo" same entry "--entrypoint clears Cmd" hello
PARE_OPTS="--hostname myhost" DOCKER_OPTS="--hostname myhost" same base "--hostname" sh -c 'hostname; cat /etc/hostname; echo $HOSTNAME'
# (veth interfaces of other containers come and go on the host between the two runs)
PARE_OPTS="--network host" NET=host same base "--network host interfaces" sh -c "awk -F: 'NR>2 && \$1 !~ /veth/ {print \$1}' /proc/net/dev | sort; hostname"
for code in 0 1 7; do same base "exit status $code" sh -c "exit $code"; done
same base "exit status 127: command not found" nosuchcommand
same base "exit status 127: missing path" /no/such/file
same base "exit status 126: not executable" /etc/passwd
same base "death by signal (SIGSEGV)" rtprobe segv
same base "child killed by a signal" sh -c 'sh -c "kill -TERM \$\$"; echo $?'

msg=$("$PARE" run "$T/base.tar" nosuchcommand 2>&1 >/dev/null)
assert_eq "exec error message" "$msg" 'pare: exec: "nosuchcommand": executable file not found in $PATH'
msg=$("$PARE" run "$T/base.tar" /no/such/file 2>&1 >/dev/null)
assert_eq "exec error message for a path" "$msg" "pare: exec /no/such/file: No such file or directory"
msg=$("$PARE" run -u nosuch "$T/base.tar" id 2>&1); rc=$?
assert_eq "unknown user is an error" "$rc: $msg" "1: pare: unable to find user nosuch: no matching entries in passwd file"
msg=$("$PARE" run "$T/base.tar" rtprobe sigign)
assert_eq "no signal ignored or blocked is inherited" "$msg" ""
check_status "an image with neither Entrypoint nor Cmd is an error" 1 \
	sh -c "python3 '$ROOT/tests/mkimage.py' --format docker-archive --layer '$R' --config '{}' '$T/nocmd.tar' && '$PARE' run '$T/nocmd.tar'"
check_status "options after IMAGE belong to the container" 0 sh -c "test \"\$('$PARE' run '$T/base.tar' echo x -e --timeout)\" = 'x -e --timeout'"
check_status "usage error" 2 "$PARE" run --network bogus "$T/base.tar" true
echo "from stdin" >"$T/in.txt"
assert_eq "stdin passes through" "$("$PARE" run "$T/base.tar" cat <"$T/in.txt")" "from stdin"

# --- the image is never modified; what the app writes stays in the run ---
"$PARE" run "$T/base.tar" sh -c 'echo x > /etc/passwd; echo y > /newfile; echo z > /etc/hosts' >/dev/null 2>&1
assert_eq "the app's writes do not reach the next run" "$("$PARE" run "$T/base.tar" sh -c 'cat /etc/passwd | head -1; test -e /newfile || echo no-newfile')" \
	"$(printf 'root:x:0:0:root:/root:/bin/sh\nno-newfile')"
n=$(ls "$PARE_CACHE_DIR/rootfs" | grep -cE '^[0-9a-f]{64}$')
assert_eq "one cached unpacked tree for images with the same layers" "$n" "1"
check "no partial unpack left in the cache" sh -c "! ls -a '$PARE_CACHE_DIR/rootfs' | grep -q partial"
PARE_ROOTFS_CACHE_MAX=0 "$PARE" run "$T/base.tar" true
assert_eq "PARE_ROOTFS_CACHE_MAX=0 unpacks into the run's temp dir" "$(ls -A "$TMPDIR")" ""

# --- unpacking: owners, modes, setuid, file capabilities, hardlinks, devices skipped ---
cat >"$T/meta.json" <<'EOF'
[{"path": "bin", "type": "dir", "mode": "0755"},
 {"path": "srv", "type": "dir", "mode": "0750", "uid": 1000, "gid": 2000},
 {"path": "srv/suid", "content": "x", "mode": "04755", "uid": 0, "gid": 0},
 {"path": "srv/capped", "content": "y", "mode": "0755", "xattrs": {"security.capability": "hex:0100000200040000000000000000000000000000"}},
 {"path": "srv/hl1", "content": "same", "mode": "0640", "uid": 1000, "gid": 1000},
 {"path": "srv/hl2", "type": "hardlink", "target": "srv/hl1"},
 {"path": "srv/link", "type": "symlink", "target": "../../../../etc/passwd"},
 {"path": "dev", "type": "dir"},
 {"path": "dev/sda", "type": "block", "devmajor": 8, "devminor": 0},
 {"path": "fifo", "type": "fifo", "mode": "0600"}]
EOF
check "build an image with special entries" python3 "$ROOT/tests/mkimage.py" --format oci-archive --layer "$R" \
	--entries "$(cat "$T/meta.json")" --config '{"Cmd":["sh"]}' "$T/meta.tar"
out=$("$PARE" run "$T/meta.tar" sh -c 'stat -c "%n %a %u:%g" /srv; stat -c "%n %a %u:%g %h" /srv/suid /srv/hl1 /srv/hl2; readlink /srv/link; test "$(stat -c %i /srv/hl1)" = "$(stat -c %i /srv/hl2)" && echo same-inode; test -p /fifo && echo fifo; ls /dev | grep -c sda' 2>"$T/meta.err")
assert_eq "owners, modes, setuid, hardlinks, symlinks, fifos restored" "$out" "$(printf '%s\n' '/srv 750 1000:2000' '/srv/suid 4755 0:0 1' \
	'/srv/hl1 640 1000:1000 2' '/srv/hl2 640 1000:1000 2' '../../../../etc/passwd' same-inode fifo 0)"
check "device nodes skipped with a note" grep -q "device node" "$T/meta.err"
tree=$(ls -d "$PARE_CACHE_DIR"/rootfs/*/srv/capped | head -1)
cap=$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "security.capability").hex())' "$tree" 2>&1)
assert_eq "file capabilities restored" "$cap" "0100000200040000000000000000000000000000"
check "nothing was written outside the tree" test ! -e "$PARE_CACHE_DIR/etc"
assert_eq "a second image with other layers has its own tree" "$(ls "$PARE_CACHE_DIR/rootfs" | grep -cE '^[0-9a-f]{64}$')" 2
PARE_ROOTFS_CACHE_MAX=1 "$PARE" run "$T/base.tar" true
assert_eq "least recently used trees evicted beyond PARE_ROOTFS_CACHE_MAX" "$(ls "$PARE_CACHE_DIR/rootfs" | grep -cE '^[0-9a-f]{64}$')" 1
assert_eq "lock files of evicted trees removed" "$(ls "$PARE_CACHE_DIR/rootfs" | grep -cE '^[0-9a-f]{64}\.lock$')" 1

# --- faults: nothing may outlive pare (processes, mounts, temp dirs) ---
no_leftovers() { # DESC MARKER
	local i
	for i in $(seq 1 100); do pgrep -f "$2" >/dev/null || break; sleep 0.1; done
	if pgrep -f "$2" >/dev/null; then not_ok "$1: no process left" "$(pgrep -af "$2")"; else ok "$1: no process left"; fi
	assert_eq "$1: no pare temp dir left" "$(ls -A "$TMPDIR")" ""
	assert_eq "$1: no mount left on the host" "$(grep -c "$T" /proc/self/mountinfo)" 0
}
M=31337$ID
check_status "app exits at once" 0 "$PARE" run "$T/base.tar" true
no_leftovers "app exits at once" "sleep $M"
check_status "app crashes: 128+SIGSEGV" 139 "$PARE" run "$T/base.tar" rtprobe segv
no_leftovers "app crashes" "sleep $M"
check_status "app forks a daemon and exits" 0 "$PARE" run "$T/base.tar" sh -c "setsid sleep ${M}1 & exit 0"
no_leftovers "app forks a daemon" "sleep ${M}1"
check_status "--timeout sends StopSignal (app handles it)" 5 "$PARE" run --timeout 1 "$T/base.tar" sh -c "trap 'exit 5' TERM; while :; do sleep 1; done"
check_status "--timeout: app ignores SIGTERM, SIGKILL after the grace period" 137 \
	"$PARE" run --timeout 1 --stop-timeout 1 "$T/base.tar" sh -c "trap '' TERM; sleep ${M}2; sleep ${M}2"
no_leftovers "app ignores SIGTERM" "sleep ${M}2"
check_status "--timeout: app never exits" 137 "$PARE" run --timeout 1 --stop-timeout 0 "$T/base.tar" sleep ${M}3
no_leftovers "app never exits" "sleep ${M}3"
python3 "$ROOT/tests/mkimage.py" --format docker-archive --layer "$R" --config '{"Cmd":["sh"],"StopSignal":"SIGUSR1"}' "$T/stopsig.tar"
check_status "--timeout uses the image's StopSignal" 6 "$PARE" run --timeout 1 "$T/stopsig.tar" sh -c "trap 'exit 6' USR1; while :; do sleep 1; done"

mkdir -p "$T/shared"
for sig in INT TERM; do
	rm -f "$T/shared/ready"
	"$PARE" run -v "$T/shared:/shared" "$T/base.tar" sh -c "trap 'exit 9' $sig; touch /shared/ready; while :; do sleep 0.1; done # ${M}4" &
	pid=$!
	for i in $(seq 1 200); do [ -e "$T/shared/ready" ] && break; sleep 0.1; done
	kill -$sig $pid
	wait $pid
	assert_eq "pare gets SIG$sig: forwarded to the app" "$?" 9
	no_leftovers "pare gets SIG$sig" "${M}4"
done
rm -f "$T/shared/ready"
"$PARE" run -v "$T/shared:/shared" "$T/base.tar" sh -c "touch /shared/ready; sleep ${M}5" &
pid=$!
for i in $(seq 1 200); do [ -e "$T/shared/ready" ] && break; sleep 0.1; done
kill -KILL $pid
wait $pid 2>/dev/null
for i in $(seq 1 100); do pgrep -f "sleep ${M}5" >/dev/null || break; sleep 0.1; done
check "pare SIGKILLed: the container dies with it" sh -c "! pgrep -f '[s]leep ${M}5'"
assert_eq "pare SIGKILLed: no mount left on the host" "$(grep -c "$T" /proc/self/mountinfo)" 0
check "pare SIGKILLed: its temp dir is left" sh -c "ls -A '$TMPDIR' | grep -q pare-"
check_status "the next run" 0 "$PARE" run "$T/base.tar" true
assert_eq "pare SIGKILLed: the next run removed the leftovers" "$(ls -A "$TMPDIR")" ""

# --- rootless: a user namespace, as user nobody ---
if [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 1 ] && command -v setpriv >/dev/null; then
	NB="$T/nobody"
	mkdir -p "$NB/tmp" "$NB/home"
	chown -R 65534:65534 "$NB"
	chmod 644 "$T"/*.tar
	asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env -u PARE_CACHE_DIR HOME="$NB/home" TMPDIR="$NB/tmp" XDG_CACHE_HOME= "$PARE" run "$@"; }
	out=$(asnobody "$T/base.tar" sh -c 'id -u; awk -F: "NR>2 {print \$1}" /proc/net/dev; tr "\0" " " </proc/1/cmdline; echo; echo w > /x && cat /x; ls /dev | wc -l' 2>&1)
	assert_eq "rootless: root inside, own network, writable overlay, /dev" "$out" "$(printf '0\n    lo\nsh -c %s \nw\n14' 'id -u; awk -F: "NR>2 {print \$1}" /proc/net/dev; tr "\0" " " </proc/1/cmdline; echo; echo w > /x && cat /x; ls /dev | wc -l')"
	out=$(asnobody "$T/user.tar" sh -c 'id -u; pwd' 2>&1)
	assert_eq "rootless: the image's USER and WorkingDir" "$out" "$(printf '1000\n/home/app/work')"
	check_status "rootless: exit status" 7 asnobody "$T/base.tar" sh -c 'exit 7'
	check "rootless: tree cached under \$HOME/.cache/pare" test -d "$NB/home/.cache/pare/rootfs"
	python3 "$ROOT/tests/mkimage.py" --format docker-archive --layer "$R" --config '{"Cmd":["sh"]}' \
		--entries '[{"path":"ro","type":"dir","mode":"0555"},{"path":"ro/f","content":"x","mode":"0444"}]' "$T/ro.tar"
	chmod 644 "$T/ro.tar"
	assert_eq "rootless: writing into a read-only directory as root inside" "$(asnobody "$T/ro.tar" sh -c 'echo y >/ro/g; cat /ro/f /ro/g')" xy
	# Kernels before 6.6 have no user xattrs on tmpfs, which a rootless overlay needs: the writable
	# layer then falls back to $TMPDIR's disk with a warning (forced here).
	out=$(PARE_TEST_NO_TMPFS_LAYER=1 asnobody "$T/base.tar" sh -c 'echo f > /f; cat /f; df / | tail -1 | grep -c "^overlay"' 2>"$T/fallback.err")
	assert_eq "rootless without a tmpfs layer: runs, writable, on the overlay" "$out" "$(printf 'f\n1')"
	check "rootless without a tmpfs layer: says --disk-limit is not applied" grep -q "disk-limit not applied" "$T/fallback.err"
	PARE_ROOTFS_CACHE_MAX=0 asnobody "$T/ro.tar" true
	assert_eq "rootless: no temp dir left (copied-up 0555 dirs included)" "$(ls -A "$NB/tmp")" ""
	# An unusable cache directory (HOME not writable or missing): a per-user one under $TMPDIR, with a note.
	fb="$NB/tmp/pare-cache-65534"
	for home in /root /nonexistent; do
		rm -rf "$fb"
		out=$(setpriv --reuid=65534 --regid=65534 --clear-groups env -u PARE_CACHE_DIR -u XDG_CACHE_HOME HOME=$home \
			TMPDIR="$NB/tmp" "$PARE" run "$T/base.tar" sh -c 'echo ran' 2>"$T/cachefb.err")
		assert_eq "rootless, HOME=$home: the run works" "$out" ran
		check "rootless, HOME=$home: a note names the unusable directory and the fallback" \
			grep -q "note: the cache directory '$home/.cache/pare/rootfs' cannot be used (.*): caching in '$fb'" "$T/cachefb.err"
		check "rootless, HOME=$home: the tree is cached in the fallback" sh -c "ls '$fb/rootfs' | grep -qE '^[0-9a-f]{64}\$'"
	done
	assert_eq "rootless: the fallback cache is private to its user" "$(stat -c '%u %a' "$fb")" "65534 700"
	xdg="$NB/xdg"
	mkdir -p "$xdg" && chown 65534:65534 "$xdg"
	setpriv --reuid=65534 --regid=65534 --clear-groups env -u PARE_CACHE_DIR HOME=/nonexistent XDG_CACHE_HOME="$xdg" \
		TMPDIR="$NB/tmp" "$PARE" run "$T/base.tar" true 2>"$T/cachefb.err"
	check "rootless: \$XDG_CACHE_HOME/pare is used when HOME is not, without a note" \
		sh -c "test -d '$xdg/pare/rootfs' && ! grep -q note '$T/cachefb.err'"
	# A fallback name somebody else made (world-writable, not ours) is not used: uncached, with a note.
	rm -rf "$fb" && mkdir -m 0777 "$fb"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups env -u PARE_CACHE_DIR -u XDG_CACHE_HOME HOME=/nonexistent \
		TMPDIR="$NB/tmp" "$PARE" run "$T/base.tar" sh -c 'echo ran' 2>"$T/cachefb.err")
	assert_eq "rootless, a foreign fallback directory: the run works uncached" "$out" ran
	check "rootless, a foreign fallback directory: not used, said" sh -c \
		"grep -q 'no usable cache directory' '$T/cachefb.err' && [ -z \"\$(ls -A '$fb')\" ]"
	rm -rf "$fb" "$xdg"
else
	skip "rootless pare run" "unprivileged user namespaces are disabled on this kernel"
fi
t_done
