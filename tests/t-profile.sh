#!/usr/bin/env bash
# pare profile: every access of the static helper (tests/helpers/tracee.c) is in the profile with the
# right kind; the traced program's output and exit status are those of `pare run`.
. "$(dirname "$0")/lib.sh"

TRACEE="$HELPERS/tracee"
[ -x "$TRACEE" ] || { not_ok "helper $TRACEE missing: run make helpers"; t_done; }

# A tiny image: the helper as /usr/bin/tracee, /bin -> usr/bin, fixtures below /data.
mkdir -p "$T/root/usr/bin" "$T/root/data"
cp "$TRACEE" "$T/root/usr/bin/tracee"
ln -s usr/bin "$T/root/bin"
TRACEE_INTERP=/bin/tracee "$TRACEE" --setup "$T/root/data" /data
python3 "$ROOT/tests/mkimage.py" --format oci-archive --layer "$T/root" \
	--config '{"Entrypoint":["/usr/bin/tracee"],"Cmd":["/data"]}' "$T/img.tar" >/dev/null

"$PARE" run "$T/img.tar" >"$T/run.out" 2>"$T/run.err"
run_rc=$?
"$PARE" profile -o "$T/p.json" "$T/img.tar" >"$T/prof.out" 2>"$T/prof.err"
prof_rc=$?
assert_eq "pare profile exits with the application's status" "$prof_rc" "$run_rc"
assert_eq "the application's status is its own (3)" "$prof_rc" 3
assert_file_eq "the application's output is unchanged under the tracer" "$T/prof.out" "$T/run.out"
assert_file_eq "the application's stderr is unchanged under the tracer" "$T/prof.err" "$T/run.err"

# has KIND PATH: the profile lists PATH with KIND ("missing" and "symlink:TARGET" too).
has() {
	python3 - "$T/p.json" "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
kind, path = sys.argv[2], sys.argv[3]
if kind == "missing":
    ok = path in d["missing"]
elif kind.startswith("symlink:"):
    ok = any(l["path"] == path and l["target"] == kind[8:] for l in d["symlinks"])
else:
    ok = any(f["path"] == path and kind in f["kinds"] and f["exists"] for f in d["files"])
sys.exit(0 if ok else 1)
PY
}
expect() { # DESC KIND PATH
	if has "$2" "$3"; then ok "$1"; else not_ok "$1" "no $2 of $3 in the profile" "$(head -c 3000 "$T/p.json")"; fi
}

expect "open relative to a dirfd"                     open    /data/dir/file-at
expect "the dirfd's directory"                        open    /data/dir
expect "chdir"                                        chdir   /data/cwd
expect "open relative to the working directory"       open    /data/cwd/file-rel
expect "stat through two symlinks reaches the target" stat    /data/target
expect "the chain's absolute link"                    symlink:/data/chain2 /data/chain1
expect "the chain's relative link"                    symlink:target /data/chain2
expect "readlink"                                     readlink /data/link
expect "a failing open is a missing path"             missing /data/missing-file
expect "a directory listing"                          listdir /data/list
expect "a thread's open"                              open    /data/thread-file
expect "a forked child's open"                        open    /data/fork-file
expect "a vfork+exec child's open"                    open    /data/vfork-file
expect "a grandchild that outlived its parent"        open    /data/grandchild-file
expect "the #! script found through PATH was exec'd"  exec    /data/bin/hello.sh
expect "the PATH search's miss"                       missing /data/nonexistent-dir/hello.sh
expect "the #! interpreter (through /bin)"            exec    /usr/bin/tracee
expect "the /bin -> usr/bin link of the interpreter"  symlink:usr/bin /bin
expect "the script's interpreter ran and opened"      open    /data/script-file
if grep -q '^int80 .* unsupported' "$T/prof.out"; then
	skip "a 32-bit int 0x80 open" "the kernel has no i386 syscall ABI (int 0x80 faults)"
else
	expect "a 32-bit int 0x80 open"                   open    /data/int80-file
fi

python3 - "$T/p.json" >"$T/check.log" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert "ptrace-seccomp" in d["sensors"], d["sensors"]
procs = d["processes"]
assert procs[0]["pid"] == 1 and procs[0]["exe"] == "/usr/bin/tracee", procs[0]
assert any(p["argv"][1:2] == ["--vforked"] for p in procs), procs
for f in d["files"] + [{"path": m} for m in d["missing"]]:
    p = f["path"]
    assert p.startswith("/") and "//" not in p and "/./" not in p and "/../" not in p, p
    assert not p.startswith("/proc/"), p
