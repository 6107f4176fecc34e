#!/usr/bin/env python3
"""mklnk.py - writes a Windows shortcut (.lnk) for tests.

Built from Microsoft's Shell Link Binary File Format specification ([MS-SHLLINK]) alone: the
76-byte header (size, the link CLSID, flags), an optional item id list (opaque bytes here),
an optional LinkInfo naming a local path or a share, the counted strings (name, relative
path, working directory, arguments, icon location) and an optional environment-variable
data block. It is never run; it only has to look like what the Windows shell writes to a
reader of shortcuts (collect/winauto.c) and to the fuzz seeds in tests/fuzz/corpus/winauto/.

  mklnk.py OUT [--local PATH | --share \\\\HOST\\SHARE --suffix PATH] [--ansi]
               [--args TEXT] [--relative PATH] [--env-target PATH] [--id-list N]
               [--name TEXT] [--workdir PATH]

--ansi writes the strings in the single-byte code page (without the IsUnicode flag, and
LinkInfo without its Unicode offsets). Standard library only.
"""
import argparse
import struct

CLSID = bytes([0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
               0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46])
HAS_ID_LIST, HAS_LINK_INFO, HAS_NAME, HAS_RELATIVE = 0x1, 0x2, 0x4, 0x8
HAS_WORKDIR, HAS_ARGS, IS_UNICODE, HAS_EXP = 0x10, 0x20, 0x80, 0x200


def zstr(s, wide):
    return s.encode("utf-16-le") + b"\0\0" if wide else s.encode("latin-1") + b"\0"


def link_info(a, wide):
    """LinkInfo: a header of 7 (or 9 with the Unicode offsets) 32-bit fields, then the
    volume id, local base path / network link and common path suffix they point to."""
    header = 0x24 if wide else 0x1C
    body = b""
    if a.local:
        volume = struct.pack("<IIII", 0x10 + 1, 3, 0x12345678, 0x10) + b"\0"
        vol_off = header
        local_off = vol_off + len(volume)
        local = a.local.encode("latin-1", "replace") + b"\0"
        suffix_off = local_off + len(local)
        body = volume + local + b"\0"
        offs = [vol_off, local_off, 0, suffix_off]
        flags = 1
        wide_offs = []
        if wide:
            wlocal_off = header + len(body)
            body += zstr(a.local, True)
            wsuffix_off = header + len(body)
            body += zstr("", True)
            wide_offs = [wlocal_off, wsuffix_off]
    else:
        net_name = a.share.encode("latin-1") + b"\0"
        net = struct.pack("<IIIII", 0x14 + len(net_name), 0, 0x14, 0, 0) + net_name
        net_off = header
        suffix_off = net_off + len(net)
        suffix = (a.suffix or "").encode("latin-1") + b"\0"
        body = net + suffix
        offs = [0, 0, net_off, suffix_off]
        flags = 2
        wide_offs = []
        if wide:
            wsuffix_off = header + len(body)
            body += zstr(a.suffix or "", True)
            wide_offs = [0, wsuffix_off]
    fields = [header, flags] + offs + wide_offs
    head = struct.pack("<%dI" % len(fields), *fields)
    return struct.pack("<I", 4 + len(head) + len(body)) + head + body


def counted(s, wide):
    data = s.encode("utf-16-le") if wide else s.encode("latin-1", "replace")
    return struct.pack("<H", len(s)) + data


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--local")
    p.add_argument("--share")
    p.add_argument("--suffix")
    p.add_argument("--ansi", action="store_true")
    p.add_argument("--args")
    p.add_argument("--name")
    p.add_argument("--relative")
    p.add_argument("--workdir")
    p.add_argument("--env-target")
    p.add_argument("--id-list", type=int, default=0)
    a = p.parse_args()
    wide = not a.ansi
    flags = IS_UNICODE if wide else 0
    parts = []
    if a.id_list:
        flags |= HAS_ID_LIST
        items = b"\x14\x00" + bytes(18)  # one opaque 20-byte item
        items = items * a.id_list + b"\0\0"
        parts.append(struct.pack("<H", len(items)) + items)
    if a.local or a.share:
        flags |= HAS_LINK_INFO
        parts.append(link_info(a, wide))
    for flag, value in ((HAS_NAME, a.name), (HAS_RELATIVE, a.relative),
                        (HAS_WORKDIR, a.workdir), (HAS_ARGS, a.args)):
        if value is not None:
            flags |= flag
            parts.append(counted(value, wide))
    extra = b""
    if a.env_target:
        flags |= HAS_EXP
        ansi = a.env_target.encode("latin-1")[:259].ljust(260, b"\0")
        uni = a.env_target.encode("utf-16-le")[:518].ljust(520, b"\0")
        extra += struct.pack("<II", 8 + 260 + 520, 0xA0000001) + ansi + uni
    extra += b"\0\0\0\0"  # terminal block
    header = struct.pack("<I16sII", 0x4C, CLSID, flags, 0x20) + bytes(0x4C - 28)
    with open(a.out, "wb") as f:
        f.write(header + b"".join(parts) + extra)


if __name__ == "__main__":
    main()
