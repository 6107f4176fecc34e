#!/usr/bin/env python3
"""gen-zgrab2.py - a synthetic zgrab2 scan (JSON lines) for bench/surface.

Writes SIZE bytes of records shaped like zgrab2's http, ssh, ftp and banner modules: the
devices the built-in fingerprints detect (their own test cases, data/fingerprints/*.txt, are
the seeds: every positive case becomes a device, padded to a login page of realistic size,
with a TLS handshake log and a parsed certificate) mixed with about 70% noise: connection
failures, default and error pages of nginx, Apache and IIS, ordinary web sites, redirects,
JSON APIs, unknown login pages, SSH/FTP/SMTP banners, and the near misses the fingerprint
files list as `expect: none`. Deterministic for a given seed and fingerprint directory.

    gen-zgrab2.py [--seed N] [--fingerprints DIR] SIZE OUT     SIZE: bytes, or 512M, 2G, ...

Prints the number of records and the mix to stderr.
"""
import argparse
import base64
import glob
import hashlib
import json
import os
import random
import sys

# ---- the mix (weights, not percentages) ---------------------------------------------------

MIX = [
    ("failure", 51),        # no answer: timeouts, refused, TLS errors
    ("banner", 8),          # ssh, ftp, smtp, telnet
    ("default-page", 2),    # nginx welcome, Apache It works, IIS
    ("error-page", 4),      # 400/403/404/500/502 pages
    ("redirect", 2),        # 301/302 to https or a login path
    ("site", 1),            # an ordinary web site
    ("api", 1),             # a JSON answer
    ("unknown-login", 1),   # some router's login page no fingerprint knows
    ("near-miss", 1),       # the fingerprint files' `expect: none` cases
    ("device", 29),         # a device a fingerprint detects
]

WORDS = (
    "account access action address admin alert apply archive area assist auto backup "
    "banner basic board border button cache calendar card center change channel check "
    "choose client close cloud column config confirm connect contact content control copy "
    "count create current custom dashboard data date default delete detail device dialog "
    "display domain download edit email enable entry error event export field file filter "
    "folder footer form frame general group guide header help history home host icon image "
    "import index info input item label language layout level link list load local locale "
    "manage menu message method mobile mode module monitor name network notice number "
    "object option order output owner page panel password path policy portal port preview "
    "print profile public query queue range record region remote report request reset "
    "result review route rule save schedule screen search secure select server service "
    "session setting setup share sign site size source space status storage style submit "
    "summary support system table target task template text theme time title token tool "
    "total update upload user value version view wizard window zone"
).split()

