#!/usr/bin/env bats
# Bad input on the scanned machine: damaged databases, malformed JSON, huge files, FIFOs,
# symlink tricks, non-UTF-8 names, unreadable files. Each ends in errors[] (or is skipped),
# never in a crash, a hang or unbounded memory; the bundle stays valid.

load helpers

setup() {
    fixture_setup
}

@test "malformed manifest.json and extensions.json are errors with file, line and column" {
    ext="$ROOT/home/alice/.config/google-chrome/Default/Extensions/aapocclcgogkmnckokdopfmhonfmgoek/0.10_0"
    printf '{"name": "x", "version": ' >"$ext/manifest.json"
    printf '{"addons": [ {"id": 1,, }' >"$ROOT/home/alice/.mozilla/firefox/abc.default-esr/extensions.json"
    run scan
    [ "$status" -eq 0 ]
    validate "$OUT"
    jq -e '[.errors[] | select(.kind=="parse" and (.message | test("manifest.json:1:[0-9]+: ")))] | length == 1' "$OUT"
    jq -e '[.errors[] | select(.kind=="parse" and (.path | endswith("extensions.json")))] | length == 1' "$OUT"
}

@test "a damaged dpkg status file: bad lines reported with line numbers, good stanzas kept" {
    cat >>"$ROOT/var/lib/dpkg/status" <<'EOF2'

this line has no colon
Package: after-damage
Status: install ok installed
Version: 9.9

Status: install ok installed
Version: 1.0
EOF2
    run scan
    [ "$status" -eq 0 ]
    validate "$OUT"
    jq -e '.inventory[] | select(.name=="after-damage")' "$OUT"
    jq -e '[.errors[] | select(.message | test("/var/lib/dpkg/status:[0-9]+: expected"))] | length == 1' "$OUT"
    jq -e '[.errors[] | select(.message | test("stanza without a Package field"))] | length == 1' "$OUT"
}

@test "a 50 MB dpkg status file is streamed in bounded memory" {
    "$PYTHON" - "$ROOT/var/lib/dpkg/status" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    i = 0
    written = 0
    desc = " " + "x" * 400 + "\n"
    while written < 50 * 1024 * 1024:
        s = (f"Package: pkg{i}\nStatus: install ok installed\nArchitecture: amd64\n"
             f"Version: 1.{i}-1\nDescription: package {i}\n" + desc * 2 + "\n")
        f.write(s)
        written += len(s)
        i += 1
    print(i, file=sys.stderr)
PY
    n=$(grep -c '^Package:' "$ROOT/var/lib/dpkg/status")
    run scan --only dpkg
    [ "$status" -eq 0 ]
    [ "$(jq '[.inventory[] | select(.source=="dpkg")] | length' "$OUT")" = "$n" ]
    if [ -z "${TK_SANITIZED:-}" ]; then
        kb=$(peak_rss "$TENKEN" scan --root "$ROOT" --out "$OUT" --no-progress --only dpkg)
        echo "peak RSS ${kb} KiB for $n packages"
        [ "$kb" -lt 204800 ]
    fi
}

@test "a 50 MB status file that is one line is refused by line length, not by memory" {
    head -c $((50 * 1024 * 1024)) /dev/zero | tr '\0' 'x' >"$ROOT/var/lib/dpkg/status"
    run scan --only dpkg
    [ "$status" -eq 0 ]
    validate "$OUT"
    jq -e '[.errors[] | select(.kind=="limit" and (.message | test("line longer than")))] | length >= 1' "$OUT"
    if [ -z "${TK_SANITIZED:-}" ]; then
        kb=$(peak_rss "$TENKEN" scan --root "$ROOT" --out "$OUT" --no-progress --only dpkg)
        [ "$kb" -lt 65536 ]
    fi
}

@test "a FIFO where a version file should be does not block the scan" {
    rm "$ROOT/opt/zoom/version.txt"
    mkfifo "$ROOT/opt/zoom/version.txt"
    rm "$ROOT/home/alice/.config/google-chrome/Last Version"
    mkfifo "$ROOT/home/alice/.config/google-chrome/Last Version"
    run scan
    [ "$status" -eq 0 ]
    validate "$OUT"
    jq -e '[.errors[] | select(.path=="/opt/zoom/version.txt" and .kind=="invalid")] | length == 1' "$OUT"
}

@test "absolute symlinks resolve inside the scanned root, never to the host" {
    mkdir -p "$BATS_TEST_TMPDIR/host-secret"
    echo "HOST-ONLY-9f1c" >"$BATS_TEST_TMPDIR/host-secret/version.txt"
    rm "$ROOT/opt/zoom/version.txt"
    ln -s "$BATS_TEST_TMPDIR/host-secret/version.txt" "$ROOT/opt/zoom/version.txt"
    ln -sfn ../../../../../../../../etc/hostname "$ROOT/opt/google/chrome/escape"
    run scan
    [ "$status" -eq 0 ]
    ! grep -q HOST-ONLY-9f1c "$OUT"
}

