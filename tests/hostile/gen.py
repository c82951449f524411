#!/usr/bin/env python3
"""gen.py: generate the hostile-image corpus for tests/t-hostile.sh (python3 standard library + zstd).

Usage: python3 tests/hostile/gen.py OUTDIR CANARY_DIR

Writes one bad image per case into OUTDIR (files, or directories for oci-dir cases) and OUTDIR/cases.tsv,
one line per case:  NAME <TAB> INPUT <TAB> EXPECT <TAB> ENV <TAB> WHY
  EXPECT  fail     every command must exit 1 with one line "pare: ..." on stderr
          allowed  the image format allows it: a command may succeed, or exit 1 with one line;
                   either way nothing may escape (WHY says why it is allowed)
  ENV     extra environment for pare ("-" for none), e.g. lowered size limits for the bombs
CANARY_DIR is a directory outside everything pare may write: the escape cases aim their symlinks and
hardlinks at it, so the test can see whether anything was written through them.
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import mkimage  # noqa: E402

MB = 1 << 20
BOMB_LIMIT = "PARE_MAX_LAYER_BYTES=%d" % MB
ARCHIVE_LIMIT = "PARE_MAX_ARCHIVE_BYTES=%d" % (4 * MB)
CMD = {"Entrypoint": ["/bin/app"], "Cmd": []}


class Corpus:
    def __init__(self, outdir, canary):
        self.outdir = outdir
        self.canary = canary
        self.rows = []

    def path(self, name, fmt):
        return os.path.join(self.outdir, name + ("" if fmt == "oci-dir" else ".tar"))

    def add(self, name, expect, why, spec=None, data=None, fmt=None, env="-"):
        """Record a case built from a mkimage spec, or from raw bytes of the whole input."""
        if spec is not None:
            fmt = spec.setdefault("format", "oci-archive")
            out = self.path(name, fmt)
            mkimage.build(spec, out)
        else:
            out = os.path.join(self.outdir, name + ".tar")
            with open(out, "wb") as f:
                f.write(data)
        assert "\t" not in why and "\n" not in why
        self.rows.append((name, out, expect, env, why))

    def write_index(self):
        with open(os.path.join(self.outdir, "cases.tsv"), "w") as f:
            for r in self.rows:
                f.write("\t".join(r) + "\n")


def app_layer():
    return {"path": "bin", "type": "dir"}, {"path": "bin/app", "content": "#!/bin/sh\n", "mode": "0755"}


def image(entries, fmt="oci-archive", **extra):
    """A one-layer image whose layer holds a small /bin/app and `entries`."""
    return image_layers([{"entries": list(app_layer()) + entries}], fmt, **extra)


def image_layers(layers, fmt="oci-archive", **extra):
    img = {"config": dict(CMD), "layers": layers, "tags": ["hostile:1"]}
    img.update(extra)
    return {"format": fmt, "images": [img]}


def tar_bytes(entries):
    return mkimage.layer_tar({"entries": entries})


def patch_header(tar, index, field_off, field_len, value):
    """Overwrite a field of the index-th 512-byte header and fix its checksum."""
    b = bytearray(tar)
    off = index * 512
    b[off + field_off: off + field_off + field_len] = value
    b[off + 148: off + 156] = b"        "
    chk = sum(b[off: off + 512])
    b[off + 148: off + 156] = b"%06o\0 " % chk
    return bytes(b)


def ustar(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data, kind in entries:
            ti = tarfile.TarInfo(name)
            ti.type = kind
            ti.mode = 0o644
            ti.size = len(data) if kind == tarfile.REGTYPE else 0
            tf.addfile(ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    return buf.getvalue()


def raw_layer(tar):
    return [{"raw_hex": tar.hex()}]


def paths_cases(c):
    esc = c.canary
    c.add("trav-dotdot", "fail", "", image([{"path": "../pare-hostile-escape", "content": "x"}]))
    c.add("trav-dotdot-deep", "fail", "", image([{"path": "a/../../../../../pare-hostile-escape", "content": "x"}]))
    c.add("trav-dot-dotdot", "fail", "", image([{"path": "./../pare-hostile-escape", "content": "x"}]))
    c.add("trav-abs", "allowed", "an absolute name is read relative to the image root, as docker and GNU tar do "
          "(image/index_entry.c); it must never be written at that path on the host",
          image([{"path": esc + "/abs-written", "content": "x"}]))
    c.add("trav-dir-dotdot", "fail", "", image([{"path": "..", "type": "dir"}]))
    c.add("trav-docker-classic", "fail", "", image([{"path": "../../pare-hostile-escape", "content": "x"}],
                                                     fmt="docker-archive"))
    why = "a symlink may point anywhere (it resolves inside the image root); writing through it must not escape"
    c.add("symlink-abs-write-through", "allowed", why,
          image([{"path": "etc", "type": "symlink", "target": esc}, {"path": "etc/written", "content": "x"}]))
    c.add("symlink-rel-write-through", "allowed", why,
          image([{"path": "etc", "type": "symlink", "target": "../../../../../../../../" + esc.lstrip("/")},
                 {"path": "etc/written", "content": "x"}]))
    c.add("symlink-write-later-layer", "allowed", why + " (a later layer may replace the symlink)",
          image_layers([{"entries": list(app_layer()) + [{"path": "etc", "type": "symlink", "target": esc}]},
                        {"entries": [{"path": "etc/written", "content": "x"}]}]))
    c.add("symlink-chain-write", "allowed", why,
          image([{"path": "a", "type": "symlink", "target": "b"}, {"path": "b", "type": "symlink", "target": esc},
                 {"path": "a/written", "content": "x"}]))
    c.add("symlink-loop", "allowed", "a symlink loop is legal content; resolving it must stop",
          image([{"path": "loop1", "type": "symlink", "target": "loop2"},
                 {"path": "loop2", "type": "symlink", "target": "loop1"}],
                config={"Entrypoint": ["/loop1"]}))
    c.add("symlink-dir-then-hardlink", "allowed", why,
          image([{"path": "etc", "type": "symlink", "target": esc},
                 {"path": "h", "type": "hardlink", "target": "etc/victim"}]))
    c.add("hardlink-outside", "fail", "", image([{"path": "h", "type": "hardlink", "target": "../../etc/passwd"}]))
    c.add("hardlink-abs-missing", "fail", "", image([{"path": "h", "type": "hardlink", "target": esc + "/victim"}]))
    c.add("hardlink-missing", "fail", "", image([{"path": "h", "type": "hardlink", "target": "no/such/file"}]))
    c.add("hardlink-to-dir", "fail", "", image([{"path": "d", "type": "dir"},
                                                 {"path": "h", "type": "hardlink", "target": "d"}]))
    c.add("whiteout-dotdot", "fail", "", image([{"path": "a", "type": "dir"}, {"path": "a/.wh..", "content": ""}]))
    c.add("whiteout-root-dotdot", "fail", "", image([{"path": ".wh..", "content": ""}]))
    c.add("whiteout-empty-name", "fail", "", image([{"path": "a", "type": "dir"}, {"path": "a/.wh.", "content": ""}]))
    c.add("whiteout-traversal", "fail", "",
          image_layers([{"entries": list(app_layer())},
                        {"entries": [{"path": "x/../../.wh.pare-hostile-escape", "content": ""}]}]))


def special_cases(c):
    legal = "legal image content (docker keeps it); it must be listed or kept, never made on the host"
    c.add("device-char", "allowed", legal,
          image([{"path": "dev", "type": "dir"}, {"path": "dev/evilmem", "type": "char", "devmajor": 1, "devminor": 1}]))
    c.add("device-block", "allowed", legal,
          image([{"path": "dev", "type": "dir"}, {"path": "dev/evildisk", "type": "block", "devmajor": 8, "devminor": 0}]))
    c.add("fifo", "allowed", legal, image([{"path": "tmp", "type": "dir"}, {"path": "tmp/fifo", "type": "fifo"}]))
    # tar cannot carry a socket; an unknown type flag is the nearest a hostile archive gets.
    t = ustar([("bin/app", b"#!/bin/sh\n", tarfile.REGTYPE), ("sock", b"", tarfile.REGTYPE)])
    c.add("socket-unknown-type", "allowed", "tar has no socket type; an unknown type flag may be refused or read "
          "as a plain file", image_layers(raw_layer(patch_header(t, 2, 156, 1, b"Z"))))
    c.add("setuid-root", "allowed", legal,
          image([{"path": "bin/su-evil", "content": "x", "mode": "04755", "uid": 0},
                 {"path": "bin/sg-evil", "content": "x", "mode": "02755", "gid": 0}]))
    c.add("caps-garbage", "allowed", "any bytes may sit in an xattr; they must be carried or refused, not parsed blindly",
          image([{"path": "bin/capped", "content": "x", "xattrs": {"security.capability": "hex:ffffffff"}}]))
    c.add("odd-metadata", "allowed", "negative mtime, huge ids and empty names of owners are legal in tar",
          image([{"path": "odd", "content": "x", "mtime": -86400 * 365, "uid": 4000000000, "gid": 4000000000}]))
    c.add("dup-entries", "allowed", "tar may repeat a path; the last entry wins, as with tar -x",
          image([{"path": "dup", "content": "first"}, {"path": "dup", "content": "second"}]))
    c.add("dup-file-then-dir", "allowed", "tar may repeat a path with another type; the last entry wins",
          image([{"path": "dup", "content": "first"}, {"path": "dup", "type": "dir"}, {"path": "dup/x", "content": "y"}]))
    c.add("nonutf8-name", "allowed", "Linux names are bytes; they need not be UTF-8",
          image([{"path_hex": b"bad-\xff\xfe-name".hex(), "content": "x"}]))
    c.add("newline-name", "allowed", "a newline is a legal byte in a name; messages must still be one line",
          image([{"path": "evil\nname", "content": "x"}]))
    c.add("long-component", "allowed", "a tar may carry a 300-byte name; Linux cannot create it, so a command "
          "that unpacks must refuse it with one line", image([{"path": "n" * 300, "content": "x"}]))
    c.add("long-path", "fail", "", image([{"path": "/".join(["d" * 200] * 25) + "/f", "content": "x"}]))
    deep = "/".join(["d"] * 10000)
    c.add("deep-10000", "fail", "", image([{"path": deep + "/f", "content": "x"}]))
    c.add("deep-2000", "allowed", "2,000 levels fit in PATH_MAX (4096); nothing may recurse without bound",
          image([{"path": "/".join(["d"] * 2000) + "/f", "content": "x"}]))


def size_cases(c):
    t = ustar([("bin/app", b"#!/bin/sh\n", tarfile.REGTYPE), ("huge", b"0123456789", tarfile.REGTYPE)])
    c.add("huge-declared-octal", "fail", "", image_layers(raw_layer(patch_header(t, 2, 124, 12, b"77777777777\0"))))
    c.add("huge-declared-base256", "fail", "",
          image_layers(raw_layer(patch_header(t, 2, 124, 12, b"\x80" + (1 << 60).to_bytes(11, "big")))))
    c.add("huge-declared-pax", "fail", "",
          image([{"path": "huge", "content": "0123456789", "pax": {"size": "99999999999999999999"}}]))
    sparse = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": "sparse-bomb",
              "GNU.sparse.realsize": str(1 << 40)}
    sp_map = b"1\n0\n16\n".ljust(512, b"\0") + b"sparse-bomb-data"
    c.add("sparse-bomb", "fail", "", image([{"path": "GNUSparseFile.0/sparse-bomb", "content_hex": sp_map.hex(),
                                                "pax": sparse}]), env=BOMB_LIMIT)
    zeros = tar_bytes([{"path": "zeros", "content_hex": "00" * (16 * MB)}])
    c.add("gzip-bomb-layer", "fail", "", image_layers([{"raw_hex": zeros.hex(), "compress": "gzip"}]), env=BOMB_LIMIT)
    c.add("zstd-bomb-layer", "fail", "", image_layers([{"raw_hex": zeros.hex(), "compress": "zstd"}]), env=BOMB_LIMIT)
    spec = image_layers([{"raw_hex": zeros.hex()}])
    spec["compress"] = "gzip"
    c.add("gzip-bomb-archive", "fail", "", spec, env=ARCHIVE_LIMIT)
    spec = image_layers([{"raw_hex": zeros.hex()}])
    spec["compress"] = "zstd"
    c.add("zstd-bomb-archive", "fail", "", spec, env=ARCHIVE_LIMIT)


def noise(n, seed):
    """n deterministic bytes that do not compress (so truncating the compressed stream cuts data)."""
    out, block = bytearray(), seed.encode()
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:n])


def truncation_cases(c):
    body = [{"path": "f%d" % i, "content_hex": noise(3000, "f%d" % i).hex()} for i in range(8)]
    full = tar_bytes(list(app_layer()) + body)
    c.add("truncated-layer-tar", "fail", "", image_layers([{"raw_hex": full[: len(full) // 2 + 100].hex()}]))
    c.add("truncated-layer-header", "fail", "", image_layers([{"raw_hex": full[:700].hex()}]))
    c.add("truncated-layer-gzip", "fail", "",
          image_layers([{"entries": list(app_layer()) + body, "compress": "gzip", "truncate": 400, "digest_after_cut": True}]))
    c.add("truncated-layer-zstd", "fail", "",
          image_layers([{"entries": list(app_layer()) + body, "compress": "zstd", "truncate": 300, "digest_after_cut": True}]))
    whole = os.path.join(c.outdir, ".whole.tar")
    mkimage.build(image([{"path": "x", "size": 20000}], fmt="docker"), whole)
    with open(whole, "rb") as f:
        data = f.read()
    os.unlink(whole)
    c.add("truncated-archive", "fail", "", data=data[: len(data) * 2 // 3])
    c.add("truncated-archive-gzip", "fail", "", data=gzip.compress(data, mtime=0)[:-200])
    zst = subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout
    c.add("truncated-archive-zstd", "fail", "", data=zst[: len(zst) // 2])
    c.add("empty-input", "fail", "", data=b"")
    c.add("garbage-input", "fail", "", data=bytes(range(256)) * 40)
    c.add("gzip-of-garbage", "fail", "", data=gzip.compress(bytes(range(256)) * 40, mtime=0))


def deep_json(n):
    return "[" * n + "]" * n


def json_cases(c):
    base = image([])
    layers = mkimage.build_layers(base["images"][0])
    diff_ids = [l["diff_id"] for l in layers]
    good_cfg = {"architecture": "amd64", "os": "linux", "config": CMD,
                "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    good_cfg_raw = json.dumps(good_cfg, sort_keys=True)

    def corrupt(fmt="oci-archive", **kw):
        s = json.loads(json.dumps(base))
        s["format"] = fmt
        if "manifest_raw" in kw and "config_raw" not in kw:
            kw["config_raw"] = good_cfg_raw  # the manifest below names exactly this config blob
        s["images"][0]["corrupt"] = kw
        return s

    c.add("manifest-malformed", "fail", "", corrupt(manifest_raw='{"schemaVersion": 2, "config": {'))
    c.add("manifest-json-malformed-docker", "fail", "", corrupt(fmt="docker-archive", manifest_raw='[{"Config": '))
    c.add("config-malformed", "fail", "", corrupt(config_raw='{"rootfs": {"type": "layers", "diff_ids": ['))
    c.add("index-malformed", "fail", "", corrupt(index_raw='{"manifests": [ }'))
    c.add("index-not-object", "fail", "", corrupt(index_raw='"just a string"'))
    c.add("config-huge", "fail", "", corrupt(config_raw=json.dumps({"pad": "x" * (17 * MB)})))
    c.add("manifest-huge-docker", "fail", "",
          corrupt(fmt="docker-archive", manifest_raw=json.dumps([{"Config": "x", "pad": " " * (17 * MB)}])))
    c.add("config-deep-nesting", "fail", "", corrupt(config_raw='{"config": {"Labels": %s}}' % deep_json(100000)))
    c.add("index-deep-nesting", "fail", "", corrupt(index_raw='{"manifests": %s}' % deep_json(100000)))

    def cfg(**over):
        d = json.loads(json.dumps(good_cfg))
        for k, v in over.items():
            if v is None:
                d.pop(k, None)
            else:
                d[k] = v
        return json.dumps(d)

    c.add("config-diffids-string", "fail", "", corrupt(config_raw=cfg(rootfs={"type": "layers", "diff_ids": diff_ids[0]})))
    c.add("config-rootfs-missing", "fail", "", corrupt(config_raw=cfg(rootfs=None)))
    c.add("config-entrypoint-number", "fail", "", corrupt(config_raw=cfg(config={"Entrypoint": 42, "Env": "A=1"})))
    c.add("config-not-object", "fail", "", corrupt(config_raw='[1, 2, 3]'))
    c.add("config-history-string", "fail", "", corrupt(config_raw=cfg(history="made by hand")))
    hist = [{"created_by": "step %d" % i} for i in range(5)]
    c.add("history-more-than-layers", "fail", "", corrupt(config_raw=cfg(history=hist)))
    man_layers = [{"mediaType": l["media_type"], "digest": l["digest"], "size": l["size"]} for l in layers]
    cfg_bytes = good_cfg_raw.encode()
    cfg_desc = {"mediaType": mkimage.OCI_CONFIG, "digest": mkimage.sha(cfg_bytes), "size": len(cfg_bytes)}

    def man(**over):
        m = {"schemaVersion": 2, "mediaType": mkimage.OCI_MANIFEST, "config": cfg_desc, "layers": man_layers}
        for k, v in over.items():
            if v is None:
                m.pop(k, None)
            else:
                m[k] = v
        return json.dumps(m)

    c.add("manifest-layers-object", "fail", "", corrupt(manifest_raw=man(layers={"0": man_layers[0]})))
    c.add("manifest-config-missing", "fail", "", corrupt(manifest_raw=man(config=None)))
    c.add("manifest-size-string", "fail", "", corrupt(manifest_raw=man(layers=[dict(man_layers[0], size="big")])))
    c.add("manifest-size-lies", "fail", "", corrupt(manifest_raw=man(layers=[dict(man_layers[0], size=1)])))
    c.add("manifest-digest-traversal", "fail", "",
          corrupt(manifest_raw=man(layers=[dict(man_layers[0], digest="sha256:../../../../../../etc/passwd")])))
    c.add("manifest-digest-traversal-dir", "fail", "",
          corrupt(fmt="oci-dir", manifest_raw=man(layers=[dict(man_layers[0], digest="sha256:../../../../../../etc/passwd")])))
    c.add("manifest-digest-md5", "fail", "",
          corrupt(manifest_raw=man(layers=[dict(man_layers[0], digest="md5:d41d8cd98f00b204e9800998ecf8427e")])))
    c.add("index-manifests-missing", "fail", "", corrupt(index_raw='{"schemaVersion": 2}'))
    c.add("docker-manifest-layers-missing", "fail", "",
          corrupt(fmt="docker-archive", manifest_raw=json.dumps([{"Config": "x.json", "RepoTags": ["a:b"]}])))
    c.add("docker-manifest-config-traversal", "fail", "",
          corrupt(fmt="docker-archive", manifest_raw=json.dumps([{"Config": "../../../etc/passwd", "Layers": []}])))
    c.add("docker-manifest-layer-traversal", "fail", "",
          corrupt(fmt="docker-archive", manifest_raw=json.dumps([{"Config": "../../../etc/hostname",
                                                                  "Layers": ["../../../etc/passwd"]}])))


def blob_cases(c):
    body = list(app_layer())

    def img(fmt="oci-archive", **corrupt):
        s = image([])
        s["format"] = fmt
        s["images"][0]["corrupt"] = corrupt
        return s

    c.add("layer-missing", "fail", "", img(drop_blob=["layer:0"]))
    c.add("layer-missing-docker", "fail", "", img(fmt="docker-archive", drop_blob=["layer:0"]))
    c.add("config-blob-missing", "fail", "", img(drop_blob=["config"]))
    c.add("manifest-blob-missing", "fail", "", img(drop_blob=["manifest"]))
    c.add("layer-digest-wrong", "fail", "", img(layer_digest=[0]))
    c.add("layer-digest-wrong-dir", "fail", "", img(fmt="oci-dir", layer_digest=[0]))
    c.add("config-digest-wrong", "fail", "", img(config_digest=True))
    c.add("diff-id-wrong", "fail", "", img(diff_id=[0]))
    c.add("diff-id-wrong-docker", "fail", "", img(fmt="docker-archive", diff_id=[0]))
    c.add("diff-ids-extra", "fail", "", img(extra_diff_ids=1))
    c.add("diff-ids-missing", "fail", "", img(drop_diff_ids=1))
    s = image_layers([{"entries": body}] + [{"entries": [{"path": "l%d" % i, "content": "x"}]} for i in range(300)])
    c.add("too-many-layers", "fail", "", s)
    c.add("no-layers", "allowed", "an image may have no layers (an empty root); commands that run it fail with one line",
          {"format": "oci-archive", "images": [{"config": dict(CMD), "layers": [], "tags": ["hostile:1"]}]})
    # A blob in an OCI layout directory that is a symlink to a file outside it.
    s = img(fmt="oci-dir")
    out = c.path("blob-symlink-dir", "oci-dir")
    mkimage.build(s, out)
    man_idx = json.load(open(os.path.join(out, "index.json")))
    mdig = man_idx["manifests"][0]["digest"][7:]
    m = json.load(open(os.path.join(out, "blobs/sha256", mdig)))
    lpath = os.path.join(out, "blobs/sha256", m["layers"][0]["digest"][7:])
    os.unlink(lpath)
    os.symlink(os.path.join(c.canary, "victim"), lpath)
    c.rows.append(("blob-symlink-dir", out, "fail", "-", ""))
    # An image index chain 300 deep: no unbounded recursion.
    s = image([])
    out = c.path("index-chain", "oci-archive")
    blobs = mkimage.Blobs()
    idx, _ = mkimage.build_oci(s, blobs, False)
    for _ in range(300):
        nb = idx
        d = blobs.add(nb)
        idx = json.dumps({"schemaVersion": 2, "mediaType": mkimage.OCI_INDEX, "manifests": [
            {"mediaType": mkimage.OCI_INDEX, "digest": d, "size": len(nb)}]}).encode()
    files = {"oci-layout": b'{"imageLayoutVersion":"1.0.0"}', "index.json": idx}
    for d, data in blobs.blobs.items():
        files["blobs/sha256/" + d[7:]] = data
    with open(out, "wb") as f:
        f.write(mkimage.write_tar(files))
    c.rows.append(("index-chain", out, "fail", "-", ""))
    # The outer archive itself carries traversal members (a spool or an unpack must not follow them).
    good = os.path.join(c.outdir, ".good.tar")
    mkimage.build(image([], fmt="docker"), good)
    buf = io.BytesIO()
    with tarfile.open(good) as src, tarfile.open(fileobj=buf, mode="w") as dst:
        for m in src.getmembers():
            dst.addfile(m, src.extractfile(m) if m.isreg() else None)
        for name in ("../pare-hostile-outer", c.canary + "/outer-abs"):
            ti = tarfile.TarInfo(name)
            ti.size = 1
            dst.addfile(ti, io.BytesIO(b"x"))
        ti = tarfile.TarInfo("evil-link")
        ti.type, ti.linkname = tarfile.SYMTYPE, c.canary
        dst.addfile(ti)
        ti = tarfile.TarInfo("evil-link/outer-through")
        ti.size = 1
        dst.addfile(ti, io.BytesIO(b"x"))
    os.unlink(good)
    c.add("outer-traversal-members", "allowed", "members the image does not reference may be ignored; none may be "
          "written anywhere", data=buf.getvalue())


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    outdir, canary = argv
    if os.path.exists(outdir):
        shutil.rmtree(outdir)
    os.makedirs(outdir)
    c = Corpus(outdir, os.path.abspath(canary))
    paths_cases(c)
    special_cases(c)
    size_cases(c)
    truncation_cases(c)
    json_cases(c)
    blob_cases(c)
    c.write_index()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
