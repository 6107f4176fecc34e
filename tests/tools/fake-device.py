#!/usr/bin/env python3
"""fake-device.py - loopback web servers that look like VPN devices, for `surface probe` tests.

Each KIND given on the command line gets its own listener on 127.0.0.1 (a free port, TLS
with --cert/--key unless written KIND:plain; KIND:tls:PORT or KIND:plain:PORT for a given
port). When all listen, "KIND PORT" lines are written
to DIR/ports. Every request is logged to DIR/requests.jsonl as one JSON object (kind, port,
method, path, version, headers), and every line that is not an HTTP request as
{"kind", "port", "bad": true}, so tests can check exactly what was asked.

Devices (the markers are the public ones data/fingerprints/*.txt describes):
  fortigate      root page with top.location="/remote/login", masked Server, ETag
  netscaler      root redirect to /vpn/index.html with an NSC_ cookie, the gateway page, and
                 rdx_en.json.gz whose gzip MTIME is --netscaler-mtime
  globalprotect  portal page with "PanWeb Server/ - " and static files with --gp-etag
  blank          a page no fingerprint knows
Hostile:
  slow           status line, then one header byte every 0.3 s, forever
  endless        a body that never ends
  hugeheader     header lines that never end
  garbage        random bytes instead of HTTP (or instead of a TLS handshake, with :plain)
  silent         accepts and never answers
  weird          a header value that is not UTF-8, a folded header, and a
                 body that is not UTF-8
"""
import argparse
import gzip
import io
import json
import os
import socket
import socketserver
import ssl
import sys
import threading
import time

LOCK = threading.Lock()


def log(args, rec):
    with LOCK:
        with open(os.path.join(args.dir, "requests.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")


def page(title, extra=""):
    return ("<!DOCTYPE html><html><head><title>%s</title>%s</head><body></body></html>"
            % (title, extra)).encode()


def rdx(mtime):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="rdx_en.json", mode="wb", fileobj=buf, mtime=mtime) as g:
        g.write(b'{"lang":"en"}')
    return buf.getvalue()


def routes(args, kind):
    """path -> (status, headers, body) for the well-behaved devices."""
    icon = bytes(range(64)) * 4
    if kind == "fortigate":
        return {
            "/": (200, [("Server", "xxxxxxxx-xxxxx"), ("ETag", '"83-5f1e9a2b"'),
                        ("Content-Type", "text/html")],
                  b'<html><script language="javascript">top.location="/remote/login";'
                  b"</script></html>"),
            "/remote/login": (200, [("Server", "xxxxxxxx-xxxxx"),
                                    ("Set-Cookie", "SVPNCOOKIE=; path=/; secure; httponly"),
                                    ("Set-Cookie", "SVPNNETWORKCOOKIE=; path=/remote/network"),
                                    ("Content-Type", "text/html")],
                              page("Please Login")),
            "/favicon.ico": (200, [("Content-Type", "image/x-icon")], icon),
        }
    if kind == "netscaler":
        return {
            "/": (302, [("Location", "/vpn/index.html"), ("Set-Cookie", "NSC_TEMP=xyz; Path=/")],
                  b""),
            "/vpn/index.html": (200, [("Content-Type", "text/html")],
                                page("Citrix Gateway")),
            "/vpn/js/rdx/core/lang/rdx_en.json.gz": (
                200, [("Content-Type", "application/x-gzip")], rdx(args.netscaler_mtime)),
        }
    if kind == "globalprotect":
        etag = [("ETag", '"%s"' % args.gp_etag)]
        srv = [("Server", "PanWeb Server/ - ")]
        portal = page("GlobalProtect Portal",
                      '<link rel="stylesheet" href="/global-protect/portal/css/login.css">')
        return {
            "/": (200, srv + [("Content-Type", "text/html")], portal),
            "/global-protect/login.esp": (200, srv + etag + [("Content-Type", "text/html")],
                                          portal),
            "/global-protect/portal/css/login.css": (200, srv + etag, b"body{margin:0}"),
            "/global-protect/portal/images/favicon.ico": (200, srv + etag, icon),
        }
    if kind == "blank":
        return {"/": (200, [("Content-Type", "text/html")], page("It works"))}
    return {}


class Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def setup(self):
        srv = self.server
        if srv.tls:
            try:
                self.request = srv.ctx.wrap_socket(self.request, server_side=True)
            except (ssl.SSLError, OSError):
                log(srv.args, {"kind": srv.kind, "port": srv.port, "bad": True, "tls": "failed"})
                self.request = None
                return
        super().setup()

    def handle(self):
        if self.request is None:
            return
        srv = self.server
        try:
            hostile = getattr(self, "hostile_" + srv.kind, None)
            if hostile and srv.kind in ("garbage", "silent"):
                return hostile()
            while self.one(hostile):
                pass
        except (OSError, ssl.SSLError):
            pass

    def finish(self):
        if self.request is not None:
            try:
                super().finish()
            except (OSError, ssl.SSLError):
                pass

    def one(self, hostile):
        srv = self.server
        first = self.rfile.peek(1)[:1]
        if first and not first.isalpha():  # a TLS ClientHello on a plain port, say
            log(srv.args, {"kind": srv.kind, "port": srv.port, "bad": True})
            return False
        line = self.rfile.readline(8192)
        if not line:
            return False
        parts = line.decode("latin-1").rstrip("\r\n").split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            log(srv.args, {"kind": srv.kind, "port": srv.port, "bad": True})
            return False
        headers = []
        for _ in range(200):
            h = self.rfile.readline(8192).decode("latin-1").rstrip("\r\n")
            if not h:
                break
            name, _, value = h.partition(":")
            headers.append([name, value.strip()])
        log(srv.args, {"kind": srv.kind, "port": srv.port, "method": parts[0],
                       "path": parts[1], "version": parts[2], "headers": headers})
        if hostile:
            hostile()
            return False
        status, hdrs, body = routes(srv.args, srv.kind).get(
            parts[1], (404, [("Content-Type", "text/html")], page("Not Found")))
        out = ["HTTP/1.1 %d %s" % (status, "OK" if status == 200 else "Other")]
        out += ["%s: %s" % h for h in hdrs]
        out += ["Content-Length: %d" % len(body), "", ""]
        self.wfile.write("\r\n".join(out).encode("latin-1") + body)
        self.wfile.flush()
        return True

    def hostile_slow(self):
        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(600):  # at most 3 minutes, a byte at a time
            self.wfile.write(b"X")
            self.wfile.flush()
            time.sleep(0.3)

    def hostile_endless(self):
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n")
        chunk = b"<p>" + b"A" * 65532
        for _ in range(100000):  # 6 GB at most; the client hangs up long before
            self.wfile.write(chunk)

    def hostile_hugeheader(self):
        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(1000000):
            self.wfile.write(b"X-Filler-%d: %s\r\n" % (i, b"a" * 1000))

    def hostile_weird(self):
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Latin: caf\xe9\r\nX-Folded: one\r\n two\r\n"
                         b"Server: weird\r\nContent-Length: 4\r\n\r\n"
                         b"\xff\xfe\x00A")
        self.wfile.flush()

    def hostile_garbage(self):
        self.wfile.write(os.urandom(4096))
        self.wfile.flush()
        # read until the client hangs up, so that it sees the garbage rather than a reset
        while self.request.recv(65536):
            pass

    def hostile_silent(self):
        time.sleep(60)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # hostile modes end in broken pipes by design


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True, help="where ports and requests.jsonl go")
    ap.add_argument("--cert", help="PEM certificate for the TLS listeners")
    ap.add_argument("--key", help="its key")
    ap.add_argument("--netscaler-mtime", type=int, default=1685777750)
    ap.add_argument("--gp-etag", default="6e185d5daf9a")
    ap.add_argument("kinds", nargs="+", metavar="KIND[:plain|:tls[:PORT]]")
    args = ap.parse_args()
    ctx = None
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
    lines = []
    for spec in args.kinds:
        kind, _, mode = spec.partition(":")
        mode, _, port = mode.partition(":")
        srv = Server(("127.0.0.1", int(port or 0)), Handler)
        srv.kind, srv.args, srv.port = kind, args, srv.server_address[1]
        srv.tls = mode != "plain"
        if srv.tls and not ctx:
            sys.exit("fake-device.py: %s needs --cert and --key" % spec)
        srv.ctx = ctx
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        lines.append("%s %d\n" % (spec, srv.port))
    tmp = os.path.join(args.dir, "ports.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.writelines(lines)
    os.rename(tmp, os.path.join(args.dir, "ports"))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
