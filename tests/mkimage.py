#!/usr/bin/env python3
"""mkimage.py: build small container images for pare's tests (python3 standard library + `zstd`).

Usage
  python3 tests/mkimage.py SPEC.json OUTPUT        build from a JSON spec ("-" reads it from stdin)
  python3 tests/mkimage.py [OPTIONS] OUTPUT        quick form, one image:
      --format F          docker-archive (classic `docker save`) | docker (Docker 25+: OCI layout plus
                          manifest.json) | oci-dir | oci-archive          (default oci-archive)
      --layer DIR         a layer made from a directory tree (repeat for more layers)
      --entries JSON      a layer made from a JSON list of ENTRY objects (see below; repeatable)
      --tag NAME:TAG      (repeatable)
      --layer-compress C  none | gzip | zstd   (default none)
      --compress C        whole-archive compression: none | gzip | zstd (not for oci-dir)
      --config JSON       the config's "config" object, e.g. '{"Entrypoint":["/bin/sh"]}'
  OUTPUT is a file (a directory for oci-dir); it is replaced if it exists.

Spec (JSON)
  {"format": F, "compress": C, "images": [IMAGE, ...]}     (IMAGE keys may also sit at top level)
  IMAGE = {
    "tags": ["name:tag", ...],   RepoTags and ref annotations (oci: org.opencontainers.image.ref.name
                                 gets the full "name:tag"; "ref_name" overrides it)
    "architecture": "amd64", "os": "linux",
    "config": {...},             the config's "config" object (Entrypoint, Cmd, Env, User, ...)
    "history": [...],            default: one {"created_by": ...} per layer
    "layer_compress": C,         default compression of the layers
    "layers": [LAYER, ...],
    "index_wrap": true,          oci formats: put the manifest in a nested image index together with
                                 a decoy linux/arm64 manifest (readers must pick linux/amd64)
    "corrupt": CORRUPT }
  LAYER = {"dir": PATH} | {"entries": [ENTRY, ...]} | {"raw_hex": HEX} | {"raw_file": PATH}
    optional: "compress": C, "media_type": TYPE (override), "truncate": N (cut the stored blob to N
    bytes; the recorded digest/diff_id are those of the intact blob unless "digest_after_cut": true),
    "tar_format": "pax" | "gnu" | "ustar" (default pax)
  ENTRY = {"path": "usr/bin/x" (verbatim: "../x", "/abs" and ".wh.x" are written as given),
           "path_hex": HEX (raw bytes name instead of "path"),
           "type": file|dir|symlink|hardlink|whiteout|opaque|fifo|char|block  (default file),
             whiteout: "path" names what to delete ("etc/foo" becomes "etc/.wh.foo");
             opaque: "path" names the directory ("etc" becomes "etc/.wh..wh..opq"),
           "content": TEXT | "content_hex": HEX | "size": N (N bytes of a repeating pattern),
           "target": PATH (symlink/hardlink), "mode": 420 or "0644", "uid", "gid", "uname", "gname",
           "mtime": seconds (float for nanoseconds), "devmajor", "devminor",
           "xattrs": {"security.capability": "hex:01000002...", "user.x": "text"}  (pax SCHILY.xattr.*),
           "pax": {"key": "value"} extra pax records, "declared_size": N (lie about the size) }
  CORRUPT = {
    "layer_digest": [i, ...]     record a wrong digest for layer i in the manifest (the blob is then
                                 missing under that name)
    "tamper_layer": [i, ...]     flip a bit in the last byte of layer i's stored blob after its digest
                                 was recorded (a digest mismatch; docker-archive classic: diff_id mismatch)
    "tamper_config": true        flip a bit in the stored config after its digest was recorded
    "diff_id": [i, ...]          record a wrong diff_id for layer i in the config
    "config_digest": true        record a wrong config digest in the manifest (docker-archive: the
                                 config file name)
    "drop_blob": ["layer:0", "config", "manifest"]   leave these out of the output
    "manifest_raw": TEXT         use TEXT as manifest.json (docker formats) or as the manifest blob
    "docker_manifest_raw": TEXT  format "docker": use TEXT as manifest.json only (the OCI manifest blob stays)
    "config_raw": TEXT           use TEXT as the config blob
    "index_raw": TEXT            use TEXT as index.json
    "extra_diff_ids": N, "drop_diff_ids": N, "extra_history": N }
  Top-level "extra_members": [{"name": N, "content": TEXT} | {"name": N, "symlink": TARGET}, ...] adds
  raw members to the output archive (names verbatim, "../x" included; not for oci-dir).

Notes: archives are deterministic (member mtimes 0, sorted). Classic docker-archive writes a layer
identical to an earlier one as a symlink "<id>/layer.tar" -> "../<id0>/layer.tar" as docker does.
"""
import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_TYPES = {
    "none": "application/vnd.oci.image.layer.v1.tar",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}
