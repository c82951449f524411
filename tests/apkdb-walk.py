#!/usr/bin/env python3
"""apkdb-walk.py ORIGINAL_INSTALLED SLIM_ROOTFS: checks a slim image's /lib/apk/db/installed against
its rootfs and the original database, by the rules apk-tools applies when it reads the file:
  - every line is "X:value" with a field letter apk knows (it refuses the database otherwise);
  - every R entry exists in the slim rootfs (followed through symlinked directories) and a regular
    file's Z checksum (Q1 + base64 SHA-1) matches its content;
  - every file of the original database still present in the slim rootfs is listed (nothing kept
    unlisted); a package is listed iff one of its files is still there;
  - a package whose file list shrank carries apk's broken-files flag (f: with 'f'), one listed whole
    is unchanged, byte for byte.
Prints one line per problem and "apkdb: N packages, N whole, N partial, N removed, N files" last;
exit status 1 on any problem."""
import base64, hashlib, os, sys

KNOWN = set("PVATULISCcmtoDpiqrsfFMRaZk")


def parse(text):
    pkgs, cur = [], None
    for line in text.split("\n"):
        if len(line) < 2:
            cur = None
            continue
        if cur is None:
            cur = {"lines": [], "files": {}, "dirs": []}
            pkgs.append(cur)
        cur["lines"].append(line)
        f, v = line[0], line[2:]
        if f in "PVAoC" and f not in cur:
            cur[f] = v
        elif f == "F":
            cur["dir"] = v
            cur["dirs"].append(v)
        elif f == "R":
            cur["last"] = "/" + os.path.join(cur["dir"], v) if cur.get("dir") else "/" + v
            cur["files"][cur["last"]] = None
        elif f == "Z" and cur.get("last"):
            cur["files"][cur["last"]] = v
        elif f == "f":
            cur["flags"] = v
    return pkgs


def resolve(root, path):
    """path inside root, directories followed like the kernel would (the last component not)."""
    parts = [p for p in path.split("/") if p]
    cur = ""
    for i, p in enumerate(parts):
        nxt = cur + "/" + p
        full = root + nxt
        if i < len(parts) - 1 and os.path.islink(full):
            t = os.readlink(full)
            nxt = os.path.normpath(t if t.startswith("/") else os.path.dirname(nxt) + "/" + t)
            for _ in range(8):
                if not os.path.islink(root + nxt):
                    break
                t = os.readlink(root + nxt)
                nxt = os.path.normpath(t if t.startswith("/") else os.path.dirname(nxt) + "/" + t)
        cur = nxt
    return root + cur


def main():
    orig = parse(open(sys.argv[1], encoding="utf-8").read())
    root = sys.argv[2].rstrip("/")
    slim_text = open(root + "/lib/apk/db/installed", encoding="utf-8").read()
    slim = parse(slim_text)
    bad = []
    for line in slim_text.split("\n"):
        if len(line) >= 2 and (line[1] != ":" or line[0] not in KNOWN):
            bad.append("unknown field line: %r" % line)
    by_name = {p["P"]: p for p in slim}
    n_files = whole = partial = removed = 0
    for o in orig:
        present = [f for f in o["files"] if os.path.lexists(resolve(root, f))
                   and not os.path.isdir(resolve(root, f))]
        s = by_name.get(o["P"])
        if not present:
            removed += 1
            if s:
                bad.append("%s: listed, but none of its files is in the slim image" % o["P"])
            continue
        if not s:
            bad.append("%s: has files in the slim image (%s) but is not listed" % (o["P"], present[0]))
            continue
        missing = [f for f in present if f not in s["files"]]
        if missing:
            bad.append("%s: kept file %s not listed" % (o["P"], missing[0]))
        if len(present) == len(o["files"]):
            whole += 1
            if s["lines"] != o["lines"]:
                bad.append("%s: kept whole but its stanza changed" % o["P"])
        else:
            partial += 1
            if "f" not in s.get("flags", ""):
                bad.append("%s: kept in part without the broken-files flag (f:f)" % o["P"])
    for s in slim:
        for f, z in s["files"].items():
            n_files += 1
            full = resolve(root, f)
            if not os.path.lexists(full):
                bad.append("%s: lists %s, which the slim image lacks" % (s["P"], f))
            elif z and z.startswith("Q1") and os.path.isfile(full) and not os.path.islink(full):
                got = "Q1" + base64.b64encode(hashlib.sha1(open(full, "rb").read()).digest()).decode()
                if got != z:
                    bad.append("%s: %s checksum %s, listed %s" % (s["P"], f, got, z))
        for d in s["dirs"]:
            if d and not os.path.isdir(resolve(root, "/" + d)):
                bad.append("%s: lists directory /%s, which the slim image lacks" % (s["P"], d))
    for b in bad:
        print(b)
    print("apkdb: %d packages, %d whole, %d partial, %d removed, %d files" % (len(slim), whole, partial, removed, n_files))
    sys.exit(1 if bad else 0)


main()
