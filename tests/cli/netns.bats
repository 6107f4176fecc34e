#!/usr/bin/env bats
# Exposure judged on a real network stack: a network namespace the test creates, with its
# own addresses and listeners. Nothing leaves the namespace. Needs root (skipped otherwise).

load helpers

setup() {
    [ "$(id -u)" -eq 0 ] || skip "needs root to create a network namespace"
    NS="tktest$$$BATS_TEST_NUMBER"
    ip netns add "$NS" 2>/dev/null || skip "cannot create network namespaces here"
    ip -n "$NS" link set lo up
    # A veth pair inside the namespace: d0 carries the addresses under test.
    ip -n "$NS" link add d0 type veth peer name d1
    ip -n "$NS" link set d1 up
    ip -n "$NS" link set d0 up
    OUT="$BATS_TEST_TMPDIR/ns.json"
    PIDS=()
}

teardown() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
    [ -n "${NS:-}" ] && ip netns del "$NS" 2>/dev/null || true
}

listen() { # listen ADDR PORT
    ip netns exec "$NS" "$PYTHON" -c '
import socket, sys, time
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(); print("ready", flush=True); time.sleep(60)' "$1" "$2" >"$BATS_TEST_TMPDIR/l$2" &
    PIDS+=($!)
    for _ in $(seq 50); do grep -q ready "$BATS_TEST_TMPDIR/l$2" 2>/dev/null && return; sleep 0.1; done
    return 1
}

nsscan() {
    ip netns exec "$NS" "$TENKEN" scan --out "$OUT" --no-progress --no-disk --no-memory --no-traces "$@"
}

@test "public address, SMB and RDP on all interfaces: high findings and exit 1 on --fail-on high" {
    ip -n "$NS" addr add 1.2.3.4/24 dev d0
    listen 0.0.0.0 445
    listen 0.0.0.0 3389
    run nsscan --fail-on high
    [ "$status" -eq 1 ]
    validate "$OUT"
    jq -e '.network.interfaces[] | select(.name=="d0") | .addresses[] | select(.address=="1.2.3.4" and .class=="public")' "$OUT"
    jq -e '.findings[] | select(.id=="TK-EXP-PUBLIC-IPV4" and .severity=="medium")' "$OUT"
    jq -e '.findings[] | select(.id=="TK-EXP-SMB-PUBLIC" and .severity=="high")' "$OUT"
    jq -e '.findings[] | select(.id=="TK-EXP-RDP-PUBLIC" and .severity=="high")' "$OUT"
}

@test "private address only: SMB on all interfaces is medium, not high" {
    ip -n "$NS" addr add 192.168.77.1/24 dev d0
    listen 0.0.0.0 445
    run nsscan --fail-on high
    [ "$status" -eq 0 ]
    jq -e '.findings[] | select(.id=="TK-EXP-SMB-ALL" and .severity=="medium")' "$OUT"
    [ "$(jq '[.findings[] | select(.id=="TK-EXP-PUBLIC-IPV4")] | length' "$OUT")" = 0 ]
}

@test "SMB bound to loopback is not exposure" {
    ip -n "$NS" addr add 1.2.3.4/24 dev d0
    listen 127.0.0.1 445
    nsscan >/dev/null
    [ "$(jq '[.findings[] | select(.id | startswith("TK-EXP-SMB"))] | length' "$OUT")" = 0 ]
}

@test "an empty nftables ruleset with a public address: no-firewall finding" {
    command -v nft >/dev/null || skip "nft is not installed"
    ip -n "$NS" addr add 1.2.3.4/24 dev d0
    listen 0.0.0.0 8080
    nsscan >/dev/null
    [ "$(jqb "$OUT" .network.firewall.loaded)" = false ]
    jq -e '.findings[] | select(.id=="TK-EXP-NO-FIREWALL-PUBLIC")' "$OUT"
    ip netns exec "$NS" nft add table inet tk
    ip netns exec "$NS" nft add chain inet tk input '{ type filter hook input priority 0; policy drop; }'
    ip netns exec "$NS" nft add rule inet tk input ct state established accept
    nsscan >/dev/null
    [ "$(jqb "$OUT" .network.firewall.loaded)" = true ]
    [ "$(jq '[.findings[] | select(.id | startswith("TK-EXP-NO-FIREWALL"))] | length' "$OUT")" = 0 ]
}

@test "the analysis server sees a PC on its own public address: direct reachability and the opt-in SMB probe" {
    command -v curl >/dev/null || skip "curl is not installed"
    # one namespace holds both: the PC's public address is where the upload comes from,
    # and where the server's probe connects; nothing leaves the namespace
    ip -n "$NS" addr add 1.2.3.4/24 dev d0
    listen 0.0.0.0 445
    DATA="$BATS_TEST_TMPDIR/data"
    TOKEN=$("$TENKEN" org add ns --probe --data "$DATA" 2>/dev/null)
    ip netns exec "$NS" "$TENKEN" serve --listen 1.2.3.4:0 --data "$DATA" \
        >"$BATS_TEST_TMPDIR/serve.out" 2>"$BATS_TEST_TMPDIR/serve.err" &
    PIDS+=($!)
    for _ in $(seq 100); do grep -q '^listening on' "$BATS_TEST_TMPDIR/serve.out" && break; sleep 0.05; done
    URL=$(sed -n 's/^listening on //p' "$BATS_TEST_TMPDIR/serve.out")
    [ -n "$URL" ]
    run ip netns exec "$NS" "$TENKEN" scan --out "$OUT" --no-progress --no-disk --no-memory \
        --no-traces --upload "$URL" --token "$TOKEN" --upload-retries 0
    [[ "${lines[-1]}" == "$OUT: uploaded" ]]
    "$TENKEN" report --org ns --data "$DATA" --format json >"$BATS_TEST_TMPDIR/r.json"
    jq -e '.endpoints_detail[0].source == "1.2.3.4"' "$BATS_TEST_TMPDIR/r.json"
    jq -e '.endpoints_detail[0].probe == "smb/445=open;rdp/3389=closed"' "$BATS_TEST_TMPDIR/r.json"
    jq -e '.top_findings[] | select(.id == "TK-EXP-DIRECT" and .severity == "high")' "$BATS_TEST_TMPDIR/r.json"
    jq -e '.top_findings[] | select(.id == "TK-EXP-PROBE-SMB" and .severity == "critical")' "$BATS_TEST_TMPDIR/r.json"
    jq -e '[.top_findings[] | select(.id == "TK-EXP-PROBE-RDP")] | length == 0' "$BATS_TEST_TMPDIR/r.json"
}