WRONG = "sha256:" + "0" * 64


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def compress(data, how):
    if how in (None, "none"):
        return data
    if how == "gzip":
        return gzip.compress(data, mtime=0)
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, stdout=subprocess.PIPE, check=True).stdout
    raise SystemExit("mkimage: unknown compression %r" % how)


def parse_mode(m, default):
    if m is None:
        return default
    if isinstance(m, str):
        return int(m, 8)
    return int(m)


def xattr_value(v):
    if isinstance(v, str) and v.startswith("hex:"):
        return bytes.fromhex(v[4:])
    if isinstance(v, str) and v.startswith("b64:"):
        return base64.b64decode(v[4:])
    return v.encode()


def entry_name(e):
    if "path_hex" in e:
        return bytes.fromhex(e["path_hex"]).decode("utf-8", "surrogateescape")
    return e["path"]


def add_entry(tf, e):
    name = entry_name(e)
    kind = e.get("type", "file")
    if kind == "whiteout":
        d, b = os.path.split(name.rstrip("/"))
        name = os.path.join(d, ".wh." + b)
        kind = "file"
    elif kind == "opaque":
        name = os.path.join(name.rstrip("/"), ".wh..wh..opq") if name.strip("/") else ".wh..wh..opq"
        kind = "file"
    ti = tarfile.TarInfo(name)
    data = b""
    ti.mode = parse_mode(e.get("mode"), 0o755 if kind == "dir" else 0o644)
    ti.uid = e.get("uid", 0)
    ti.gid = e.get("gid", 0)
    ti.uname = e.get("uname", "")
    ti.gname = e.get("gname", "")
    ti.mtime = e.get("mtime", 0)
    pax = {}
    if isinstance(ti.mtime, float) and ti.mtime != int(ti.mtime):
        pax["mtime"] = "%.9f" % ti.mtime
    if kind == "file":
        ti.type = tarfile.REGTYPE
        if "content_hex" in e:
            data = bytes.fromhex(e["content_hex"])
        elif "size" in e:
            pat = b"pare-test-data\n"
            n = int(e["size"])
            data = (pat * (n // len(pat) + 1))[:n]
        else:
            data = e.get("content", "").encode()
    elif kind == "dir":
        ti.type = tarfile.DIRTYPE
    elif kind == "symlink":
        ti.type = tarfile.SYMTYPE
        ti.linkname = e["target"]
    elif kind == "hardlink":
        ti.type = tarfile.LNKTYPE
        ti.linkname = e["target"]
    elif kind == "fifo":
        ti.type = tarfile.FIFOTYPE
    elif kind in ("char", "block"):
        ti.type = tarfile.CHRTYPE if kind == "char" else tarfile.BLKTYPE
        ti.devmajor = e.get("devmajor", 1)
        ti.devminor = e.get("devminor", 3)
    else:
        raise SystemExit("mkimage: unknown entry type %r" % kind)
    for k, v in e.get("xattrs", {}).items():
        pax["SCHILY.xattr." + k] = xattr_value(v).decode("utf-8", "surrogateescape")
    pax.update(e.get("pax", {}))
    ti.pax_headers = pax
    ti.size = len(data)
    if "declared_size" in e:
        ti.size = int(e["declared_size"])
        data = (data * (ti.size // max(len(data), 1) + 1))[: ti.size] if data else b"\0" * min(ti.size, 1)
        tf.addfile(ti, io.BytesIO(data))
        return
    tf.addfile(ti, io.BytesIO(data) if ti.type == tarfile.REGTYPE else None)


def tar_format(name):
    return {"pax": tarfile.PAX_FORMAT, "gnu": tarfile.GNU_FORMAT, "ustar": tarfile.USTAR_FORMAT}[name or "pax"]


def layer_tar(layer):
    """The uncompressed layer tar (bytes)."""
    if "raw_hex" in layer:
        return bytes.fromhex(layer["raw_hex"])
    if "raw_file" in layer:
        with open(layer["raw_file"], "rb") as f:
            return f.read()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tar_format(layer.get("tar_format")),
                      encoding="utf-8", errors="surrogateescape") as tf:
        if "dir" in layer:
            root = layer["dir"]
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames.sort()
                rel = os.path.relpath(dirpath, root)
                names = [rel] if rel != "." else []
                for n in names + sorted(os.path.join(rel, f) if rel != "." else f for f in filenames):
                    ti = tf.gettarinfo(os.path.join(root, n), arcname=n)
                    if ti.isreg():
                        with open(os.path.join(root, n), "rb") as f:
                            tf.addfile(ti, f)
                    else:
                        tf.addfile(ti)
                for d in dirnames:
                    p = os.path.join(root, rel, d)
                    if os.path.islink(p):
                        n = os.path.join(rel, d) if rel != "." else d
                        tf.addfile(tf.gettarinfo(p, arcname=n))
        for e in layer.get("entries", []):
            add_entry(tf, e)
    return buf.getvalue()


class Blobs:
    """Content-addressed blobs, written as blobs/sha256/<hex>."""

    def __init__(self):
        self.blobs = {}
        self.dropped = set()

    def add(self, data, drop=False):
        d = sha(data)
        if drop:
            self.dropped.add(d)
        else:
            self.blobs[d] = data
        return d


def build_layers(img):
    """Per layer: (stored bytes, digest recorded, diff_id recorded, media type, size recorded)."""
    out = []
    corrupt = img.get("corrupt", {})
    for i, layer in enumerate(img.get("layers", [])):
        tar = layer_tar(layer)
        comp = layer.get("compress", img.get("layer_compress", "none"))
        stored = compress(tar, comp)
        digest, diff_id, size = sha(stored), sha(tar), len(stored)
        if "truncate" in layer:
            stored = stored[: int(layer["truncate"])]
            if layer.get("digest_after_cut"):
                digest, size = sha(stored), len(stored)
        if i in corrupt.get("layer_digest", []):
            digest = WRONG
        if i in corrupt.get("tamper_layer", []):
            stored = stored[:-1] + bytes([stored[-1] ^ 1]) if stored else b"x"
        if i in corrupt.get("diff_id", []):
            diff_id = WRONG
        out.append({"data": stored, "digest": digest, "diff_id": diff_id, "size": size,
                    "media_type": layer.get("media_type", LAYER_TYPES[comp]),
                    "drop": "layer:%d" % i in corrupt.get("drop_blob", [])})
    return out


def config_json(img, layers):
    corrupt = img.get("corrupt", {})
    diff_ids = [l["diff_id"] for l in layers]
    diff_ids += [WRONG] * corrupt.get("extra_diff_ids", 0)
    if corrupt.get("drop_diff_ids"):
        diff_ids = diff_ids[: -corrupt["drop_diff_ids"]]
    history = img.get("history")
    if history is None:
        history = [{"created": "1970-01-01T00:00:00Z", "created_by": "mkimage layer %d" % i} for i in range(len(layers))]
        history += [{"created_by": "mkimage extra", "empty_layer": True}] * corrupt.get("extra_history", 0)
    cfg = {
        "architecture": img.get("architecture", "amd64"),
        "os": img.get("os", "linux"),
        "created": "1970-01-01T00:00:00Z",
        "config": img.get("config", {"Cmd": ["/bin/sh"]}),
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }
    if "config_raw" in corrupt:
        return corrupt["config_raw"].encode()
    return json.dumps(cfg, sort_keys=True).encode()


def oci_manifest(img, cfg_digest, cfg_size, layers):
    corrupt = img.get("corrupt", {})
    if corrupt.get("config_digest"):
        cfg_digest = WRONG
    m = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": cfg_digest, "size": cfg_size},
        "layers": [{"mediaType": l["media_type"], "digest": l["digest"], "size": l["size"]} for l in layers],
    }
    if "manifest_raw" in corrupt:
        return corrupt["manifest_raw"].encode()
    return json.dumps(m, sort_keys=True).encode()


def full_ref(tag):
    return tag if ":" in tag.rsplit("/", 1)[-1] else tag + ":latest"


def build_oci(spec, blobs, docker_style):
    """Returns (index.json bytes, manifest.json bytes or None)."""
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}
    docker_manifest = []
    raw_docker_manifest = None
    for img in spec["images"]:
        corrupt = img.get("corrupt", {})
        drops = corrupt.get("drop_blob", [])
        layers = build_layers(img)
        for l in layers:
            if l["drop"]:
                blobs.add(l["data"], drop=True)
            else:
                blobs.blobs[l["digest"]] = l["data"]
        cfg = config_json(img, layers)
        cfg_digest = blobs.add(cfg, drop="config" in drops)
        if corrupt.get("tamper_config") and cfg_digest in blobs.blobs:
            blobs.blobs[cfg_digest] = cfg.replace(b"{", b" ", 1)
        man = oci_manifest(img, cfg_digest, len(cfg), layers)
        man_digest = blobs.add(man, drop="manifest" in drops)
        desc = {"mediaType": OCI_MANIFEST, "digest": man_digest, "size": len(man),
                "platform": {"architecture": img.get("architecture", "amd64"), "os": img.get("os", "linux")}}
        if img.get("index_wrap"):
            decoy_cfg = json.dumps({"architecture": "arm64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
            decoy_cfg_d = blobs.add(decoy_cfg)
            decoy = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                                "config": {"mediaType": OCI_CONFIG, "digest": decoy_cfg_d, "size": len(decoy_cfg)},
                                "layers": []}).encode()
            decoy_d = blobs.add(decoy)
            nested = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
                {"mediaType": OCI_MANIFEST, "digest": decoy_d, "size": len(decoy),
                 "platform": {"architecture": "arm64", "os": "linux"}}, desc]}
            nb = json.dumps(nested, sort_keys=True).encode()
            desc = {"mediaType": OCI_INDEX, "digest": blobs.add(nb), "size": len(nb)}
        tags = img.get("tags", [])
        entries = []
        for t in tags or [None]:
            d = dict(desc)
            if t is not None:
                ann = {"org.opencontainers.image.ref.name": img.get("ref_name", full_ref(t))}
                if docker_style:
                    ann = {"io.containerd.image.name": "docker.io/library/" + full_ref(t) if "/" not in t else full_ref(t),
                           "org.opencontainers.image.ref.name": full_ref(t).rsplit(":", 1)[1]}
                d["annotations"] = ann
            entries.append(d)
        index["manifests"] += entries
        docker_manifest.append({"Config": "blobs/sha256/" + cfg_digest[7:],
                                "RepoTags": [full_ref(t) for t in tags] or None,
                                "Layers": ["blobs/sha256/" + l["digest"][7:] if l["digest"] != WRONG else
                                           "blobs/sha256/" + sha(l["data"])[7:] for l in layers]})
        if "manifest_raw" in corrupt and docker_style:
            raw_docker_manifest = corrupt["manifest_raw"].encode()
        if "docker_manifest_raw" in corrupt and docker_style:
            raw_docker_manifest = corrupt["docker_manifest_raw"].encode()
    idx = json.dumps(index, sort_keys=True).encode()
    if "index_raw" in spec.get("corrupt", {}):
        idx = spec["corrupt"]["index_raw"].encode()
    for img in spec["images"]:
        if "index_raw" in img.get("corrupt", {}):
            idx = img["corrupt"]["index_raw"].encode()
    dm = None
    if docker_style:
        dm = raw_docker_manifest or json.dumps(docker_manifest, sort_keys=True).encode()
    return idx, dm


