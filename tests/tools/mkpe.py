#!/usr/bin/env python3
"""mkpe.py - writes a minimal Windows PE file with a version resource, for tests.

The file is built from the published layouts alone (the Microsoft PE/COFF specification for
the headers, section table and resource tree; the VS_VERSIONINFO documentation for the
resource): a DOS header, the PE headers (PE32+ by default, PE32 with --pe32), a .text
section holding one `ret`, and a .rsrc section whose tree is type 16 (RT_VERSION) -> name 1
-> the language of the string table -> the VS_VERSIONINFO data. It is never run; it only
has to look like what a linker writes to a reader of version resources (collect/pever.c)
and the fuzz seeds in tests/fuzz/corpus/pever/.

  mkpe.py OUT [--pe32] [--machine 0x14c] [--file-version 1.2.3.4]
              [--product-version 1.2.3.4] [--lang 040904b0] [--string Key=Value ...]
              [--no-fixed] [--no-version] [--rsrc-only]

--rsrc-only writes the .rsrc section's bytes alone (as they sit in the file at offset
0x600, RVA 0x2000), --no-version leaves the resource tree without RT_VERSION. Standard
library only.
"""
import argparse
import struct
import sys

FILE_ALIGN = 0x200
SECT_ALIGN = 0x1000
TEXT_RVA, TEXT_FILE = 0x1000, 0x400
RSRC_RVA, RSRC_FILE = 0x2000, 0x600


def align(n, a):
    return (n + a - 1) // a * a


def utf16z(s):
    return s.encode("utf-16-le") + b"\0\0"


def block(key, value=b"", text=False, children=()):
    """One VS_VERSIONINFO block: wLength, wValueLength, wType, the key, the value and the
    children, each starting on a 32-bit boundary of the resource."""
    head = 6 + len(utf16z(key))
    body = utf16z(key) + b"\0" * (align(head, 4) - head) + value
    vlen = len(value) // 2 if text else len(value)
    for child in children:
        body += b"\0" * (align(6 + len(body), 4) - 6 - len(body)) + child
    return struct.pack("<HHH", 6 + len(body), vlen, 1 if text else 0) + body


def version_resource(file_version, product_version, lang, strings):
    def ms_ls(v):
        p = [int(x) for x in v.split(".")]
        p += [0] * (4 - len(p))
        return (p[0] << 16 | p[1]), (p[2] << 16 | p[3])

    fixed = b""
    if file_version is not None:
        fv, pv = ms_ls(file_version), ms_ls(product_version)
        fixed = struct.pack("<13I", 0xFEEF04BD, 0x00010000, fv[0], fv[1], pv[0], pv[1],
                            0x3F, 0, 0x40004, 1, 0, 0, 0)
    table = block(lang, text=True, children=[
        block(k, utf16z(v), text=True) for k, v in strings])
    sfi = block("StringFileInfo", text=True, children=[table])
    translation = struct.pack("<HH", int(lang[:4], 16), int(lang[4:], 16))
    var = block("VarFileInfo", text=True, children=[block("Translation", translation)])
    return block("VS_VERSION_INFO", fixed, children=[sfi, var])


def directory(entries):
    """A resource directory: a 16-byte header and 8-byte ID entries (id, offset)."""
    out = struct.pack("<IIHHHH", 0, 0, 4, 0, 0, len(entries))
    for ident, offset in entries:
        out += struct.pack("<II", ident, offset)
    return out


def rsrc_section(version, lang_id, with_version=True):
    subdir = 0x80000000
    manifest = b"<assembly/>"
    types = [(16, version)] if with_version else []
    types.append((24, manifest))
    root = 16 + 8 * len(types)
    per_type = 24 + 24 + 16  # name directory, language directory, data entry
    data_at = root + per_type * len(types)
    out = directory([(t, subdir | (root + per_type * i)) for i, (t, _) in enumerate(types)])
    blobs = b""
    for i, (_, data) in enumerate(types):
        base = root + per_type * i
        out += directory([(1, subdir | (base + 24))])
        out += directory([(lang_id, base + 48)])
        out += struct.pack("<IIII", RSRC_RVA + data_at + len(blobs), len(data), 0, 0)
        blobs += data + b"\0" * (align(len(data), 8) - len(data))
    return out + blobs


