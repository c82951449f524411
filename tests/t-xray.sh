#!/usr/bin/env bash
# pare xray on images whose content the test controls (tests/mkimage.py): config, history matched to
# layers (empty_layer steps included), totals, wasted bytes, the largest files and the flags, in JSON
# and in text; and usage errors.
. "$(dirname "$0")/lib.sh"

# Image "fat": three layers, history with empty_layer steps between them, caches, a compiler,
# headers, a setuid file, a deleted and an overwritten file, a hardlink, a secret-looking variable.
cat >"$T/fat.json" <<'EOF'
{"format": "docker-archive", "images": [{
  "tags": ["fat:1"],
  "config": {"Entrypoint": ["/bin/app"], "Cmd": ["--serve", "a b"], "WorkingDir": "/srv",
             "Env": ["PATH=/usr/bin:/bin", "DB_PASSWORD=hunter2", "MODE=prod"],
             "ExposedPorts": {"8080/tcp": {}, "53/udp": {}}, "Volumes": {"/data": {}}},
  "history": [
    {"created_by": "ADD rootfs.tar /"},
    {"created_by": "/bin/sh -c #(nop) ENV MODE=prod", "empty_layer": true},
    {"created_by": "RUN rm /big1 && echo > /big2"},
    {"created_by": "/bin/sh -c #(nop) LABEL x=y", "empty_layer": true},
    {"created_by": "RUN |2 API_TOKEN=abc OTHER=1 /bin/sh -c make"},
    {"created_by": "/bin/sh -c #(nop) CMD [\"--serve\"]", "empty_layer": true}
  ],
  "layers": [
    {"entries": [
      {"path": "bin", "type": "dir"},
      {"path": "bin/app", "size": 1000, "mode": "0755"},
      {"path": "bin/app2", "type": "hardlink", "target": "bin/app"},
      {"path": "usr/bin/gcc-12", "size": 5000, "mode": "0755"},
      {"path": "usr/bin/gcc", "type": "symlink", "target": "gcc-12"},
      {"path": "usr/bin/su", "size": 800, "mode": "04755"},
      {"path": "usr/lib/gcc/x86_64-linux-gnu/12/cc1", "size": 20000, "mode": "0755"},
      {"path": "usr/include/stdio.h", "size": 3000},
      {"path": "var/lib/apt/lists/deb.debian.org_Packages", "size": 40000},
      {"path": "var/lib/apt/lists/lock", "size": 0},
      {"path": "var/cache/apt/archives/foo_1.0_amd64.deb", "size": 7000},
      {"path": "root/.cache/pip/http/a/b", "size": 6000},
      {"path": "home/u/.npm/_cacache/index", "size": 2500},
      {"path": "big1", "size": 100000},
      {"path": "big2", "size": 50000},
      {"path": "dev", "type": "dir"},
      {"path": "dev/null", "type": "char", "devmajor": 1, "devminor": 3, "mode": "0666"},
      {"path": "srv", "type": "dir"},
      {"path": "srv/open", "content": "open\n", "mode": "0666"},
      {"path": "usr/bin/ping", "size": 300, "mode": "0755",
       "xattrs": {"security.capability": "hex:0100000200200000000000000000000000000000"}}
    ]},
    {"entries": [
      {"path": "big1", "type": "whiteout"},
      {"path": "big2", "size": 10},
      {"path": "usr/share/doc/app/copyright", "size": 1234}
    ]},
    {"entries": [
      {"path": "etc", "type": "dir"},
      {"path": "etc/passwd", "content": "root:x:0:0::/root:/bin/sh\n"}
    ]}
  ]}]}
EOF
# Image "lean": not root, base pinned by the OCI label, nothing to flag but the base being fine.
cat >"$T/lean.json" <<'EOF'
{"format": "oci-archive", "images": [{
  "tags": ["lean:1"],
  "config": {"Entrypoint": ["/app"], "User": "1000:1000",
             "Labels": {"org.opencontainers.image.base.name": "docker.io/library/debian:12",
                        "org.opencontainers.image.base.digest": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}},
  "layers": [{"entries": [{"path": "app", "size": 4096, "mode": "0755"}]}]}]}
