#!/usr/bin/env bats
# Network state from a proc tree the test writes (--proc): sockets in every table, their
# owners through fd links, default routes, and damaged or missing files.

load helpers

setup() {
    ROOT="$BATS_TEST_TMPDIR/root"
    PROC="$BATS_TEST_TMPDIR/proc"
    OUT="$BATS_TEST_TMPDIR/bundle.json"
    make_root "$ROOT"
    mkdir -p "$PROC/net" "$PROC/4242/fd" "$PROC/sys/kernel"
    echo "6.1.0-fixture" >"$PROC/sys/kernel/osrelease"
    printf 'cpu  1 2 3 4\nbtime 1700000000\n' >"$PROC/stat"
    cat >"$PROC/net/tcp" <<'T'
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:01BD 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 100 0 0 10 0
   2: 0202000A:0016 0302000A:D431 01 00000000:00000000 02:00000B5B 00000000     0        0 1003 4 0000000000000000 20 4 30 10 -1
   3: 05060708:0D3D 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1004 1 0000000000000000 100 0 0 10 0
T
    cat >"$PROC/net/tcp6" <<'T'
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1005 1 0000000000000000 100 0 0 10 0
   1: garbage line
T
    cat >"$PROC/net/udp" <<'T'
   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 1006 2 0000000000000000 0
T
    printf 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\neth0\t0002A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n' >"$PROC/net/route"
    printf '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eth0\n00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n' >"$PROC/net/ipv6_route"
    echo smbd >"$PROC/4242/comm"
    ln -s 'socket:[1001]' "$PROC/4242/fd/3"
    ln -s '/dev/null' "$PROC/4242/fd/0"
    mkdir -p "$PROC/4300/fd" && echo sshd >"$PROC/4300/comm"
    ln -s 'socket:[1005]' "$PROC/4300/fd/4"
}

scan() {
    "$TENKEN" scan --root "$ROOT" --proc "$PROC" --out "$OUT" --no-progress "$@"
}

@test "sockets from every table: listening TCP, unconnected UDP; established ones left out" {
    run scan
    [ "$status" -eq 0 ]
    validate "$OUT"
    run jq -r '.network.listening[] | "\(.proto) \(.address) \(.port) \(.uid)"' "$OUT"
    [ "${lines[0]}" = "tcp 0.0.0.0 445 0" ]
    [ "${lines[1]}" = "tcp 127.0.0.1 631 0" ]
    [ "${lines[2]}" = "tcp 8.7.6.5 3389 1000" ]
    [ "${lines[3]}" = "tcp :: 22 0" ]
    [ "${lines[4]}" = "udp 127.0.0.53 53 101" ]
    [ "${#lines[@]}" -eq 5 ]
}

@test "socket owners come from /proc/PID/fd links; the lowest pid wins" {
    mkdir -p "$PROC/5000/fd" && echo worker >"$PROC/5000/comm" && ln -s 'socket:[1001]' "$PROC/5000/fd/7"
    scan >/dev/null
    [ "$(jq -r '.network.listening[0] | "\(.pid) \(.process)"' "$OUT")" = "4242 smbd" ]
    [ "$(jq -r '.network.listening[1].pid' "$OUT")" = null ]
    [ "$(jq -r '.network.services.smb.sockets | join(",")' "$OUT")" = "/network/listening/0" ]
}

@test "default routes of both families; reject routes left out" {
    scan >/dev/null
    run jq -r '.network.default_routes[] | "\(.family) \(.gateway) \(.interface) \(.metric)"' "$OUT"
    [ "${lines[0]}" = "inet 192.168.2.1 eth0 100" ]
    [ "${lines[1]}" = "inet6 fe80::1 eth0 1024" ]
    [ "${#lines[@]}" -eq 2 ]
}

@test "a malformed socket line is one error; interfaces are not taken from a proc fixture" {
    scan >/dev/null
    jq -e '[.errors[] | select(.path=="/net/tcp6" and .kind=="parse")] | length == 1' "$OUT"
    jq -e '[.errors[] | select(.collector=="network" and .kind=="unsupported")] | length == 1' "$OUT"
}

@test "kernel and boot time from the proc tree" {
    scan >/dev/null
    [ "$(jqb "$OUT" .host.kernel.release)" = 6.1.0-fixture ]
    [ "$(jqb "$OUT" .host.boot_time)" = 2023-11-14T22:13:20Z ]
}

@test "exposure findings: SMB on all interfaces, RDP on a public address, SMB1, SSH passwords" {
    run scan --fail-on high
    [ "$status" -eq 1 ]
    validate "$OUT"
    jq -e '.findings[] | select(.id=="TK-EXP-SMB-ALL" and .severity=="medium" and .evidence[0].ref=="/network/listening/0")' "$OUT"
    jq -e '.findings[] | select(.id=="TK-EXP-RDP-PUBLIC" and .severity=="high")' "$OUT"
    jq -e '.findings[] | select(.id=="TK-CFG-SMB1" and .severity=="high")' "$OUT"
    jq -e '.findings[] | select(.id=="TK-CFG-SSH-PASSWORD")' "$OUT"
    jq -e '.findings[] | select(.id=="TK-CFG-SSH-ROOT-LOGIN")' "$OUT"
    jq -e '(.findings | length) as $n | [.findings[] | select(.title.ja | test("[ぁ-んァ-ン一-龥]"))] | length == $n' "$OUT"
    [ "$(jq '[.findings[] | select(.id=="TK-EXP-SMB-LAN" or .id=="TK-EXP-SMB-PUBLIC")] | length' "$OUT")" = 0 ]
}

@test "missing proc files (containers) are tolerated" {
    rm -rf "$PROC/net" "$PROC/stat"
    run scan
    [ "$status" -eq 0 ]
    validate "$OUT"
    [ "$(jq '.network.listening | length' "$OUT")" = 0 ]
    [ "$(jqb "$OUT" .host.boot_time)" = null ]
}
