#!/usr/bin/env python3
"""mkhive.py - writes a new, empty Windows registry hive file (regf) with one root key.

Tests build their SOFTWARE, SYSTEM and NTUSER.DAT hives with it: an empty hive from here,
then keys and values merged in from a .reg file with hivexregedit (Debian package
libwin-hivex-perl, on libhivex):

  mkhive.py OUT [--root-name NAME] [--file-name NAME] [--minor 3|4|5|6]
                [--merge FILE.reg [--prefix PREFIX]]

--merge runs `hivexregedit --merge --prefix PREFIX OUT` on the .reg file after writing the
empty hive, with two things done for it: every key's missing ancestors are added to the
text first (hivexregedit creates a key only below one that exists), and PERL_UNICODE=D is
set, because hivexregedit otherwise reads the file as bytes and stores each byte of a UTF-8
character as a character of its own. PREFIX (default HKEY_LOCAL_MACHINE\\SOFTWARE; use
HKEY_LOCAL_MACHINE\\SYSTEM for SYSTEM and HKEY_CURRENT_USER for NTUSER.DAT) is stripped from
every [KEY], case-insensitively: [HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\App] becomes
\\Vendor\\App below the root. The .reg file is UTF-8 with Unix line ends; what regedit.exe
writes is UTF-16LE with CRLF: convert it first. Read the result back with
`hivexregedit --export HIVE '\\'`, hivexget or hivexsh.

What is written, from the published descriptions of the format (the "Windows registry file
format specification" by Maxim Suhanov; Microsoft's SECURITY_DESCRIPTOR, ACL, ACE and SID
layouts for the security cell); multi-byte fields are little-endian:

  0x0000  base block, 4096 bytes: "regf", primary and secondary sequence numbers (equal:
          the hive was written cleanly), last-written time (FILETIME), format version
          1.MINOR (default 1.5, the first with the "lh" subkey lists hivex writes), file
          type 0 (primary), file format 1, the root cell's offset, the size of the hive
          bins (4096), clustering factor 1, the file name (--file-name, UTF-16LE, at most
          31 characters), and at 0x1FC the checksum: the XOR of the 127 32-bit words before
          it. The format stores an XOR of 0 as 1 and 0xFFFFFFFF as 0xFFFFFFFE, which hivex
          does not know, so the time stamp is nudged until the XOR is neither.
  0x1000  one hive bin ("hbin", 4096 bytes, a 32-byte header); cell offsets count from the
          bin's start. Its cells (each a 32-bit size, negative when allocated, 8-byte
          multiples):
            0x20  the root key node "nk": flags KEY_HIVE_ENTRY | KEY_NO_DELETE, plus
                  KEY_COMP_NAME when the name is Latin-1 (else it is UTF-16LE), no subkeys,
                  no values, no class name (lists and class at 0xFFFFFFFF), the key
                  security cell below.
            ....  the key security cell "sk": a list of one (next and previous point to
                  itself), reference count 1, and a self-relative security descriptor:
                  owner BUILTIN\\Administrators, group SYSTEM, a DACL granting full
                  control to SYSTEM and Administrators and read access to Users,
                  inherited by subkeys. hivex gives new keys their parent's cell.
            ....  one free cell for the rest of the bin.

The time stamp is SOURCE_DATE_EPOCH when set (tests can make byte-identical hives), else
the current time. Standard library only.
"""
import argparse
import os
import re
import struct
import subprocess
import sys
import tempfile
import time

BLOCK = 4096
BIN_HEADER = 0x20
NK_FIXED = 0x4C  # the key node's fields before its name
NONE = 0xFFFFFFFF

KEY_HIVE_ENTRY = 0x0004
KEY_NO_DELETE = 0x0008
KEY_COMP_NAME = 0x0020

KEY_ALL_ACCESS = 0x000F003F
KEY_READ = 0x00020019
CONTAINER_INHERIT_ACE = 0x02


def filetime(unix_seconds):
    """100-nanosecond intervals since 1601-01-01 UTC."""
    return (int(unix_seconds) + 11644473600) * 10_000_000


def sid(authority, *subs):
    """A SID: revision 1, the sub-authority count, the 48-bit authority (big-endian), the
    sub-authorities (little-endian)."""
    return struct.pack("<BB", 1, len(subs)) + authority.to_bytes(6, "big") + \
        struct.pack(f"<{len(subs)}I", *subs)


def security_descriptor():
    system = sid(5, 18)              # S-1-5-18, LocalSystem
    admins = sid(5, 32, 544)         # S-1-5-32-544, BUILTIN\Administrators
    users = sid(5, 32, 545)          # S-1-5-32-545, BUILTIN\Users
    aces = b""
    for who, mask in ((system, KEY_ALL_ACCESS), (admins, KEY_ALL_ACCESS), (users, KEY_READ)):
        # ACCESS_ALLOWED_ACE: type 0, flags, size, mask, SID
        aces += struct.pack("<BBHI", 0, CONTAINER_INHERIT_ACE, 8 + len(who), mask) + who
    acl = struct.pack("<BBHHH", 2, 0, 8 + len(aces), 3, 0) + aces  # revision 2, 3 ACEs
    # Self-relative: revision 1, control SE_SELF_RELATIVE | SE_DACL_PRESENT, then the
    # offsets of owner, group, SACL (none) and DACL from the descriptor's start.
    dacl_at = 20
    owner_at = dacl_at + len(acl)
    group_at = owner_at + len(admins)
    return struct.pack("<BBHIIII", 1, 0, 0x8004, owner_at, group_at, 0, dacl_at) + \
        acl + admins + system


