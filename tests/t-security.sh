#!/usr/bin/env bash
# The claims of doc/SECURITY.md about the container `pare run` makes, each checked from inside (a
# busybox shell in a tiny image) and from the host: host processes invisible, no host network by
# default (with --network host as the positive control), writes confined to the container, read-only
# /sys and /proc/sys, no usable host devices, Docker's capability set, and nothing left running once
# pare is gone (normal exit and SIGKILL).
. "$(dirname "$0")/lib.sh"

if ! "$PARE" run --help >/dev/null 2>&1; then
	echo "# pare run is not on main yet: nothing to test"
	t_done
fi
[ -x /bin/busybox ] || { not_ok "busybox-static missing: run make deps"; t_done; }
[ -x "$HELPERS/secprobe" ] || { not_ok "$HELPERS/secprobe missing: run make helpers"; t_done; }

mkdir -p "$T/root/bin" "$T/tmp" "$T/canary"
cp /bin/busybox "$T/root/bin/busybox"
ln -s busybox "$T/root/bin/sh"
cp "$HELPERS/secprobe" "$T/root/bin/secprobe"
python3 "$ROOT/tests/mkimage.py" --format docker-archive --layer "$T/root" --config '{"Cmd": ["/bin/sh"]}' \
	--tag "pare-security-$$:1" "$T/img.tar" || { not_ok "build the test image"; t_done; }
IMG_SUM=$(sha256sum <"$T/img.tar")
export TMPDIR="$T/tmp"

# in_container [PARE RUN OPTIONS...] -- SCRIPT: run SCRIPT with the image's busybox sh; output in $OUT.
in_container() {
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	OUT=$("$PARE" run -q "${opts[@]}" "$T/img.tar" /bin/sh -c "$1" 2>&1)
}

# --- processes ---
sleep "7$$1" &
HOST_SLEEP=$!
t_cleanup_add "kill $HOST_SLEEP"
in_container -- 'echo "pid $$"; ls /proc | grep -c "^[0-9]"; cat /proc/[0-9]*/cmdline | tr "\0" " "; echo'
assert_eq "the application is PID 1" "$(echo "$OUT" | sed -n 1p)" "pid 1"
n=$(echo "$OUT" | sed -n 2p)
if [ "${n:-99}" -le 3 ]; then ok "it sees only its own processes ($n)"; else not_ok "it sees only its own processes" "$OUT"; fi
if echo "$OUT" | grep -q "7$$1"; then not_ok "host processes are invisible" "$OUT"; else ok "host processes are invisible"; fi
kill $HOST_SLEEP

# --- network ---
in_container -- 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
assert_eq "only a loopback interface" "$OUT" "lo"
port=$((20000 + $$ % 20000))
python3 -m http.server --bind 0.0.0.0 "$port" --directory "$T/canary" >/dev/null 2>&1 &
HTTP=$!
t_cleanup_add "kill $HTTP"
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
host_ip=$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
for ip in 127.0.0.1 $host_ip; do
	in_container -- "/bin/secprobe connect $ip $port"
	case $OUT in refused:*) ok "unreachable by default: $ip:$port ($OUT)" ;; *) not_ok "unreachable by default: $ip:$port" "$OUT" ;; esac
	# Positive control: the same probe connects with --network host, so the check can see a reach.
	in_container --network host -- "/bin/secprobe connect $ip $port"
	assert_eq "reachable with --network host: $ip:$port" "$OUT" "connected"
done
kill $HTTP

# --- filesystem ---
in_container -- 'for f in /pare-sec-written /etc/pare-sec-written /bin/pare-sec-written; do echo x >$f || exit 1; done;
	cat /pare-sec-written'
assert_eq "the application may write in its own root" "$OUT" "x"
on_host=$(ls -d /pare-sec-written /etc/pare-sec-written /bin/pare-sec-written 2>/dev/null)
assert_eq "writes stay in the container (not in the host's /, /etc, /bin)" "$on_host" ""
[ -z "$on_host" ] || rm -f $on_host
left=$(find "$TMPDIR" /var/cache/pare "${XDG_CACHE_HOME:-$HOME/.cache}/pare" -name 'pare-sec-written' 2>/dev/null)
assert_eq "writes stay in the container (not in the unpacked image or temp dirs)" "$left" ""
assert_eq "the input image is unchanged" "$(sha256sum <"$T/img.tar")" "$IMG_SUM"
assert_eq "no pare-* temp dir left" "$(ls -A "$TMPDIR")" ""
in_container -- 'in_next=$(ls /bin | wc -l); [ -e /pare-sec-written ] && echo LEFT; echo $in_next'
assert_eq "a second run starts from the image again" "$OUT" "3"

