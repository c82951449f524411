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

links
