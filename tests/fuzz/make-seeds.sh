#!/usr/bin/env bash
# Writes the seed corpus of every fuzz target into OUTDIR/<parser>/ (default tests/fuzz/corpus):
# small, deterministic inputs generated here rather than checked-in blobs. Regression inputs for crashes
# found by fuzzing are added here too, as printf strings, with the crash they reproduce.
# Usage: tests/fuzz/make-seeds.sh [OUTDIR]
set -eu
cd "$(dirname "$0")/../.."
out=${1:-tests/fuzz/corpus}
rm -rf "$out"
mkdir -p "$out"

seed() { # PARSER NAME: content on stdin
	mkdir -p "$out/$1"
	cat >"$out/$1/$2"
}

links() {
	seed links basic.html <<'X'
<!DOCTYPE html>
<html><head><title>t</title><base href="/app/">
<link rel="stylesheet" href="/static/site.css"><script src="js/app.js"></script>
<style>@import "print.css"; body { background: url('/img/bg.png') }</style></head>
<body><a href="page2.html?x=1&amp;y=2#frag">next</a> <a href="mailto:x@y">m</a>
<img src=logo.png srcset="logo-2x.png 2x, logo-3x.png 3x"><video poster="p.jpg"></video>
<div style="background-image:url(&quot;/img/d.png&quot;)"></div>
<!-- <a href="/commented"> --><a href='javascript:void(0)'>j</a><a href="http://other.example/">o</a>
</body></html>
X
	seed links site.css <<'X'
/* comment url(/no) */
@import url("base.css");
@font-face { font-family: f; src: url(/fonts/f.woff2) format("woff2"), url('/fonts/f.woff'); }
.a { background: URL( "/i/a.png" ) } .b { background: url(data:image/gif;base64,R0lGOD) }
X
	printf '<a href="/caf&#233;&#x41;&#0;&#1114112;&amp&unknown;">' | seed links entities.html
	printf '<a href="/unterminated' | seed links truncated.html
	printf '<!--<a href=/x' | seed links comment.html
	printf '<a\thref\n=\n/tabbed >\x00<IMG SRC=/upper.png>' | seed links binary.html
}

# A synthetic ELF file from Python's struct: any class and byte order, PT_INTERP, PT_DYNAMIC with
# DT_NEEDED/DT_RUNPATH/DT_RPATH/DT_SONAME/DT_FLAGS_1 (no toolchain needed for 32-bit or big-endian).
elf_synth() { # NAME CLASS(32|64) ORDER(<|>) MACHINE
	python3 - "$out/elf/$1" "$2" "$3" "$4" <<'PY'
import struct, sys
path, bits, order, machine = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
w = "I" if bits == 32 else "Q"
ehsize, phsize = (52, 32) if bits == 32 else (64, 56)
interp = b"/lib/ld-linux.so.2\0"
strtab = b"\0libc.so.6\0libfoo.so.1\0$ORIGIN/../lib:/opt/lib\0libself.so\0/old/rpath\0"
off_interp = ehsize + 3 * phsize
off_str = off_interp + len(interp)
at = lambda name: strtab.index(name.encode() + b"\0")
dyn = [(1, at("libc.so.6")), (1, at("libfoo.so.1")), (29, at("$ORIGIN/../lib:/opt/lib")), (14, at("libself.so")),
       (15, at("/old/rpath")), (5, off_str), (10, len(strtab)), (0x6ffffffb, 0x800), (0, 0)]
off_dyn = (off_str + len(strtab) + 7) & ~7
dynb = b"".join(struct.pack(order + w + w, t, v) for t, v in dyn)
size = off_dyn + len(dynb)
def ph(t, off, sz):
    if bits == 32:
        return struct.pack(order + "8I", t, off, off, off, sz, sz, 5, 4)
    return struct.pack(order + "2I6Q", t, 5, off, off, off, sz, sz, 8)
ident = b"\x7fELF" + bytes([1 if bits == 32 else 2, 1 if order == "<" else 2, 1, 0]) + b"\0" * 8
if bits == 32:
    eh = ident + struct.pack(order + "2H5I6H", 3, machine, 1, 0, ehsize, 0, 0, ehsize, phsize, 3, 40, 0, 0)
else:
    eh = ident + struct.pack(order + "2HI3QI6H", 3, machine, 1, 0, ehsize, 0, 0, ehsize, phsize, 3, 64, 0, 0)
body = eh + ph(3, off_interp, len(interp)) + ph(1, 0, size) + ph(2, off_dyn, len(dynb)) + interp + strtab
body += b"\0" * (off_dyn - len(body)) + dynb
open(path, "wb").write(body)
PY
}

