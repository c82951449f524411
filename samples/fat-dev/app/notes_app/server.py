"""HTTP front end of the notes app."""
import json
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

from notes_app.store import Store

STORE = Store()


class Handler(BaseHTTPRequestHandler):
    server_version = "notes-app/1.0"

    def reply(self, status, obj):
        body = (json.dumps(obj, sort_keys=True) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlsplit(self.path)
        q = parse_qs(url.query)
        if url.path == "/":
            self.reply(200, {"service": "fat-dev", "notes": len(STORE.all())})
        elif url.path == "/api/notes":
            word = q.get("q", [""])[0]
            self.reply(200, {"notes": STORE.search(word) if word else STORE.all()})
        elif url.path == "/api/primes":
            import fastmath  # the C extension built in the image, imported on first use

            n = int(q.get("n", ["100"])[0])
            self.reply(200, {"n": n, "primes": fastmath.count_primes(n)})
        else:
            self.reply(404, {"error": "not found"})


def serve(port):
    print(f"notes_app: listening on :{port}", flush=True)
    HTTPServer(("", port), Handler).serve_forever()
