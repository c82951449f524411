#!/usr/bin/env bash
# The apk database of an Alpine-layout image (doc/MINIFIER.md, "Package database"). No Alpine image
# can be had here (no outside registry, no apk-tools in Debian 12), so the image is made by hand: a
# static busybox, /lib/apk/db/installed with five packages as apk-tools 2.x writes them (checksums
# Q1+base64 SHA-1, M:/a: owners and modes, one f:S flag, a directory reached through a symlink, a
# package without files), triggers, scripts.tar, /etc/apk/world. After pare build:
# tests/apkdb-walk.py checks the slim installed file by apk's own reading rules against the slim
# rootfs and the original; the partial package carries apk's broken-files flag; world and triggers
# lose the removed packages; report, summary line and SBOM (both formats valid, purl pkg:apk) agree;
# the slim image runs under docker as the original does.
. "$(dirname "$0")/lib.sh"

command -v busybox >/dev/null && file -L "$(command -v busybox)" | grep -q 'statically linked' ||
	{ not_ok "busybox-static present (run make deps)"; t_done; }

r=$T/root
mkdir -p "$r/bin" "$r/usr/bin" "$r/usr/lib" "$r/usr/share/app/unused" "$r/usr/share/doc/docs-pkg" \
	"$r/lib/apk/db" "$r/etc/apk" "$r/app" "$r/tmp"
cp "$(command -v busybox)" "$r/bin/busybox"
for a in sh cat echo sleep; do ln -s busybox "$r/bin/$a"; done
ln -s lib "$r/usr/lib64"
printf '#!/bin/sh\necho used-tool ran\n' >"$r/usr/bin/used-tool"
printf '#!/bin/sh\necho never\n' >"$r/usr/bin/unused-tool"
chmod 755 "$r/usr/bin/used-tool" "$r/usr/bin/unused-tool"
echo "app data" >"$r/usr/share/app/data.txt"
echo "unused data" >"$r/usr/share/app/unused/x.txt"
echo "docs nobody reads" >"$r/usr/share/doc/docs-pkg/README"
echo "not really a library" >"$r/usr/lib/libx.so.1"
printf '#!/bin/sh\nused-tool\ncat /usr/share/app/data.txt /usr/lib64/libx.so.1\n' >"$r/app/start"
chmod 755 "$r/app/start"
echo x86_64 >"$r/etc/apk/arch"
printf 'busybox app-tools docs-pkg>=1.0\nlibx@edge\n' >"$r/etc/apk/world"
z() { printf 'Q1%s' "$(openssl sha1 -binary <"$1" | base64)"; }
{
	printf 'C:Q1bbbbbbbbbbbbbbbbbbbbbbbbbbbb=\nP:busybox\nV:1.36.1-r5\nA:x86_64\nS:500000\nI:900000\nT:Size optimized toolbox\nU:https://busybox.net/\nL:GPL-2.0-only\no:busybox\nm:Maintainer <m@example.org>\nt:1700000000\nc:0123456789abcdef\nD:so:libc.musl-x86_64.so.1\n'
	printf 'F:bin\nR:busybox\na:0:0:755\nZ:%s\nR:sh\nR:cat\nR:echo\nR:sleep\n\n' "$(z "$r/bin/busybox")"
	printf 'C:Q1aaaaaaaaaaaaaaaaaaaaaaaaaaaa=\nP:app-tools\nV:2.0-r0\nA:x86_64\nS:100\nI:200\nT:tools of the app\nU:https://example.org/\nL:MIT\no:app-tools\nf:S\n'
	printf 'F:usr/bin\nM:0:0:755\nR:used-tool\na:0:0:755\nZ:%s\nR:unused-tool\na:0:0:755\nZ:%s\n' \
		"$(z "$r/usr/bin/used-tool")" "$(z "$r/usr/bin/unused-tool")"
	printf 'F:usr/share/app\nR:data.txt\nZ:%s\nF:usr/share/app/unused\nR:x.txt\nZ:%s\n\n' \
		"$(z "$r/usr/share/app/data.txt")" "$(z "$r/usr/share/app/unused/x.txt")"
	printf 'C:Q1dddddddddddddddddddddddddddd=\nP:docs-pkg\nV:1.0-r0\nA:noarch\nS:10\nI:10\nT:docs\nU:https://example.org/\nL:MIT\n'
	printf 'F:usr/share/doc/docs-pkg\nR:README\nZ:%s\n\n' "$(z "$r/usr/share/doc/docs-pkg/README")"
	printf 'C:Q1llllllllllllllllllllllllllll=\nP:libx\nV:0.9-r1\nA:x86_64\nS:10\nI:10\nT:a library\nU:https://example.org/\nL:MIT OR Apache-2.0\n'
	printf 'F:usr/lib64\nR:libx.so.1\nZ:%s\n\n' "$(z "$r/usr/lib/libx.so.1")"
	printf 'C:Q1mmmmmmmmmmmmmmmmmmmmmmmmmmmm=\nP:alpine-base\nV:3.19.0-r0\nA:x86_64\nS:1\nI:1\nT:Meta package\nU:https://alpinelinux.org/\nL:MIT\nD:busybox\n\n'
} >"$r/lib/apk/db/installed"
printf 'Q1bbbbbbbbbbbbbbbbbbbbbbbbbbbb= /bin\nQ1dddddddddddddddddddddddddddd= /usr/share/doc\n' >"$r/lib/apk/db/triggers"
(mkdir -p "$T/scripts" && cd "$T/scripts" && echo '#!/bin/sh' >busybox-1.36.1-r5.Q1bbbbbbbbbbbbbbbbbbbbbbbbbbbb=.post-install &&
	tar -cf "$r/lib/apk/db/scripts.tar" busybox-1.36.1-r5.Q1bbbbbbbbbbbbbbbbbbbbbbbbbbbb=.post-install)