elf() {
	mkdir -p "$out/elf"
	elf_synth synth64le 64 '<' 62
	elf_synth synth32le 32 '<' 3
	elf_synth synth64be 64 '>' 22
	elf_synth synth32be 32 '>' 8
	printf '\177ELF\002\001\001' | seed elf truncated-ident
	head -c 100 "$out/elf/synth64le" | seed elf truncated-phdrs
	if command -v cc >/dev/null; then
		local tmp
		tmp=$(mktemp -d)
		printf 'int main(void) { return 0; }\n' >"$tmp/dyn.c"
		printf 'void _start(void) { for (;;) ; }\n' >"$tmp/static.c"
		cc -Os -s -Wl,--build-id=none -Wl,-rpath,'$ORIGIN/../lib' -o "$out/elf/cc-dynamic" "$tmp/dyn.c" -lm 2>/dev/null || true
		cc -Os -s -static -nostdlib -Wl,--build-id=none -o "$out/elf/cc-static" "$tmp/static.c" 2>/dev/null || true
		cc -Os -s -shared -fPIC -Wl,--build-id=none -Wl,-soname,libseed.so.1 -Wl,--enable-new-dtags \
			-Wl,-rpath,/opt/seed -o "$out/elf/cc-shared" "$tmp/dyn.c" 2>/dev/null || true
		rm -rf "$tmp"
	fi
}

# Real caches from ldconfig over a tiny root (new, old and compat formats, a glibc-hwcaps entry),
# and hand-made broken ones.
ldcache() {
	mkdir -p "$out/ldcache"
	local root libdir
	root=$(mktemp -d)
	libdir=$(dirname "$(readlink -f /lib/x86_64-linux-gnu/libc.so.6 2>/dev/null || echo /lib/libc.so.6)")
	mkdir -p "$root/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3" "$root/etc" "$root/opt/lib"
	for l in libdl.so.2 librt.so.1; do cp -L "$libdir/$l" "$root/lib/x86_64-linux-gnu/" 2>/dev/null || true; done
	cp -L "$libdir/libutil.so.1" "$root/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/" 2>/dev/null || true
	cp -L "$libdir/libanl.so.1" "$root/opt/lib/" 2>/dev/null || true
	echo /opt/lib >"$root/etc/ld.so.conf"
	for f in new old compat; do
		ldconfig -r "$root" -C /cache -c $f 2>/dev/null && cp "$root/cache" "$out/ldcache/ldconfig-$f" || true
	done
	rm -rf "$root"
	printf 'glibc-ld.so.cache1.1\001\000\000\000' | seed ldcache truncated-new
	printf 'ld.so-1.7.0\000\377\377\377\377' | seed ldcache huge-count-old
	# A new-format cache whose one entry points past the end.
	python3 -c 'import struct,sys; sys.stdout.buffer.write(b"glibc-ld.so.cache1.1" + struct.pack("<IIB3xI12x", 1, 0, 2, 0) + struct.pack("<iIIIQ", 0x303, 9999, 72, 0, 0) + b"x\0")' | seed ldcache bad-offset
}

