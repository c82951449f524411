#!/usr/bin/env python3
import http.server, json, os, sys
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, obj, code=200):
        b = json.dumps(obj, sort_keys=True).encode()
        self.send_response(code); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def do_GET(self):
        p = self.path
        if p == "/":
            return self.reply({"ok": True})
        if p == "/tz":
            import zoneinfo, datetime
            d = datetime.datetime(2024, 7, 1, 12, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
            return self.reply({"ny": d.isoformat(), "tokyo": d.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo")).isoformat()})
        if p == "/tls":
            import ssl
            ctx = ssl.create_default_context()
            return self.reply({"ca": ctx.cert_store_stats()["x509_ca"] > 50})
        if p == "/hash":
            import hashlib, hmac, base64
            return self.reply({"md5": hashlib.md5(b"x").hexdigest(), "sha3": hashlib.sha3_256(b"x").hexdigest(), "b": base64.b64encode(hmac.new(b"k", b"x", "sha512").digest()).decode()[:10]})
        if p == "/locale":
            import locale
            locale.setlocale(locale.LC_ALL, "de_DE.UTF-8")
            return self.reply({"n": locale.format_string("%.2f", 1234.5, grouping=True), "enc": locale.getpreferredencoding()})
        if p == "/nss":
            import pwd, grp, socket
            return self.reply({"u": pwd.getpwuid(0).pw_name, "g": grp.getgrgid(0).gr_name, "h": sorted({a[4][0] for a in socket.getaddrinfo("localhost", 80)})})
        if p == "/sub":
            import subprocess
            out = subprocess.run(["sh", "-c", "echo hi | tr a-z A-Z; date -u -d @0 +%Y"], capture_output=True, text=True)
            return self.reply({"out": out.stdout, "rc": out.returncode})
        if p == "/misc":
            import sqlite3, decimal, uuid, gzip, bz2, lzma, csv, io, unicodedata
            c = sqlite3.connect(":memory:"); c.execute("create table t(x)"); c.execute("insert into t values (42)")
            return self.reply({"sql": c.execute("select x from t").fetchone()[0], "d": str(decimal.Decimal("1.1") * 3),
                "gz": len(gzip.compress(b"a"*100)) > 0, "bz": bz2.decompress(bz2.compress(b"q")).decode(), "xz": lzma.decompress(lzma.compress(b"w")).decode(),
                "u": unicodedata.name("é"), "uuid": str(uuid.UUID(int=5))})
        self.reply({"error": "not found"}, 404)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("", 8080), H).serve_forever()
