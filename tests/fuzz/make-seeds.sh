#!/bin/sh
# Writes the seed corpora in tests/fuzz/corpus/<harness>/. Every seed is made up here (no
# third-party file is copied); the generated files are committed, so run this again only
# after changing it, and commit what it writes. It overwrites its own files and leaves any
# other file in the corpus directories alone.
set -eu
cd "$(dirname "$0")"
exec python3 - <<'PY'
import os
import struct

def put(harness, name, data):
    d = os.path.join("corpus", harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    assert len(data) < 64 * 1024, name
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

# ---- ini: INI files, shell assignments, keyword lines ------------------------------------
put("ini", "empty", b"")
put("ini", "application.ini", """\
; written by hand for the fuzz corpus
[App]
Vendor=Example
Name=Browser
Version=128.3.1esr
BuildID=20240101000000

[Gecko]
MinVersion=128.3.1
""")
put("ini", "profiles.ini", """\
[Install0F00]
Default=abc.default-esr
Locked=1

[Profile1]
Name=work
IsRelative=0
Path=/srv/profiles/work

[Profile0]
Name=default
IsRelative=1
Path=abc.default-esr
Default=1

[General]
StartWithLastProfile=1
Version=2
""")
put("ini", "smb.conf", """\
# Samba test configuration
[global]
   workgroup = EXAMPLE
   Server Min Protocol = NT1
   min protocol = SMB2
   include = /etc/samba/%m.conf
   include = /etc/samba/shares.conf
[homes]
   browseable = no
""")
put("ini", "os-release", """\
PRETTY_NAME="Example Linux 12 (bookworm)"
NAME="Example Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=example
export HOME_URL='https://example.invalid/'
SUPPORT_URL=https://example.invalid/support\\ page
""")
put("ini", "quoting.sh", """\
A="double \\"quoted\\" \\$HOME \\`cmd\\` \\\\ end"
B='single '"mixed"' parts'
C=plain\\ escaped\\ blanks rest ignored
D="unterminated
E='also unterminated
F=trailing\\
G=
=novalue
export
export H=1
  I  =  spaced
J=\"\"''
""")
put("ini", "sshd_config", """\
# sshd test configuration
Include /etc/ssh/sshd_config.d/*.conf
Port 22
PermitRootLogin=no
PasswordAuthentication  yes
\tUsePAM yes
Match User backup
    PasswordAuthentication no
Match all
=only-value
AcceptEnv LANG LC_*
""")
put("ini", "xrdp.ini", """\
[Globals]
ini_version=1
port=3389
security_layer=negotiate

[Xorg]
name=Xorg
lib=libxup.so
""")
put("ini", "bom-crlf.ini", b"\xef\xbb\xbf[App]\r\nVersion = 1.0\r\n\r\n[ Sect ]\r\nKey=Value\r\n")
put("ini", "bom-only", b"\xef\xbb\xbf")
put("ini", "malformed.ini", b"""\
[unterminated
]
[]
[x]y]
noequals
=
==
key==value=more
[\x00nul\x00]
k\x00ey=va\x00lue
;comment=1
#comment=2
   [indented]
last=no newline""")
put("ini", "invalid-utf8.ini", b"[\xff\xfe]\n\xc0\xaf=\xed\xa0\x80\nname=\xe3\x81\n")
put("ini", "long-line.ini", "[App]\nVersion=" + "9" * 6000 + "\n" + "k" * 3000 + "=v\n")
put("ini", "many-sections.ini", "".join("[s%d]\nk=%d\n" % (i, i) for i in range(300)))
put("ini", "only-newlines", b"\n\n\r\n\r\r\n\n")

# ---- dpkg: the status database -------------------------------------------------------------
put("dpkg", "empty", b"")
put("dpkg", "status", """\
Package: base-files
Essential: yes
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 340
Maintainer: Someone <someone@example.invalid>
Architecture: amd64
Version: 12.4+deb12u5
Replaces: base, dpkg (<= 1.15.0)
Description: Example base system files
 This package contains the basic filesystem hierarchy.
 .
 A second paragraph.

Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library (example)

Package: samba
Status: deinstall ok config-files
Architecture: amd64
Source: samba (2:4.17.12+dfsg-0+deb12u1)
Version: 2:4.17.12+dfsg-0+deb12u1
Conffiles:
 /etc/samba/gdbcommands 3d4f4a3c0e1c5b0d0f0e0a0b0c0d0e0f

Package: gone
Status: purge ok not-installed
Architecture: all
""")
put("dpkg", "no-package.txt", """\
Status: install ok installed
Version: 1.0

Package:
Status: install ok installed

Package: ok
Version: 2
""")
put("dpkg", "odd-fields.txt", """\
package: lower-case
STATUS: install ok installed
Version:1.0-1
Source: srcname (
Architecture:

Package: paren
Source: (1.2)
Status: install
 continuation before any field
Version: 3

Package: x
Source: name (1.0) trailing
Status: a b c d e
: no key
no colon at all
""")
put("dpkg", "crlf.txt", b"Package: crlf\r\nStatus: install ok installed\r\nVersion: 1\r\n\r\nPackage: two\r\n \r\n")
put("dpkg", "blank-lines.txt", b"\n\n \n\t\n\nPackage: a\n\n\n\nPackage: b")
put("dpkg", "long-value.txt", "Package: big\nVersion: " + "1" * 5000 + "\nSource: " + "s" * 4097 +
    " (1)\nStatus: install ok installed\n")
put("dpkg", "invalid-utf8.txt", b"Package: \xff\xfe\nStatus: install ok \xc0\xaf\nVersion: \xed\xa0\x80\n")
put("dpkg", "nul-bytes.txt", b"Package: a\x00b\nStatus: install\x00ok installed\n\x00\n")
put("dpkg", "many.txt", "".join(
    "Package: p%d\nStatus: install ok installed\nVersion: %d.0\n\n" % (i, i) for i in range(200)))

# ---- procnet: /proc/net tables and rtnetlink payloads -----------------------------------
TCP_HDR = ("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
           "   uid  timeout inode\n")
put("procnet", "tcp", TCP_HDR +
    "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0"
    "        0 21345 1 0000000000000000 100 0 0 10 0\n"
    "   1: 00000000:01BD 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0"
    "        0 22001 1 0000000000000000 100 0 0 10 0\n"
    "   2: 0F02000A:0016 0102000A:C350 01 00000000:00000000 02:000A7B2C 00000000  1000"
    "        0 22002 4 0000000000000000 20 4 30 10 -1\n")
put("procnet", "tcp6",
    "  sl  local_address                         remote_address                        st\n"
    "   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A"
    " 00000000:00000000 00:00000000 00000000     0        0 23001 1 0000000000000000 100 0 0 10 0\n"
    "   1: 0000000000000000FFFF00000100007F:0CEA 00000000000000000000000000000000:0000 0A"
    " 00000000:00000000 00:00000000 00000000   107        0 23002 1 0000000000000000 100 0 0 10 0\n"
    "   2: 000080FE00000000FF005002FEB1A3C4:0202 00000000000000000000000000000000:0000 07"
    " 00000000:00000000 00:00000000 00000000     0        0 23003 2 0000000000000000 0\n")
put("procnet", "udp",
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
    "  311: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0"
    "        0 24001 2 0000000000000000 0\n"
    "  990: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101"
    "        0 24002 2 0000000000000000 0\n")
put("procnet", "route",
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
    "eth0\t0002A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
    "wg0\t00000000\t00000000\t0201\t0\t0\t0\t00000000\t0\t0\t0\n")
put("procnet", "ipv6_route",
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00"
    " fe800000000000000000000000000001 00000400 00000001 00000000 00000003 eth0\n"
    "fe800000000000000000000000000000 40 00000000000000000000000000000000 00"
    " 00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth0\n"
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00"
    " 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200 lo\n")
put("procnet", "malformed-lines", """\
   0: 0100007F:0277 00000000:0000 0A
   0 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1
   0: 0100007F:277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1
   0: 0100007F:10000 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1
   0: 100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1
   0: 0100007G:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1
   0: 0100007F:0277 00000000:0000 1FF 00000000:00000000 00:00000000 00000000 0 0 1
   0: 0100007F:0277 00000000:0000 0A 0:0 0:0 0 99999999999999999999999 0 1
   0: 0100007F:0277 00000000:0000 0A 0:0 0:0 0 18446744073709551615 0 18446744073709551616
   0: 0100007F0277 00000000:0000 0A 0:0 0:0 0 0 0 1
   0: :0277 :0000 0A 0:0 0:0 0 0 0 1
eth0 00000000 0102A8C0 0003 0 0 4294967296 00000000
eth0 0000000 0102A8C0 0003 0 0 100 00000000
eth0 00000000 0102A8C0 FFFFFFFFFFFFFFFFF 0 0 100 00000000
00000000000000000000000000000000 81 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 0 0 3 eth0
0000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 0 0 3 eth0
00000000000000000000000000000000 00 0 00 fe80000000000000000000000000000z 100000000 0 0 100000000 eth0
""")
put("procnet", "empty", b"")
put("procnet", "nul-and-utf8", b"   0: 0100007F:0277\x00 00000000:0000 0A\n\xff\xfe\n eth0\t\xc0\xaf\n")

# rtnetlink payloads: struct ifinfomsg / ifaddrmsg followed by rtattrs (host byte order).
def rta(typ, payload, length=None):
    n = 4 + len(payload) if length is None else length
    raw = struct.pack("=HH", n, typ) + payload
    return raw + b"\0" * (-len(raw) % 4)

def ifinfomsg(index, flags, typ=1):
    return struct.pack("=BBHiII", 0, 0, typ, index, flags, 0)

def ifaddrmsg(family, plen, flags, scope, index):
    return struct.pack("=BBBBI", family, plen, flags, scope, index)

IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_OPERSTATE = 1, 3, 4, 16
IFA_ADDRESS, IFA_LOCAL, IFA_FLAGS = 1, 2, 8
IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x1, 0x8, 0x40

put("procnet", "nl-link-eth0.bin", ifinfomsg(2, IFF_UP | IFF_RUNNING) +
    rta(IFLA_IFNAME, b"eth0\0") + rta(IFLA_ADDRESS, bytes.fromhex("02005e10a001")) +
    rta(IFLA_MTU, struct.pack("=I", 1500)) + rta(IFLA_OPERSTATE, b"\x06"))
put("procnet", "nl-link-lo.bin", ifinfomsg(1, IFF_UP | IFF_LOOPBACK, 772) +
    rta(IFLA_IFNAME, b"lo\0") + rta(IFLA_ADDRESS, b"\0" * 6) + rta(IFLA_MTU, struct.pack("=I", 65536)))
put("procnet", "nl-link-name-no-nul.bin", ifinfomsg(3, 0) + rta(IFLA_IFNAME, b"wlan0xyz"))
put("procnet", "nl-link-long-mac.bin", ifinfomsg(4, 0) + rta(IFLA_IFNAME, b"ib0\0") +
    rta(IFLA_ADDRESS, bytes(range(40))) + rta(IFLA_MTU, struct.pack("=I", 0xFFFFFFFF)) +
    rta(IFLA_OPERSTATE, b""))
put("procnet", "nl-link-rta-len-zero.bin", ifinfomsg(5, 0) + struct.pack("=HH", 0, IFLA_IFNAME) + b"eth1\0\0\0\0")
put("procnet", "nl-link-rta-len-huge.bin", ifinfomsg(6, 0) + rta(IFLA_IFNAME, b"eth2\0", length=0xFFFF))
put("procnet", "nl-link-truncated-attr.bin", ifinfomsg(7, 0) + rta(IFLA_IFNAME, b"eth3\0")[:6])
put("procnet", "nl-link-short-header.bin", ifinfomsg(8, 0)[:12])
put("procnet", "nl-addr-v4.bin", ifaddrmsg(2, 24, 0x80, 0, 2) +
    rta(IFA_ADDRESS, bytes([192, 168, 2, 15])) + rta(IFA_LOCAL, bytes([192, 168, 2, 15])) +
    rta(IFA_FLAGS, struct.pack("=I", 0x80)))
put("procnet", "nl-addr-v4-ptp.bin", ifaddrmsg(2, 32, 0, 0, 9) +
    rta(IFA_ADDRESS, bytes([10, 8, 0, 1])) + rta(IFA_LOCAL, bytes([10, 8, 0, 2])))
put("procnet", "nl-addr-v6.bin", ifaddrmsg(10, 64, 0x01, 253, 2) +
    rta(IFA_ADDRESS, bytes.fromhex("fe80000000000000020000fffe10a001")) +
    rta(IFA_FLAGS, struct.pack("=I", 0x301)))
put("procnet", "nl-addr-v6-global.bin", ifaddrmsg(10, 64, 0, 0, 2) +
    rta(IFA_ADDRESS, bytes.fromhex("20010db8000000000000000000000042")))
put("procnet", "nl-addr-bad-family.bin", ifaddrmsg(17, 24, 0, 0, 2) + rta(IFA_ADDRESS, b"\x01\x02\x03\x04"))
put("procnet", "nl-addr-wrong-len.bin", ifaddrmsg(2, 24, 0, 0, 2) + rta(IFA_ADDRESS, b"\x01\x02\x03"))
put("procnet", "nl-addr-plen-too-big.bin", ifaddrmsg(2, 33, 0, 0, 2) + rta(IFA_ADDRESS, b"\x01\x02\x03\x04"))
put("procnet", "nl-addr-flags-short.bin", ifaddrmsg(2, 8, 0, 0, 2) + rta(IFA_FLAGS, b"\x01\x02") +
    rta(IFA_ADDRESS, b"\x0a\x00\x00\x01"))

# ---- addr: IP address text, and raw bytes for the formatter -----------------------------
for i, s in enumerate([
        "127.0.0.1", "0.0.0.0", "255.255.255.255", "192.168.1.1", "100.64.0.1", "203.0.113.9",
        "8.8.8.8", "192.168.001.1", "256.1.1.1", "1.2.3", "1.2.3.4.", "1.2.3.4 ", " 1.2.3.4",
        "01.2.3.4", "4294967296", "1..2.3", "::", "::1", "1::", "2001:db8::1", "fe80::1%eth0",
        "::ffff:192.0.2.1", "::ffff:0:0", "64:ff9b::1.2.3.4", "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7:8:9", "1::2::3", ":::", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:",
        "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4", "2001:0db8:0000:0000:0000:ff00:0042:8329",
        "2001:db8:0:0:1:0:0:1", "ff02::1", "fc00::", "2002:c000:0204::", "2001::1", "12345::",
        "g::1", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "0:0:0:0:0:0:0:0",
        "1111:2222:3333:4444:5555:6666:123.123.123.123", ""]):
    put("addr", "text-%02d" % i, s)
put("addr", "nul-inside", b"1.2\x003.4")
put("addr", "invalid-utf8", b"\xff::1")
# Raw: first byte odd = IPv6, even = IPv4; then the address bytes.
put("addr", "raw-v6-zero-runs", b"\x01" + bytes.fromhex("00010000000000020000000000000003"))
put("addr", "raw-v6-two-runs", b"\x01" + bytes.fromhex("00000000000100000000000100000000"))
put("addr", "raw-v6-mapped", b"\x01" + bytes.fromhex("00000000000000000000ffffc0000201"))
put("addr", "raw-v6-single-zero", b"\x01" + bytes.fromhex("20010db8000000010001000100010001"))
put("addr", "raw-v4", b"\x00\xc0\xa8\x00\x01")

# ---- escape: strings for terminal, HTML, CSV and JSON --------------------------------------
put("escape", "empty", b"")
put("escape", "plain", "openssh-server 1:9.2p1-2+deb12u3")
put("escape", "ansi", b"\x1b[31mred\x1b[0m \x1b]0;title\x07 \x1b[2J\r\x08\x7f")
put("escape", "bidi", "invoice\u202egpj.exe \u2066x\u2069 \u200e\u200f\u061c")
put("escape", "html", "<script>alert('x')</script> & \"q\" &amp; <img src=x onerror=y>")
put("escape", "csv-formula-eq", "=HYPERLINK(\"http://example.invalid\",\"click\")")
put("escape", "csv-formula-others", "+1+1")
put("escape", "csv-minus", "-2+3")
put("escape", "csv-at", "@SUM(A1:A2)")
put("escape", "csv-tab", "\t=1")
put("escape", "csv-quotes", "a\"\"b\"c\"")
put("escape", "invalid-utf8", b"\x80 \xbf \xc0\xaf \xc1\xbf \xe0\x80\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xf8\x88\x80\x80\x80 \xfe\xff")
put("escape", "truncated-utf8", b"abc\xe3\x81")
put("escape", "c1-controls", b"\xc2\x80\xc2\x85\xc2\x9b31m\xc2\x9f\xc2\xa0")
put("escape", "nul-bytes", b"a\x00b\x00\x00")
put("escape", "japanese", "ネットワーク設定 — 検出 ✓ 😀")
put("escape", "json-specials", "\\ \" / \b \f \n \r \t \u2028 \u2029")
put("escape", "all-bytes", bytes(range(256)))

# ---- json: the reader (files on the scanned system) and the writer -------------------------
put("json", "empty", b"")
put("json", "manifest.json", """\
{
  "manifest_version": 3,
  "name": "__MSG_appName__",
  "version": "1.4.2",
  "default_locale": "en",
  "description": "__MSG_appDesc__",
  "permissions": ["storage", "tabs"],
  "background": {"service_worker": "bg.js"}
}
""")
put("json", "messages.json", '{"appName":{"message":"Example Helper","description":"name"},'
    '"APPNAME":{"message":"upper"},"appDesc":{"message":"Does things"}}')
put("json", "preferences.json", '{"extensions":{"settings":{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":'
    '{"state":1,"disable_reasons":0},"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb":{"disable_reasons":[1]}}},'
    '"profile":{"name":"Person 1"}}')
put("json", "firefox-extensions.json", '{"schemaVersion":36,"addons":[{"id":"helper@example.invalid",'
    '"type":"extension","location":"app-profile","version":"2.0","active":true,'
    '"defaultLocale":{"name":"Helper"},"path":"/home/u/x.xpi"},{"id":"b@x","type":"theme",'
    '"location":"app-builtin","active":false},{"id":null}]}')
put("json", "asar-table.json", '{"files":{"package.json":{"size":42,"offset":"0"},'
    '"dist":{"files":{"main.js":{"size":10,"offset":"42","unpacked":false}}}}}')
put("json", "build-info.json", '{"releaseChannel":"stable","version":"0.0.71"}')
put("json", "bom.json", b'\xef\xbb\xbf{"version":"1"}')
put("json", "deep-ok.json", "[" * 200 + "]" * 200)
put("json", "deep-too-deep.json", "[" * 3000 + "]" * 3000)
put("json", "deep-objects.json", '{"a":' * 500 + "1" + "}" * 500)
put("json", "truncated.json", '{"name":"x","version":"1.')
put("json", "numbers.json", '[1e400,-1e400,-0,0.1,99999999999999999999999,-9223372036854775808,'
    '9223372036854775808,1E-400,123456789012345678901234567890e-10]')
put("json", "strings.json", b'{"nul":"a\\u0000b","pair":"\\ud83d\\ude00","lone":"\\ud800",'
    b'"raw":"\xff\xfe","ctl":"\x01","esc":"\\q"}')
put("json", "scalar.json", b"42")
put("json", "duplicate-keys.json", '{"version":"1","version":"2","name":{"version":3}}')
put("json", "nested-name.json", '{"defaultLocale":{"name":["not","a","string"]},"name":{"x":1}}')
put("json", "long-key.json", '{"' + "k" * 300 + '":{"y":"deep key"}}')
put("json", "invalid-utf8", b"\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80")
put("json", "key-equals-v", b"v\0\0\0\0\0\0\0ll")  # once tripped the harness itself
put("json", "binary-ops.bin", bytes([1, 0, 3, 5, 65, 66, 67, 68, 69, 4] + [0xff] * 8 + [6, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0] +
    [6] + list(struct.pack(">d", 1e-310)) + [5] + [0xff] * 8 + [9, 2, 107, 49, 3, 120, 121, 122, 1] +
    [1] * 70 + [2] * 70))

# ---- scan: whole files trees, parts separated by "\n----\n" -------------------------------
SEP = b"\n----\n"

def asar(package_json):
    table = ('{"files":{"package.json":{"size":%d,"offset":"0"}}}' % len(package_json)).encode()
    pad = b"\0" * (-len(table) % 4)
    header_size = 8 + len(table) + len(pad)
    return (struct.pack("<IIII", 4, header_size, header_size - 4, len(table)) + table + pad +
            package_json)

def scan(name, parts):
    put("scan", name, SEP.join(p.encode() if isinstance(p, str) else p for p in parts))

PASSWD = "bob:x:1001:1001:Bob:/home/bob:/bin/sh\n"
STATUS = ("Package: samba\nStatus: install ok installed\nVersion: 2:4.13.1+dfsg-1\n"
          "Architecture: amd64\n\nPackage: teams\nStatus: install ok installed\n"
          "Version: 1.5.00.23861\n\nPackage: openssh-server\nStatus: install ok installed\n"
          "Source: openssh (1:9.2p1-2)\nVersion: 1:9.2p1-2\n")
OSREL = 'NAME="Example"\nID=example\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
SMB = "[global]\n  server min protocol = NT1\n  include = /etc/samba/none.conf\n"
SSHD = "PermitRootLogin yes\nPasswordAuthentication yes\nMatch User x\nPasswordAuthentication no\n"
MANIFEST = '{"name":"__MSG_appName__","version":"3.1","default_locale":"en"}'
MESSAGES = '{"appname":{"message":"Resolved Name"}}'
PREFS = '{"extensions":{"settings":{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":{"state":0}}}}'
PROFILES = "[Profile0]\nName=default\nIsRelative=1\nPath=p\n"
FFEXT = ('{"addons":[{"id":"x@example.invalid","type":"extension","location":"app-profile",'
         '"version":"1.0","active":true,"defaultLocale":{"name":"X"}}]}')
SNAP = "name: x\nversion: '2.3'\ntype: app\n"
METAINFO = ('<?xml version="1.0"?>\n<component type="desktop-application"><id>a.b</id>'
            '<releases>\n<release version="5.6" date="2024-01-01"/>\n<release version="5.5"/>'
            '</releases></component>\n')
FULL = [PASSWD, STATUS, OSREL, SMB, SSHD, MANIFEST, MESSAGES, PREFS, PROFILES, FFEXT,
        asar(b'{"name":"teams","version":"1.5.00.23861"}'), SNAP, METAINFO]

scan("empty", [""])
scan("realistic", FULL)
scan("passwd-only", ["alice2:x:1002:1002::/home/alice:/bin/bash\n"])
scan("dpkg-only", ["", STATUS])
p = list(FULL)
p[0] = ("+::::::\n#comment\nsys:x:5:5::/:/usr/sbin/nologin\nrel:x:2000:2000::home/rel:/bin/sh\n"
        "big:x:99999999999999999999:1::/home/big:/bin/sh\nshort:x:1\n:x:1003:1003::/home/e:\n"
        "etc:x:1004:1004::/etc:/bin/sh\n")
p[3] = "[global]\ninclude = /etc/samba/smb.conf\nmin protocol = CORE\n"
p[4] = ("Include /etc/ssh/sshd_config\nInclude *\nInclude sshd_config.d/*.conf\nPermitRootLogin\n"
        "PasswordAuthentication no\n")
p[5] = '{"name":"__MSG_x__","default_locale":"../../../../etc"}'
p[6] = '["not an object"]'
p[7] = '{"extensions":{"settings":{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":{"disable_reasons":[1,2]}}}}'
p[8] = ("[Profile0]\nPath=/etc\nIsRelative=0\n[Profile1]\nPath=../../../../..\n[Profile2]\n"
        "IsRelative=1\n[Profile3]\nPath=p\nPath=p\n")
p[9] = '{"addons":{"not":"an array"}}'
p[10] = asar(b'{"version":["x"]}')
p[11] = "version: \"\nversion: 'x'\n"
p[12] = '<releases><release\nversion=\'9.9\'></release version="x">'
scan("hostile", p)
p = list(FULL)
p[5] = "{"
p[6] = ""
p[7] = "[" * 100
p[9] = '{"addons":[1,"two",null,{"id":5},{"id":"a","type":"dictionary"}]}'
p[10] = b"\x04\x00\x00\x00\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff\xff\x7f"
p[11] = ""
p[12] = "<release"
scan("truncated", p)
p = list(FULL)
p[10] = struct.pack("<IIII", 4, 64, 60, 52) + b'{"files":{"package.json":{"size":9,"offset":"999"}}}'
p[5] = b'{"name":"\xff\xfe bad utf8 \x1b[31m","version":"\\u202e1.0"}'
p[2] = b'NAME="\xff\xfe"\nPRETTY_NAME=\'\x1b]0;x\x07\'\nID=\nVERSION_ID="1\n'
scan("bad-bytes", p)
# An Include glob that matches nothing once passed NULL to qsort (services.c).
scan("sshd-include-nomatch", ["", "", "", "", "Include /etc/ssh/[\nInclude /etc/ssh/none/*\n"])
# Files that include themselves many times: reads must stay bounded (once took days).
scan("smb-include-fanout", ["", "", "", "[global]\n" + "include = /etc/samba/smb.conf\n" * 8])
scan("sshd-include-fanout", ["", "", "", "", "Include /etc/ssh/sshd_config\n" * 8])
scan("separators-only", [""] * 13 + ["extra part after the last file"])

# ---- vercmp: three versions, one per line; the whole input is also read as a range -------
put("vercmp", "empty", b"")
put("vercmp", "dpkg", "1.0~rc1\n1.0\n1:0.9-1+deb12u1")
put("vercmp", "dpkg-tilde", "1.0~~\n1.0~\n1.0~~a")
put("vercmp", "dpkg-revision", "3.0.11-1~deb12u2\n3.0.11-1\n2.0-1~bpo12+1")
put("vercmp", "rpm", "1.0^git1\n1.0.1\n1.0~rc1^1")
put("vercmp", "rpm-release", "1.0-1.el9\n1.0-1.el9_2\n2:1.0")
put("vercmp", "semver", "1.0.0-alpha.1\n1.0.0-alpha.beta\nv1.0.0+build.5")
put("vercmp", "dotted", "115.5.0esr\n115.5.0b2\n10.0.19041.3803")
put("vercmp", "ext", "1.1.9.9999\n1.2.0\n0.10")
put("vercmp", "panos", "10.2.9-h1\n10.2.10\n10.2.9")
put("vercmp", "ivanti", "22.7R2.5\n22.7R2.10\n9.1R18.2")
put("vercmp", "netscaler", "13.1-49.15\n13.1-49.9\n13.1 build 49.15")
put("vercmp", "asa-sonicwall", "9.16(4)38\n9.16.4.38\n10.2.1.14-81sv")
put("vercmp", "range-two", ">= 1.0, < 1.2")
put("vercmp", "range-lines", "< 1.2\n= 1.0.3\n*")
put("vercmp", "range-bad", "> 1, > 2, < 3\n<< 1.2\n>= 1.0,")
put("vercmp", "epochs", "99999999999999999999:1\n+1:1.0\n-0:1.0")
put("vercmp", "bytes", b"\x00\xe9~\n\xff^:\n-~-\x80")
put("vercmp", "long-digits", "9" * 5000 + "\n" + "9" * 4999 + "8\n" + "1." * 1000)
put("vercmp", "separators", "...\n---\n~~~^^^")
# ---- jsonr: the streaming JSON reader; the first byte also seeds the chunk sizes ----------
put("jsonr", "empty", b"")
put("jsonr", "whitespace", b" \t\r\n ")
put("jsonr", "nested.json", '{"a":[1,{"b":null}],"c":true,"d":false,"e":"s","f":{},"g":[[],[{}]]}')
put("jsonr", "scalars.json", '[0,-0,1.5,-2.5e-3,1E+9,123456789012345678901234567890,"",null]')
put("jsonr", "escapes.json", b'["\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u20AC","\\ud83d\\ude00","a\\u0000b"]')
put("jsonr", "utf8.json", '{"\u65e5\u672c":"\u00e9\U0001F600\u20ac","k":"\u30cd\u30c3\u30c8"}')
put("jsonr", "nvd-like.json", """\
{"resultsPerPage":1,"format":"NVD_CVE","version":"2.0","vulnerabilities":[
 {"cve":{"id":"CVE-2099-0001","vulnStatus":"Analyzed",
  "descriptions":[{"lang":"en","value":"Example Tool before 2.5."}],
  "metrics":{"cvssMetricV31":[{"cvssData":{"baseScore":9.8,"baseSeverity":"CRITICAL"}}]},
  "configurations":[{"nodes":[{"operator":"OR","negate":false,"cpeMatch":[
   {"vulnerable":true,"criteria":"cpe:2.3:a:example:tool:*:*:*:*:*:*:*:*",
    "versionEndExcluding":"2.5"}]}]}]}}]}
""")
put("jsonr", "deep-128.json", "[" * 128 + "]" * 128)
put("jsonr", "deep-129.json", "[" * 129 + "]" * 129)
put("jsonr", "deep-objects.json", '{"a":' * 130 + "1" + "}" * 130)
put("jsonr", "long-string.json", '"' + "x\\u00e9" * 2000 + '"')
put("jsonr", "bom.json", b"\xef\xbb\xbf{}")
put("jsonr", "nul-after-number", b" \t\r4\x00")  # jansson accepts it: once tripped the harness
for i, doc in enumerate([
        b'"\\ud800"', b'"\\udc00"', b'"\\ud83d\\u0041"', b'"\\ud83dx"', b'"\\q"', b'"\\u12g4"',
        b'"\\u12"', b'"a\x01"', b'"a\nb"', b'"\xff"', b'"\xc0\xaf"', b'"\xed\xa0\x80"',
        b'"\xf4\x90\x80\x80"', b'"\xe3\x81"', b"01", b"1.", b"-", b".5", b"1e", b"+1", b"1 2",
        b"{} x", b"[]]", b'"abc', b"[1,2", b'{"a":1', b'{"a" 1}', b"[1 2]", b"[1,]",
        b'{"a":1,}', b"{,}", b"tru", b"nulll", b"[\"\xc3\xa9\", x]", b'{"a":1}{',
        b'[1,{"b":[2,"\\u00', b"\x00", b"NaN", b"[-]"]):
    put("jsonr", "bad-%02d" % i, doc)

# ---- stanza: data files ("field: value" stanzas) ------------------------------------------
put("stanza", "empty", b"")
put("stanza", "catalog.txt", """\
# A fictional product.
id: example-tool
name: Example Tool
vendor: Example
cpe: example:tool
match.package: example-tool
match.name: Example Tool*
line: 2 | latest 2.9.0 | released 2099-01-01 | eol -
line: 1 | latest 1.9.9 | released 2019-01-01 | eol 2020-06-30

id: other
name: Other
""")
put("stanza", "continuation.txt", "title: first\n  second\n\tthird\nnext: x\nempty:\n more\n\na: 1\n 2\n 3\n")
put("stanza", "comments.txt", "# c\n#\nid: x # kept\n  # indented comment\n # another\n\n# between\n\nid: y\n")
put("stanza", "bom-crlf.txt", b"\xef\xbb\xbfid: x\r\nname: y\r\n  z\r\n\r\nid: w\r\n")
put("stanza", "repeated.txt", "source: a\nsource: b\nname: n\nsource: c\n")
put("stanza", "blank-lines.txt", "\n\n \t \na: 1\n\n\n\nb: 2\n   \n")
put("stanza", "err-continuation.txt", " starts with a blank\n")
put("stanza", "err-continuation-later.txt", "a: 1\n\n  orphan\n")
put("stanza", "err-no-colon.txt", "a: 1\nno colon here\n")
put("stanza", "err-empty-name.txt", "a: 1\n: value\n")
put("stanza", "colons.txt", "url: https://example.invalid:8080/x\nk::v\n:\n")
put("stanza", "many-fields.txt", "".join("f: %d\n" % i for i in range(4097)))
put("stanza", "many-stanzas.txt", "".join("id: %d\nx: y\n  z\n\n" % i for i in range(300)))
put("stanza", "nul-bytes.txt", b"k\x00y: v\x00w\n\x00\nn: \xff\xfe\n")
put("stanza", "long-continuation.txt", "t: a\n" + " b\n" * 3000)

# ---- bundle: saved bundles read back ------------------------------------------------------
import copy
import json

BUNDLE = {
    "format": "tenken-bundle", "format_version": 1,
    "bundle_id": "0b5e7a52-3c1d-4f7e-9a8b-1c2d3e4f5a6b",
    "host": {"hostname": "pc-01", "endpoint_id": "e1",
             "os": {"family": "linux", "id": "debian", "version_id": "12",
                    "name": "Debian GNU/Linux 12 (bookworm)", "codename": "bookworm"},
             "kernel": {"release": "6.1.0-18-amd64", "version": "#1 SMP"},
             "arch": "x86_64", "boot_time": "2023-11-14T22:13:20Z", "timezone": "Asia/Tokyo",
             "collector_version": "0.1.0", "started_at": "2023-11-14T22:15:00Z",
             "finished_at": "2023-11-14T22:16:00Z"},
    "scan": {"root": "/", "live": True, "privileged": False, "users_complete": True,
             "collectors": [{"name": "dpkg", "items": 2, "errors": 0, "seconds": 0.01}]},
    "inventory": [
        {"name": "samba", "version": "2:4.13.1+dfsg-1", "source": "dpkg", "kind": "package",
         "arch": "amd64", "status": "installed", "source_package": "samba",
         "source_version": "2:4.13.1+dfsg-1"},
        {"name": "Helper", "version": "2.0", "source": "browser-extension", "kind": "extension",
         "id": "helper@example.invalid", "browser": "firefox", "profile": "p", "user": "bob",
         "enabled": False, "version_from": "extensions.json"},
        {"name": "Example Tool", "version": None, "source": "dir", "kind": "application",
         "path": "/opt/example", "enabled": True},
    ],
    "network": {
        "collected": True,
        "interfaces": [
            {"name": "lo", "index": 1, "state": "unknown", "mtu": 65536, "loopback": True,
             "addresses": [{"address": "127.0.0.1", "prefix": 8, "family": "inet",
                            "class": "loopback", "scope": "host"}]},
            {"name": "eth0", "index": 2, "mac": "52:54:00:12:34:56", "state": "up", "mtu": 1500,
             "loopback": False,
             "addresses": [{"address": "203.0.113.7", "prefix": 24, "family": "inet",
                            "class": "public", "scope": "global"},
                           {"address": "2001:db8::5", "prefix": 64, "family": "inet6",
                            "class": "documentation", "scope": "global", "temporary": True}]}],
        "default_routes": [{"family": "inet", "gateway": "203.0.113.1", "interface": "eth0",
                            "metric": 100}],
        "listening": [
            {"proto": "tcp", "family": "inet", "address": "0.0.0.0", "port": 445, "pid": 812,
             "process": "smbd", "uid": 0},
            {"proto": "tcp", "family": "inet6", "address": "::", "port": 3389, "pid": None,
             "process": None, "uid": 117},
            {"proto": "tcp", "family": "inet", "address": "0.0.0.0", "port": 22, "pid": 700,
             "process": "sshd", "uid": 0}],
        "services": {
            "smb": {"product": "samba", "installed": True, "listening": True,
                    "sockets": ["/network/listening/0"], "config": "/etc/samba/smb.conf",
                    "min_protocol": "NT1", "min_protocol_basis": "setting", "smb1_allowed": True},
            "rdp": {"product": "xrdp", "installed": True, "listening": True,
                    "sockets": ["/network/listening/1"]},
            "ssh": {"product": "openssh", "installed": True, "listening": True,
                    "sockets": ["/network/listening/2"], "config": "/etc/ssh/sshd_config",
                    "password_authentication": True, "permit_root_login": "yes"}},
        "firewall": {"loaded": False, "evidence": ["nftables: no ruleset"]}},
    "analysis": {"kb": None, "kb_date": None, "analyzed_at": None},
    "findings": [],
    "errors": [{"collector": "dpkg", "path": "/var/lib/dpkg/status", "kind": "parse",
                "message": "line 3: no Package field"},
               {"collector": "users", "path": None, "kind": "permission", "message": "denied"}],
    "dropped": {"inventory": 0, "errors": 0},
}

def bundle(name, edit=None, raw=None):
    if raw is not None:
        put("bundle", name, raw)
        return
    b = copy.deepcopy(BUNDLE)
    if edit:
        edit(b)
    put("bundle", name, json.dumps(b, ensure_ascii=False, indent=None, separators=(",", ":")))

def setp(pointer, value):
    def edit(b):
        *path, last = pointer.strip("/").split("/")
        cur = b
        for k in path:
            cur = cur[int(k)] if isinstance(cur, list) else cur[k]
        if value is DELETE:
            del cur[int(last) if isinstance(cur, list) else last]
        elif isinstance(cur, list):
            cur[int(last)] = value
        else:
            cur[last] = value
    return edit

DELETE = object()
bundle("full.json")
put("bundle", "full-pretty.json", json.dumps(BUNDLE, indent=2))
bundle("minimal.json", raw=json.dumps({
    "format": "tenken-bundle", "format_version": 1,
    "bundle_id": "00000000-0000-4000-8000-000000000000", "host": {"os": {"family": "linux"}},
    "scan": {}, "inventory": [], "network": {"interfaces": [], "default_routes": [],
                                              "listening": []}}))
bundle("empty", raw=b"")
bundle("array-root", raw=b"[]")
bundle("scalar-root", raw=b"42")
bundle("truncated.json", raw=json.dumps(BUNDLE)[:700])
for i, (ptr, val) in enumerate([
        ("/format_version", 2), ("/format_version", "1"), ("/format", "other"),
        ("/bundle_id", "short"), ("/host", 5), ("/host/os/family", "plan9"),
        ("/host/kernel", []), ("/host/kernel/release", 1), ("/host/boot_time", "yesterday"),
        ("/host/started_at", "2023-11-14T22:13:20+09:00"), ("/host/finished_at", 1700000000),
        ("/host/boot_time", "2023-02-31T23:59:60Z"), ("/host/boot_time", "-999-01-01T00:00:00Z"),
        ("/host/boot_time", "9999-99-99T99:99:99Z"),  # once accepted, then written as year 10007
        ("/scan", []), ("/scan/live", "yes"), ("/inventory", {}), ("/inventory/0", "x"),
        ("/inventory/0/name", None), ("/inventory/0/source", "apt"), ("/inventory/1/kind", "virus"),
        ("/inventory/1/enabled", "yes"), ("/network", None), ("/network/interfaces", "eth0"),
        ("/network/interfaces/1/addresses/0", "10.0.0.1"),
        ("/network/interfaces/1/addresses/0/address", "not an address"),
        ("/network/interfaces/1/addresses/0/family", "inet6"),
        ("/network/interfaces/1/state", "sideways"), ("/network/interfaces/1/index", 2 ** 40),
        ("/network/interfaces/1/mtu", -5), ("/network/default_routes/0", "x"),
        ("/network/listening/0/port", 70000), ("/network/listening/0/port", 4294967376),
        ("/network/listening/0/port", -1), ("/network/listening/0/pid", -5),
        ("/network/listening/0/proto", "sctp"),
        ("/network/services/smb/sockets/0", "/network/listening/99"),
        ("/network/services/smb/sockets/0", "/network/listening/-1"),
        ("/network/services/smb/sockets/0", "/network/listening/0x"),
        ("/network/services/smb", 5), ("/network/services/ssh/sockets", "/network/listening/2"),
        ("/network/services", []), ("/network/firewall", True),
        ("/network/firewall/evidence", [5, None, "x", {}]), ("/errors", 5),
        ("/errors/0", "x"), ("/errors/0/kind", "nonsense"), ("/errors/0/collector", None),
        ("/inventory/0/name", "a\u0000b"), ("/host/hostname", "\u202e\u0007\x1b[31m"),
        ("/bundle_id", "0b5e7a52-3c1d-4f7e-9a8b-1c2d3e4f5a6\u00e9"),
        ("/host/os/family", DELETE), ("/network/listening", DELETE)]):
    bundle("hostile-%02d.json" % i, setp(ptr, val))
big = copy.deepcopy(BUNDLE)
big["network"]["listening"] = [{"proto": "tcp", "family": "inet", "address": "0.0.0.0",
                                "port": p, "pid": None, "process": None, "uid": 0}
                               for p in range(20, 140)]
big["network"]["services"]["smb"]["sockets"] = ["/network/listening/%d" % i for i in range(120)]
bundle("many-sockets.json", raw=json.dumps(big, separators=(",", ":")))
bundle("deep.json", raw="[" * 3000 + "]" * 3000)
bundle("duplicate-keys.json", raw=json.dumps(BUNDLE)[:-1] + ',"inventory":[]}')

# ---- import: knowledge-base feeds; the first byte picks the importer ----------------------
# (byte % 5: 0 NVD, 1 KEV, 2 EPSS, 3 OSV, 4 JVN; + 0x80: import the feed twice)
def feed(name, which, data, twice=False):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    put("import", name, bytes([which | (0x80 if twice else 0)]) + data)

def nvd_cve(cve_id, status="Analyzed", configs=None, metrics=None, desc="Example Tool flaw."):
    c = {"id": cve_id, "published": "2099-01-01T00:00:00.000",
         "lastModified": "2099-01-05T00:00:00.000", "vulnStatus": status,
         "descriptions": [{"lang": "en", "value": desc}]}
    if metrics is not None:
        c["metrics"] = metrics
    if configs is not None:
        c["configurations"] = configs
    return {"cve": c}

def cpe_match(criteria, vulnerable=True, **bounds):
    m = {"vulnerable": vulnerable, "criteria": criteria, "matchCriteriaId": "X"}
    m.update(bounds)
    return m

def nvd(vulns, **extra):
    doc = {"resultsPerPage": len(vulns), "startIndex": 0, "totalResults": len(vulns),
           "format": "NVD_CVE", "version": "2.0", "timestamp": "2099-01-10T00:00:00.000",
           "vulnerabilities": vulns}
    doc.update(extra)
    return json.dumps(doc)

TOOL = "cpe:2.3:a:example:tool:*:*:*:*:*:*:*:*"
CVSS31 = {"cvssMetricV31": [{"source": "nvd@nist.gov", "type": "Primary", "cvssData": {
    "version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "baseScore": 9.8, "baseSeverity": "CRITICAL"}}],
    "cvssMetricV40": [{"cvssData": {"version": "4.0", "baseScore": 9.3,
                                    "vectorString": "CVSS:4.0/AV:N", "baseSeverity": "CRITICAL"}}]}
GOOD_NVD = nvd([
    nvd_cve("CVE-2099-0001", metrics=CVSS31, configs=[{"nodes": [{"operator": "OR", "negate": False,
        "cpeMatch": [cpe_match(TOOL, versionStartIncluding="2.0", versionEndExcluding="2.5")]}]}]),
    nvd_cve("CVE-2099-0002", configs=[{"operator": "AND", "nodes": [
        {"operator": "OR", "negate": False, "cpeMatch": [cpe_match(TOOL, versionEndExcluding="3.0")]},
        {"operator": "OR", "negate": False, "cpeMatch": [
            cpe_match("cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*", vulnerable=False)]}]}]),
    nvd_cve("CVE-2099-0003", configs=[{"nodes": [{"operator": "OR", "negate": False,
        "cpeMatch": [cpe_match(TOOL)]}]}]),
    nvd_cve("CVE-2099-0004", configs=[{"nodes": [{"operator": "OR", "negate": True,
        "cpeMatch": [cpe_match("cpe:2.3:a:example:tool:2.4.1:*:*:*:*:*:*:*")]}]}]),
    nvd_cve("CVE-2099-0005", status="Rejected", configs=[]),
])
feed("nvd-good.json", 0, GOOD_NVD)
feed("nvd-good-twice.json", 0, GOOD_NVD, twice=True)
feed("nvd-empty-list.json", 0, nvd([]))
feed("nvd-no-vulns.json", 0, '{"format":"NVD_CVE","version":"2.0"}')
feed("nvd-vulns-object.json", 0, '{"vulnerabilities":{"cve":{}}}')
feed("nvd-truncated.json", 0, GOOD_NVD[:len(GOOD_NVD) // 2])
feed("nvd-trailing.json", 0, GOOD_NVD + "{}")
feed("nvd-array-root.json", 0, "[" + GOOD_NVD + "]")
feed("nvd-cve-types.json", 0, nvd([{"cve": {"id": 5, "vulnStatus": [], "descriptions": "x",
    "metrics": {"cvssMetricV31": [{"cvssData": {"baseScore": "high"}}]},
    "configurations": {"nodes": 1}}}, {"cve": None}, {"notcve": 1}, 7, "x"]))
feed("nvd-odd-cpes.json", 0, nvd([nvd_cve("CVE-2099-0010", configs=[{"nodes": [{"operator": "XOR",
    "negate": "yes", "cpeMatch": [
        cpe_match("cpe:2.3:a:example\\:corp:tool\\*:1\\.0:*:*:*:*:*:*:*"),
        cpe_match("cpe:2.3:a"), cpe_match(""), cpe_match("cpe:2.3:" + ":" * 40),
        cpe_match("cpe:2.3:a:example:tool:-:*:*:*:*:*:*:*", versionEndIncluding=""),
        cpe_match(TOOL, versionStartExcluding="9" * 300, versionEndIncluding="\u00e9\x00"),
        cpe_match("cpe:2.3:a:\\\\:\\\\\\:\\:*:*:*:*:*:*:*:*:*:*:*:*:*")]}]}])]))
feed("nvd-deep-nodes.json", 0, nvd([nvd_cve("CVE-2099-0011", configs=[{"nodes": [
    {"operator": "OR", "children": [{"nodes": [{"cpeMatch": [[[[[[[[[[[]]]]]]]]]]]}]}],
     "cpeMatch": [cpe_match(TOOL)] * 10}] * 5}])]))
feed("nvd-bad-ids.json", 0, nvd([nvd_cve(""), nvd_cve("CVE-"), nvd_cve("CVE-2099-0001\n"),
                                 nvd_cve("x" * 3000)]))
feed("nvd-duplicate.json", 0, nvd([nvd_cve("CVE-2099-0001", configs=[{"nodes": [{"operator": "OR",
    "cpeMatch": [cpe_match(TOOL, versionEndExcluding="2.5")]}]}])] * 3))
feed("nvd-escapes.json", 0, nvd([nvd_cve("CVE-2099-0012", desc="\u0000\u202e<script>\"\\ \ud83d\ude00",
    configs=[{"nodes": [{"operator": "OR", "cpeMatch": [cpe_match(TOOL)]}]}])]))
feed("nvd-not-json", 0, "\x00\xff not json")

KEV = {"title": "t", "catalogVersion": "2099.01.01", "dateReleased": "2099-01-01T00:00:00Z",
       "count": 2, "vulnerabilities": [
           {"cveID": "CVE-2099-0001", "vendorProject": "Example", "product": "Tool",
            "vulnerabilityName": "Example Tool flaw", "dateAdded": "2099-01-02",
            "shortDescription": "s", "requiredAction": "r", "dueDate": "2099-01-23",
            "knownRansomwareCampaignUse": "Known", "notes": "", "cwes": ["CWE-787"]},
           {"cveID": "CVE-2099-0009", "vendorProject": "Example", "product": "Tool",
            "vulnerabilityName": "n", "dateAdded": "2099-01-03", "dueDate": "2099-01-24",
            "knownRansomwareCampaignUse": "Unknown"}]}
def kev(name, edit=None):
    k = copy.deepcopy(KEV)
    if edit:
        edit(k)
    feed(name, 1, json.dumps(k))
kev("kev-good.json")
kev("kev-count-mismatch.json", lambda k: k.update(count=3))
kev("kev-bad-cve.json", lambda k: k["vulnerabilities"][0].update(cveID="CVE-99-1"))
kev("kev-missing-date.json", lambda k: k["vulnerabilities"][1].pop("dateAdded"))
kev("kev-wrong-types.json", lambda k: k["vulnerabilities"][0].update(
    vendorProject=5, product=None, knownRansomwareCampaignUse=[]))
kev("kev-not-catalog.json", lambda k: k.pop("catalogVersion"))
kev("kev-entries-not-objects.json", lambda k: k.update(vulnerabilities=[1, "x"], count=2))
kev("kev-huge-count.json", lambda k: k.update(count=2 ** 63 - 1))
kev("kev-negative-count.json", lambda k: k.update(count=-1))
feed("kev-array.json", 1, "[]")

EPSS = ("#model_version:v2099.01.01,score_date:2099-01-10T00:00:00+0000\n"
        "cve,epss,percentile\nCVE-2099-0001,0.97312,0.99950\nCVE-2099-0003,0.00042,0.05000\n")
feed("epss-good.csv", 2, EPSS)
feed("epss-no-comment.csv", 2, "cve,epss,percentile\nCVE-2099-0001,0.5,0.5\n")
feed("epss-bad-header.csv", 2, "#model_version:v1\nid,score\nCVE-2099-0001,0.5\n")
feed("epss-bad-values.csv", 2, EPSS + "CVE-2099-0002,1.5,0.1\nCVE-2099-0004,nan,inf\n"
     "CVE-2099-0005,-0,0x1p-3\nCVE-2099-0006,,\nnot-a-cve,0.1,0.1\nCVE-2099-0007,0.1\n"
     "CVE-2099-0008,0.1,0.1,extra\n")
feed("epss-crlf.csv", 2, EPSS.replace("\n", "\r\n"))
feed("epss-odd-comment.csv", 2, "#model_version:" + "v" * 200 + ",score_date:" + "9" * 100 +
     ",other:x\n#\n#model_version\ncve,epss,percentile\n")
feed("epss-long-line.csv", 2, EPSS + "CVE-2099-0001," + "1" * 6000 + ",0.1\n")
feed("epss-nul.csv", 2, EPSS.replace("0.973", "0\x00973"))

OSV1 = {"schema_version": "1.6.0", "id": "DEBIAN-CVE-2099-0100", "modified": "2099-01-03T00:00:00Z",
        "upstream": ["CVE-2099-0100"],
        "affected": [{"package": {"ecosystem": "Debian:12", "name": "glibc"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [
                          {"introduced": "0"}, {"fixed": "2.36-9+deb12u5"}]}]}]}
def osv(name, edit=None):
    o = copy.deepcopy(OSV1)
    if edit:
        edit(o)
    feed(name, 3, json.dumps(o))
osv("osv-good.json")
osv("osv-aliases.json", lambda o: (o.pop("upstream"), o.update(aliases=["GHSA-x", "CVE-2099-0101"])))
osv("osv-withdrawn.json", lambda o: o.update(withdrawn="2099-01-04T00:00:00Z"))
osv("osv-no-id.json", lambda o: o.pop("id"))
osv("osv-last-affected.json", lambda o: o["affected"][0]["ranges"][0].update(events=[
    {"introduced": "2.30"}, {"last_affected": "2.36-9"}, {"introduced": "2.37"}, {"fixed": "2.38"},
    {"limit": "3"}]))
osv("osv-odd-types.json", lambda o: o.update(affected=[{"package": "glibc"}, 5,
    {"package": {"ecosystem": 12, "name": None}, "ranges": "x"},
    {"package": {"ecosystem": "Debian:12", "name": "glibc"}, "ranges": [{"type": "GIT",
     "events": [{"introduced": "abc"}]}, {"events": [1, {}, {"fixed": None}]}],
     "versions": ["2.36-1", 5]}]))
osv("osv-ubuntu.json", lambda o: o["affected"][0]["package"].update(ecosystem="Ubuntu:22.04:LTS"))
osv("osv-many-ranges.json", lambda o: o["affected"][0].update(ranges=[{"type": "ECOSYSTEM",
    "events": [{"introduced": str(i)}, {"fixed": str(i) + ".5"}]} for i in range(200)]))
feed("osv-array.json", 3, json.dumps([OSV1, OSV1]))
feed("osv-truncated.json", 3, json.dumps(OSV1)[:120])

JVN_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rdf:RDF xmlns="http://purl.org/rss/1.0/" '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:sec="http://jvn.jp/rss/mod_sec/3.0/" xmlns:dcterms="http://purl.org/dc/terms/">\n')
def jvn_item(jid, title, refs, issued="2099-01-02T00:00+09:00"):
    r = "".join('<sec:references source="CVE" id="%s">https://www.cve.org/CVERecord?id=%s'
                '</sec:references>' % (c, c) for c in refs)
    return ('<item rdf:about="https://jvndb.jvn.jp/ja/contents/2099/%s.html"><title>%s</title>'
            '<link>https://jvndb.jvn.jp/ja/contents/2099/%s.html</link>'
            '<sec:identifier>%s</sec:identifier>%s<dcterms:issued>%s</dcterms:issued></item>\n'
            % (jid, title, jid, jid, r, issued))
JVN = (JVN_HEAD + '<channel rdf:about="https://jvndb.jvn.jp/myjvn"><title>JVNDB</title></channel>\n' +
       jvn_item("JVNDB-2099-000001", "Example Tool における境界外書き込みの脆弱性",
                ["CVE-2099-0001"]) +
       jvn_item("JVNDB-2099-000002", "複数の脆弱性", ["CVE-2099-0002", "CVE-2099-0003"]) +
       "</rdf:RDF>\n")
feed("jvn-good.xml", 4, JVN)
feed("jvn-truncated.xml", 4, JVN[:400])
feed("jvn-not-xml", 4, "not <xml")
feed("jvn-many-refs.xml", 4, JVN_HEAD + jvn_item("JVNDB-2099-000003", "t",
     ["CVE-2099-%04d" % i for i in range(300)]) + "</rdf:RDF>")
feed("jvn-long-title.xml", 4, JVN_HEAD + jvn_item("JVNDB-2099-000004", "長" * 20000,
     ["CVE-2099-0001"]) + "</rdf:RDF>")
feed("jvn-entities.xml", 4, '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
     '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
     '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e SYSTEM "file:///etc/passwd">]>\n' +
     JVN.split("\n", 1)[1].replace("<title>JVNDB</title>", "<title>&d;&e;</title>")
     .replace("Example Tool", "&d;"))
feed("jvn-nested-items.xml", 4, JVN_HEAD + "<item><item><title>x</title><sec:identifier>"
     "JVNDB-1</sec:identifier></item><sec:references id=\"\"/></item>"
     "<sec:references source=\"CVE\" id=\"CVE-2099-0001\">outside</sec:references></rdf:RDF>")
feed("jvn-bad-encoding.xml", 4, JVN.encode("utf-8").replace(b"\xe5\xa2\x83", b"\xff\xfe"))
feed("empty", 0, b"")
PY