@test "symlink loops end in an error, not a hang" {
    ln -s loop-b "$ROOT/home/alice/.config/loop-a"
    ln -s loop-a "$ROOT/home/alice/.config/loop-b"
    rm -rf "$ROOT/home/alice/.config/google-chrome"
    ln -s google-chrome "$ROOT/home/alice/.config/google-chrome"
    run scan
    [ "$status" -eq 0 ]
    validate "$OUT"
}

@test "names that are not UTF-8 keep the bundle valid JSON and valid against the schema" {
    fp="$ROOT/var/lib/flatpak/app/$(printf 'bad\xff\xfename')/x86_64/stable"
    mkdir -p "$fp/c/files"
    ln -s c "$fp/active"
    mkdir -p "$ROOT/snap/$(printf 'snap\x80x')/1/meta"
    ln -s 1 "$ROOT/snap/$(printf 'snap\x80x')/current"
    printf 'name: x\nversion: "1.\xc3\x28"\n' >"$ROOT/snap/$(printf 'snap\x80x')/1/meta/snap.yaml"
    run scan
    [ "$status" -eq 0 ]
    validate "$OUT"
    jq -e '.inventory[] | select(.source=="flatpak" and (.name | contains("\ufffd")))' "$OUT"
}

@test "control characters in found strings are escaped in JSON and on the terminal" {
    printf 'PRETTY_NAME="Evil\x1b]0;pwned\x07 OS"\nID=evil\n' >"$ROOT/etc/os-release"
    run scan
    [ "$status" -eq 0 ]
    [[ "$output" != *$'\x1b'* ]]
    [[ "$output" == *'\x1b]0;pwned\x07'* ]]
    [ "$(jq -r .host.os.name "$OUT")" = $'Evil\x1b]0;pwned\x07 OS' ]
}

@test "deeply nested and oversized JSON files are bounded" {
    "$PYTHON" -c 'print("[" * 100000 + "]" * 100000)' >"$ROOT/home/alice/.config/google-chrome/Default/Preferences"
    head -c $((70 * 1024 * 1024)) /dev/zero >"$ROOT/home/alice/.mozilla/firefox/abc.default-esr/extensions.json"
    run scan
    [ "$status" -eq 0 ]
    validate "$OUT"
    jq -e '[.errors[] | select(.kind=="limit" and (.path | endswith("extensions.json")))] | length == 1' "$OUT"
}

@test "a truncated or garbage app.asar is an error, not a crash" {
    mkdir -p "$ROOT/usr/lib/slack/resources" "$ROOT/usr/share/skypeforlinux/resources"
    printf '\x04\x00\x00\x00\xff\xff\xff\x7f\x00\x00\x00\x00\xff\xff\xff\x7f' >"$ROOT/usr/lib/slack/resources/app.asar"
    printf '\x04\x00\x00\x00\x40\x00\x00\x00\x3c\x00\x00\x00\x30\x00\x00\x00{"files":{"package.json":{"offset":"999999","size":10}}}' >"$ROOT/usr/share/skypeforlinux/resources/app.asar"
    run scan
    [ "$status" -eq 0 ]
    validate "$OUT"
    jq -e '[.errors[] | select(.path | endswith("app.asar"))] | length == 2' "$OUT"
}

@test "unreadable files and homes are errors of kind permission when not root" {
    if [ "$(id -u)" -eq 0 ]; then
        command -v setpriv >/dev/null || skip "setpriv is not installed"
        # bats' own temporary directories are private to root; use one nobody can enter.
        D=$(mktemp -d /tmp/tenken-perm.XXXXXX)
        chmod 755 "$D"
        ROOT="$D/root"
        make_root "$ROOT"
        chmod -R a+rX "$ROOT"
        chmod 000 "$ROOT/opt/zoom/version.txt"
        chmod 700 "$ROOT/home/alice"
        mkdir -m 777 "$D/out"
        run setpriv --reuid=65534 --regid=65534 --clear-groups "$TENKEN" scan --root "$ROOT" --out "$D/out/b.json" --no-progress
        cp "$D/out/b.json" "$OUT" || true
        rm -rf "$D"
    else
        chmod 000 "$ROOT/opt/zoom/version.txt"
        chmod 000 "$ROOT/home/alice"
        run scan
        chmod 755 "$ROOT/home/alice"
    fi
    [ "$status" -eq 0 ]
    validate "$OUT"
    # Once by the inventory collectors, once by the malware scan of files.
    for p in /opt/zoom/version.txt /home/alice; do
        jq -e --arg p "$p" '[.errors[] | select(.kind=="permission" and .path==$p and .collector!="filescan")] | length == 1' "$OUT"
        jq -e --arg p "$p" '[.errors[] | select(.kind=="permission" and .path==$p and .collector=="filescan")] | length == 1' "$OUT"
    done
    [ "$(jqb "$OUT" .scan.users_complete)" = false ]
}

@test "an empty root gives a valid, nearly empty bundle" {
    mkdir -p "$BATS_TEST_TMPDIR/empty"
    run "$TENKEN" scan --root "$BATS_TEST_TMPDIR/empty" --out "$OUT" --no-progress
    [ "$status" -eq 0 ]
    validate "$OUT"
    [ "$(jq '.inventory | length' "$OUT")" = 0 ]
}