in_container -- '(echo evil >/proc/sys/kernel/domainname) 2>/dev/null && echo PROCSYS;
	(echo x >/sys/pare-sec) 2>/dev/null && echo SYS; mkdir -p /mnt; mount -t tmpfs none /mnt 2>/dev/null && echo MOUNT;
	hostname evil-$$ 2>/dev/null; echo done'
assert_eq "/proc/sys and /sys are read-only, mount is denied" "$OUT" "done"
if [ "$(cat /proc/sys/kernel/domainname)" != evil ]; then ok "the host's domainname is unchanged"; else not_ok "the host's domainname was changed"; fi
case $(hostname) in evil-*) not_ok "the host's hostname was changed" ;; *) ok "the host's hostname is unchanged" ;; esac

# Device nodes: a container root may mknod (Docker's CAP_MKNOD), but a node it makes must not open a host
# device (Docker stops that with its device cgroup; pare with nodev mounts). The probe is the first of the
# host's console devices (vcs 7:0, tty1 4:1, console 5:1) that the host itself can open.
dev=
for d in "7 0" "4 1" "5 1"; do
	rm -f "$T/devprobe"
	if [ "$("$HELPERS/secprobe" mknod-read "$T/devprobe" $d)" = read ]; then dev=$d; break; fi
done
rm -f "$T/devprobe"
if [ -n "$dev" ]; then
	for p in /tmp/devprobe /dev/devprobe; do
		in_container -- "mkdir -p /tmp; /bin/secprobe mknod-read $p $dev"
		case $OUT in failed:*) ok "a device node made in $p does not open the host's device $dev ($OUT)" ;;
		*) not_ok "a device node made in $p does not open the host's device $dev" "$OUT" ;; esac
	done
else
	skip "device nodes made in the container" "this host cannot open a console device (7:0, 4:1, 5:1) itself"
fi
in_container -- 'echo x >/dev/null && head -c 4 /dev/zero | wc -c'
assert_eq "the standard /dev nodes work" "$OUT" "4"

# --- capabilities ---
in_container -- 'grep -E "^Cap(Eff|Bnd|Amb)" /proc/self/status | tr -s "\t " " "'
assert_eq "root gets Docker's default capabilities and no more" "$OUT" \
	$'CapEff: 00000000a80425fb\nCapBnd: 00000000a80425fb\nCapAmb: 0000000000000000'
in_container -u 1000 -- 'grep -E "^CapEff" /proc/self/status | tr -s "\t " " "'
assert_eq "a non-root user has none" "$OUT" "CapEff: 0000000000000000"

# --- lifetime ---
mark="9$$"
procs() { pgrep -x -f "sleep ${mark}[0-9]" | tr '\n' ' '; }
"$PARE" run -q "$T/img.tar" /bin/sh -c "(setsid sleep ${mark}1 &); sleep ${mark}2 & exit 0" >/dev/null 2>&1
left=$(procs)
for _ in $(seq 50); do [ -z "$left" ] && break; sleep 0.2; left=$(procs); done
assert_eq "nothing survives pare's exit (daemons included)" "$left" ""
[ -z "$left" ] || kill -9 $left

"$PARE" run -q "$T/img.tar" /bin/sh -c "(setsid sleep ${mark}3 &); sleep ${mark}4 & exec sleep ${mark}5" >/dev/null 2>&1 &
pare_pid=$!
for _ in $(seq 300); do [ "$(procs | wc -w)" -ge 3 ] && break; sleep 0.2; done
if [ "$(procs | wc -w)" -ge 3 ]; then
	kill -KILL $pare_pid
	wait $pare_pid 2>/dev/null
	left=$(procs)
	for _ in $(seq 50); do [ -z "$left" ] && break; sleep 0.2; left=$(procs); done
	assert_eq "nothing survives pare being SIGKILLed" "$left" ""
	[ -z "$left" ] || kill -9 $left
else
	not_ok "the container's processes started" "$(procs)"
	kill -KILL $pare_pid
fi
# What a SIGKILLed pare leaves (its temp dir) is removed by the next run.
"$PARE" run -q "$T/img.tar" /bin/sh -c true
assert_eq "the next run removes a killed run's temp dir" "$(ls -A "$TMPDIR")" ""
t_done
