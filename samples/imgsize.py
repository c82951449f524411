#!/usr/bin/env python3
"""imgsize.py ARCHIVE: prints "BYTES ENTRIES" for an image archive (docker-archive or oci-archive,
layers uncompressed, gzip or zstd): BYTES is the sum of the regular files' sizes over all layers, the
way `docker images` counts an image's size; ENTRIES the number of entries in its final filesystem
(whiteouts applied, directories included)."""
import gzip
import io
import json
import subprocess
import sys
import tarfile


def layer_stream(data):
    if data[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=io.BytesIO(data))
    if data[:4] == b"\x28\xb5\x2f\xfd":
        return io.BytesIO(subprocess.run(["zstd", "-dc"], input=data, capture_output=True, check=True).stdout)
    return io.BytesIO(data)


def main(path):
    with tarfile.open(path) as outer:
        names = set(outer.getnames())

        def read(name):
            return outer.extractfile(name.lstrip("./") if name.lstrip("./") in names else name).read()

        if "manifest.json" in names:
            layers = json.loads(read("manifest.json"))[0]["Layers"]
        else:
            index = json.loads(read("index.json"))
            desc = index["manifests"][0]
            manifest = json.loads(read("blobs/" + desc["digest"].replace(":", "/")))
            layers = ["blobs/" + l["digest"].replace(":", "/") for l in manifest["layers"]]
        total, final = 0, {}
        for layer in layers:
            with tarfile.open(fileobj=layer_stream(read(layer)), mode="r|") as t:
                for m in t:
                    name = m.name.lstrip("./").rstrip("/")
                    base = name.rsplit("/", 1)[-1]
                    parent = name.rsplit("/", 1)[0] if "/" in name else ""
                    if base == ".wh..wh..opq":
                        for k in [k for k in final if k.startswith(parent + "/")]:
                            del final[k]
                        continue
                    if base.startswith(".wh."):
                        gone = (parent + "/" if parent else "") + base[4:]
                        for k in [k for k in final if k == gone or k.startswith(gone + "/")]:
                            del final[k]
                        continue
                    if m.isreg():
                        total += m.size
                    if name:
                        final[name] = m.size if m.isreg() else 0
        print(total, len(final))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
