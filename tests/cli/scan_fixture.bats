#!/usr/bin/env bats
# tenken scan of fixture roots: what the inventory holds, how settings are judged, that the
# bundle validates, and that the scan leaves the scanned tree exactly as it was.

load helpers

setup() {
    fixture_setup
}

@test "a fixture scan writes a bundle that validates against the schema" {
    run scan
    [ "$status" -eq 0 ]
    [[ "$output" == *"bundle: $OUT"* ]]
    validate "$OUT"
    [ "$(jqb "$OUT" .format)" = "tenken-bundle" ]
    [ "$(jqb "$OUT" .format_version)" = 1 ]
    [ "$(jqb "$OUT" .scan.live)" = false ]
    [ "$(jqb "$OUT" .network.collected)" = false ]
}

@test "host facts come from the image" {
    scan >/dev/null
    [ "$(jqb "$OUT" .host.hostname)" = fixture-pc ]
    [ "$(jqb "$OUT" .host.os.id)" = debian ]
    [ "$(jqb "$OUT" .host.os.version_id)" = 12 ]
    [ "$(jqb "$OUT" .host.os.name)" = "Debian GNU/Linux 12 (bookworm)" ]
    [ "$(jqb "$OUT" .host.os.codename)" = bookworm ]
}

@test "endpoint_id is a stable keyed hash of machine-id, never the raw id" {
    scan >/dev/null
    id1=$(jqb "$OUT" .host.endpoint_id)
    [[ "$id1" =~ ^[0-9a-f]{32}$ ]]
    ! grep -q 0123456789abcdef0123456789abcdef "$OUT"
    expect=$(printf '%s' 0123456789abcdef0123456789abcdef |
        openssl dgst -sha256 -hmac "tenken endpoint id v1" -r | cut -c1-32)
    [ "$id1" = "$expect" ]
    scan >/dev/null
    [ "$(jqb "$OUT" .host.endpoint_id)" = "$id1" ]
    b1=$(jqb "$OUT" .bundle_id)
    scan >/dev/null
    [ "$(jqb "$OUT" .bundle_id)" != "$b1" ]
}

@test "dpkg: every package dpkg-query would list, with state and source package" {
    scan >/dev/null
    [ "$(jq '[.inventory[] | select(.source=="dpkg")] | length' "$OUT")" = 4 ]
    [ "$(jq -r '.inventory[] | select(.name=="libc6") | .source_package + " " + .source_version' "$OUT")" = "glibc 2.36-9+deb12u4" ]
    [ "$(jq -r '.inventory[] | select(.name=="oldtool") | .status' "$OUT")" = config-files ]
    [ "$(jq '[.inventory[] | select(.name=="purged")] | length' "$OUT")" = 0 ]
}

@test "browsers: install directories with exact versions, and what the user last ran" {
    scan >/dev/null
    [ "$(jq -r '.inventory[] | select(.source=="dir" and .name=="Google Chrome") | .version + " " + .version_from' "$OUT")" = "120.0.6099.109-1 dpkg:google-chrome-stable" ]
    [ "$(jq -r '.inventory[] | select(.source=="dir" and .name=="Firefox ESR") | .version' "$OUT")" = 115.5.0esr ]
    [ "$(jq -r '.inventory[] | select(.source=="profile" and .name=="Google Chrome") | .version + " " + .user' "$OUT")" = "120.0.6099.109 alice" ]
    [ "$(jq -r '.inventory[] | select(.source=="profile" and .name=="Firefox") | .version' "$OUT")" = 115.5.0 ]
}

@test "extensions: Chromium __MSG_ names resolved, disabled state, Firefox add-ons without built-ins" {
    scan >/dev/null
    run jq -r '.inventory[] | select(.source=="browser-extension") | [.browser, .name, .version, (.enabled|tostring), .profile] | join("|")' "$OUT"
    [[ "${lines[*]}" == *"Google Chrome|Google Slides|0.10|false|Default"* ]]
    [[ "$output" == *"Firefox|uBlock Origin|1.54.0|true|"* ]]
    [[ "$output" != *formautofill* ]]
    [[ "$output" != *langpack* ]]
}

