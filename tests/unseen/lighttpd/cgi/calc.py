#!/usr/bin/env python3
import os, json, urllib.parse, hashlib
q = urllib.parse.parse_qs(os.environ.get("QUERY_STRING", ""))
x, y = int(q.get("x", ["1"])[0]), int(q.get("y", ["1"])[0])
print("Content-Type: application/json")
print()
print(json.dumps({"product": x * y, "sha": hashlib.sha256(b"pare").hexdigest()[:16]}))
