#!/usr/bin/env python3
"""A small JSON API on the standard library (the python-http sample)."""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORT = int(os.environ.get("PORT", "8080"))
ENDPOINTS = ["/healthz", "/api/greet?name=NAME", "/api/stats?values=1,2,3", "/api/digest?text=TEXT",
             "POST /api/echo"]


def stats(query):
    import statistics  # lazily imported: only this endpoint needs it

    values = [float(v) for v in query.get("values", ["1,2,3"])[0].split(",") if v]
    if len(values) < 2:
        raise ValueError("need at least two values")
    return {"count": len(values), "mean": statistics.mean(values), "median": statistics.median(values),
            "stdev": round(statistics.stdev(values), 6)}


def digest(query):
    import hashlib  # lazily imported, and it loads OpenSSL's libcrypto through _hashlib

    text = query.get("text", [""])[0]
    return {"text": text, "sha256": hashlib.sha256(text.encode()).hexdigest()}


ROUTES = {
    "/": lambda q: {"service": "python-http", "endpoints": ENDPOINTS},
    "/healthz": lambda q: {"status": "ok"},
    "/api/greet": lambda q: {"greeting": "hello, " + q.get("name", ["world"])[0]},
    "/api/stats": stats,
    "/api/digest": digest,
}


class Handler(BaseHTTPRequestHandler):
    server_version = "python-http-sample/1.0"

    def send_json(self, status, obj):
        body = (json.dumps(obj, sort_keys=True) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlsplit(self.path)
        route = ROUTES.get(url.path)
        if route is None:
            return self.send_json(404, {"error": "not found", "path": url.path})
        try:
            self.send_json(200, route(parse_qs(url.query)))
        except ValueError as e:
            self.send_json(400, {"error": str(e)})

    def do_POST(self):
        if urlsplit(self.path).path != "/api/echo":
            return self.send_json(404, {"error": "not found"})
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"null"
        # The body is read in the charset its Content-Type names: Python imports that codec's module
        # (encodings.<name>) the first time a client uses it.
        charset = self.headers.get_content_charset("utf-8")
        try:
            self.send_json(200, {"echo": json.loads(raw.decode(charset))})
        except LookupError:
            self.send_json(415, {"error": "unknown charset " + charset})
        except ValueError:
            self.send_json(400, {"error": "body is not JSON"})


if __name__ == "__main__":
    print(f"python-http: listening on :{PORT}", flush=True)
    ThreadingHTTPServer(("", PORT), Handler).serve_forever()
