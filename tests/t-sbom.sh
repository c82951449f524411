#!/usr/bin/env bash
# pare build --sbom (doc/SBOM.md): for nginx, flask and fat-dev, the SPDX 2.3 and CycloneDX 1.5 documents
# validate against their published JSON schemas (ajv-cli; CycloneDX's schemas from the npm package
# @cyclonedx/cyclonedx-library, SPDX's from tests/schemas/, the spdx-spec 2.3 schema) and a corrupted
# copy does not; the SBOM's dpkg packages are the slim status file's; file SHA-256s match the slim
# rootfs; flask's Python distributions keep their metadata; dpkg --verify reports nothing; the sizes
# the SBOM and the kept metadata add are printed.
. "$(dirname "$0")/lib.sh"
. "$ROOT/samples/lib.sh"
need_sbom_validators || t_done

if [ -n "${PARE_TEST_SAMPLES:-}" ]; then read -ra samples <<<"$PARE_TEST_SAMPLES"; else samples=(nginx flask fat-dev); fi
for name in "${samples[@]}"; do
	sample_fat "$name" || continue
	sample_options "$name"
	s="$T/$name.slim.tar" r="$T/$name.root"
	start=$(date +%s.%N)
	if ! "$PARE" build "$fat" -o "$s" --report "$T/$name.json" --sbom "$T/$name.spdx.json" "${SAMPLE_OPTIONS[@]}" >"$T/$name.log" 2>&1; then
		not_ok "$name: pare build --sbom" "$(tail -5 "$T/$name.log")"
		continue
	fi
	ok "$name: pare build --sbom ($(grep '^pare: sbom' "$T/$name.log"))"
	if ! "$PARE" build "$fat" -o "$T/$name.2.tar" --sbom "$T/$name.cdx.json" --sbom-format cyclonedx-json --quiet "${SAMPLE_OPTIONS[@]}" >"$T/$name.2.log" 2>&1; then
		not_ok "$name: pare build --sbom-format cyclonedx-json" "$(tail -5 "$T/$name.2.log")"
		continue
	fi
	rm -f "$T/$name.2.tar"
	check "$name: the SPDX document validates against the SPDX 2.3 schema" validate spdx "$T/$name.spdx.json"
	check "$name: the CycloneDX document validates against the CycloneDX 1.5 schema" validate cdx "$T/$name.cdx.json"
	# Negative: a package without its SPDXID, a component with an unknown type.
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["packages"][1]["SPDXID"]; json.dump(d, open(sys.argv[2],"w"))' "$T/$name.spdx.json" "$T/bad.spdx.json"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["components"][0]["type"]="gadget"; json.dump(d, open(sys.argv[2],"w"))' "$T/$name.cdx.json" "$T/bad.cdx.json"
	check "$name: a corrupted SPDX copy fails validation" invalid spdx "$T/bad.spdx.json"
	check "$name: a corrupted CycloneDX copy fails validation" invalid cdx "$T/bad.cdx.json"
	unpack_layer0 "$s" "$r" || { not_ok "$name: slim layer unpacks"; continue; }
	check "$name: the SBOM's deb packages are the slim status file's, and its digests the image's" python3 - "$T/$name.spdx.json" "$T/$name.cdx.json" "$r" "$T/$name.json" <<'PY'
import json, sys, re
spdx, cdx, root, rep = (json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], json.load(open(sys.argv[4])))
st = open(root + "/var/lib/dpkg/status").read()
status = {(m.group(1)) for m in re.finditer(r"^Package: (\S+)$", st, re.M)}
deb = {p["name"] for p in spdx["packages"] if p["externalRefs"][0]["referenceLocator"].startswith("pkg:deb/")}
cdeb = {c["name"] for c in cdx["components"] if c["purl"].startswith("pkg:deb/")}
assert deb == status, (deb ^ status)
assert cdeb == status, (cdeb ^ status)
img = spdx["packages"][0]
assert img["checksums"][0]["checksumValue"] == cdx["metadata"]["component"]["hashes"][0]["content"]
assert rep["image_id"] in img["comment"], img["comment"]
PY
	check "$name: file SHA-256s match the slim rootfs (every 7th file)" python3 - "$T/$name.spdx.json" "$r" <<'PY'
import json, sys, hashlib
d, root = json.load(open(sys.argv[1])), sys.argv[2]
files = d["files"]
assert files
for f in files[::7]:
    want = [c["checksumValue"] for c in f["checksums"] if c["algorithm"] == "SHA256"][0]
    got = hashlib.sha256(open(root + f["fileName"], "rb").read()).hexdigest()
    assert got == want, f["fileName"]
PY
	dpkg --root="$r" --verify >"$T/$name.verify" 2>&1
	check "$name: dpkg --verify of the slim rootfs reports nothing" test ! -s "$T/$name.verify"
	if [ "$name" = flask ]; then
		check "flask: the dist-info/egg-info of flask, werkzeug, jinja2, click are kept and listed as pypi packages" python3 - "$T/$name.spdx.json" "$r" <<'PY'
import json, sys, glob, os
d, root = json.load(open(sys.argv[1])), sys.argv[2]
pypi = {p["externalRefs"][0]["referenceLocator"].split("/")[1].split("@")[0] for p in d["packages"] if p["externalRefs"][0]["referenceLocator"].startswith("pkg:pypi/")}
metas = glob.glob(root + "/usr/lib/python3/dist-packages/*.egg-info") + glob.glob(root + "/usr/lib/python3/dist-packages/*.dist-info")
names = {os.path.basename(m).split("-")[0].lower() for m in metas}
for n in ("flask", "werkzeug", "jinja2", "click"):
    assert n in pypi and n in names, (n, pypi, names)
assert names == pypi, (names, pypi)
PY
	fi
	meta=$(python3 -c 'import json,sys; print(sum(k.get("size",0) for k in json.load(open(sys.argv[1]))["kept"] if k["reason"]=="package-metadata" and k["type"]=="file"))' "$T/$name.json")
	echo "# $name: SPDX $(stat -c %s "$T/$name.spdx.json") bytes, CycloneDX $(stat -c %s "$T/$name.cdx.json") bytes, kept language metadata $meta bytes; $(grep '^pare: sbom' "$T/$name.log")"
	rm -rf "$r" "$s"
done
t_done