shebang() {
	printf '#!/bin/sh\necho hi\n' | seed shebang sh
	printf '#!/usr/bin/env python3\n' | seed shebang env
	printf '#! /usr/bin/env -S python3 -u -X dev\n' | seed shebang env-split
	printf '#!/usr/bin/env -i PATH=/x FOO=bar node --flag\n' | seed shebang env-assign
	printf '#!/bin/bash -e \t \r\n' | seed shebang trailing-space
	printf '#!' | seed shebang empty
	printf '#!   \n' | seed shebang blank
	{ printf '#!/'; head -c 300 /dev/zero | tr '\0' a; printf '\n'; } | seed shebang too-long
	{ printf '#!/bin/sh '; head -c 300 /dev/zero | tr '\0' b; } | seed shebang long-arg
	printf '\177ELF' | seed shebang not-script
}

pyscan() {
	seed pyscan module.py <<'X'
"""Docstring: import not_this"""
from __future__ import annotations
import os, sys as system, xml.dom.minidom
from . import sibling ; from .. import parent
from .pkg.sub import (a, b as c,
    d)
try: import fast
except ImportError: from slow import *
if TYPE_CHECKING:
    import typing_only
class K:
    import in_class
    def m(self):
        import in_method
async def f():
    import in_async
x = "import in_string"; import after_string
s = '''
import in_triple
'''
import \
    continued
if __name__ == "__main__":
    import main_only
X
	printf 'import a\r\nimport b\rimport c\n\tdef f():\n\timport d\n\x00import e' | seed pyscan crlf-tab-nul
	printf 'x = """unterminated\nimport hidden\n' | seed pyscan unterminated
	printf 'from . import\nfrom import x\nimport\nimport .x\nfrom ...... import y\nimport a..b' | seed pyscan broken
	printf 'import caf\xc3\xa9, \xff\xfe\nfrom \xe6\xbc\xa2 import \xe5\xad\x97' | seed pyscan utf8
}

# Layer tars from Python's tarfile: every entry type, whiteouts, opaque directories, hardlinks,
# symlinks, xattrs (file capabilities), odd names.
layer_tar() { # OUTFILE SPEC (a Python list of (name, type, extra) tuples evaluated below)
	python3 - "$1" "$2" <<'PY'
import io, sys, tarfile
out, spec = sys.argv[1], eval(sys.argv[2])
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    for name, kind, extra in spec:
        ti = tarfile.TarInfo(name)
        ti.mtime = 1700000000
        data = b""
        if kind == "f":
            data = extra.encode() if isinstance(extra, str) else b""
            ti.size = len(data)
            ti.mode = 0o644
        elif kind == "x":  # executable with a file capability and a setuid bit
            data = b"#!/bin/sh\n"
            ti.size = len(data)
            ti.mode = 0o4755
            ti.pax_headers = {"SCHILY.xattr.security.capability": "\x01\x00\x00\x02\x00\x04\x00\x00"}
        elif kind == "d":
            ti.type, ti.mode = tarfile.DIRTYPE, 0o755
        elif kind == "l":
            ti.type, ti.linkname = tarfile.SYMTYPE, extra
        elif kind == "h":
            ti.type, ti.linkname = tarfile.LNKTYPE, extra
        elif kind == "c":
            ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 1, 3
        elif kind == "p":
            ti.type = tarfile.FIFOTYPE
        t.addfile(ti, io.BytesIO(data) if data else None)
data = buf.getvalue().rstrip(b"\\0")  # drop the record padding: two zero blocks end the archive
data += b"\\0" * (-len(data) % 512 + 1024)
open(out, "wb").write(data)
PY
}

