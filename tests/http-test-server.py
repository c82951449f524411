#!/usr/bin/env python3
"""A small HTTP server for the HTTP prober's tests (tests/unit/test_probe_http.c): a fixed site with
pages, a stylesheet, redirects, a link chain, many links, a 500, /random (a new random id each time), a POST endpoint, an admin page with
action links and a never-ending stream. Every request is
appended to LOG as "METHOD PATH" before it is answered.
With --tls=DIR it speaks HTTPS with DIR/cert.pem and DIR/key.pem. With --warmup=N the first N requests
get 502 (a front server whose backend is not up yet). With --root-status=N, "/" always answers N
(haproxy's stats listener answers 503 everywhere but its stats URI).
Usage: http-test-server.py PORT LOG [--v6] [--delay SECONDS] [--garbage] [--silent] [--tls=DIR] [--warmup=N]
       [--root-status=N]"""
import os
import socket
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, log = int(sys.argv[1]), sys.argv[2]
args = sys.argv[3:]
v6 = "--v6" in args
garbage = "--garbage" in args
silent = "--silent" in args  # read the request, close without answering (as redis does to HTTP)
tls = next((a[6:] for a in args if a.startswith("--tls=")), None)
delay = float(args[args.index("--delay") + 1]) if "--delay" in args else 0.0
warmup = [next((int(a[9:]) for a in args if a.startswith("--warmup=")), 0)]
root_status = next((int(a[14:]) for a in args if a.startswith("--root-status=")), 0)

HTML = "text/html; charset=utf-8"
PAGES = {
    "/": (200, HTML, """<!DOCTYPE html><html><head><link rel="stylesheet" href="/style.css">
<script src="js/app.js"></script></head><body>
<a href="/a.html">a</a> <a href="a.html#top">again</a> <a href="#frag">f</a> <a href="mailto:x@y">m</a>
<a href="http://external.example/x">ext</a> <a href="//other.example/y">other</a>
<a href="http://localhost:%(port)d/loop.html">loopback name</a>
<img src="img.png"> <a href="/redir">r</a> <a href="/chain/0">chain</a></body></html>"""),
    "/a.html": (200, HTML, '<html><a href="/">home</a> <a href="b.html?x=1&amp;y=2">b</a></html>'),
    "/b.html": (200, "text/plain", "plain text, <a href=/not-html-link>"),
    "/loop.html": (200, HTML, "<html>loop</html>"),
    "/style.css": (200, "text/css", "@font-face { src: url('/font.woff2') } body { background: url(img2.png) }"),
    "/font.woff2": (200, "font/woff2", "wOF2"),
    "/img.png": (200, "image/png", "\x89PNG"),
    "/img2.png": (200, "image/png", "\x89PNG"),
    "/js/app.js": (200, "application/javascript", "var x = '<a href=/js-link>';"),
    "/target": (200, HTML, "<html>target</html>"),
    "/many": (200, HTML, "".join('<a href="/many/%d">%d</a>' % (i, i) for i in range(100))),
    "/error": (500, "text/plain", "boom"),
    "/admin": (200, HTML, """<a href="/admin?processname=web&amp;action=stop">stop</a>
<a href="/admin/logout">out</a> <a href="/admin?action=restartAll">all</a> <a href="/admin/stopwatch">page</a>
<a href="/admin/kill.php?id=1">kill</a> <a href="/admin/delete.png">icon</a>
<a href="/stream">stream</a> <a href="/stream-empty">empty log</a>"""),
    "/admin/stopwatch": (200, "text/plain", "a page"),
    "/admin/delete.png": (200, "image/png", "\x89PNG"),
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def record(self):
        with open(log, "a") as f:
            f.write("%s %s\n" % (self.command, self.path))

    def answer(self, status, ctype, body, extra=()):
        data = body.encode("latin-1")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        self.record()
        if warmup[0] > 0:
            warmup[0] -= 1
            return self.answer(502, HTML, "<html>Bad Gateway</html>")
        path = self.path
        if root_status and path == "/":
            return self.answer(root_status, HTML, "<html>No server is available</html>")
        if path == "/random":  # what differs between two runs: a session id, the time
            return self.answer(200, "text/plain", os.urandom(8).hex())
        if path == "/redir":
            return self.answer(302, HTML, "", [("Location", "/target")])
        if path.startswith("/chain/"):
            n = int(path[7:])
            return self.answer(200, HTML, '<a href="/chain/%d">next</a>' % (n + 1))
        if path.startswith("/many/"):
            return self.answer(200, "text/plain", "leaf")
        if path.startswith("/stream"):  # a log tailed forever: a first part (or none), then nothing
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            if path == "/stream":
                self.wfile.write(b"first lines\n")
            self.wfile.flush()
            time.sleep(3600)
        if path.startswith("/admin?") and "action=" in path:
            return self.answer(200, "text/plain", "acted")
        page = PAGES.get(path.split("?")[0])
        if page is None:
            return self.answer(404, "text/plain", "not found")
        status, ctype, body = page
        self.answer(status, ctype, body % {"port": port} if ctype == HTML and "%(" in body else body)

    do_HEAD = do_GET

    def do_POST(self):
        self.record()
        if self.path == "/api":
            return self.answer(201, "application/json", '{"ok": true}')
        self.answer(405, "text/plain", "no")

    do_DELETE = do_POST


class Server(ThreadingHTTPServer):
    daemon_threads = True
    address_family = socket.AF_INET6 if v6 else socket.AF_INET


time.sleep(delay)
if garbage or silent:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(8)
    while True:
        c, _ = s.accept()
        with open(log, "a") as f:
            f.write("RAW connection\n")
        if silent:
            c.recv(4096)
        else:
            c.sendall(b"-ERR this is not HTTP\r\n")
        c.close()
server = Server(("::1" if v6 else "127.0.0.1", port), Handler)
if tls:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tls + "/cert.pem", tls + "/key.pem")
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()