assert d["stats"]["exit_status"] == 3, d["stats"]
assert d["files"] == sorted(d["files"], key=lambda f: f["path"])
PY
check_rc=$?
if [ $check_rc = 0 ]; then ok "sensors, processes, normalised in-image paths, status"; else not_ok "sensors, processes, normalised in-image paths, status" "$(cat "$T/check.log")"; fi

if [ "$(id -u)" = 0 ]; then
	if python3 -c 'import json,sys; sys.exit(0 if "fanotify" in json.load(open(sys.argv[1]))["sensors"] else 1)' "$T/p.json"; then
		ok "fanotify ran as root"
	else
		not_ok "fanotify ran as root" "$(cat "$T/prof.err")"
	fi
fi

# ptrace alone sees the same accesses.
"$PARE" profile --no-fanotify -o "$T/p2.json" "$T/img.tar" >/dev/null 2>&1
python3 - "$T/p.json" "$T/p2.json" >"$T/check.log" 2>&1 <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert b["sensors"] == ["ptrace-seccomp"], b["sensors"]
pa = {f["path"] for f in a["files"] if f["path"].startswith("/data")}
pb = {f["path"] for f in b["files"] if f["path"].startswith("/data")}
assert pa == pb, (pa ^ pb)
PY
[ $? = 0 ] && ok "--no-fanotify: ptrace alone, same files" || not_ok "--no-fanotify: ptrace alone, same files" "$(cat "$T/check.log")"

# Rootless (a user namespace, as user nobody): ptrace alone, the same accesses as root's profile.
if [ "$(id -u)" = 0 ] && [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 1 ] &&
	command -v setpriv >/dev/null; then
	NB="$T/nobody"
	mkdir -p "$NB/tmp" "$NB/home"
	chown -R 65534:65534 "$NB"
	chmod 644 "$T/img.tar"
	chmod 755 "$T"
	setpriv --reuid=65534 --regid=65534 --clear-groups env -u PARE_CACHE_DIR HOME="$NB/home" TMPDIR="$NB/tmp" \
		XDG_CACHE_HOME= "$PARE" profile -o "$NB/p.json" "$T/img.tar" >"$T/rootless.out" 2>"$T/rootless.err"
	assert_eq "rootless: the application's status" "$?" 3
	assert_file_eq "rootless: the application's output" "$T/rootless.out" "$T/run.out"
	python3 - "$T/p.json" "$NB/p.json" >"$T/check.log" 2>&1 <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert b["sensors"] == ["ptrace-seccomp"], b["sensors"]
for key in ("files", "missing", "symlinks"):
    get = (lambda x: x["path"]) if key != "missing" else (lambda x: x)
    pa = {get(x) for x in a[key] if get(x).startswith(("/data", "/bin", "/usr"))}
    pb = {get(x) for x in b[key] if get(x).startswith(("/data", "/bin", "/usr"))}
    assert pa == pb, (key, pa ^ pb)
PY
	[ $? = 0 ] && ok "rootless: same files, missing paths and symlinks as root" ||
		not_ok "rootless: same files, missing paths and symlinks as root" "$(cat "$T/check.log" "$T/rootless.err")"
	assert_eq "rootless: no temp dir left" "$(ls -A "$NB/tmp")" ""
else
	skip "rootless pare profile" "unprivileged user namespaces are disabled on this kernel"
fi

# A process that chrooted: its absolute paths, absolute symlink targets and ".." are resolved inside
# its root, as the kernel does (haproxy's `chroot`, chroot(8), privilege-separated daemons). The
# image has a decoy of every jailed file at the same path outside the jail.
J="$T/jail"
mkdir -p "$J/bin" "$J/srv" "$J/jail/bin" "$J/jail/srv" "$J/jail/lib"
for d in "$J" "$J/jail"; do
	cp /bin/busybox "$d/bin/busybox"
	ln -s busybox "$d/bin/sh"
	echo "data of $d" >"$d/srv/data.txt"
	echo "other of $d" >"$d/srv/other.txt"
done
ln -s /srv/other.txt "$J/jail/lib/abs-link" # absolute: /jail/srv/other.txt inside the jail
echo '#!/bin/sh
busybox cat /srv/data.txt' >"$J/jail/bin/show"
chmod 755 "$J/jail/bin/show"
python3 "$ROOT/tests/mkimage.py" --format oci-archive --layer "$J" --config \
	'{"Entrypoint":["/bin/busybox","chroot","/jail","/bin/sh","-c","/bin/show; busybox cat /lib/abs-link; cd /srv && busybox cat ../../../srv/data.txt && busybox ls /no-such"]}' \
	"$T/jail.tar" >/dev/null
