#!/usr/bin/env python3
"""A private package index for the benchmarks, on loopback only: makes a
small wheel (hushbench 1.0) under DIR/simple/hushbench/ and serves DIR over
HTTP on 127.0.0.1, asking for the basic-auth credentials the pip.conf
secret carries. Prints the port, then serves until killed.

Usage: pyindex.py DIR USER:PASSWORD
"""
import base64
import http.server
import os
import sys
import zipfile

root, cred = sys.argv[1], sys.argv[2]
pkg = os.path.join(root, "simple", "hushbench")
os.makedirs(pkg, exist_ok=True)
whl = "hushbench-1.0-py3-none-any.whl"
with zipfile.ZipFile(os.path.join(pkg, whl), "w") as z:
    z.writestr("hushbench/__init__.py", "VALUE = 42\n" + "# padding\n" * 2000)
    z.writestr("hushbench-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: hushbench\nVersion: 1.0\n")
    z.writestr("hushbench-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: hush-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    z.writestr("hushbench-1.0.dist-info/RECORD", "")
with open(os.path.join(pkg, "index.html"), "w") as f:
    f.write('<html><body><a href="%s">%s</a></body></html>\n' % (whl, whl))
want = "Basic " + base64.b64encode(cred.encode()).decode()


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)

    def do_GET(self):
        if self.headers.get("Authorization") != want:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="bench"')
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *a):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
