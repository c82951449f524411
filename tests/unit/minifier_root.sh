#!/bin/sh
# Builds the root tree for tests/unit/test_minifier_keep.c: host ELF files laid out like a
# merged-/usr Debian image, programs with RPATH/RUNPATH libraries, a #! script, files to drop.
# Usage: minifier_root.sh DIR   (x86_64 Debian-like hosts; exits 77 elsewhere)
set -eu
R=$1
M=x86_64-linux-gnu
[ -e /lib/$M/libc.so.6 ] && [ -e /bin/ls ] && command -v cc >/dev/null || exit 77
L=$R/usr/lib/$M
mkdir -p "$R/usr/bin" "$L/glibc-hwcaps/x86-64-v3" "$R/usr/lib64" "$R/etc" "$R/tmp" "$R/home/app" "$R/srv" \
	"$R/opt/app/bin" "$R/opt/app/lib" "$R/opt/app/lib2" "$R/opt/data/sub" "$R/usr/share/doc/x" "$R/proc/1" \
	"$R/usr/local/bin" "$R/var/log" "$R/opt/override"
chmod 1777 "$R/tmp"
ln -s usr/bin "$R/bin"
ln -s usr/lib "$R/lib"
ln -s usr/lib64 "$R/lib64"
cp /bin/ls "$R/usr/bin/ls"
cp /bin/ls "$R/usr/bin/env"
cp /bin/ls "$R/usr/bin/python3"
ldd /bin/ls | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do cp -L "$lib" "$L/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$L/ld-linux-x86-64.so.2"
ln -s ../lib/$M/ld-linux-x86-64.so.2 "$R/usr/lib64/ld-linux-x86-64.so.2"
mv "$L/libpcre2-8.so.0" "$L/libpcre2-8.so.0.real"
ln -s libpcre2-8.so.0.real "$L/libpcre2-8.so.0"
cp "$L/libpcre2-8.so.0.real" "$L/glibc-hwcaps/x86-64-v3/libpcre2-8.so.0"
cp "$L/libc.so.6" "$L/libunused.so.1"
cp "$L/libpcre2-8.so.0.real" "$L/libnss_files.so.2"
cp "$L/libpcre2-8.so.0.real" "$L/libnss_nis.so.2"
cp "$L/libpcre2-8.so.0.real" "$L/libgcc_s.so.1"
printf 'passwd: files [NOTFOUND=return] systemd\nhosts: files dns # comment nis\n' >"$R/etc/nsswitch.conf"
cp "$L/libselinux.so.1" "$R/opt/override/libselinux.so.1"
cp /etc/ld.so.cache "$R/etc/ld.so.cache"
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\napp:x:1000:\n' >"$R/etc/group"
printf '#!/usr/bin/env python3\nprint("hi")\n' >"$R/usr/local/bin/tool"
chmod 755 "$R/usr/local/bin/tool"
echo data >"$R/opt/data/sub/file"
echo readme >"$R/usr/share/doc/x/README"
echo 1 >"$R/proc/1/status"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo 'int bar(void) { return 7; }' >"$T/bar.c"
echo 'int bar(void); int foo(void) { return bar() + 35; }' >"$T/foo.c"
echo 'int foo(void); int main(void) { return foo() == 42 ? 0 : 1; }' >"$T/main.c"
for v in "" 2; do
	cc -shared -fPIC -o "$R/opt/app/lib$v/libbar$v.so.1" -Wl,-soname,libbar$v.so.1 "$T/bar.c"
	cc -shared -fPIC -o "$R/opt/app/lib$v/libfoo$v.so.1" -Wl,-soname,libfoo$v.so.1 "$T/foo.c" \
		"$R/opt/app/lib$v/libbar$v.so.1"
done
# app: DT_RPATH $ORIGIN/../lib, inherited by libfoo (which finds libbar through it).
cc -o "$R/opt/app/bin/app" "$T/main.c" "$R/opt/app/lib/libfoo.so.1" -Wl,--disable-new-dtags \
	-Wl,-rpath,'$ORIGIN/../lib'
# app2: DT_RUNPATH $ORIGIN/../lib2, not inherited: libfoo2 cannot find libbar2 (ld.so fails too).
cc -o "$R/opt/app/bin/app2" "$T/main.c" "$R/opt/app/lib2/libfoo2.so.1" -Wl,--enable-new-dtags \
	-Wl,-rpath,'$ORIGIN/../lib2'
# A musl-style program: PT_INTERP /lib/ld-musl-x86_64.so.1, libraries in musl's default /usr/local/lib
# (not a glibc default) and in a directory named by /etc/ld-musl-x86_64.path.
mkdir -p "$R/usr/local/lib" "$R/opt/musl/lib"
cp "$L/ld-linux-x86-64.so.2" "$R/usr/lib/ld-musl-x86_64.so.1"
echo 'int baz(void) { return 1; }' >"$T/baz.c"
echo 'int qux(void) { return 2; }' >"$T/qux.c"
echo 'int baz(void); int qux(void); int main(void) { return baz() + qux(); }' >"$T/m.c"
cc -shared -fPIC -o "$R/usr/local/lib/libbaz.so.1" -Wl,-soname,libbaz.so.1 "$T/baz.c"
cc -shared -fPIC -o "$R/opt/musl/lib/libqux.so.1" -Wl,-soname,libqux.so.1 "$T/qux.c"
cc -o "$R/usr/bin/muslapp" "$T/m.c" "$R/usr/local/lib/libbaz.so.1" "$R/opt/musl/lib/libqux.so.1" \
	-Wl,--dynamic-linker=/lib/ld-musl-x86_64.so.1
printf '/opt/musl/lib\n/usr/local/lib\n/lib\n' >"$R/etc/ld-musl-x86_64.path"