@test "meeting tools, flatpak and snap with their versions" {
    scan >/dev/null
    [ "$(jq -r '.inventory[] | select(.name=="Zoom") | .version' "$OUT")" = 5.15.0.12345 ]
    [ "$(jq -r '.inventory[] | select(.source=="flatpak") | .name + " " + .version' "$OUT")" = "us.zoom.Zoom 5.17.11.3835" ]
    [ "$(jq -r '.inventory[] | select(.source=="snap") | .name + " " + .version' "$OUT")" = "firefox 120.0.1-1" ]
}

@test "Electron apps: the version inside resources/app.asar" {
    mkdir -p "$ROOT/usr/share/teams/resources"
    "$PYTHON" - "$ROOT/usr/share/teams/resources/app.asar" <<'PY'
import json, struct, sys
pkg = json.dumps({"name": "teams", "version": "1.5.00.23861"}).encode()
table = json.dumps({"files": {"package.json": {"offset": "0", "size": len(pkg)}}}).encode()
pad = (4 - len(table) % 4) % 4
header = struct.pack("<I", len(table)) + table + b"\0" * pad
pickle = struct.pack("<I", len(header)) + header
out = struct.pack("<I", 4) + struct.pack("<I", len(pickle)) + pickle + pkg
open(sys.argv[1], "wb").write(out)
PY
    scan >/dev/null
    [ "$(jq -r '.inventory[] | select(.name=="Microsoft Teams") | .version' "$OUT")" = 1.5.00.23861 ]
}

@test "Java runtimes from release files, symlinked aliases counted once" {
    mkdir -p "$ROOT/usr/lib/jvm/java-17-openjdk-amd64"
    printf 'IMPLEMENTOR="Debian"\nJAVA_VERSION="17.0.9"\n' >"$ROOT/usr/lib/jvm/java-17-openjdk-amd64/release"
    ln -s java-17-openjdk-amd64 "$ROOT/usr/lib/jvm/default-java"
    scan >/dev/null
    [ "$(jq -r '[.inventory[] | select(.name=="Java")] | length' "$OUT")" = 1 ]
    [ "$(jq -r '.inventory[] | select(.name=="Java") | .version + " " + .vendor' "$OUT")" = "17.0.9 Debian" ]
}

@test "Flash Player is inventoried wherever it hides" {
    mkdir -p "$ROOT/usr/lib/pepperflashplugin-nonfree" "$ROOT/home/alice/.mozilla/plugins"
    : >"$ROOT/usr/lib/pepperflashplugin-nonfree/libpepflashplayer.so"
    echo '{"name":"Shockwave Flash","version":"32.0.0.465"}' >"$ROOT/usr/lib/pepperflashplugin-nonfree/manifest.json"
    : >"$ROOT/home/alice/.mozilla/plugins/libflashplayer.so"
    scan >/dev/null
    run jq -r '.inventory[] | select(.name=="Adobe Flash Player") | [.version // "null", .user // "-"] | join(" ")' "$OUT"
    [[ "$output" == *"32.0.0.465 -"* ]]
    [[ "$output" == *"null alice"* ]]
}

@test "SMB: min protocol from smb.conf; SSH: Include followed, Match not applied" {
    scan >/dev/null
    [ "$(jqb "$OUT" .network.services.smb.min_protocol)" = NT1 ]
    [ "$(jqb "$OUT" .network.services.smb.min_protocol_basis)" = setting ]
    [ "$(jqb "$OUT" .network.services.smb.smb1_allowed)" = true ]
    [ "$(jqb "$OUT" .network.services.ssh.password_authentication)" = true ]
    [ "$(jqb "$OUT" .network.services.ssh.permit_root_login)" = yes ]
}

@test "SMB: without a setting, the default of the installed Samba version decides" {
    printf '[global]\n   workgroup = WORKGROUP\n' >"$ROOT/etc/samba/smb.conf"
    scan >/dev/null
    [ "$(jqb "$OUT" .network.services.smb.min_protocol)" = SMB2_02 ]
    [ "$(jqb "$OUT" .network.services.smb.min_protocol_basis)" = default ]
    [ "$(jqb "$OUT" .network.services.smb.smb1_allowed)" = false ]
}

