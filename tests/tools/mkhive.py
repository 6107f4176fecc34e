#!/usr/bin/env python3
"""mkhive.py - writes a new, empty Windows registry hive (regf) for tests.

Usage: mkhive.py OUT [--root-name NAME] [--merge FILE.reg --prefix PREFIX]

The hive holds one root key (with a security cell) in one 4 KiB bin; tests then fill it with
`hivexregedit --merge OUT --prefix PREFIX file.reg`, which grows it as needed; --merge does
that here, first adding every missing parent key to the .reg text (hivexregedit creates a
key only below one that exists). Layout, from
the public descriptions of the format (e.g. Maxim Suhanov's "Windows registry file format
specification"): a 4096-byte base block ("regf", sequence numbers, version 1.3, the root
cell's offset, the bins' total size, an XOR checksum of its first 508 bytes), then hive
bins ("hbin") of cells whose 32-bit size is negative while allocated. Standard library only.
"""
import argparse
import os
import re
import struct
import subprocess
import tempfile
import time


def filetime(t=None):
    t = time.time() if t is None else t
    return int(t * 10_000_000) + 116444736000000000


def sid(authority, *subs):
    return struct.pack("<BB", 1, len(subs)) + authority.to_bytes(6, "big") + b"".join(
        struct.pack("<I", s) for s in subs)


def security_descriptor():
    owner = sid(5, 32, 544)   # BUILTIN\Administrators
    group = sid(5, 18)        # SYSTEM
    everyone = sid(1, 0)
    ace = struct.pack("<BBHI", 0, 0, 8 + len(everyone), 0x000F003F) + everyone
    dacl = struct.pack("<BBHHH", 2, 0, 8 + len(ace), 1, 0) + ace
    head = 20
    o_owner = head
    o_group = o_owner + len(owner)
    o_dacl = o_group + len(group)
    sd = struct.pack("<BBHIIII", 1, 0, 0x8004, o_owner, o_group, 0, o_dacl)
    return sd + owner + group + dacl


def cell(data):
    size = (4 + len(data) + 7) & ~7
    return struct.pack("<i", -size) + data + b"\0" * (size - 4 - len(data))


def build(root_name):
    name = root_name.encode("ascii")
    ts = filetime()
    nk_off = 0x20                      # first cell after the bin header
    nk_len = len(cell(b"\0" * (0x4C + len(name))))
    sk_off = nk_off + nk_len
    nk = b"nk" + struct.pack(
        "<HQIIIIIIIIIIIIIIIHH",
        0x002C,            # hive entry | no delete | compressed (ASCII) name
        ts, 0,             # last written, access bits
        0,                 # parent (none for the root)
        0, 0,              # subkeys, volatile subkeys
        0xFFFFFFFF, 0xFFFFFFFF,
        0, 0xFFFFFFFF,     # values and their list
        sk_off,            # security cell
        0xFFFFFFFF,        # class name
        0, 0, 0, 0, 0,     # largest name/class/value name/value data, work var
        len(name), 0) + name
    assert len(nk) == 0x4C + len(name)
    sd = security_descriptor()
    sk = b"sk" + struct.pack("<HIIII", 0, sk_off, sk_off, 1, len(sd)) + sd
    cells = cell(nk) + cell(sk)
    assert len(cell(nk)) == nk_len
    bin_size = 4096
    free = bin_size - 0x20 - len(cells)
    hbin = (b"hbin" + struct.pack("<IIIIQI", 0, bin_size, 0, 0, ts, 0) + cells +
            struct.pack("<i", free) + b"\0" * (free - 4))
    assert len(hbin) == bin_size
    base = bytearray(4096)
    struct.pack_into("<4sIIQIIIIIII", base, 0, b"regf", 1, 1, ts, 1, 3, 0, 1, nk_off,
                     bin_size, 1)
    fname = root_name.encode("utf-16-le")[:64]
    base[0x30:0x30 + len(fname)] = fname
    x = 0
    for (w,) in struct.iter_unpack("<I", bytes(base[:508])):
        x ^= w
    x = 1 if x == 0 else 0xFFFFFFFE if x == 0xFFFFFFFF else x
    struct.pack_into("<I", base, 0x1FC, x)
    return bytes(base) + hbin


def with_parents(text, prefix):
    """The .reg text with a header for every ancestor key below prefix not yet listed."""
    out, seen = [], set()
    for line in text.splitlines():
        m = re.match(r"^\[(.*)\]\s*$", line)
        if m and m.group(1).lower().startswith(prefix.lower() + "\\"):
            parts = m.group(1)[len(prefix) + 1:].split("\\")
            for i in range(1, len(parts)):
                key = prefix + "\\" + "\\".join(parts[:i])
                if key.lower() not in seen:
                    seen.add(key.lower())
                    out += ["[%s]" % key, ""]
            seen.add(m.group(1).lower())
        out.append(line)
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description="write an empty registry hive")
    ap.add_argument("out")
    ap.add_argument("--root-name", default="ROOT")
    ap.add_argument("--merge", metavar="REG", help="then merge this .reg file into it")
    ap.add_argument("--prefix", default="HKEY_LOCAL_MACHINE\\SOFTWARE")
    a = ap.parse_args()
    with open(a.out, "wb") as f:
        f.write(build(a.root_name))
    if a.merge:
        with open(a.merge, encoding="utf-8") as f:
            text = with_parents(f.read(), a.prefix)
        fd, tmp = tempfile.mkstemp(suffix=".reg")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            subprocess.run(["hivexregedit", "--merge", a.out, "--prefix", a.prefix, tmp],
                           check=True)
        finally:
            os.unlink(tmp)


if __name__ == "__main__":
    main()
