#!/usr/bin/env python3
"""Turns mmdebstrap's tarball into an image's base layer, and checks it against dpkg's own records.

    samples/baselayer.py IN.tar OUT.tar VERSIONS

- Drops the entries below ./dev (image builders never put device nodes into layers); ./dev itself
  stays, empty. The archive is rewritten entry by entry, owners, modes, xattrs (file capabilities)
  and hardlinks as they are. GNU tar's --delete did this before and silently dropped unrelated
  entries at the end of mmdebstrap's archive (/var/log/nginx among them), so nginx did not start.
- Checks that every path a package's info/*.list names is in the layer (diverted paths at their
  new name), so that a builder step losing files fails the build instead of making an image that
  breaks later.
- Writes "PACKAGE VERSION" lines of every installed package to VERSIONS, for reports.
Exit 1 with one line naming the problem.
"""
import io
import os
import sys
import tarfile


def norm(name):
    name = name[2:] if name.startswith("./") else name.lstrip("/")
    return "/" + name.rstrip("/") if name not in ("", ".") else "/"


def resolve(path, links):
    """PATH with the symlinks of its parent directories followed, as in the layer (merged /usr)."""
    parts = [p for p in path.split("/") if p and p != "."]
    out = []
    for hops in range(40):
        changed = False
        out = []
        for i, p in enumerate(parts):
            if p == "..":
                out = out[:-1]
                continue
            cur = "/" + "/".join(out + [p])
            if i < len(parts) - 1 and cur in links:
                t = links[cur]
                base = [] if t.startswith("/") else out
                parts = base + [x for x in t.split("/") if x and x != "."] + parts[i + 1:]
                changed = True
                break
            out.append(p)
        if not changed:
            break
    return "/" + "/".join(out)


def parse_status(text):
    """Installed packages of a dpkg status file: {name[:arch]: version}."""
    pkgs = {}
    for para in text.split("\n\n"):
        fields = {}
        for line in para.splitlines():
            if line[:1] in (" ", "\t") or ":" not in line:
                continue
            k, v = line.split(":", 1)
            fields[k] = v.strip()
        if "Package" in fields and fields.get("Status", "").endswith(" installed"):
            pkgs[fields["Package"]] = fields.get("Version", "?")
    return pkgs


def parse_diversions(text):
    """dpkg's diversions file: triples of lines (path, diverted-to, diverting package)."""
    lines = text.splitlines()
    return {lines[i]: (lines[i + 1], lines[i + 2]) for i in range(0, len(lines) - 2, 3)}


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: baselayer.py IN.tar OUT.tar VERSIONS")
    src, dst, versions_path = sys.argv[1:]
    present = set()
    lists = {}
    links = {}
    status = diversions = ""
    dropped = 0
    with tarfile.open(src, "r:") as tin, tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as tout:
        for m in tin:
            path = norm(m.name)
            if path.startswith("/dev/"):
                dropped += 1
                continue
            present.add(path)
            if m.issym():
                links[path] = m.linkname
            data = tin.extractfile(m) if m.isreg() else None
            if data is not None and path.startswith("/var/lib/dpkg/"):
                raw = data.read()
                text = raw.decode("utf-8", "replace")
                if path.startswith("/var/lib/dpkg/info/") and path.endswith(".list"):
                    lists[os.path.basename(path)[:-5]] = text
                elif path == "/var/lib/dpkg/status":
                    status = text
                elif path == "/var/lib/dpkg/diversions":
                    diversions = text
                data = io.BytesIO(raw)
            tout.addfile(m, data)
    if not status:
        sys.exit(f"baselayer.py: {src} has no /var/lib/dpkg/status")
    diverted = parse_diversions(diversions)
    missing = []
    for pkg, text in sorted(lists.items()):
        for line in text.splitlines():
            path = line.rstrip("/")
            if not path.startswith("/") or path in ("/", "/.") or path.startswith("/dev/"):
                continue
            to, by = diverted.get(path, (path, None))
            if by != pkg.split(":")[0]:  # a package's own files are not diverted by itself
                path = to
            path = resolve(path, links)
            if path not in present:
                missing.append(f"{path} ({pkg})")
    if missing:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        sys.exit(f"baselayer.py: the layer lacks files dpkg installed: {', '.join(missing[:5])}{more}")
    pkgs = parse_status(status)
    with open(versions_path, "w") as f:
        for name in sorted(pkgs):
            f.write(f"{name} {pkgs[name]}\n")
    print(f"baselayer.py: {len(present)} entries, {dropped} under /dev dropped, {len(pkgs)} packages checked against dpkg", file=sys.stderr)


if __name__ == "__main__":
    main()