layer_index() {
	mkdir -p "$out/layer_index"
	local d=$out/layer_index
	layer_tar "$d/base" '[("bin", "l", "usr/bin"), ("usr/", "d", 0), ("usr/bin/", "d", 0),
		("usr/bin/busybox", "x", 0), ("usr/bin/sh", "h", "usr/bin/busybox"), ("etc/passwd", "f", "root:x:0:0::/root:/bin/sh\n"),
		("tmp", "d", 0), ("dev/null", "c", 0), ("run/fifo", "p", 0), ("lib64", "l", "/lib"), ("loop", "l", "loop")]'
	layer_tar "$d/.l2" '[("etc/.wh.passwd", "f", ""), ("usr/bin/.wh..wh..opq", "f", ""), ("usr/bin/new", "f", "n"),
		("bin", "d", 0), ("etc/passwd/x", "f", "type change"), ("usr/bin/sh2", "h", "usr/bin/new")]'
	layer_tar "$d/escape" '[("./../escape", "f", "x")]'
	layer_tar "$d/whiteout-dots" '[(".wh...", "f", "")]'
	layer_tar "$d/whiteout-empty" '[("etc/.wh.", "f", "")]'
	layer_tar "$d/hardlink-missing" '[("h", "h", "missing")]'
	layer_tar "$d/.l3" '[("/abs/file", "f", "y"), ("a/b/../../c", "f", "z"), ("dup", "f", "1"), ("dup", "f", "2"),
		("caf\xe9", "f", ""), ("x/" + "d/" * 300 + "deep", "f", "")]'
	{ cat "$d/base"; printf PARELAYR; cat "$d/.l2"; } >"$d/two-layers"
	{ cat "$d/base"; printf PARELAYR; cat "$d/.l2"; printf PARELAYR; cat "$d/.l3"; } >"$d/three-layers"
	cp "$d/.l3" "$d/odd-names"
	gzip -9n <"$d/base" >"$d/gzip"
	head -c 1000 "$d/base" >"$d/truncated"
	rm -f "$d/.l2" "$d/.l3"
}

# Whole archives in the text format of fuzz_image.h ({{d:K}} etc. are filled in by the harness).
image() {
	mkdir -p "$out/image"
	local tmp config layer
	tmp=$(mktemp -d)
	layer_tar "$tmp/layer" '[("bin", "l", "usr/bin"), ("usr/bin/sh", "x", 0), ("etc/passwd", "f", "root:x:0:0::/root:/bin/sh\n")]'
	config='{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/bin/sh"],"Cmd":["-c","true"],"Env":["PATH=/usr/bin:/bin"],"ExposedPorts":{"80/tcp":{}},"User":"0","WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["{{d:l}}"]},"history":[{"created_by":"fuzz"}]}'
	{
		printf '== - manifest.json\n[{"Config":"{{h:c}}.json","RepoTags":["fuzz:latest"],"Layers":["{{h:l}}/layer.tar"]}]\n'
		printf '== c {{h:c}}.json\n%s\n' "$config"
		printf '== l {{h:l}}/layer.tar\n'; cat "$tmp/layer"
	} >"$out/image/docker-classic"
	{
		printf '== - oci-layout\n{"imageLayoutVersion":"1.0.0"}\n'
		printf '== - index.json\n{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{d:m}}","size":{{s:m}},"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}\n'
		printf '== m blobs/sha256/{{h:m}}\n{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{d:c}}","size":{{s:c}}},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{{d:l}}","size":{{s:l}}}]}\n'
		printf '== c blobs/sha256/{{h:c}}\n%s\n' "$config"
		printf '== l blobs/sha256/{{h:l}}\n'; cat "$tmp/layer"
	} >"$out/image/oci"
	{
		printf '== - oci-layout\n{"imageLayoutVersion":"1.0.0"}\n'
		printf '== - index.json\n{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{{d:i}}","size":{{s:i}}}]}\n'
		printf '== i blobs/sha256/{{h:i}}\n{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{d:a}}","size":{{s:a}},"platform":{"architecture":"arm64","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{d:m}}","size":{{s:m}},"platform":{"architecture":"amd64","os":"linux"}}]}\n'
		printf '== a blobs/sha256/{{h:a}}\n{"schemaVersion":2}\n'
		printf '== m blobs/sha256/{{h:m}}\n{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{d:c}}","size":{{s:c}}},"layers":[]}\n'
		printf '== c blobs/sha256/{{h:c}}\n{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}\n'
	} >"$out/image/oci-nested-index"
	# Broken ones: a manifest that is not an object, wrong types, missing blobs.
	{
		printf '== - index.json\n{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{d:m}}","size":{{s:m}}}]}\n'
		printf '== m blobs/sha256/{{h:m}}\n[1,2,3]\n'
	} >"$out/image/oci-manifest-array"
	{
		printf '== - index.json\n{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{d:m}}","size":{{s:m}}}]}\n'
		printf '== m blobs/sha256/{{h:m}}\n{"config":{"digest":"sha256:00","size":"x"},"layers":{}}\n'
	} >"$out/image/oci-bad-config-descriptor"
	printf '== - manifest.json\n[{"Config":"c.json","Layers":["missing.tar"]}]\n== - c.json\n{"rootfs":{"diff_ids":[1]},"config":[]}\n' >"$out/image/docker-broken"
	printf '== - manifest.json\n[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n' >"$out/image/deep-json"
	rm -rf "$tmp"
}