cp "$r/lib/apk/db/installed" "$T/installed.orig"
printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.0\n' >"$r/etc/os-release"
tag="paretest-apk:$$"
python3 "$ROOT/tests/mkimage.py" --format docker-archive --layer "$r" --tag "$tag" \
	--config '{"Entrypoint":["/app/start"],"Env":["PATH=/usr/bin:/bin"]}' "$T/app.tar" >"$T/mk.log" 2>&1 ||
	{ not_ok "fixture image builds" "$(tail -3 "$T/mk.log")"; t_done; }
sum=$(sha256sum <"$T/app.tar")

"$PARE" build "$T/app.tar" -o "$T/slim.tar" --tag "$tag-slim" --report "$T/r.json" --sbom "$T/sbom.spdx.json" \
	2>"$T/err"
assert_eq "pare build of the Alpine-layout image" "$?" 0
assert_eq "the input is unchanged" "$(sha256sum <"$T/app.tar")" "$sum"
check "the summary line counts the apk packages" \
	grep -qF "pare: packages (apk): 1 kept whole, 2 in part, 2 removed; /lib/apk/db/installed rewritten" "$T/err"
unpack_layer0 "$T/slim.tar" "$T/slim" || { not_ok "slim layer unpacks"; t_done; }
if python3 "$ROOT/tests/apkdb-walk.py" "$T/installed.orig" "$T/slim" >"$T/walk" 2>&1; then
	ok "apkdb-walk: $(tail -1 "$T/walk")"
else
	not_ok "apkdb-walk: the slim installed file tells the truth" "$(head -8 "$T/walk")"
fi
# The walker itself fails where apk or a scanner would be misled: the original file left in place
# (removed packages listed), an unknown field (apk refuses the database).
cp -a "$T/slim" "$T/bad1" && cp "$T/installed.orig" "$T/bad1/lib/apk/db/installed"
check "  (apkdb-walk fails on the original installed file in the slim image)" \
	sh -c "! python3 '$ROOT/tests/apkdb-walk.py' '$T/installed.orig' '$T/bad1' >/dev/null"
cp -a "$T/slim" "$T/bad2" && sed -i '0,/^P:libx$/s//P:libx\nX:pare/' "$T/bad2/lib/apk/db/installed"
check "  (apkdb-walk fails on a field apk does not know)" \
	sh -c "! python3 '$ROOT/tests/apkdb-walk.py' '$T/installed.orig' '$T/bad2' >/dev/null"