for fan in "" --no-fanotify; do
	"$PARE" profile $fan -o "$T/jail.json" "$T/jail.tar" >"$T/jail.out" 2>&1
	python3 - "$T/jail.json" >"$T/check.log" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
files = {f["path"]: f["kinds"] for f in d["files"] if f["exists"]}
links = {l["path"]: l["target"] for l in d["symlinks"]}
for path, kind in [("/jail/bin/show", "exec"), ("/jail/bin/busybox", "exec"), ("/jail/srv/data.txt", "open"),
                   ("/jail/srv/other.txt", "open"), ("/jail/srv", "chdir")]:
    assert kind in files.get(path, []), (path, kind, files.get(path))
assert links.get("/jail/bin/sh") == "busybox", links
assert links.get("/jail/lib/abs-link") == "/srv/other.txt", links
for path in ("/srv/data.txt", "/srv/other.txt", "/bin/sh"):
    assert path not in files and path not in links, ("outside the jail", path)
assert "/jail/no-such" in d["missing"] and "/no-such" not in d["missing"], d["missing"]
PY
	rc=$?
	[ "$(grep -c "data of $J/jail" "$T/jail.out")" = 2 ] || rc=1
	[ $rc = 0 ] && ok "chroot${fan:+ $fan}: paths resolved inside the process's root" ||
		not_ok "chroot${fan:+ $fan}: paths resolved inside the process's root" "$(cat "$T/check.log" "$T/jail.out")"
done

# No open escapes through io_uring while tracing.
"$PARE" profile -o "$T/p3.json" "$T/img.tar" --io-uring >"$T/uring.out" 2>&1
assert_eq "io_uring_setup fails with ENOSYS under the tracer" "$(cat "$T/uring.out")" "io_uring_setup: Function not implemented"

# Signals pass through: a handled signal, a group-stop and SIGCONT, a child killed, and the stop
# signal of --timeout, with the same output and status as under pare run.
"$PARE" run --timeout 1 --stop-timeout 5 "$T/img.tar" --signals >"$T/sig-run.out" 2>&1
sig_run_rc=$?
"$PARE" profile -o "$T/p4.json" --timeout 1 --stop-timeout 5 "$T/img.tar" --signals >"$T/sig-prof.out" 2>&1
assert_eq "signals: pare profile's status is pare run's" "$?" "$sig_run_rc"
assert_file_eq "signals: same output as under pare run" "$T/sig-prof.out" "$T/sig-run.out"
if grep -q "got signal 15" "$T/sig-prof.out" && grep -q "child stopped by signal 19" "$T/sig-prof.out" &&
	grep -q "child continued" "$T/sig-prof.out" && grep -q "got signal 10" "$T/sig-prof.out"; then
	ok "signals: delivered, stop and continue, timeout's SIGTERM"
else
	not_ok "signals: delivered, stop and continue, timeout's SIGTERM" "$(cat "$T/sig-prof.out")"
fi

# Tracing a command on the host.
mkdir -p "$T/host"
"$TRACEE" --setup "$T/host" >/dev/null
"$PARE" profile --host -o "$T/h.json" "$TRACEE" "$T/host" >"$T/host.out" 2>&1
assert_eq "--host: the command's status" "$?" 1  # its #! interpreter /bin/tracee does not exist on the host
python3 - "$T/h.json" "$T/host" >"$T/check.log" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); b = sys.argv[2]
files = {f["path"]: f["kinds"] for f in d["files"]}
assert "open" in files[b + "/dir/file-at"], files
assert "listdir" in files[b + "/list"], files
assert b + "/missing-file" in d["missing"]
PY
[ $? = 0 ] && ok "--host traces a host command" || not_ok "--host traces a host command" "$(cat "$T/check.log")"

# Bad input: one-line error, status 1, no profile written.
(cd "$T" && "$PARE" profile -o "$T/bad.json" "$T/nonexistent.tar" >"$T/bad.out" 2>&1)
assert_eq "a missing image: status 1" "$?" 1
[ ! -e "$T/bad.json" ] && ok "a missing image: no profile written" || not_ok "a missing image: no profile written"
check_status "no image: usage error" 2 "$PARE" profile
t_done
