#!/usr/bin/env python3
"""mkmmdb.py - writes a small City-style MaxMind DB (.mmdb) file for tests, with the standard
library only (no maxminddb writer package needed on build machines).

The file is what tenken's attribution reads through libmaxminddb (src/surface/attrib.c):
`country.iso_code` and `subdivisions[0].iso_code`, for documentation networks only. Written
from the published format description (binary search tree over the 128 bits of an IPv6
address, a 16-byte zero separator, the data section, then the metadata map after the marker
bytes); IPv4 networks live under ::/96, where readers start IPv4 lookups.

usage: mkmmdb.py [--record-size 24|28|32] [--ipv4-only] OUT [CIDR=CC[/SUB] ...]

Without network arguments it writes the default set:
    192.0.2.0/24 -> JP/14 (Kanagawa), 198.51.100.0/24 -> JP/13 (Tokyo),
    198.51.100.128/25 -> JP/27 (more specific, Osaka), 203.0.113.0/24 -> JP (no subdivision),
    2001:db8::/32 -> JP/27 (Osaka)
Check it with: mmdblookup --file OUT --ip 192.0.2.1
"""
import argparse
import ipaddress
import struct
import sys

MARKER = b"\xab\xcd\xefMaxMind.com"

# Data types of the format (the numbers are the format's; 8 and up are "extended").
T_POINTER, T_STRING, T_DOUBLE, T_BYTES, T_U16, T_U32, T_MAP = 1, 2, 3, 4, 5, 6, 7
T_I32, T_U64, T_U128, T_ARRAY, T_BOOL = 8, 9, 10, 11, 14

DEFAULT_NETWORKS = [
    ("192.0.2.0/24", "JP", "14"),
    ("198.51.100.0/24", "JP", "13"),
    ("198.51.100.128/25", "JP", "27"),
    ("203.0.113.0/24", "JP", None),
    ("2001:db8::/32", "JP", "27"),
]

SUB_NAMES = {"13": "Tokyo", "14": "Kanagawa", "27": "Osaka"}
COUNTRY_NAMES = {"JP": "Japan"}


class U16(int):
    pass


class U32(int):
    pass


class U64(int):
    pass


def control(kind, size):
    """Control byte(s) for a value of `kind` whose size field is `size`."""
    if size < 29:
        first, ext = size, b""
    elif size < 29 + 256:
        first, ext = 29, bytes([size - 29])
    elif size < 285 + 65536:
        first, ext = 30, struct.pack(">H", size - 285)
    elif size < 65821 + (1 << 24):
        first, ext = 31, struct.pack(">I", size - 65821)[1:]
    else:
        raise ValueError("value too large")
    if kind <= 7:
        return bytes([(kind << 5) | first]) + ext
    return bytes([first, kind - 7]) + ext


def uint_bytes(v, width):
    if v < 0 or v >= 1 << (8 * width):
        raise ValueError("integer out of range")
    return v.to_bytes(width, "big").lstrip(b"\0")


def encode(v):
    """One value in the data section's encoding (no pointers: the file is tiny)."""
    if isinstance(v, bool):
        return control(T_BOOL, int(v))
    if isinstance(v, U16):
        b = uint_bytes(v, 2)
        return control(T_U16, len(b)) + b
    if isinstance(v, U64):
        b = uint_bytes(v, 8)
        return control(T_U64, len(b)) + b
    if isinstance(v, (U32, int)):
        b = uint_bytes(v, 4)
        return control(T_U32, len(b)) + b
    if isinstance(v, float):
        return control(T_DOUBLE, 8) + struct.pack(">d", v)
    if isinstance(v, str):
        b = v.encode("utf-8")
        return control(T_STRING, len(b)) + b
    if isinstance(v, (bytes, bytearray)):
        return control(T_BYTES, len(v)) + bytes(v)
    if isinstance(v, list):
        return control(T_ARRAY, len(v)) + b"".join(encode(x) for x in v)
    if isinstance(v, dict):
        out = control(T_MAP, len(v))
        for k, x in v.items():
            out += encode(str(k)) + encode(x)
        return out
    raise TypeError("cannot encode %r" % (v,))


def city_record(cc, sub):
    rec = {"country": {"iso_code": cc, "names": {"en": COUNTRY_NAMES.get(cc, cc)}}}
    if sub:
        rec["subdivisions"] = [{"iso_code": sub, "names": {"en": SUB_NAMES.get(sub, sub)}}]
    return rec