rm -rf "$T/bad1" "$T/bad2"
check "the partial package has apk's broken-files flag, merged with its own" \
	sh -c "awk '/^P:app-tools/,/^\$/' '$T/slim/lib/apk/db/installed' | grep -qx 'f:fS'"
check "the partial package's unused file, and the directory left empty, are gone from it" \
	sh -c "! grep -qE '^R:unused-tool|^R:x.txt|^F:usr/share/app/unused' '$T/slim/lib/apk/db/installed'"
check "the package reached through the symlinked /usr/lib64 is kept whole" \
	sh -c "awk '/^P:libx/,/^\$/' '$T/slim/lib/apk/db/installed' | grep -qx 'R:libx.so.1'"
check "the removed packages (docs-pkg, the file-less alpine-base) are gone from installed" \
	sh -c "! grep -qE '^P:(docs-pkg|alpine-base)\$' '$T/slim/lib/apk/db/installed'"
assert_eq "world keeps the constraints of kept packages only" "$(cat "$T/slim/etc/apk/world")" \
	"$(printf 'busybox app-tools\nlibx@edge')"
assert_eq "triggers lose the removed package's line" "$(cat "$T/slim/lib/apk/db/triggers")" \
	"Q1bbbbbbbbbbbbbbbbbbbbbbbbbbbb= /bin"
check "scripts.tar and /etc/apk/arch are kept" test -s "$T/slim/lib/apk/db/scripts.tar" -a -s "$T/slim/etc/apk/arch"
# busybox is kept in part: the entrypoint's sh runs cat as a built-in applet, echo and sleep never run.
check "the report: manager apk, libx whole, busybox (2 of 5) and app-tools (2 of 4) in part, 2 removed" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["packages"]
ok = p["manager"] == "apk" and p["database"] == "/lib/apk/db/installed" and [x["name"] for x in p["whole"]] == ["libx"] \
    and sorted((x["name"], x["files"], x["kept"]) for x in p["partial"]) == [("app-tools", 4, 2), ("busybox", 5, 2)] \
    and sorted(x["name"] for x in p["removed"]) == ["alpine-base", "docs-pkg"] and p["bytes"]["written"] > 0
sys.exit(not ok)' "$T/r.json"

if need_sbom_validators; then
	"$PARE" build -q "$T/app.tar" -o "$T/slim2.tar" --sbom "$T/sbom.cdx.json" --sbom-format cyclonedx-json 2>"$T/err2"
	assert_eq "pare build --sbom-format cyclonedx-json" "$?" 0
	check "the SPDX document validates" validate spdx "$T/sbom.spdx.json"
	check "the CycloneDX document validates" validate cdx "$T/sbom.cdx.json"
	check "the SBOM lists the kept apk packages with apk purls and SPDX licences" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
pk = {p["name"]: p for p in d["packages"] if any(r.get("referenceType") == "purl" and r["referenceLocator"].startswith("pkg:apk/") for r in p.get("externalRefs", []))}
purl = lambda p: [r["referenceLocator"] for r in p["externalRefs"] if r["referenceType"] == "purl"][0]
ok = sorted(pk) == ["app-tools", "busybox", "libx"] \
    and purl(pk["busybox"]) == "pkg:apk/alpine/busybox@1.36.1-r5?arch=x86_64&distro=alpine-3.19.0" \
    and pk["busybox"]["licenseDeclared"] == "GPL-2.0-only" and pk["libx"]["licenseDeclared"] == "MIT OR Apache-2.0"
sys.exit(not ok)' "$T/sbom.spdx.json"
fi

if need_dockerd; then
	t_cleanup_add "docker rmi -f '$tag' '$tag-slim' >/dev/null 2>&1"
	docker load -i "$T/app.tar" >/dev/null && docker load -i "$T/slim.tar" >/dev/null
	want=$(docker run --rm --pull never "$tag" 2>&1)
	got=$(docker run --rm --pull never "$tag-slim" 2>&1)
	assert_eq "the slim image answers under docker as the original" "$got" "$want"
	check "  (and the original answers what the entrypoint prints)" test "$want" = "$(printf 'used-tool ran\napp data\nnot really a library')"
fi
t_done