EOF
# Image "latest": base named by a FROM in the history (as buildah records it), by tag only; User root.
cat >"$T/latest.json" <<'EOF'
{"format": "docker", "images": [{
  "tags": ["latest:1"],
  "config": {"Cmd": ["/app"], "User": "root"},
  "history": [{"created_by": "/bin/sh -c #(nop) ADD file:abc in /", "comment": "FROM docker.io/library/alpine:latest"}],
  "layers": [{"entries": [{"path": "app", "size": 10, "mode": "0755"}]}]}]}
EOF
for i in fat lean latest; do
	python3 "$ROOT/tests/mkimage.py" "$T/$i.json" "$T/$i.tar" || { not_ok "mkimage $i"; t_done; }
done

# Assertions on a JSON report, evaluated in one python3 run per report (python starts are slow on a
# busy machine): want DESC EXPR WANTED queues one, check_json FILE runs the queue. EXPR is Python over d.
Q_DESC=() Q_EXPR=() Q_WANT=()
want() { Q_DESC+=("$1"); Q_EXPR+=("$2"); Q_WANT+=("$3"); }
check_json() {
	local got=() i
	mapfile -t got < <(python3 - "$1" "${Q_EXPR[@]}" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    d = None
for e in sys.argv[2:]:
    try:
        v = eval(e)
    except Exception as x:
        v = "error: %r" % x
    print(json.dumps(v) if isinstance(v, (list, dict, bool)) or v is None else str(v).replace("\n", " "))
PY
	)
	for i in "${!Q_EXPR[@]}"; do assert_eq "${Q_DESC[$i]}" "${got[$i]-}" "${Q_WANT[$i]}"; done
	Q_DESC=() Q_EXPR=() Q_WANT=()
}

check "xray --json fat image" sh -c '"$0" xray "$1" --json >"$2"' "$PARE" "$T/fat.tar" "$T/fat.out"
want "the JSON is valid" 'd is not None' "true"
want "format" 'd["image"]["format"]' "docker-archive"
want "entrypoint" 'd["config"]["entrypoint"]' '["/bin/app"]'
want "cmd" 'd["config"]["cmd"]' '["--serve", "a b"]'
want "user empty: root" '[d["config"]["user"], d["config"]["runs_as_root"]]' '[null, true]'
want "workdir" 'd["config"]["workdir"]' "/srv"
want "env count" 'd["config"]["env_count"]' "3"
want "ports sorted" 'd["config"]["ports"]' '["53/udp", "8080/tcp"]'
want "volumes" 'd["config"]["volumes"]' '["/data"]'
want "three layers" 'len(d["layers"])' "3"
want "layers matched to history past empty_layer steps" '[l["created_by"] for l in d["layers"]]' \
	'["ADD rootfs.tar /", "RUN rm /big1 && echo > /big2", "RUN |2 API_TOKEN=abc OTHER=1 /bin/sh -c make"]'
want "history steps point at their layer" '[h["layer"] for h in d["history"]]' '[0, null, 1, null, 2, null]'
# Final filesystem: bin/app (+ hardlink app2), gcc-12, su, ping, cc1, stdio.h, 2 apt lists, .deb, pip,
# npm, big2, srv/open, copyright, passwd = 16 regular paths, 15 distinct contents; dev/null is "other".
want "regular files" 'd["totals"]["files"]' "16"
want "other entries" 'd["totals"]["other"]' "1"
want "hardlinks counted" 'd["totals"]["hardlinks"]' "1"
want "symlinks" 'd["totals"]["symlinks"]' "1"
want_bytes=$((1000 + 5000 + 800 + 300 + 20000 + 3000 + 40000 + 0 + 7000 + 6000 + 2500 + 10 + 5 + 1234 + 26))
want "content bytes (hardlink once)" 'd["totals"]["bytes"]' "$want_bytes"
want "wasted bytes: deleted big1 + overwritten big2" 'd["totals"]["wasted_bytes"]' "150000"
want "wasted files" 'd["totals"]["wasted_files"]' "2"
want "largest files, hardlinks once, biggest first" '[(f["path"], f["size"]) for f in d["largest_files"]][:6]' \
	'[["/var/lib/apt/lists/deb.debian.org_Packages", 40000], ["/usr/lib/gcc/x86_64-linux-gnu/12/cc1", 20000], ["/var/cache/apt/archives/foo_1.0_amd64.deb", 7000], ["/root/.cache/pip/http/a/b", 6000], ["/usr/bin/gcc-12", 5000], ["/usr/include/stdio.h", 3000]]'