def pe_file(rsrc, pe32plus, machine):
    raw = align(len(rsrc), FILE_ALIGN)
    optsize = 240 if pe32plus else 224
    dos = bytearray(0x80)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x80)
    coff = b"PE\0\0" + struct.pack("<HHIIIHH", machine, 2, 0, 0, 0, optsize,
                                    0x0022 if pe32plus else 0x0102)
    opt = bytearray(optsize)
    struct.pack_into("<H", opt, 0, 0x20B if pe32plus else 0x10B)
    struct.pack_into("<III", opt, 4, FILE_ALIGN, 0, 0)  # code, initialised, uninitialised
    struct.pack_into("<II", opt, 16, TEXT_RVA, TEXT_RVA)  # entry point, BaseOfCode
    if pe32plus:
        struct.pack_into("<Q", opt, 24, 0x140000000)
    else:
        struct.pack_into("<II", opt, 24, RSRC_RVA, 0x400000)  # BaseOfData, ImageBase
    struct.pack_into("<II", opt, 32, SECT_ALIGN, FILE_ALIGN)
    struct.pack_into("<HHHHHH", opt, 40, 6, 0, 0, 0, 6, 0)  # OS, image, subsystem versions
    struct.pack_into("<II", opt, 56, RSRC_RVA + align(len(rsrc), SECT_ALIGN), TEXT_FILE)
    struct.pack_into("<HH", opt, 68, 2, 0x8160)  # GUI; dynamic base, NX, no SEH...
    count_at = 108 if pe32plus else 92
    struct.pack_into("<I", opt, count_at, 16)
    struct.pack_into("<II", opt, count_at + 4 + 2 * 8, RSRC_RVA, len(rsrc))
    sections = b""
    for name, vsize, rva, size, ptr, flags in (
            (b".text", 1, TEXT_RVA, FILE_ALIGN, TEXT_FILE, 0x60000020),
            (b".rsrc", len(rsrc), RSRC_RVA, raw, RSRC_FILE, 0x40000040)):
        sections += struct.pack("<8sIIIIIIHHI", name, vsize, rva, size, ptr, 0, 0, 0, 0, flags)
    head = bytes(dos) + coff + bytes(opt) + sections
    assert len(head) <= TEXT_FILE
    text = b"\xC3" + b"\0" * (FILE_ALIGN - 1)
    return head + b"\0" * (TEXT_FILE - len(head)) + text + rsrc + b"\0" * (raw - len(rsrc))


def main():
    ap = argparse.ArgumentParser(description="Write a minimal PE file with a version resource.")
    ap.add_argument("out")
    ap.add_argument("--pe32", action="store_true", help="a 32-bit (PE32) image")
    ap.add_argument("--machine", type=lambda s: int(s, 0), default=None,
                    help="COFF machine (default 0x8664, or 0x14c with --pe32)")
    ap.add_argument("--file-version", default="1.0.0.0")
    ap.add_argument("--product-version", default=None, help="default: the file version")
    ap.add_argument("--lang", default="040904b0", help="string table key, 8 hex digits")
    ap.add_argument("--string", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--no-fixed", action="store_true", help="no VS_FIXEDFILEINFO")
    ap.add_argument("--no-version", action="store_true", help="no RT_VERSION resource")
    ap.add_argument("--rsrc-only", action="store_true", help="write the .rsrc section alone")
    a = ap.parse_args()
    if len(a.lang) != 8 or any(c not in "0123456789abcdefABCDEF" for c in a.lang):
        ap.error("--lang takes 8 hex digits")
    strings = []
    for s in a.string:
        k, sep, v = s.partition("=")
        if not sep:
            ap.error(f"--string {s!r}: expected KEY=VALUE")
        strings.append((k, v))
    fv = None if a.no_fixed else a.file_version
    ver = version_resource(fv, a.product_version or a.file_version, a.lang, strings)
    rsrc = rsrc_section(ver, int(a.lang[:4], 16), not a.no_version)
    machine = a.machine if a.machine is not None else (0x14C if a.pe32 else 0x8664)
    data = rsrc if a.rsrc_only else pe_file(rsrc, not a.pe32, machine)
    with open(a.out, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
