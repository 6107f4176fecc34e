#!/usr/bin/env bats
# tenken scan of the machine the tests run on, checked against the system's own tools:
# dpkg-query for packages, ss for listening sockets, ip for interface addresses.

load helpers

setup() {
    OUT="$BATS_TEST_TMPDIR/live.json"
}

@test "live scan: valid bundle, marked live, network collected" {
    run "$TENKEN" scan --out "$OUT" --no-progress --no-disk --no-memory --no-traces
    [ "$status" -eq 0 ]
    validate "$OUT"
    [ "$(jqb "$OUT" .scan.live)" = true ]
    [ "$(jqb "$OUT" .network.collected)" = true ]
    [ "$(jqb "$OUT" .host.kernel.release)" = "$(uname -r)" ]
    [ "$(jqb "$OUT" .host.arch)" = "$(uname -m)" ]
}

@test "live scan: dpkg item count equals dpkg-query -W" {
    command -v dpkg-query >/dev/null || skip "not a dpkg system"
    "$TENKEN" scan --out "$OUT" --no-progress --only dpkg >/dev/null
    [ "$(jq '[.inventory[] | select(.source=="dpkg")] | length' "$OUT")" = "$(dpkg-query -W | wc -l)" ]
    # Same names and versions, not just the same count.
    diff <(dpkg-query -W -f='${binary:Package} ${Version}\n' | sed 's/:[a-z0-9]* / /' | sort) \
         <(jq -r '.inventory[] | select(.source=="dpkg") | .name + " " + .version' "$OUT" | sort)
}

start_listeners() {
    # Loopback listeners owned by this test, so their owner is visible without root.
    "$PYTHON" -c '
import socket, sys, time
s4 = socket.socket(); s4.bind(("127.0.0.1", 0)); s4.listen()
s6 = socket.socket(socket.AF_INET6); s6.bind(("::1", 0)); s6.listen()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
print(s4.getsockname()[1], s6.getsockname()[1], u.getsockname()[1], flush=True)
time.sleep(60)' >"$BATS_TEST_TMPDIR/ports" &
    LISTENER=$!
    for _ in $(seq 50); do [ -s "$BATS_TEST_TMPDIR/ports" ] && break; sleep 0.1; done
    read -r P4 P6 PU <"$BATS_TEST_TMPDIR/ports"
}

teardown() {
    [ -n "${LISTENER:-}" ] && kill "$LISTENER" 2>/dev/null || true
}

@test "live scan: listening TCP sockets equal what ss -ltnH lists" {
    command -v ss >/dev/null || skip "ss is not installed"
    start_listeners
    "$TENKEN" scan --out "$OUT" --no-progress --only network >/dev/null
    ss -ltnH >"$BATS_TEST_TMPDIR/ss.txt"
    "$PYTHON" - "$OUT" "$BATS_TEST_TMPDIR/ss.txt" <<'PY'
import ipaddress, json, sys
bundle = json.load(open(sys.argv[1]))
key = lambda t: (t[0].version, t[0], t[1])
ours = sorted(((ipaddress.ip_address(s["address"]), s["port"])
               for s in bundle["network"]["listening"] if s["proto"] == "tcp"), key=key)
theirs = []
for line in open(sys.argv[2]):
    local = line.split()[3]
    addr, port = local.rsplit(":", 1)
    addr = addr.strip("[]").split("%")[0]
    if addr == "*":
        addr = "::"
    theirs.append((ipaddress.ip_address(addr), int(port)))
theirs.sort(key=key)
if ours != theirs:
    print("tenken:", ours)
    print("ss:    ", theirs)
    sys.exit(1)
PY
}

@test "live scan: the owner of a socket we opened is named, on IPv4, IPv6 and UDP" {
    start_listeners
    "$TENKEN" scan --out "$OUT" --no-progress --only network >/dev/null
    jq -e --argjson p "$P4" --argjson pid "$LISTENER" '.network.listening[] | select(.proto=="tcp" and .address=="127.0.0.1" and .port==$p and .pid==$pid and (.process|test("python")))' "$OUT"
    jq -e --argjson p "$P6" '.network.listening[] | select(.proto=="tcp" and .family=="inet6" and .address=="::1" and .port==$p)' "$OUT"
    jq -e --argjson p "$PU" '.network.listening[] | select(.proto=="udp" and .port==$p)' "$OUT"
}

@test "live scan: interface addresses equal ip -j addr" {
    command -v ip >/dev/null || skip "ip is not installed"
    "$TENKEN" scan --out "$OUT" --no-progress --only network >/dev/null
    diff <(ip -j addr | jq -r '.[] | .ifname as $i | .addr_info[] | "\($i) \(.local)/\(.prefixlen)"' | sort) \
         <(jq -r '.network.interfaces[] | .name as $i | .addresses[] | "\($i) \(.address)/\(.prefix)"' "$OUT" | sort)
    diff <(ip -j link | jq -r '.[].ifname' | sort) <(jq -r '.network.interfaces[].name' "$OUT" | sort)
}

@test "live scan: a clean machine has no finding above low" {
    # The whole default scan, malware checks included. Files other test suites plant while
    # this runs (EICAR and friends under bats' run directories) are not the machine's.
    # (and what tests/cli/traces.bats runs from its home directory at the same time)
    "$TENKEN" scan --out "$OUT" --no-progress --exclude '/tmp/bats-run-*' \
        --exclude '*/.tenken-test.*' >/dev/null
    run jq -r '.findings[] | select(.severity=="medium" or .severity=="high" or .severity=="critical") | "\(.id) \(.title.en)"' "$OUT"
    echo "$output"
    [ -z "$output" ]
}

@test "--fail-on: exit 1 only when a finding reaches the threshold" {
    "$TENKEN" scan --out "$OUT" --no-progress --no-disk --no-memory --no-traces --fail-on critical >/dev/null
    run "$TENKEN" scan --out "$OUT" --no-progress --no-disk --no-memory --no-traces --fail-on info
    n=$(jq '.findings | length' "$OUT")
    if [ "$n" -gt 0 ]; then [ "$status" -eq 1 ]; else [ "$status" -eq 0 ]; fi
}