want "largest files: 14 with content" 'len(d["largest_files"])' "14"
want "the layer of a largest file" '[f["layer"] for f in d["largest_files"] if f["path"] == "/usr/share/doc/app/copyright"]' '[1]'
F() { echo "[(f[\"bytes\"], f[\"files\"]) for f in d[\"flags\"] if f[\"id\"] == \"$1\"]"; }
want "flag apt-lists" "$(F apt-lists)" '[[40000, 2]]'
want "flag apt-archives" "$(F apt-archives)" '[[7000, 1]]'
want "flag pip-cache" "$(F pip-cache)" '[[6000, 1]]'
want "flag npm-cache" "$(F npm-cache)" '[[2500, 1]]'
want "flag gcc: cc1 and gcc-12" "$(F gcc)" '[[25000, 2]]'
want "flag gcc names what it found" '[f["paths"][:2] for f in d["flags"] if f["id"] == "gcc"]' \
	'[["/usr/bin/gcc", "/usr/bin/gcc-12"]]'
want "flag headers" "$(F headers)" '[[3000, 1]]'
want "flag docs" "$(F docs)" '[[1234, 1]]'
want "flag setuid" '[f["paths"] for f in d["flags"] if f["id"] == "setuid"]' '[["/usr/bin/su"]]'
want "flag wasted" "$(F wasted)" '[[150000, 2]]'
want "flag world-writable: not device nodes" '[f["paths"] for f in d["flags"] if f["id"] == "world-writable"]' '[["/srv/open"]]'
want "flag file-capabilities" '[(f["paths"], f["bytes"]) for f in d["flags"] if f["id"] == "file-capabilities"]' '[[["/usr/bin/ping"], 300]]'
want "flag root" "$(F root)" '[[0, 0]]'
want "flag unpinned-base (nothing recorded)" '[f["detail"][:21] for f in d["flags"] if f["id"] == "unpinned-base"]' \
	'["no base digest record"]'
want "flag secret-env names, never values" '[f["paths"] for f in d["flags"] if f["id"] == "secret-env"]' '[["DB_PASSWORD"]]'
want "flag secret-build-args" '[f["paths"] for f in d["flags"] if f["id"] == "secret-build-args"]' '[["step 4: API_TOKEN"]]'
want "nothing flagged that is absent" \
	'sorted(set(f["id"] for f in d["flags"]) & {"clang","make","cmake","go","rust","jdk","apk-cache","yum-cache","dnf-cache","static-libs","git","man-pages","history-mismatch","debuggers","tmp-files","logs"})' '[]'
check_json "$T/fat.out"
if grep -q hunter2 "$T/fat.out"; then not_ok "secret values never printed"; else ok "secret values never printed"; fi

check "xray text fat image" sh -c '"$0" xray "$1" >"$2"' "$PARE" "$T/fat.tar" "$T/fat.txt"
for want in "Entrypoint  /bin/app" "Cmd         --serve 'a b'" "User        (not set: root)" "Ports       53/udp, 8080/tcp" \
	"RUN rm /big1 && echo > /big2" "Wasted      146.5 KiB in 2 files" "/var/lib/apt/lists/deb.debian.org_Packages" \
	"apt-lists" "gcc" "unpinned-base"; do
	if grep -qF -- "$want" "$T/fat.txt"; then ok "text shows: $want"; else not_ok "text shows: $want" "$(head -40 "$T/fat.txt")"; fi
done

check "xray --json lean image (options before IMAGE)" sh -c '"$0" xray --json "$1" >"$2"' "$PARE" "$T/lean.tar" "$T/lean.out"
want "lean: user, not root" '[d["config"]["user"], d["config"]["runs_as_root"]]' '["1000:1000", false]'
want "lean: only flags that apply (none)" '[f["id"] for f in d["flags"]]' '[]'
want "lean: one file of 4096 bytes" '[d["totals"]["files"], d["totals"]["bytes"], d["totals"]["wasted_bytes"]]' '[1, 4096, 0]'
want "lean: the layer gets its history step" '[l["created_by"] for l in d["layers"]]' '["mkimage layer 0"]'
check_json "$T/lean.out"

