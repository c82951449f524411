#!/usr/bin/env python3
"""A front for a real registry (tests/t-registry.sh): forwards every /v2/ request to UPSTREAM
(host:port, plain http) and misbehaves as MODE says:

  bearer       /v2/ wants "Authorization: Bearer T": a 401 carries a Bearer challenge whose realm
               is our /token, which hands out T (to USER:PASS in Basic, when --user is given)
  close-blob   a blob GET sends its headers and half its bytes, then closes the connection
  lie-digest   a manifest GET answers other bytes (a blank line added) under the real digest
  slow-upload  request bodies are read slowly (64 KiB per 0.2 s): a push is long enough to interrupt

Usage: fake-registry.py MODE UPSTREAM PORTFILE [--user USER --password PASS] [--log FILE]
It listens on 127.0.0.1 on a free port, writes the port to PORTFILE and serves until killed."""
import argparse
import base64
import http.client
import http.server
import json
import os
import secrets
import socketserver
import sys
import time

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_plain(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def token(self):
        srv = self.server
        if srv.user is not None:
            want = "Basic " + base64.b64encode(("%s:%s" % (srv.user, srv.password)).encode()).decode()
            if self.headers.get("Authorization") != want:
                self.send_plain(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}',
                                [("Content-Type", "application/json")])
                return
        self.send_plain(200, json.dumps({"token": srv.token}).encode(), [("Content-Type", "application/json")])

    def body_reader(self):
        n = int(self.headers.get("Content-Length") or 0)
        slow = self.server.mode == "slow-upload"

        class Reader:
            def __init__(self, rfile):
                self.rfile, self.left = rfile, n

            def read(self, size=-1):
                if self.left <= 0:
                    return b""
                size = min(self.left, 65536 if size < 0 or size > 65536 else size)
                if slow:
                    time.sleep(0.2)
                b = self.rfile.read(size)
                self.left -= len(b)
                return b

        return (Reader(self.rfile), n) if n else (None, 0)

    def forward(self):
        srv = self.server
        if srv.log:  # on arrival: a test waits for a request to start
            with open(srv.log, "a") as f:
                f.write("%s %s\n" % (self.command, self.path))
        if self.path.startswith("/token"):
            return self.token()
        if srv.mode == "bearer" and self.headers.get("Authorization") != "Bearer " + srv.token:
            ch = 'Bearer realm="http://127.0.0.1:%d/token",service="fake-registry"' % srv.port
            return self.send_plain(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                                   [("WWW-Authenticate", ch), ("Content-Type", "application/json")])
        body, n = self.body_reader()
        up = http.client.HTTPConnection(srv.upstream, timeout=120)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in HOP and k.lower() != "authorization"}
        up.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for k, v in hdrs.items():
            up.putheader(k, v)
        up.endheaders()
        if body:
            while True:
                b = body.read(65536)
                if not b:
                    break
                up.send(b)
        r = up.getresponse()
        data_len = r.getheader("Content-Length")
        is_blob_get = self.command == "GET" and "/blobs/sha256:" in self.path and r.status == 200
        is_manifest_get = self.command == "GET" and "/manifests/" in self.path and r.status == 200
        if srv.mode == "lie-digest" and is_manifest_get:
            data = r.read() + b"\n"
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            up.close()
            return
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in HOP:
                self.send_header(k, v)
        if data_len is None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            up.close()
            return
        left = int(data_len) if data_len is not None else None
        if srv.mode == "close-blob" and is_blob_get and left:
            half = left // 2
            self.wfile.write(r.read(half))
            self.wfile.flush()
            self.close_connection = True
            up.close()
            return
        while left is None or left > 0:
            b = r.read(65536 if left is None else min(65536, left))
            if not b:
                break
            self.wfile.write(b)
            if left is not None:
                left -= len(b)
        up.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = forward


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["bearer", "close-blob", "lie-digest", "slow-upload"])
    ap.add_argument("upstream")
    ap.add_argument("portfile")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--log")
    a = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.mode, srv.upstream, srv.user, srv.password, srv.log = a.mode, a.upstream, a.user, a.password, a.log
    srv.port = srv.server_address[1]
    srv.token = secrets.token_hex(16)
    with open(a.portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.port)
    os.rename(a.portfile + ".tmp", a.portfile)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