def cell(payload):
    """An allocated cell: its size (negative: in use) and the payload, padded to 8 bytes."""
    size = (4 + len(payload) + 7) & ~7
    return struct.pack("<i", -size) + payload + b"\0" * (size - 4 - len(payload))


def key_node(name, stamp, sk_offset):
    try:
        raw, flags = name.encode("latin-1"), KEY_COMP_NAME
    except UnicodeEncodeError:
        raw, flags = name.encode("utf-16-le"), 0
    flags |= KEY_HIVE_ENTRY | KEY_NO_DELETE
    fields = struct.pack(
        "<2sHQ15IHH",
        b"nk", flags, stamp,
        0,           # access bits
        0,           # parent: has no meaning for the root key
        0, 0,        # subkeys, volatile subkeys
        NONE, NONE,  # their lists
        0, NONE,     # values and their list
        sk_offset,   # key security cell
        NONE,        # class name
        0, 0, 0, 0,  # largest subkey name, class name, value name, value data
        0,           # work variable
        len(raw), 0)  # name length, class name length
    assert len(fields) == NK_FIXED
    return fields + raw


def security_cell(offset, descriptor):
    return struct.pack("<2sHIIII", b"sk", 0, offset, offset, 1, len(descriptor)) + descriptor


def hive_bin(root_name, stamp):
    nk_at = BIN_HEADER
    sk_at = nk_at + len(cell(key_node(root_name, stamp, 0)))
    nk = cell(key_node(root_name, stamp, sk_at))
    sk = cell(security_cell(sk_at, security_descriptor()))
    used = BIN_HEADER + len(nk) + len(sk)
    if used > BLOCK - 8:
        raise ValueError("root key name too long for one hive bin")
    free = struct.pack("<i", BLOCK - used) + b"\0" * (BLOCK - used - 4)
    # "hbin", its offset from the first bin, its size, reserved, time stamp, spare
    head = struct.pack("<4sIIQQI", b"hbin", 0, BLOCK, 0, stamp, 0)
    assert len(head) == BIN_HEADER
    return head + nk + sk + free, nk_at


def checksum(base):
    s = 0
    for (word,) in struct.iter_unpack("<I", base[:0x1FC]):
        s ^= word
    return s


def base_block(stamp, root_at, bins_size, minor, file_name):
    name = file_name.encode("utf-16-le")[:62]
    base = bytearray(BLOCK)
    struct.pack_into("<4sIIQIIIIIII", base, 0, b"regf", 1, 1, stamp, 1, minor, 0, 1,
                     root_at, bins_size, 1)
    base[0x30:0x30 + len(name)] = name
    struct.pack_into("<I", base, 0x1FC, checksum(base))
    return bytes(base)


def make_hive(root_name, stamp, file_name="", minor=5):
    """The hive's bytes; stamp is a FILETIME."""
    while True:
        hbin, root_at = hive_bin(root_name, stamp)
        base = base_block(stamp, root_at, len(hbin), minor, file_name)
        if checksum(base) not in (0, NONE):
            return base + hbin
        stamp += 1


def with_ancestors(text, prefix):
    """The .reg text with a [KEY] section for every ancestor below prefix that neither the
    text nor this function has listed yet, before the key, and a blank line before every
    [KEY] line (hivexregedit insists on one)."""
    head = prefix.lower() + "\\"
    listed = set()
    out = []

    def section(line):
        if out and out[-1].strip():
            out.append("")
        out.append(line)

    for line in text.splitlines():
        m = re.fullmatch(r"\[(-?)([^\]]*)\]\s*", line)
        if m and not m.group(1) and m.group(2).lower().startswith(head):
            key = m.group(2)
            parts = key[len(head):].split("\\")
            for i in range(1, len(parts)):
                up = prefix + "\\" + "\\".join(parts[:i])
                if up.lower() not in listed:
                    listed.add(up.lower())
                    section(f"[{up}]")
            listed.add(key.lower())
        if m:
            section(line)
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def merge(hive, reg, prefix):
    with open(reg, encoding="utf-8-sig") as f:
        text = with_ancestors(f.read(), prefix)
    fd, tmp = tempfile.mkstemp(suffix=".reg")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        env = dict(os.environ, PERL_UNICODE="D")
        subprocess.run(["hivexregedit", "--merge", "--prefix", prefix, hive, tmp], env=env,
                       check=True)
    finally:
        os.unlink(tmp)


def main():
    ap = argparse.ArgumentParser(
        description="Write a new, empty Windows registry hive (regf) with one root key.")
    ap.add_argument("out", help="the hive file to write (replaced if it exists)")
    ap.add_argument("--root-name", default="ROOT",
                    help="the root key's name (default ROOT; Windows uses names such as "
                         "CMI-CreateHive{GUID})")
    ap.add_argument("--file-name", default="",
                    help="the file name recorded in the base block (at most 31 characters)")
    ap.add_argument("--minor", type=int, choices=(3, 4, 5, 6), default=5,
                    help="format version 1.MINOR (default 5)")
    ap.add_argument("--merge", metavar="REG", help="then merge this .reg file (UTF-8) into it")
    ap.add_argument("--prefix", default="HKEY_LOCAL_MACHINE\\SOFTWARE",
                    help="the prefix of the .reg file's keys that is the hive's root")
    a = ap.parse_args()
    if not a.root_name or "\\" in a.root_name or len(a.root_name) > 255:
        ap.error("--root-name: 1 to 255 characters, no backslash")
    if len(a.file_name) > 31:
        ap.error("--file-name: at most 31 characters")
    stamp = filetime(int(os.environ.get("SOURCE_DATE_EPOCH", time.time())))
    data = make_hive(a.root_name, stamp, a.file_name, a.minor)
    tmp = a.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, a.out)
    if a.merge:
        merge(a.out, a.merge, a.prefix.rstrip("\\"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