check "xray --json latest image" sh -c '"$0" xray "$1" --json >"$2"' "$PARE" "$T/latest.tar" "$T/latest.out"
want "latest: FROM in history, :latest" '[f["detail"] for f in d["flags"] if f["id"] == "unpinned-base"]' \
	"[\"base 'docker.io/library/alpine:latest' (from the history) is :latest, not a digest\"]"
want "latest: User root is root" '[f["detail"] for f in d["flags"] if f["id"] == "root"]' "[\"User is 'root'\"]"
check_json "$T/latest.out"

check "xray --top 2" sh -c '"$0" xray "$1" --json --top 2 >"$2"' "$PARE" "$T/fat.tar" "$T/top.out"
want "--top 2 lists two" 'len(d["largest_files"])' "2"
check_json "$T/top.out"
check "xray from stdin" sh -c '"$0" xray - --json <"$1" >"$2"' "$PARE" "$T/fat.tar" "$T/stdin.out"
want "stdin gives the same totals" 'd["totals"] == json.load(open(sys.argv[1].replace("stdin", "fat")))["totals"]' "true"
check_json "$T/stdin.out"

# ---- findings: technique, bytes saved, severity, score, --fail-on ----
F2() { echo "[[f[\"severity\"], (f[\"technique\"] or {}).get(\"id\"), f[\"saves_bytes\"]] for f in d[\"flags\"] if f[\"id\"] == \"$1\"]"; }
check "xray --json fat image: findings" sh -c '"$0" xray "$1" --json >"$2"' "$PARE" "$T/fat.tar" "$T/fat.out"
want "build tools -> multi-stage" "$(F2 gcc)" '[["warning", "multi-stage", 25000]]'
want "headers -> multi-stage" "$(F2 headers)" '[["warning", "multi-stage", 3000]]'
want "apt lists -> cache cleanup in the same RUN" "$(F2 apt-lists)" '[["warning", "cache-cleanup", 40000]]'
want "pip cache -> cache cleanup" "$(F2 pip-cache)" '[["warning", "cache-cleanup", 6000]]'
want "npm cache -> cache cleanup" "$(F2 npm-cache)" '[["warning", "cache-cleanup", 2500]]'
want "deleted/overwritten -> layer order" "$(F2 wasted)" '[["warning", "layer-order", 150000]]'
want "root -> non-root, saves nothing" "$(F2 root)" '[["warning", "non-root", 0]]'
want "docs -> smaller base" "$(F2 docs)" '[["info", "smaller-base", 1234]]'
want "secret env is an error" "$(F2 secret-env)" '[["error", "scan", 0]]'
want "unpinned base -> pin-base" "$(F2 unpinned-base)" '[["info", "pin-base", 0]]'
want "every finding has a severity" 'all(f["severity"] in ("error", "warning", "info") for f in d["flags"])' "true"
want "technique names the article" '[f["technique"]["article"] for f in d["flags"] if f["id"] == "gcc"]' '["Technique 1: multi-stage builds"]'
# Score: saved = caches 40000+7000+6000+2500, gcc 25000, headers 3000, docs 1234, wasted 150000 = 234734 of
# the layers' 86875 + 150000 = 236875 bytes: 100 * 2141 / 236875 = 0 (floor).
want "score total: the layers' content" 'd["score"]["total_bytes"]' "236875"
want "score saved bytes: union of findings + wasted" 'd["score"]["saves_bytes"]' "234734"
want "score value" 'd["score"]["value"]' "0"
want "counts by severity" 'd["counts"]' '{"error": 2, "warning": 8, "info": 5}'
want "no slim report: slim null" '[d["slim"], d["flags"][0]["slim_bytes"]]' '[null, null]'
check_json "$T/fat.out"
check_status "no --fail-on: exit 0 with findings" 0 "$PARE" xray "$T/fat.tar"
check_status "--fail-on error with an error finding: 1" 1 "$PARE" xray "$T/fat.tar" --fail-on error
check_status "--fail-on none: 0" 0 "$PARE" xray "$T/fat.tar" --fail-on none
check_status "--fail-on bogus: usage" 2 "$PARE" xray "$T/fat.tar" --fail-on bogus
check_status "lean: --fail-on info passes (no finding)" 0 "$PARE" xray "$T/lean.tar" --fail-on info
check_status "latest: --fail-on warning fails (root)" 1 "$PARE" xray "$T/latest.tar" --fail-on warning
check_status "latest: --fail-on error passes (no error)" 0 "$PARE" xray "$T/latest.tar" --fail-on error --json
check "xray --json lean: score" sh -c '"$0" xray "$1" --json >"$2"' "$PARE" "$T/lean.tar" "$T/lean.out"
want "lean: score 100, nothing saved" '[d["score"]["value"], d["score"]["saves_bytes"], d["score"]["total_bytes"]]' '[100, 0, 4096]'
check_json "$T/lean.out"