class Tree:
    """A binary trie over address bits. A child is None (no data), ("n", index) or
    ("d", key into the data list)."""

    def __init__(self, bits):
        self.bits = bits
        self.nodes = [[None, None]]

    def insert(self, net_int, plen, data_key):
        if plen == 0:
            raise ValueError("a network of prefix length 0 is not supported")
        node = 0
        for depth in range(plen):
            bit = (net_int >> (self.bits - 1 - depth)) & 1
            if depth == plen - 1:
                child = self.nodes[node][bit]
                if child is not None and child[0] == "n":
                    self._fill(child[1], data_key)
                else:
                    self.nodes[node][bit] = ("d", data_key)
                return
            child = self.nodes[node][bit]
            if child is None or child[0] == "d":
                # A less specific network ends here: push its data down both sides.
                self.nodes.append([child, child])
                child = ("n", len(self.nodes) - 1)
                self.nodes[node][bit] = child
            node = child[1]

    def _fill(self, node, data_key):
        """Overwrites every empty or data leaf below node (a less specific insert after a
        more specific one keeps the more specific data where it was)."""
        for bit in (0, 1):
            child = self.nodes[node][bit]
            if child is not None and child[0] == "n":
                self._fill(child[1], data_key)
            elif child is None:
                self.nodes[node][bit] = ("d", data_key)


def pack_node(left, right, record_size):
    if record_size == 24:
        return left.to_bytes(3, "big") + right.to_bytes(3, "big")
    if record_size == 28:
        middle = ((left >> 24) & 0x0F) << 4 | ((right >> 24) & 0x0F)
        return (left & 0xFFFFFF).to_bytes(3, "big") + bytes([middle]) + \
            (right & 0xFFFFFF).to_bytes(3, "big")
    if record_size == 32:
        return left.to_bytes(4, "big") + right.to_bytes(4, "big")
    raise ValueError("record size must be 24, 28 or 32")


def build(networks, record_size=24, ipv4_only=False):
    bits = 32 if ipv4_only else 128
    tree = Tree(bits)
    records = []
    # Less specific first, so more specific networks split them.
    parsed = []
    for cidr, cc, sub in networks:
        net = ipaddress.ip_network(cidr, strict=True)
        if ipv4_only and net.version != 4:
            raise ValueError("%s: IPv6 network in an IPv4-only database" % cidr)
        parsed.append((net, cc, sub))
    parsed.sort(key=lambda t: (t[0].prefixlen + (96 if t[0].version == 4 and not ipv4_only
                                                  else 0)))
    for net, cc, sub in parsed:
        records.append(city_record(cc, sub))
        value = int(net.network_address)
        plen = net.prefixlen
        if net.version == 4 and not ipv4_only:
            plen += 96  # ::a.b.c.d
        tree.insert(value, plen, len(records) - 1)

    data = b""
    offsets = []
    for rec in records:
        offsets.append(len(data))
        data += encode(rec)

    count = len(tree.nodes)

    def record_value(child):
        if child is None:
            return count
        if child[0] == "n":
            return child[1]
        return count + 16 + offsets[child[1]]

    limit = 1 << record_size
    out = bytearray()
    for left, right in tree.nodes:
        lv, rv = record_value(left), record_value(right)
        if lv >= limit or rv >= limit:
            raise ValueError("record size too small")
        out += pack_node(lv, rv, record_size)
    out += b"\0" * 16
    out += data
    meta = {
        "node_count": U32(count),
        "record_size": U16(record_size),
        "ip_version": U16(4 if ipv4_only else 6),
        "database_type": "tenken-Test-City",
        "languages": ["en"],
        "binary_format_major_version": U16(2),
        "binary_format_minor_version": U16(0),
        "build_epoch": U64(1700000000),
        "description": {"en": "tenken test database (documentation networks only)"},
    }
    out += MARKER + encode(meta)
    return bytes(out)


def parse_net_arg(arg):
    cidr, sep, where = arg.partition("=")
    if not sep or not where:
        raise ValueError("%s: expected CIDR=CC or CIDR=CC/SUB" % arg)
    cc, _, sub = where.partition("/")
    return cidr, cc, sub or None


def main(argv):
    ap = argparse.ArgumentParser(description="write a small City-style MaxMind DB for tests")
    ap.add_argument("--record-size", type=int, default=24, choices=(24, 28, 32))
    ap.add_argument("--ipv4-only", action="store_true", help="ip_version 4 tree")
    ap.add_argument("out")
    ap.add_argument("networks", nargs="*", help="CIDR=CC[/SUB]")
    args = ap.parse_args(argv)
    try:
        nets = [parse_net_arg(a) for a in args.networks] or \
            [n for n in DEFAULT_NETWORKS if not args.ipv4_only or ":" not in n[0]]
        blob = build(nets, args.record_size, args.ipv4_only)
    except ValueError as e:
        print("mkmmdb.py: %s" % e, file=sys.stderr)
        return 2
    with open(args.out, "wb") as f:
        f.write(blob)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
