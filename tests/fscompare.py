#!/usr/bin/env python3
"""fscompare.py: compare two unpacked root filesystems entry for entry.

Usage: fscompare.py [--mtime] [--ignore PATH]... A B

For every path (including the root) both trees must hold an entry of the same type, mode (with
setuid/setgid/sticky), owner, size, content (SHA-256), symlink target, device number and extended
attributes (security.capability above all), and the same hardlink groups. With --mtime, modification
times (whole seconds) must match too. Differences are printed one per line; exit 0 when none, 1 otherwise.
"""
import hashlib
import os
import stat
import sys


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def xattrs(path):
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return {}
    out = {}
    for n in sorted(names):
        if n.startswith("security.selinux") or n.startswith("system."):
            continue
        try:
            out[n] = os.getxattr(path, n, follow_symlinks=False).hex()
        except OSError:
            out[n] = "?"
    return out


def scan(root, want_mtime):
    entries = {}
    inodes = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in [""] + sorted(dirnames) + sorted(filenames):
            if name == "" and dirpath != root:
                continue
            full = os.path.join(dirpath, name) if name else dirpath
            rel = "/" + os.path.relpath(full, root) if full != root else "/"
            if rel.startswith("/./"):
                rel = rel[2:]
            st = os.lstat(full)
            e = {
                "type": stat.S_IFMT(st.st_mode),
                "mode": oct(stat.S_IMODE(st.st_mode)),
                "owner": "%d:%d" % (st.st_uid, st.st_gid),
                "xattrs": xattrs(full),
            }
            if want_mtime and not stat.S_ISLNK(st.st_mode):
                e["mtime"] = int(st.st_mtime)
            if stat.S_ISREG(st.st_mode):
                e["size"] = st.st_size
                e["sha256"] = sha256(full)
                if st.st_nlink > 1:
                    inodes.setdefault((st.st_dev, st.st_ino), []).append(rel)
            elif stat.S_ISLNK(st.st_mode):
                e["target"] = os.readlink(full)
            elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                e["rdev"] = "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
            entries[rel] = e
    # Each hardlinked path records the other paths of its group.
    for paths in inodes.values():
        group = sorted(paths)
        for p in paths:
            entries[p]["links"] = group
    return entries


TYPES = {stat.S_IFREG: "file", stat.S_IFDIR: "dir", stat.S_IFLNK: "symlink", stat.S_IFCHR: "char",
         stat.S_IFBLK: "block", stat.S_IFIFO: "fifo", stat.S_IFSOCK: "socket"}


def main(argv):
    want_mtime = False
    ignore = set()
    args = []
    i = 0
    while i < len(argv):
        if argv[i] == "--mtime":
            want_mtime = True
        elif argv[i] == "--ignore":
            i += 1
            ignore.add(argv[i])
        else:
            args.append(argv[i])
        i += 1
    if len(args) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    a, b = (scan(p, want_mtime) for p in args)
    diffs = []
    for path in sorted(set(a) | set(b)):
        if path in ignore:
            continue
        if path not in b:
            diffs.append("only in %s: %s" % (args[0], path))
            continue
        if path not in a:
            diffs.append("only in %s: %s" % (args[1], path))
            continue
        for key in sorted(set(a[path]) | set(b[path])):
            va, vb = a[path].get(key), b[path].get(key)
            if key == "type":
                va, vb = TYPES.get(va, va), TYPES.get(vb, vb)
            if va != vb:
                diffs.append("%s: %s %s != %s" % (path, key, va, vb))
    for d in diffs:
        print(d)
    print("%d entries compared, %d differences" % (len(set(a) | set(b)), len(diffs)), file=sys.stderr)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
