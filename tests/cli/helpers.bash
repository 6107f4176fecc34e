# helpers.bash - shared by the end-to-end tests: where the binary is, schema validation,
# and a fixture builder for a small but realistic scanned root.

TENKEN=${TENKEN:?TENKEN must name the built binary}
SRCDIR=${SRCDIR:?SRCDIR must name the source tree}
SCHEMA="$SRCDIR/docs/bundle.schema.json"
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

validate() {
    "$PYTHON" "$SRCDIR/tests/tools/validate-bundle.py" "$SCHEMA" "$@"
}

# jq over a bundle: jqb FILE FILTER
jqb() {
    jq -r "$2" "$1"
}

# Builds a scanned root with one user (alice), dpkg packages, browsers with profiles and
# extensions, Zoom, a flatpak and a snap.
make_root() {
    local r=$1
    mkdir -p "$r"/etc "$r"/var/lib/dpkg "$r"/home/alice "$r"/opt/zoom "$r"/opt/google/chrome \
        "$r"/usr/lib/firefox-esr
    printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n' >"$r/etc/passwd"
    printf 'fixture-pc\n' >"$r/etc/hostname"
    printf '0123456789abcdef0123456789abcdef\n' >"$r/etc/machine-id"
    printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\nVERSION_CODENAME=bookworm\n' >"$r/etc/os-release"
    cat >"$r/var/lib/dpkg/status" <<'DPKG'
Package: google-chrome-stable
Status: install ok installed
Priority: optional
Architecture: amd64
Version: 120.0.6099.109-1
Description: The web browser from Google
 Google Chrome is a browser that combines a minimal design with
 sophisticated technology.

Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: glibc (2.36-9+deb12u4)
Version: 2.36-9+deb12u4

Package: samba
Status: install ok installed
Architecture: amd64
Version: 2:4.17.12+dfsg-0+deb12u1

Package: oldtool
Status: deinstall ok config-files
Architecture: all
Version: 1.0-1

Package: purged
Status: purge ok not-installed
DPKG
    echo "5.15.0.12345" >"$r/opt/zoom/version.txt"
    printf '; This file is not used\n[App]\nVendor=Mozilla\nName=Firefox\nVersion=115.5.0esr\nBuildID=20231120104235\n' >"$r/usr/lib/firefox-esr/application.ini"
    local cfg="$r/home/alice/.config/google-chrome"
    local ext="$cfg/Default/Extensions/aapocclcgogkmnckokdopfmhonfmgoek/0.10_0"
    mkdir -p "$ext/_locales/en" "$cfg/Profile 1/Extensions"
    echo "120.0.6099.109" >"$cfg/Last Version"
    echo '{"name":"__MSG_APP_NAME__","version":"0.10","default_locale":"en","manifest_version":2}' >"$ext/manifest.json"
    echo '{"app_name":{"message":"Google Slides"}}' >"$ext/_locales/en/messages.json"
    echo '{"extensions":{"settings":{"aapocclcgogkmnckokdopfmhonfmgoek":{"state":0,"disable_reasons":1}}}}' >"$cfg/Default/Preferences"
    local ff="$r/home/alice/.mozilla/firefox"
    mkdir -p "$ff/abc.default-esr"
    printf '[General]\nStartWithLastProfile=1\n\n[Profile0]\nName=default-esr\nIsRelative=1\nPath=abc.default-esr\nDefault=1\n' >"$ff/profiles.ini"
    printf '[Compatibility]\nLastVersion=115.5.0_20231120104235/20231120104235\nLastOSABI=Linux_x86_64-gcc3\n' >"$ff/abc.default-esr/compatibility.ini"
    cat >"$ff/abc.default-esr/extensions.json" <<'FF'
{"schemaVersion":35,"addons":[
 {"id":"uBlock0@raymondhill.net","version":"1.54.0","type":"extension","defaultLocale":{"name":"uBlock Origin"},"active":true,"location":"app-profile"},
 {"id":"formautofill@mozilla.org","version":"1.0","type":"extension","location":"app-builtin","active":true},
 {"id":"langpack-ja@firefox.mozilla.org","version":"115.0","type":"locale","location":"app-profile","active":true}]}
FF
    local fp="$r/var/lib/flatpak/app/us.zoom.Zoom/x86_64/stable"
    mkdir -p "$fp/c0ffee/files/share/metainfo"
    ln -sfn c0ffee "$fp/active"
    printf '<?xml version="1.0"?>\n<component type="desktop">\n <releases>\n  <release version="5.17.11.3835" date="2024-01-01"/>\n  <release version="5.16.10.668"/>\n </releases>\n</component>\n' >"$fp/c0ffee/files/share/metainfo/us.zoom.Zoom.metainfo.xml"
    mkdir -p "$r/snap/firefox/3600/meta"
    ln -sfn 3600 "$r/snap/firefox/current"
    printf 'name: firefox\nversion: "120.0.1-1"\nsummary: browser\ntype: app\n' >"$r/snap/firefox/3600/meta/snap.yaml"
    mkdir -p "$r/etc/samba" "$r/etc/ssh/sshd_config.d"
    printf '[global]\n   workgroup = WORKGROUP\n   Server Min Protocol = NT1\n[share]\n   path = /srv\n' >"$r/etc/samba/smb.conf"
    printf 'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nMatch User bob\n    PasswordAuthentication no\n' >"$r/etc/ssh/sshd_config"
    printf 'PasswordAuthentication yes\n' >"$r/etc/ssh/sshd_config.d/10-local.conf"
}

# Read-only proof. snapshot_prepare lists the tree and hashes its files (which reads
# them), then pushes every access time back to 2020, older than any modification time, so
# that any later read would move it under relatime. snapshot_meta then records metadata with
# stat(1) alone, which reads nothing. Compare prepare+meta before a scan with the same after.
snapshot_prepare() {
    (cd "$1" && find . | sort >"$2.paths" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum >"$2.sums")
    (cd "$1" && xargs -d '\n' -a "$2.paths" touch -h -a -d '2020-01-01 00:00:00')
}
# Symbolic links are listed without their access time: Linux updates it whenever a link is
# followed or read and offers no flag against that (mount images ro,noatime; see
# docs/collectors.md).
snapshot_meta() {
    (cd "$1" && xargs -d '\n' -a "$2.paths" stat -c '%n %F %s %a %Y %X' |
        sed -E 's/^(.* symbolic link .*) [0-9]+$/\1 -/')
}

# The peak resident memory (KiB) of a command, printed after it ran.
peak_rss() {
    "$PYTHON" -c '
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}

# setup() of the fixture-root test files: ROOT (a make_root tree), OUT, and scan(), which
# scans ROOT into OUT with a time limit so a hang fails instead of stalling the suite.
fixture_setup() {
    ROOT="$BATS_TEST_TMPDIR/root"
    make_root "$ROOT"
    OUT="$BATS_TEST_TMPDIR/bundle.json"
}

scan() {
    timeout 120 "$TENKEN" scan --root "$ROOT" --out "$OUT" --no-progress "$@"
}