# Image "ctx": what a .dockerignore keeps out (.git, node_modules dev packages, __pycache__, .env), a
# base layer of 21 MiB, a file written and removed later; bytecode under /usr is the system's own.
cat >"$T/ctx.json" <<'JSON'
{"format": "docker-archive", "images": [{
  "tags": ["ctx:1"],
  "config": {"Cmd": ["node", "/app/server.js"], "User": "app"},
  "history": [{"created_by": "/bin/sh -c #(nop) ADD file:base in /", "comment": "FROM debian:12"},
              {"created_by": "COPY . /app"}, {"created_by": "RUN rm /app/build.log"}],
  "layers": [
    {"entries": [{"path": "usr/lib/x86_64-linux-gnu/libbig.so", "size": 22020096},
                 {"path": "usr/lib/python3/dist-packages/__pycache__/x.cpython-311.pyc", "size": 900}]},
    {"entries": [
      {"path": "app/server.js", "size": 700},
      {"path": "app/.git/HEAD", "content": "ref: refs/heads/main\n"},
      {"path": "app/.git/objects/pack/p.pack", "size": 30000},
      {"path": "app/node_modules/typescript/lib/tsc.js", "size": 9000},
      {"path": "app/node_modules/@types/node/index.d.ts", "size": 1000},
      {"path": "app/node_modules/express/index.js", "size": 400},
      {"path": "app/__pycache__/util.cpython-311.pyc", "size": 1200},
      {"path": "app/tools/old.pyc", "size": 300},
      {"path": "app/.env", "content": "DB=x\n"},
      {"path": "app/build.log", "size": 5000}]},
    {"entries": [{"path": "app/build.log", "type": "whiteout"}]}
  ]}]}
JSON
python3 "$ROOT/tests/mkimage.py" "$T/ctx.json" "$T/ctx.tar" || { not_ok "mkimage ctx"; t_done; }
check "xray --json ctx image" sh -c '"$0" xray "$1" --json >"$2"' "$PARE" "$T/ctx.tar" "$T/ctx.out"
want ".git -> dockerignore" "$(F2 vcs-metadata)" '[["warning", "dockerignore", 30021]]'
want "node_modules dev packages -> dockerignore (express is not one)" "$(F2 node-dev-deps)" '[["warning", "dockerignore", 10000]]'
want "__pycache__ and *.pyc outside /usr -> dockerignore" "$(F2 pycache)" '[["warning", "dockerignore", 1500]]'
want ".env -> dockerignore, an error" "$(F2 dotenv)" '[["error", "dockerignore", 5]]'
want ".env is not also a secret-files finding" "$(F2 secret-files)" '[]'
want "removed in a later layer -> layer order" "$(F2 wasted)" '[["warning", "layer-order", 5000]]'
want "base of 21 MiB -> smaller base, saving unknown" "$(F2 base-size)" '[["info", "smaller-base", null]]'
want "base-size bytes and FROM" '[[f["bytes"], f["detail"][:32]] for f in d["flags"] if f["id"] == "base-size"]' \
	'[[22020996, "the first layer (FROM debian:12)"]]'
