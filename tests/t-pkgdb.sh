#!/usr/bin/env bash
# The slim image's dpkg database (doc/MINIFIER.md, "Package database"): for each sample, pare build's
# slim rootfs is walked against its status file (tests/pkgdb-walk.py: every listed package has a
# file left, every kept file a package of the fat image owned belongs to a listed package), the
# host's dpkg reads it (dpkg -l lists as many packages as the status, dpkg -S finds the entrypoint's
# package, dpkg --verify reports nothing), partial packages carry Pare-Partial, the report lists
# the packages, and the bytes the database adds (against --package-db=off) stay under 300 KB.
. "$(dirname "$0")/lib.sh"
. "$ROOT/samples/lib.sh"
command -v dpkg >/dev/null || { not_ok "the host has dpkg" "dpkg missing"; t_done; }

if [ -n "${PARE_TEST_SAMPLES:-}" ]; then
	read -ra samples <<<"$PARE_TEST_SAMPLES"
else
	samples=(flask nginx node python-http fat-dev)
fi

layer_bytes() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sizes"]["layer_bytes"])' "$1"; }

for name in "${samples[@]}"; do
	sample_fat "$name" || continue
	sample_options "$name"
	s="$T/$name.slim.tar" r="$T/$name.root"
	if ! "$PARE" build "$fat" -o "$s" --report "$T/$name.json" "${SAMPLE_OPTIONS[@]}" >"$T/$name.log" 2>&1; then
		not_ok "$name: pare build" "$(tail -5 "$T/$name.log")"
		continue
	fi
	ok "$name: pare build"
	check "$name: the summary line counts the packages" grep -q '^pare: packages (dpkg): [0-9]* kept whole, [0-9]* in part, [0-9]* removed' "$T/$name.log"
	unpack_layer0 "$s" "$r" || { not_ok "$name: slim layer unpacks"; continue; }
	check_dpkg_truth "$name" "$r" "$fat"
	# The first kept regular file under /usr/bin or /usr/sbin that a package owns: dpkg -S finds it.
	prog=$(cd "$r" && find usr/sbin usr/bin -type f 2>/dev/null | sort | while read -r f; do
		dpkg --root="$r" -S "/$f" >/dev/null 2>&1 && { echo "/$f"; break; }; done)
	if [ -n "$prog" ]; then
		owner=$(dpkg --root="$r" -S "$prog" | cut -d: -f1)
		check "$name: dpkg -S $prog names a listed package ($owner)" grep -qx "Package: $owner" "$r/var/lib/dpkg/status"
	else
		skip "$name: dpkg -S of a kept program" "no package-owned file under /usr/bin or /usr/sbin"
	fi
	partial=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["packages"]["partial"]))' "$T/$name.json")
	assert_eq "$name: every partial package of the report carries Pare-Partial" \
		"$(grep -c '^Pare-Partial: [0-9]*/[0-9]* files$' "$r/var/lib/dpkg/status")" "$partial"
	check "$name: the report's removed packages are not in the status" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["packages"]
st = open(sys.argv[2]).read().split("\n")
names = {l[9:] for l in st if l.startswith("Package: ")}
sys.exit(1 if any(p["name"] in names for p in r["removed"]) or not r["removed"] else 0)' "$T/$name.json" "$r/var/lib/dpkg/status"
	# Bytes added: the same build without the database.
	if "$PARE" build "$fat" -o "$T/$name.off.tar" --report "$T/$name.off.json" --package-db=off --quiet "${SAMPLE_OPTIONS[@]}" >/dev/null 2>&1; then
		on=$(layer_bytes "$T/$name.json") off=$(layer_bytes "$T/$name.off.json")
		added=$((on - off))
		echo "# $name: layer $on bytes, $off without the package database: $added added"
		check "$name: the package database adds $added bytes (< 300 KB)" test "$added" -lt 307200
		rm -f "$T/$name.off.tar"
	else
		not_ok "$name: pare build --package-db=off"
	fi
	rm -rf "$r" "$s"
done
t_done