def build_classic(spec):
    """Files of a classic docker-archive: {name: bytes or ("symlink", target)}."""
    files = {}
    manifest = []
    repos = {}
    raw_manifest = None
    seen = {}
    for n, img in enumerate(spec["images"]):
        corrupt = img.get("corrupt", {})
        drops = corrupt.get("drop_blob", [])
        layers = build_layers(img)
        cfg = config_json(img, layers)
        cfg_hex = hashlib.sha256(cfg).hexdigest()
        if corrupt.get("config_digest"):
            cfg_hex = "0" * 64
        if "config" not in drops:
            files[cfg_hex + ".json"] = cfg.replace(b"{", b" ", 1) if corrupt.get("tamper_config") else cfg
        paths = []
        parent = ""
        for i, l in enumerate(layers):
            lid = hashlib.sha256(("%s %d %d %s" % (parent, n, i, l["diff_id"])).encode()).hexdigest()
            parent = lid
            paths.append(lid + "/layer.tar")
            if l["drop"]:
                continue
            files[lid + "/VERSION"] = b"1.0"
            files[lid + "/json"] = json.dumps({"id": lid}).encode()
            d = sha(l["data"])
            if d in seen:
                files[lid + "/layer.tar"] = ("symlink", "../" + seen[d])
            else:
                seen[d] = lid + "/layer.tar"
                files[lid + "/layer.tar"] = l["data"]
        tags = [full_ref(t) for t in img.get("tags", [])]
        manifest.append({"Config": cfg_hex + ".json", "RepoTags": tags or None, "Layers": paths})
        for t in tags:
            name, tag = t.rsplit(":", 1)
            repos.setdefault(name, {})[tag] = paths[-1].split("/")[0] if paths else ""
        if "manifest_raw" in corrupt:
            raw_manifest = corrupt["manifest_raw"].encode()
    files["manifest.json"] = raw_manifest or json.dumps(manifest, sort_keys=True).encode()
    if repos:
        files["repositories"] = json.dumps(repos, sort_keys=True).encode()
    return files