want "not root" "$(F2 root)" '[]'
# Score: saved 30021 + 10000 + 1500 + 5 + 5000 = 46526 of 22020996 + 47626 = 22068622 bytes: 99.
want "ctx score" '[d["score"]["saves_bytes"], d["score"]["total_bytes"], d["score"]["value"]]' '[46526, 22068622, 99]'
check_json "$T/ctx.out"
check_status "ctx: --fail-on error fails (.env)" 1 "$PARE" xray "$T/ctx.tar" --fail-on error
"$PARE" xray "$T/ctx.tar" >"$T/ctx.txt"
for want in "dockerignore (Technique 3: .dockerignore)" "Score       99/100" "error   [security]   dotenv"; do
	if grep -qF -- "$want" "$T/ctx.txt"; then ok "ctx text shows: $want"; else not_ok "ctx text shows: $want" "$(sed -n '/Score/,$p' "$T/ctx.txt")"; fi
done

# --slim-report: a build report's removed list laid over the image (the format pare build writes,
# doc/MINIFIER.md; a real build's report is checked on a sample in t-xray-samples.sh).
cat >"$T/slim.json" <<'JSON'
{"totals": {"kept_files": 2, "kept_bytes": 22020796, "removed_files": 4, "removed_bytes": 40200},
 "kept": [], "warnings": [],
 "removed": [{"path": "/app/.git/objects/pack/p.pack", "type": "file", "size": 30000},
             {"path": "/app/node_modules/typescript/lib/tsc.js", "type": "file", "size": 9000},
             {"path": "/app/tools/old.pyc", "type": "file", "size": 300},
             {"path": "/usr/lib/python3/dist-packages/__pycache__/x.cpython-311.pyc", "type": "file", "size": 900}]}
JSON
check "xray --slim-report" sh -c '"$0" xray "$1" --json --slim-report "$2" >"$3"' "$PARE" "$T/ctx.tar" "$T/slim.json" "$T/slim.out"
S() { echo "[f[\"slim_bytes\"] for f in d[\"flags\"] if f[\"id\"] == \"$1\"]"; }
want "slim: .git part removed by the build" "$(S vcs-metadata)" '[30000]'
want "slim: typescript removed" "$(S node-dev-deps)" '[9000]'
want "slim: old.pyc removed" "$(S pycache)" '[300]'
want "slim: wasted always goes (one layer)" "$(S wasted)" '[5000]'
want "slim: base layer part removed" "$(S base-size)" '[900]'
want "slim totals" '[d["slim"]["removed_bytes"], d["slim"]["removed_files"], d["slim"]["in_findings_bytes"]]' '[40200, 4, 39300]'
check_json "$T/slim.out"
printf '{"totals": {"kept_files": 0, "kept_bytes": 0, "removed_files": 1, "removed_bytes": 1}, "removed": [{"path": "/not/here"}]}' >"$T/other.json"
check_status "slim report of another image: failure" 1 "$PARE" xray "$T/ctx.tar" --slim-report "$T/other.json"
"$PARE" xray "$T/ctx.tar" --slim-report "$T/other.json" 2>"$T/err" >/dev/null
assert_eq "another image: says so in one line" "$(wc -l <"$T/err") $(grep -c "not in the image" "$T/err")" "1 1"
printf '{"removed": 3}' >"$T/bad.json"
check_status "slim report not a build report: failure" 1 "$PARE" xray "$T/ctx.tar" --slim-report "$T/bad.json"
printf '\x00\x01garbage' >"$T/bin.json"
check_status "slim report not JSON: failure" 1 "$PARE" xray "$T/ctx.tar" --slim-report "$T/bin.json"
check_status "slim report missing: failure" 1 "$PARE" xray "$T/ctx.tar" --slim-report "$T/nonexistent.json"

check_status "no image: usage error" 2 "$PARE" xray
check_status "two images: usage error" 2 "$PARE" xray "$T/fat.tar" "$T/lean.tar"
check_status "bad --top: usage error" 2 "$PARE" xray "$T/fat.tar" --top x
check_status "missing file: failure" 1 "$PARE" xray "$T/nonexistent.tar"
"$PARE" xray "$T/nonexistent.tar" 2>"$T/err" >/dev/null
assert_eq "one line of error" "$(wc -l <"$T/err") $(cut -c1-6 "$T/err")" "1 pare: "
check "xray --help" "$PARE" xray --help
t_done
