#!/usr/bin/env python3
"""A minimal SMTP sink for tests: listens on 127.0.0.1 (a free port, printed as "port N"),
accepts any sender and recipients, and writes each message to DIR/N.eml with the envelope
in DIR/N.env. No TLS, no authentication; never relays. Usage: smtp-sink.py DIR"""
import os
import socketserver
import sys

OUT = sys.argv[1]
count = 0


class Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        global count
        self.reply("220 sink ESMTP")
        env = []
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            cmd = line.decode("utf-8", "replace").strip()
            verb = cmd.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-sink")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 sink")
            elif verb in ("MAIL", "RCPT"):
                env.append(cmd)
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = b""
                while True:
                    l = self.rfile.readline(1 << 20)
                    if not l or l in (b".\r\n", b".\n"):
                        break
                    data += l[1:] if l.startswith(b"..") else l
                count += 1
                with open(os.path.join(OUT, f"{count}.eml"), "wb") as f:
                    f.write(data)
                with open(os.path.join(OUT, f"{count}.env"), "w") as f:
                    f.write("\n".join(env) + "\n")
                env = []
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            elif verb in ("RSET", "NOOP"):
                env = [] if verb == "RSET" else env
                self.reply("250 OK")
            else:
                self.reply("502 not implemented")


socketserver.TCPServer.allow_reuse_address = True
with socketserver.TCPServer(("127.0.0.1", 0), Handler) as srv:
    print(f"port {srv.server_address[1]}", flush=True)
    srv.serve_forever()
