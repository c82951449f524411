#!/usr/bin/env bash
# pare xray's findings on every sample's image (samples/NAME, whose samples/NAME/Dockerfile is the
# recipe written as a Dockerfile): which findings, their techniques, the score as doc/XRAY.md defines
# it, --fail-on; and --slim-report with the report of a real `pare build` of static-go-like.
. "$(dirname "$0")/lib.sh"
. "$ROOT/samples/lib.sh"

# What each sample's image should show: id:severity:technique, sorted. Every sample is a Debian
# minbase (a base layer over 20 MiB with docs, man pages and translations, su and mount setuid); the
# recipes differ in build tools (fat-dev) and USER (shell-entrypoint and static-go-like set one).
base="base-size:info:smaller-base docs:info:smaller-base locales:info:smaller-base man-pages:info:smaller-base"
declare -A want_sample=(
	[fat-dev]="$base binutils:warning:multi-stage cmake:warning:multi-stage gcc:warning:multi-stage git:warning:multi-stage headers:warning:multi-stage make:warning:multi-stage root:warning:non-root setuid:info:scan static-libs:warning:multi-stage unpinned-base:info:pin-base"
	[flask]="$base root:warning:non-root setuid:info:scan unpinned-base:info:pin-base"
	[nginx]="$base headers:warning:multi-stage root:warning:non-root setuid:info:scan unpinned-base:info:pin-base"
	[node]="$base root:warning:non-root setuid:info:scan unpinned-base:info:pin-base"
	[python-http]="$base root:warning:non-root setuid:info:scan unpinned-base:info:pin-base"
	[shell-entrypoint]="$base setuid:info:scan unpinned-base:info:pin-base"
	[static-go-like]="$base setuid:info:scan unpinned-base:info:pin-base"
)
# Checks on one report, one python3 run: the findings as above, then the score recomputed from the
# report's own numbers (floor(100 * (total - saves) / total)), saves at least the biggest finding's,
# every size finding's bytes within the image.
summarise() {
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ids = sorted("%s:%s:%s" % (f["id"], f["severity"], (f["technique"] or {}).get("id")) for f in d["flags"])
s = d["score"]
ok = (s["value"] == (100 * (s["total_bytes"] - s["saves_bytes"]) // s["total_bytes"])
      and s["saves_bytes"] >= max([f["saves_bytes"] or 0 for f in d["flags"]] + [0])
      and s["total_bytes"] == d["totals"]["bytes"] + d["totals"]["wasted_bytes"]
      and all(f["saves_bytes"] is None or f["saves_bytes"] <= s["total_bytes"] for f in d["flags"]))
print(" ".join(sorted(ids, key=lambda x: x.split(":")[0])))
print("score consistent" if ok else "score inconsistent: %r" % s)
PY
}

mapfile -t samples < <("$ROOT/samples/build.sh" --list)
for s in "${samples[@]}"; do
	fat=$("$ROOT/samples/build.sh" "$s" 2>"$T/$s.build.log") || {
		not_ok "sample $s builds" "$(tail -3 "$T/$s.build.log")"
		continue
	}
	check "xray --json sample $s" sh -c '"$0" xray "$1" --json >"$2"' "$PARE" "$fat" "$T/$s.json" || continue
	mapfile -t got < <(summarise "$T/$s.json")
	want=$(tr ' ' '\n' <<<"${want_sample[$s]:-missing}" | sort -t: -k1,1 | paste -sd' ')
	assert_eq "sample $s: findings" "${got[0]-}" "$want"
	assert_eq "sample $s: score" "${got[1]-}" "score consistent"
	# --fail-on warning fails exactly where a warning is expected.
	case " ${want_sample[$s]} " in *:warning:*) st=1 ;; *) st=0 ;; esac
	check_status "sample $s: --fail-on warning" "$st" "$PARE" xray "$fat" --fail-on warning
done

# --slim-report with a real build report: static-go-like slims to its binary (doc/MINIFIER.md).
s=static-go-like
if fat=$("$ROOT/samples/build.sh" "$s" 2>/dev/null); then
	sample_options "$s"
	check "pare build $s --report" "$PARE" build "$fat" -o "$T/slim.tar" --quiet --report "$T/report.json" \
		"${SAMPLE_OPTIONS[@]}"
	check "xray --slim-report (real report)" sh -c '"$0" xray "$1" --json --slim-report "$2" >"$3"' \
		"$PARE" "$fat" "$T/report.json" "$T/slim.json"
	got=$(python3 - "$T/slim.json" "$T/report.json" <<'PY'
import json, sys
d, rep = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
f = {x["id"]: x for x in d["flags"]}
# The report's own removed regular files, hardlinks being distinct paths there: xray counts content
# once, so it may be lower, never higher; the build removes every doc, man page and translation
# (nothing in the server reads them), and all of those are in the findings' share.
rem = sum(e.get("size", 0) for e in rep["removed"] if e["type"] == "file")
print(d["slim"]["removed_bytes"] <= rem and d["slim"]["removed_bytes"] > 0.9 * rem,
      all(f[i]["slim_bytes"] == f[i]["saves_bytes"] for i in ("docs", "man-pages", "locales")),
      d["slim"]["in_findings_bytes"] >= f["docs"]["saves_bytes"] + f["man-pages"]["saves_bytes"],
      0 < f["base-size"]["slim_bytes"] <= f["base-size"]["bytes"])
PY
	)
	assert_eq "slim report: removed bytes match the report, docs/man/locales all removed, base mostly" \
		"$got" "True True True True"
	"$PARE" xray "$fat" --slim-report "$T/report.json" >"$T/slim.txt"
	if grep -q "^Slim        pare build removes" "$T/slim.txt"; then ok "slim line in text"; else not_ok "slim line in text"; fi
else
	not_ok "sample $s builds"
fi
t_done