REASONS = {200: "OK", 204: "No Content", 301: "Moved Permanently", 302: "Found",
           304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable"}

# zgrab2 writes these headers by name (lower case, '_' for '-'); others go to headers.unknown
KNOWN_HEADERS = set("""access_control_allow_origin accept_patch accept_ranges age allow alt_svc
alternate_protocol cache_control connection content_disposition content_encoding
content_language content_length content_location content_md5 content_range
content_security_policy content_type expires last_modified link location p3p pragma
proxy_agent proxy_authenticate public_key_pins refresh referer retry_after server set_cookie
status strict_transport_security trailer transfer_encoding upgrade vary via warning
www_authenticate x_content_duration x_content_security_policy x_content_type_options
x_forwarded_for x_frame_options x_powered_by x_real_ip x_ua_compatible x_webkit_csp
x_xss_protection""".split())

CIPHERS = [("0xC02F", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 49199),
           ("0xC030", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 49200),
           ("0xC014", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 49172),
           ("0x009C", "TLS_RSA_WITH_AES_128_GCM_SHA256", 156)]


class Gen:
    def __init__(self, seed, fpdir):
        self.r = random.Random(seed)
        self.devices, self.near = load_cases(fpdir)
        if not self.devices:
            sys.exit("gen-zgrab2: no fingerprint cases in %s" % fpdir)
        self.chunks = [self.chunk() for _ in range(600)]

    # ---- small pieces ---------------------------------------------------------------

    def ip(self):
        r = self.r
        return "%d.%d.%d.%d" % (r.choice((1, 14, 27, 36, 43, 49, 58, 60, 61, 101, 106, 110,
                                          111, 114, 118, 122, 124, 126, 133, 150, 153, 157,
                                          160, 163, 175, 180, 182, 183, 202, 203, 210, 211,
                                          219, 220, 221, 222)),
                                r.randrange(256), r.randrange(256), r.randrange(1, 255))

    def ts(self):
        r = self.r
        return "2026-%02d-%02dT%02d:%02d:%02d+09:00" % (r.randint(1, 12), r.randint(1, 28),
                                                       r.randrange(24), r.randrange(60),
                                                       r.randrange(60))

    def words(self, n):
        return " ".join(self.r.choices(WORDS, k=n))

    def b64(self, n):
        return base64.b64encode(self.r.randbytes(n)).decode()

    def hexs(self, n):
        return self.r.randbytes(n).hex()

    def chunk(self):
        """One piece of page filler: markup, inline script or style, text."""
        r = self.r
        k = r.randrange(7)
        if k == 0:
            return "<div class=\"%s\"><p>%s</p></div>\n" % (r.choice(WORDS),
                                                          self.words(r.randint(10, 120)))
        if k == 1:
            items = "".join("<li><a href=\"/%s/%s.html\">%s</a></li>" % (
                r.choice(WORDS), r.choice(WORDS), self.words(r.randint(1, 4)))
                for _ in range(r.randint(3, 15)))
            return "<ul class=\"nav\">%s</ul>\n" % items
        if k == 2:
            return "<script src=\"/static/js/%s.%s.js\"></script>\n" % (r.choice(WORDS),
                                                                     self.hexs(4))
        if k == 3:
            body = ";\n".join("  var %s_%s = \"%s\"" % (r.choice(WORDS), r.choice(WORDS),
                                                     self.words(r.randint(1, 6)))
                              for _ in range(r.randint(3, 25)))
            return "<script type=\"text/javascript\">\n%s;\n</script>\n" % body
        if k == 4:
            rules = "\n".join(".%s-%s { margin: %dpx; color: #%s; }" % (
                r.choice(WORDS), r.choice(WORDS), r.randrange(40), self.hexs(3))
                for _ in range(r.randint(3, 30)))
            return "<style>\n%s\n</style>\n" % rules
        if k == 5:
            rows = "".join("<tr><td>%s</td><td>%s</td></tr>" % (self.words(2), self.words(4))
                           for _ in range(r.randint(2, 12)))
            return "<table class=\"grid\">%s</table>\n" % rows
        return "<form method=\"post\" action=\"/%s\"><input type=\"text\" name=\"%s\">" \
               "<input type=\"submit\" value=\"%s\"></form>\n" % (
                   r.choice(WORDS), r.choice(WORDS), r.choice(WORDS))

    def filler(self, n):
        out, size = [], 0
        while size < n:
            c = self.r.choice(self.chunks)
            out.append(c)
            size += len(c)
        return "".join(out)

    def page_size(self, median, lo=200, hi=80000):
        return int(min(hi, max(lo, self.r.lognormvariate(0, 0.9) * median)))

    # ---- zgrab2 shapes --------------------------------------------------------------

    def cert(self, ip, cn=None, org=None, subject=None, issuer=None, sans=None):
        r = self.r
        cn = cn or r.choice((ip, "localhost", "%s.example.jp" % r.choice(WORDS),
                             "%s-%s" % (r.choice(WORDS), self.hexs(3))))
        subj = subject or ("CN=%s, O=%s, C=JP" % (cn, org) if org else "CN=%s" % cn)
        iss = issuer or subj
        start = "20%02d-%02d-%02dT00:00:00Z" % (r.randint(18, 25), r.randint(1, 12),
                                                 r.randint(1, 28))
        end = "20%02d-%02d-%02dT00:00:00Z" % (r.randint(26, 38), r.randint(1, 12),
                                               r.randint(1, 28))
        der = r.randint(420, 900)
        parsed = {
            "version": 3,
            "serial_number": str(r.getrandbits(64)),
            "signature_algorithm": {"name": "SHA256-RSA", "oid": "1.2.840.113549.1.1.11"},
            "issuer": {"common_name": [cn]},
            "issuer_dn": iss,
            "validity": {"start": start, "end": end, "length": 315360000},
            "subject": {"common_name": [cn]} | ({"organization": [org]} if org else {}),
            "subject_dn": subj,
            "subject_key_info": {
                "key_algorithm": {"name": "RSA"},
                "rsa_public_key": {"exponent": 65537, "length": 2048},
                "fingerprint_sha256": self.hexs(32)},
            "extensions": {
                "basic_constraints": {"is_ca": False},
                "subject_alt_name": {"dns_names": sans or [cn]},
                "subject_key_id": self.hexs(20)},
            "signature": {"signature_algorithm": {"name": "SHA256-RSA",
                                                  "oid": "1.2.840.113549.1.1.11"},
                          "valid": False, "self_signed": iss == subj},
            "fingerprint_md5": self.hexs(16),
            "fingerprint_sha1": self.hexs(20),
            "fingerprint_sha256": self.hexs(32),
            "tbs_fingerprint": self.hexs(32),
            "validation_level": "unknown",
            "redacted": False,
        }
        c = CIPHERS[r.randrange(len(CIPHERS))]
        return {
            "server_hello": {
                "version": {"name": "TLSv1.2", "value": 771},
                "random": self.b64(32), "session_id": self.b64(32),
                "cipher_suite": {"hex": c[0], "name": c[1], "value": c[2]},
                "compression_method": 0, "ocsp_stapling": False, "ticket": r.random() < 0.5,
                "secure_renegotiation": True, "heartbeat": False,
                "extended_master_secret": r.random() < 0.7},
            "server_certificates": {
                "certificate": {"raw": self.b64(der), "parsed": parsed},
                "validation": {"browser_trusted": False,
                               "browser_error": "x509: certificate signed by unknown authority"}},
        }

    def headers(self, pairs):
        """[(Name, value)] -> zgrab2's headers object."""
        h, unknown = {}, []
        for name, value in pairs:
            key = name.lower().replace("-", "_")
            if key in KNOWN_HEADERS:
                h.setdefault(key, []).append(value)
            else:
                unknown.append({"key": name.lower(), "value": [value]})
        if unknown:
            h["unknown"] = unknown
        return h

    def common_headers(self, server, ctype="text/html; charset=UTF-8", n=None):
        r = self.r
        out = [("Date", "Sat, %02d Nov 2026 %02d:%02d:%02d GMT" % (
            r.randint(1, 28), r.randrange(24), r.randrange(60), r.randrange(60)))]
        if server:
            out.append(("Server", server))
        out.append(("Content-Type", ctype))
        extra = [("Cache-Control", "no-cache, no-store, must-revalidate"),
                 ("X-Frame-Options", "SAMEORIGIN"), ("X-Content-Type-Options", "nosniff"),
                 ("Strict-Transport-Security", "max-age=31536000"),
                 ("X-XSS-Protection", "1; mode=block"), ("Pragma", "no-cache"),
                 ("Connection", "keep-alive"), ("Vary", "Accept-Encoding"),
                 ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'self'"),
                 ("X-Request-Id", self.hexs(8))]
        out += r.sample(extra, n if n is not None else r.randint(0, 5))
        return out

    def response(self, ip, scheme, path, status, hdrs, body, tls):
        req = {"url": {"scheme": scheme, "host": ip, "path": path}, "method": "GET",
               "headers": {"accept": ["*/*"], "user_agent": ["Mozilla/5.0 zgrab/0.x"]},
               "host": ip}
        if tls:
            req["tls_log"] = {"handshake_log": tls}
        resp = {"status_line": "%d %s" % (status, REASONS.get(status, "OK")),
                "status_code": status,
                "protocol": {"name": "HTTP/1.1", "major": 1, "minor": 1},
                "headers": self.headers(hdrs),
                "request": req}
        if body is not None:
            resp["body"] = body
            resp["body_sha256"] = hashlib.sha256(body.encode()).hexdigest()
            resp["content_length"] = len(body)
        return resp

    def http(self, port, resp, chain=None):
        result = {"response": resp}
        if chain:
            result["redirect_response_chain"] = chain
        return {"status": "success", "protocol": "http", "port": port, "result": result,
                "timestamp": self.ts()}

    def record(self, ip, data, domain=None):
        rec = {"ip": ip}
        if domain:
            rec["domain"] = domain
        rec["data"] = data
        return rec

    # ---- noise ----------------------------------------------------------------------

    def failure(self):
        r, ip = self.r, self.ip()
        port = r.choice((80, 443, 443, 8443, 8080, 10443, 4443))
        kind = r.randrange(4)
        if kind == 0:
            st, err = "io-timeout", "dial tcp %s:%d: i/o timeout" % (ip, port)
        elif kind == 1:
            st, err = "connection-refused", "dial tcp %s:%d: connect: connection refused" % (ip, port)
        elif kind == 2:
            st, err = "connection-timeout", "context deadline exceeded"
        else:
            st, err = "unknown-error", "remote error: tls: handshake failure"
        mod = {"status": st, "protocol": "http", "port": port, "timestamp": self.ts(),
               "error": err}
        return self.record(ip, {"http": mod})

    def banner(self):
        r, ip = self.r, self.ip()
        k = r.randrange(4)
        if k == 0:
            sw = r.choice(("OpenSSH_7.4", "OpenSSH_8.2p1 Ubuntu-4ubuntu0.11",
                           "OpenSSH_8.9p1 Ubuntu-3ubuntu0.10", "OpenSSH_9.2p1 Debian-2+deb12u3",
                           "dropbear_2019.78", "OpenSSH_7.9"))
            res = {"server_id": {"raw": "SSH-2.0-" + sw, "version": "2.0", "software": sw},
                   "server_key_exchange": {
                       "cookie": self.b64(16),
                       "kex_algorithms": ["curve25519-sha256", "ecdh-sha2-nistp256",
                                          "diffie-hellman-group14-sha256"],
                       "host_key_algorithms": ["rsa-sha2-512", "ecdsa-sha2-nistp256",
                                               "ssh-ed25519"],
                       "client_to_server_ciphers": ["chacha20-poly1305@openssh.com",
                                                    "aes128-ctr", "aes256-gcm@openssh.com"],
                       "first_kex_follows": False},
                   "algorithm_selection": {"dh_kex_algorithm": "curve25519-sha256",
                                           "host_key_algorithm": "ecdsa-sha2-nistp256"}}
            return self.record(ip, {"ssh": {"status": "success", "protocol": "ssh", "port": 22,
                                            "result": res, "timestamp": self.ts()}})
        if k == 1:
            b = r.choice(("220 (vsFTPd 3.0.3)\r\n", "220 ProFTPD Server (Debian) [%s]\r\n" % ip,
                          "220 Microsoft FTP Service\r\n", "220 FileZilla Server 1.7.0\r\n"))
            return self.record(ip, {"ftp": {"status": "success", "protocol": "ftp", "port": 21,
                                            "result": {"banner": b}, "timestamp": self.ts()}})
        if k == 2:
            b = "220 mail%d.%s.jp ESMTP %s\r\n" % (r.randrange(9), r.choice(WORDS),
                                                   r.choice(("Postfix", "Exim 4.96", "Sendmail")))
            return self.record(ip, {"smtp": {"status": "success", "protocol": "smtp",
                                             "port": 25, "result": {"banner": b},
                                             "timestamp": self.ts()}})
        b = "\xff\xfb\x01\xff\xfb\x03\r\nlogin: " if r.random() < 0.5 else "\r\nUser Access Verification\r\n\r\nUsername: "
        return self.record(ip, {"banner": {"status": "success", "protocol": "banner",
                                           "port": 23, "result": {"banner": b},
                                           "timestamp": self.ts()}})

    def plain_http(self, server, status, body, ctype="text/html", path="/", extra=(),
                   tls_p=0.5, port=None):
        r, ip = self.r, self.ip()
        tls = r.random() < tls_p
        port = port or (r.choice((443, 443, 8443)) if tls else r.choice((80, 80, 8080)))
        hdrs = self.common_headers(server, ctype) + list(extra)
        cert = self.cert(ip) if tls else None
        resp = self.response(ip, "https" if tls else "http", path, status, hdrs, body, cert)
        return self.record(ip, {"http": self.http(port, resp)})

    def default_page(self):
        r = self.r
        k = r.randrange(3)
        if k == 0:
            srv = r.choice(("nginx", "nginx/1.18.0 (Ubuntu)", "nginx/1.22.1", "nginx/1.24.0"))
            body = ("<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n"
                    "<style>\nhtml { color-scheme: light dark; }\nbody { width: 35em; margin: 0 auto;\n"
                    "font-family: Tahoma, Verdana, Arial, sans-serif; }\n</style>\n</head>\n<body>\n"
                    "<h1>Welcome to nginx!</h1>\n" + self.filler(r.randint(200, 500)) +
                    "</body>\n</html>\n")
        elif k == 1:
            srv = r.choice(("Apache/2.4.41 (Ubuntu)", "Apache/2.4.57 (Debian)", "Apache",
                            "Apache/2.4.6 (CentOS)"))
            body = ("<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"Content-Type\" "
                    "content=\"text/html; charset=UTF-8\" />\n<title>Apache2 Default Page: It "
                    "works</title>\n</head>\n<body>\n" + self.filler(r.randint(6000, 11000)) +
                    "</body>\n</html>\n")
        else:
            srv = r.choice(("Microsoft-IIS/10.0", "Microsoft-IIS/8.5", "Microsoft-IIS/7.5"))
            body = ("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\">\n<html>\n"
                    "<head>\n<title>IIS Windows Server</title>\n</head>\n<body>\n<div "
                    "id=\"container\"><a href=\"http://go.microsoft.com/fwlink/?linkid=66138\">"
                    "<img src=\"iisstart.png\" alt=\"IIS\" width=\"960\" height=\"600\" /></a>"
                    "</div>\n</body>\n</html>")
        return self.plain_http(srv, 200, body)

    def error_page(self):
        r = self.r
        status = r.choice((400, 403, 404, 404, 404, 500, 502, 503))
        srv = r.choice(("nginx", "Apache", "Microsoft-IIS/10.0", "cloudflare", "openresty",
                        "Microsoft-HTTPAPI/2.0", "lighttpd/1.4.59", None))
        reason = REASONS[status]
        if r.random() < 0.6:
            body = ("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d "
                    "%s</h1></center>\r\n<hr><center>%s</center>\r\n</body>\r\n</html>\r\n" % (
                        status, reason, status, reason, srv or "server"))
        else:
            body = ("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n"
                    "<title>%d %s</title>\n</head><body>\n<h1>%s</h1>\n<p>%s</p>\n</body></html>\n"
                    % (status, reason, reason, self.words(r.randint(8, 30))))
        return self.plain_http(srv, status, body, path=r.choice(("/", "/", "/index.html",
                                                                  "/login", "/admin")))

    def redirect(self):
        r, ip = self.r, self.ip()
        target = r.choice(("https://%s/" % ip, "/login", "/ui/", "/cgi-bin/luci",
                           "/webui/", "https://%s/index.html" % ip))
        body = "<html><head><title>301 Moved Permanently</title></head><body>" \
               "<h1>Moved</h1></body></html>" if r.random() < 0.6 else ""
        hdrs = self.common_headers(r.choice(("nginx", "Apache", None)), n=1) + [
            ("Location", target)]
        first = self.response(ip, "http", "/", 301, hdrs, body, None)
        if r.random() < 0.5:
            return self.record(ip, {"http": self.http(80, first)})
        final = self.response(ip, "https", "/login", 200,
                              self.common_headers("nginx"),
                              "<html><head><title>Login</title></head><body>" +
                              self.filler(self.page_size(1500)) + "</body></html>",
                              self.cert(ip))
        return self.record(ip, {"http": self.http(443, final, chain=[first])})

    def site(self):
        r = self.r
        title = " ".join(w.capitalize() for w in r.choices(WORDS, k=r.randint(1, 5)))
        body = ("<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<title>%s</title>\n<link rel=\"stylesheet\" href=\"/css/style.css\">\n</head>\n"
                "<body>\n%s</body>\n</html>\n" % (title, self.filler(self.page_size(3000))))
        extra = [("Set-Cookie", "PHPSESSID=%s; path=/; HttpOnly" % self.hexs(13))] \
            if r.random() < 0.3 else []
        srv = r.choice(("Apache", "nginx", "cloudflare", "Microsoft-IIS/10.0", "LiteSpeed"))
        return self.plain_http(srv, 200, body, extra=extra, tls_p=0.7,
                               path=r.choice(("/", "/", "/index.php", "/top.html")))

    def api(self):
        r = self.r
        body = json.dumps({"error": r.choice(("not found", "unauthorized", "forbidden")),
                           "code": r.choice((401, 403, 404)), "request_id": self.hexs(8)})
        return self.plain_http(r.choice(("nginx", "envoy", "Kestrel", None)),
                               r.choice((401, 403, 404)), body, ctype="application/json")

    def unknown_login(self):
        r = self.r
        body = ("<html><head><title>%s Login</title></head><body>\n"
                "<form method=\"post\" action=\"/cgi-bin/login.cgi\">\n"
                "<input type=\"text\" name=\"username\"><input type=\"password\" "
                "name=\"pwd\">\n</form>\n%s</body></html>" % (
                    r.choice(WORDS).capitalize(), self.filler(self.page_size(2500))))
        return self.plain_http(r.choice(("httpd", "Boa/0.94.14rc21", "GoAhead-Webs",
                                         "mini_httpd/1.30", None)), 200, body)

    # ---- devices and near misses from the fingerprint files' cases --------------------

    def from_case(self, case, pad):
        """A fingerprint test case (tenken JSONL observations) as one zgrab2 record."""
        r, ip = self.r, self.ip()
        data, n = {}, 0
        for o in case:
            port, path, scheme = o.get("port"), "/", "https"
            url = o.get("url")
            if url:
                scheme, _, rest = url.partition("://")
                host, _, p = rest.partition("/")
                path = "/" + p
                if ":" in host and not host.endswith("]"):
                    port = port or int(host.rsplit(":", 1)[1])
                port = port or (443 if scheme == "https" else 80)
            if o.get("banner") is not None:
                b = o["banner"]
                if b.startswith("SSH-"):
                    data["ssh"] = {"status": "success", "protocol": "ssh", "port": port or 22,
                                   "result": {"server_id": {"raw": b.rstrip("\r\n")}},
                                   "timestamp": self.ts()}
                else:
                    name = "ftp" if (port or 21) == 21 else "banner"
                    data[name] = {"status": "success", "protocol": name, "port": port or 21,
                                  "result": {"banner": b}, "timestamp": self.ts()}
                continue
            has_http = any(k in o for k in ("url", "status", "headers", "body", "body_b64"))
            tls = o.get("tls")
            if not has_http and not tls:
                continue
            port = port or 443
            status = o.get("status", 200)
            hdrs = [(k, v) for k, vs in (o.get("headers") or {}).items()
                    for v in (vs if isinstance(vs, list) else [vs])]
            have = {k.lower() for k, _ in hdrs}
            for k, v in self.common_headers(None, n=r.randint(1, 5)):
                if k.lower() not in have:
                    hdrs.append((k, v))
            if "body_b64" in o:
                body = base64.b64decode(o["body_b64"]).decode("utf-8", "replace")
            else:
                body = o.get("body", "<html><body></body></html>" if tls else None)
            if pad and body is not None and status == 200 and n == 0 and "<" in body:
                fill = self.filler(self.page_size(650))
                low = body.lower()
                at = low.rfind("</body>")
                at = at if at >= 0 else low.rfind("</html>")
                body = body[:at] + fill + body[at:] if at >= 0 else body + "\n" + fill
            cert = None
            if scheme == "https" or tls:
                if tls:
                    cn = tls.get("subject", "").split("CN=")[-1].split(",")[0] or None
                    cert = self.cert(ip, cn=cn, subject=tls.get("subject"),
                                     issuer=tls.get("issuer"), sans=tls.get("sans"))
                else:
                    cert = self.cert(ip)
            resp = self.response(ip, "https" if cert else "http", path, status, hdrs, body, cert)
            name = "http" if n == 0 else "http-%d" % (n + 1)
            data[name] = self.http(port, resp)
            n += 1
        return self.record(ip, data) if data else None

    def device(self):
        return self.from_case(self.r.choice(self.devices), True)

    def near_miss(self):
        return self.from_case(self.r.choice(self.near), True) if self.near else self.site()

    def one(self, kind):
        rec = getattr(self, kind.replace("-", "_"))()
        while rec is None:  # a case with nothing zgrab2 could have seen (a favicon hash)
            rec = getattr(self, kind.replace("-", "_"))()
        return rec


def load_cases(fpdir):
    """Positive and `expect: none` cases: lists of observations (dicts)."""
    devices, near = [], []
    for path in sorted(glob.glob(os.path.join(fpdir, "*.txt"))):
        case, expect = None, None

        def flush():
            if case and expect:
                (near if expect == "none" else devices).append(case)

        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("case:"):
                    flush()
                    case, expect = [], None
                elif line.startswith("expect:") and case is not None:
                    expect = line[7:].strip()
                elif line.startswith("obs:") and case is not None:
                    o = json.loads(line[4:])
                    if "favicon_hash" not in o:
                        case.append(o)
            flush()
    return devices, near


def parse_size(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    s = s.strip().upper().rstrip("B")
    return int(float(s[:-1]) * mult[s[-1]]) if s[-1] in mult else int(s)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fingerprints", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "fingerprints"))
    ap.add_argument("size")
    ap.add_argument("out")
    a = ap.parse_args()
    size = parse_size(a.size)
    g = Gen(a.seed, a.fingerprints)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    counts = dict.fromkeys(kinds, 0)
    written, records = 0, 0
    enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def dumps(rec):
        # as Go's encoding/json writes strings: <, > and & escaped (they occur only inside
        # strings, so a plain replacement is exact), other text as UTF-8
        return enc(rec).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    with open(a.out, "w", encoding="utf-8", buffering=1 << 22) as out:
        while written < size:
            batch = []
            for kind in g.r.choices(kinds, weights, k=256):
                line = dumps(g.one(kind)) + "\n"
                batch.append(line)
                counts[kind] += 1
                records += 1
                written += len(line) if line.isascii() else len(line.encode("utf-8"))
                if written >= size:
                    break
            out.write("".join(batch))
    mix = ", ".join("%s %.1f%%" % (k, 100.0 * counts[k] / records) for k in kinds)
    print("%d records, %d bytes (%.0f bytes a record): %s" % (records, written,
                                                             written / records, mix),
          file=sys.stderr)


if __name__ == "__main__":
    main()
