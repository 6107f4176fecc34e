#!/usr/bin/env python3
"""fake-dns.py RECORD... - a DNS server on 127.0.0.1 (UDP, a free port printed on the first
line) for the tests of `tenken domains watch --resolve`. RECORD is NAME=TYPE:VALUE (TYPE A,
AAAA or MX); names without a record get NXDOMAIN, a name given as NAME=SLOW is never answered
(a timeout). Standard library only; exits when its parent's pipe closes or on SIGTERM."""
import ipaddress
import socket
import struct
import sys

records = {}
slow = set()
for arg in sys.argv[1:]:
    name, spec = arg.split("=", 1)
    name = name.lower().rstrip(".")
    if spec == "SLOW":
        slow.add(name)
        continue
    kind, value = spec.split(":", 1)
    records.setdefault(name, []).append((kind, value))


def encode_name(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".") if p) + b"\0"


def answer(query):
    if len(query) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", query[:6])
    pos, labels = 12, []
    while pos < len(query) and query[pos]:
        n = query[pos]
        labels.append(query[pos + 1: pos + 1 + n].decode(errors="replace"))
        pos += 1 + n
    pos += 1
    if pos + 4 > len(query):
        return None
    qtype, _ = struct.unpack("!HH", query[pos: pos + 4])
    question = query[12: pos + 4]
    name = ".".join(labels).lower()
    if name in slow:
        return None
    types = {1: "A", 28: "AAAA", 15: "MX"}
    rrs = [(k, v) for k, v in records.get(name, []) if types.get(qtype) == k]
    rcode = 0 if name in records else 3
    out = struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, len(rrs), 0, 0) + question
    for kind, value in rrs:
        if kind == "A":
            data = ipaddress.IPv4Address(value).packed
        elif kind == "AAAA":
            data = ipaddress.IPv6Address(value).packed
        else:
            data = struct.pack("!H", 10) + encode_name(value)
        out += struct.pack("!HHHIH", 0xC00C, qtype, 1, 60, len(data)) + data
    return out


sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
while True:
    data, peer = sock.recvfrom(4096)
    reply = answer(data)
    if reply:
        sock.sendto(reply, peer)