@test "the scan changes nothing under the scanned root: contents, sizes, modes, mtimes, atimes" {
    S="$BATS_TEST_TMPDIR/snap"
    snapshot_prepare "$ROOT" "$S"
    snapshot_meta "$ROOT" "$S" >"$S.before"
    grep -q ' 1577836800$' "$S.before"
    scan >/dev/null
    snapshot_meta "$ROOT" "$S" >"$S.after"
    diff "$S.before" "$S.after"
    # Nothing created or removed, no content changed.
    diff "$S.paths" <(cd "$ROOT" && find . | sort)
    (cd "$ROOT" && sha256sum --quiet -c "$S.sums")
}

@test "the bundle is written atomically: no temporary file is left, an old bundle is replaced whole" {
    echo '{"old":true}' >"$OUT"
    scan >/dev/null
    jq -e '.format == "tenken-bundle"' "$OUT"
    [ -z "$(ls "$BATS_TEST_TMPDIR" | grep '\.tmp-' || true)" ]
    [ "$(stat -c %a "$OUT")" = 600 ]
}

@test "--format json prints a one-line summary" {
    run scan --format json
    [ "$status" -eq 0 ]
    echo "$output" | jq -e --arg out "$OUT" '.bundle == $out and .inventory.total > 10 and (.inventory.by_source.dpkg == 4)'
}

@test "--lang ja prints the summary in Japanese" {
    run scan --lang ja
    [ "$status" -eq 0 ]
    [[ "$output" == *"点検結果"* ]]
    [[ "$output" == *"バンドル: $OUT"* ]]
}

@test "default output name is tenken-HOST-UTCTIME.json in the current directory" {
    cd "$BATS_TEST_TMPDIR"
    "$TENKEN" scan --root "$ROOT" --no-progress >/dev/null
    ls tenken-fixture-pc-*Z.json
    f=$(ls tenken-fixture-pc-*Z.json)
    [[ "$f" =~ ^tenken-fixture-pc-[0-9]{8}T[0-9]{6}Z\.json$ ]]
}

@test "a hostile hostname cannot steer the default output path" {
    printf '../../evil/\x1b[31mname\n' >"$ROOT/etc/hostname"
    cd "$BATS_TEST_TMPDIR"
    run "$TENKEN" scan --root "$ROOT" --no-progress
    [ "$status" -eq 0 ]
    f=$(ls tenken-*.json)
    [[ "$f" =~ ^tenken-[A-Za-z0-9._-]+-[0-9]{8}T[0-9]{6}Z\.json$ ]]
    [[ "$f" != *"/"* ]]
    # The terminal summary shows the escape character escaped, not raw.
    [[ "$output" != *$'\x1b'* ]]
    [[ "$output" == *'\x1b[31m'* ]]
}

@test "--only runs the named collectors" {
    scan --only dpkg >/dev/null
    [ "$(jq '[.inventory[] | select(.source!="dpkg")] | length' "$OUT")" = 0 ]
    [ "$(jq '[.scan.collectors[].name] | join(",")' "$OUT")" = '"host,users,dpkg"' ]
}

@test "on a terminal a progress line names each collector, then clears itself" {
    command -v script >/dev/null || skip "script(1) is not installed"
    run script -qec "'$TENKEN' scan --root '$ROOT' --out '$OUT'" /dev/null
    [ "$status" -eq 0 ]
    [[ "$output" == *$'\r\e[2K[ 1/11] host: '* ]]
    [[ "$output" == *$'\r\e[2K[11/11] services: '* ]]
    [[ "$output" == *"bundle: $OUT"* ]]
    # Not on a terminal, or with --no-progress: no control sequences at all.
    run "$TENKEN" scan --root "$ROOT" --out "$OUT"
    [[ "$output" != *$'\e'* ]]
    run script -qec "'$TENKEN' scan --no-progress --root '$ROOT' --out '$OUT'" /dev/null
    [[ "$output" != *$'\e[2K'* ]]
}