def collect_files(spec):
    fmt = spec.get("format", "oci-archive")
    if fmt == "docker-archive":
        return build_classic(spec)
    if fmt not in ("docker", "oci-dir", "oci-archive"):
        raise SystemExit("mkimage: unknown format %r" % fmt)
    blobs = Blobs()
    idx, dm = build_oci(spec, blobs, fmt == "docker")
    files = {"oci-layout": b'{"imageLayoutVersion":"1.0.0"}', "index.json": idx}
    if dm is not None:
        files["manifest.json"] = dm
    for d, data in blobs.blobs.items():
        if d not in blobs.dropped and d != WRONG:
            files["blobs/sha256/" + d[7:]] = data
    return files


def write_tar(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        dirs = set()
        for name in sorted(files):
            parts = name.split("/")[:-1]
            if any(p in ("", ".", "..") for p in parts):
                parts = []
            for k in range(1, len(parts) + 1):
                d = "/".join(parts[:k])
                if d not in dirs:
                    dirs.add(d)
                    ti = tarfile.TarInfo(d)
                    ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                    tf.addfile(ti)
            v = files[name]
            ti = tarfile.TarInfo(name)
            ti.mode = 0o644
            if isinstance(v, tuple):
                ti.type, ti.linkname = tarfile.SYMTYPE, v[1]
                tf.addfile(ti)
            else:
                ti.size = len(v)
                tf.addfile(ti, io.BytesIO(v))
    return buf.getvalue()


def build(spec, output):
    if "images" not in spec:
        spec = dict(spec, images=[{k: v for k, v in spec.items() if k not in ("format", "compress")}])
    files = collect_files(spec)
    for m in spec.get("extra_members", []):
        if spec.get("format") == "oci-dir":
            raise SystemExit("mkimage: extra_members are for archive outputs")
        files[m["name"]] = ("symlink", m["symlink"]) if "symlink" in m else m.get("content", "").encode()
    if os.path.isdir(output) and not os.path.islink(output):
        shutil.rmtree(output)
    elif os.path.lexists(output):
        os.unlink(output)
    if spec.get("format") == "oci-dir":
        for name, v in files.items():
            p = os.path.join(output, name)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            if isinstance(v, tuple):
                os.symlink(v[1], p)
            else:
                with open(p, "wb") as f:
                    f.write(v)
        return
    data = compress(write_tar(files), spec.get("compress", "none"))
    with open(output, "wb") as f:
        f.write(data)


def main(argv):
    if len(argv) == 2 and not argv[0].startswith("--"):
        src = sys.stdin if argv[0] == "-" else open(argv[0])
        build(json.load(src), argv[1])
        return 0
    spec = {"format": "oci-archive", "images": [{"layers": [], "tags": []}]}
    img = spec["images"][0]
    out = None
    i = 0
    while i < len(argv):
        a = argv[i]
        val = argv[i + 1] if i + 1 < len(argv) else None
        if a in ("-h", "--help"):
            print(__doc__)
            return 0
        if a == "--format":
            spec["format"] = val
        elif a == "--compress":
            spec["compress"] = val
        elif a == "--layer":
            img["layers"].append({"dir": val})
        elif a == "--entries":
            img["layers"].append({"entries": json.loads(val)})
        elif a == "--tag":
            img["tags"].append(val)
        elif a == "--layer-compress":
            img["layer_compress"] = val
        elif a == "--config":
            img["config"] = json.loads(val)
        elif not a.startswith("--") and out is None:
            out = a
            i += 1
            continue
        else:
            raise SystemExit("mkimage: unknown option %r (see --help)" % a)
        i += 2
    if out is None:
        raise SystemExit("mkimage: no OUTPUT (see --help)")
    build(spec, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