# Dockerfiles: the lint corpus, the samples' Dockerfiles and the parser's corner cases.
dockerfile() {
	local f n
	mkdir -p "$out/dockerfile"
	for f in tests/lint/*/*/Dockerfile samples/*/Dockerfile; do
		n=${f#tests/lint/}
		n=${n#samples/}
		cp "$f" "$out/dockerfile/${n//\//_}"
	done
	printf '# escape=`\nARG B=debian\nFROM ${B:-x}:12 AS a\nRUN echo `\n# c\n  hi\nFROM a\n' | seed dockerfile escape
	printf 'FROM x\nRUN <<A <<-"B"\na\nA\n\tb\n\tB\nCOPY <<C /c\nC\n' | seed dockerfile heredocs
	printf 'FROM x\nRUN <<EOF\nunterminated\n' | seed dockerfile heredoc-open
	printf 'FROM x\nRUN ["pip","install"]\nCMD ["a", 1]\nENTRYPOINT [\n' | seed dockerfile json
	printf 'FROM x\r\nENV A=1 B="2 3" TOKEN=x\r\nARG SECRET\r\nADD a b http://x/y /\r\nUSER 0\r\n' | seed dockerfile crlf
	printf 'FROM\nFROM a AS\n' | seed dockerfile from-broken
	printf 'FROM a\nRUN x \\' | seed dockerfile trailing-escape
}

slim_report() {
	seed slim_report report.json <<'X'
{"image": "app.tar", "totals": {"kept_files": 1, "kept_bytes": 10, "removed_files": 2, "removed_bytes": 30},
 "kept": [{"path": "/app", "type": "file", "size": 10, "reason": "traced"}],
 "removed": [{"path": "/usr/share/doc/x", "type": "file", "size": 20}, {"path": "/tmp", "type": "dir"}], "warnings": []}
X
	printf '{"totals": {"kept_files": -1}, "removed": []}' | seed slim_report negative
	printf '{"totals": {"kept_files": 0, "kept_bytes": 0, "removed_files": 0, "removed_bytes": 0}, "removed": [{"path": "rel"}, 3]}' | seed slim_report relative
	printf '{"removed": [{"path": "/a\u0000b"}], "totals": {}}' | seed slim_report nul
	printf '{"a": 1, "a": 2}' | seed slim_report duplicate
}

dockerfile
slim_report
links
elf
ldcache
shebang
pyscan
layer_index
image
# Regression input for every parser: the empty input (image: UBSan "null pointer passed to qsort" in
# image/source.c for an archive without members, found by fuzz_image).
for d in "$out"/*/; do : >"$d/empty"; done
