#!/usr/bin/env bats
# `tenken surface probe`: live collection from fake devices on 127.0.0.1 (tests/tools/
# fake-device.py, TLS with a certificate made here), piped into `surface identify`; what the
# devices were sent (they log every request); the rate limit; hostile servers; bad targets.

load helpers

setup_file() {
    local d=$BATS_FILE_TMPDIR
    command -v openssl >/dev/null || skip "openssl is not installed"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -keyout "$d/key.pem" -out "$d/cert.pem" -subj "/O=tenken tests/CN=fake-device.test" \
        -addext "subjectAltName=DNS:fake-device.test,IP:127.0.0.1" 2>/dev/null
    # the NetScaler's rdx_en.json.gz is stamped with the build time of 14.1-12.30
    NS_MTIME=$(awk '$2 == "14.1-12.30" { print $1 }' \
        "$SRCDIR/data/fingerprints/versions/netscaler-rdx.txt")
    [ -n "$NS_MTIME" ]
    "$PYTHON" "$SRCDIR/tests/tools/fake-device.py" --dir "$d" --cert "$d/cert.pem" \
        --key "$d/key.pem" --netscaler-mtime "$NS_MTIME" \
        fortigate netscaler globalprotect blank blank:plain \
        slow endless hugeheader garbage garbage:plain silent weird 3>&- >"$d/fake.log" 2>&1 &
    echo $! >"$d/fake.pid"
    for _ in $(seq 100); do [ -f "$d/ports" ] && break; sleep 0.05; done
    [ -f "$d/ports" ]
}

teardown_file() {
    [ -f "$BATS_FILE_TMPDIR/fake.pid" ] && kill "$(cat "$BATS_FILE_TMPDIR/fake.pid")" 2>/dev/null
    true
}

setup() {
    T=$BATS_TEST_TMPDIR
    export XDG_DATA_HOME="$T/xdg"
}

# port KIND: the port of a fake device
port() {
    awk -v k="$1" '$1 == k { print $2 }' "$BATS_FILE_TMPDIR/ports"
}

# requests PORT: what that device was asked, one JSON object a line
requests() {
    jq -c --argjson p "$1" 'select(.port == $p)' "$BATS_FILE_TMPDIR/requests.jsonl"
}

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

@test "probe | identify: FortiGate, NetScaler build from the gzip mtime, GlobalProtect from the ETag" {
    local fgt ns gp
    fgt=$(port fortigate) ns=$(port netscaler) gp=$(port globalprotect)
    "$TENKEN" surface probe --rate 100 --contact mailto:survey@example.org \
        "127.0.0.1:$fgt" "127.0.0.1:$ns" "https://127.0.0.1:$gp/" 2>"$T/err" |
        "$TENKEN" surface identify >"$T/devices.jsonl" 2>"$T/err2"
    cat "$T/err" "$T/err2"
    [ "$(wc -l <"$T/devices.jsonl")" -eq 3 ]
    device() {
        jq -e -s --argjson p "$1" "[.[] | select(.port == \$p)] | length == 1 and (.[0] | $2)" \
            "$T/devices.jsonl"
    }
    device "$fgt" '.fingerprint == "fortinet-fortigate" and .vendor == "Fortinet"
        and .build_time == "2020-07-27T09:11:07Z"'
    device "$ns" '.fingerprint == "citrix-netscaler" and .version == "14.1-12.30"
        and .precision == "exact"'
    device "$gp" '.fingerprint == "paloalto-globalprotect" and .version == "8.1.10"
        and .precision == "line"'
    # the certificate is the one the devices served
    local sha
    sha=$(openssl x509 -in "$BATS_FILE_TMPDIR/cert.pem" -outform DER | sha256sum | cut -c1-64)
    jq -e -s --arg s "$sha" 'all(.[]; .cert_sha256 == $s)' "$T/devices.jsonl"
    grep -q "probe: 3 targets, 3 answered, 0 without answer, 12 requests" "$T/err"
    grep -q "12 records, 3 services, 0 malformed" "$T/err2"
}

@test "probe: the lines are tenken JSONL with headers, bodies, the certificate and the time" {
    local fgt ns
    fgt=$(port fortigate) ns=$(port netscaler)
    "$TENKEN" surface probe -o "$T/p.jsonl" "127.0.0.1:$fgt" "127.0.0.1:$ns" 2>/dev/null
    # one line per URL, those of one target together, the certificate on the first
    jq -r '.port' "$T/p.jsonl" | uniq | sort | uniq -d | (! grep .)
    jq -e -s --argjson p "$fgt" '[.[] | select(.port == $p)] | length == 3
        and (.[0].url | endswith(":\($p)/")) and .[0].status == 200
        and .[0].headers.Server == "xxxxxxxx-xxxxx"
        and (.[0].body | contains("top.location=\"/remote/login\""))
        and .[0].tls.subject == "O=tenken tests, CN=fake-device.test"
        and .[0].tls.sans == ["fake-device.test", "127.0.0.1"]
        and (.[0].tls.not_after | test("^[0-9-]{10}T[0-9:]{8}Z$"))
        and (.[0].seen | test("^[0-9-]{10}T[0-9:]{8}Z$"))
        and (.[1].headers["Set-Cookie"] | length == 2) and (.[1].tls == null)' "$T/p.jsonl"
    # a redirect is recorded, not followed; the gzip file is binary, so base64
    jq -e -s --argjson p "$ns" '[.[] | select(.port == $p)] |
        (.[0].status == 302 and .[0].headers.Location == "/vpn/index.html")
        and any(.[]; (.url | endswith("rdx_en.json.gz")) and (.body_b64 | startswith("H4sI")))' \
        "$T/p.jsonl"
}

@test "probe: odd answers: a folded header joined, bytes that are not UTF-8 kept safely" {
    local w
    w=$(port weird)
    "$TENKEN" surface probe "127.0.0.1:$w" >"$T/p.jsonl" 2>/dev/null
    jq -e '.status == 200 and .headers["X-Folded"] == "one two" and .headers.Server == "weird"
        and .headers["X-Latin"] == "caf\ufffd" and .body_b64 == "//4AQQ==" and .body == null' \
        "$T/p.jsonl"
}

@test "probe: only GET of / and the fingerprints' documented paths, with a User-Agent naming tenken" {
    local fgt ns gp
    fgt=$(port fortigate) ns=$(port netscaler) gp=$(port globalprotect)
    local before
    before=$(wc -l <"$BATS_FILE_TMPDIR/requests.jsonl")
    "$TENKEN" surface probe --rate 100 --contact 'https://cert.example.jp/survey' \
        "127.0.0.1:$fgt" "127.0.0.1:$ns" "127.0.0.1:$gp" >/dev/null 2>&1
    local version
    version=$("$TENKEN" version | head -1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1)
    local ua="tenken/$version (passive survey; +https://cert.example.jp/survey)"
    for p in "$fgt" "$ns" "$gp"; do
        tail -n +$((before + 1)) "$BATS_FILE_TMPDIR/requests.jsonl" |
            jq -c --argjson p "$p" 'select(.port == $p)' >"$T/req.$p"
        # nothing but well-formed GETs with a browser's headers and our User-Agent
        jq -e -s --arg ua "$ua" 'length > 0 and all(.[]; .method == "GET"
            and .version == "HTTP/1.1" and (.bad | not)
            and ([.headers[][0] | ascii_downcase] | sort ==
                 ["accept", "accept-language", "host", "user-agent"])
            and (.headers[] | select(.[0] == "User-Agent") | .[1]) == $ua)' "$T/req.$p"
        # every path requested is documented in docs/probe.md
        for path in $(jq -r '.path' "$T/req.$p" | sort -u); do
            [ "$path" = / ] || grep -qF "\`$path\`" "$SRCDIR/docs/probe.md"
        done
    done
    [ "$(jq -r .path "$T/req.$fgt" | sort -u | paste -sd' ')" = "/ /favicon.ico /remote/login" ]
    [ "$(jq -r .path "$T/req.$ns" | sort -u | paste -sd' ')" = \
        "/ /logon/LogonPoint/index.html /vpn/index.html /vpn/js/rdx/core/lang/rdx_en.json.gz" ]
    [ "$(jq -r .path "$T/req.$gp" | sort -u | wc -l)" -eq 5 ]
}

@test "probe: a page no fingerprint knows gets GET / only" {
    local b
    b=$(port blank)
    local before
    before=$(requests "$b" | wc -l)
    "$TENKEN" surface probe "localhost:$b" >"$T/p.jsonl" 2>"$T/err"
    [ "$(requests "$b" | wc -l)" -eq $((before + 1)) ]
    requests "$b" | tail -1 | jq -e '.path == "/" and (.headers[] | select(.[0] == "Host") | .[1]) == "localhost:\($b)"' --argjson b "$b"
    # a host name: the URL keeps it, the address is where it led
    jq -e '.ip == "127.0.0.1" and .url == "https://localhost:\($b)/"' --argjson b "$b" "$T/p.jsonl"
    "$TENKEN" surface identify "$T/p.jsonl" 2>/dev/null | jq -e '.hostnames == ["localhost"] and .fingerprint == null'
}

@test "probe: --rate 5 spreads 10 requests over about 2 s" {
    local b targets=() start end
    b=$(port blank)
    for _ in $(seq 10); do targets+=("127.0.0.1:$b"); done
    start=$(now_ms)
    "$TENKEN" surface probe --rate 5 --concurrency 8 "${targets[@]}" >"$T/p.jsonl" 2>"$T/err"
    end=$(now_ms)
    echo "took $((end - start)) ms"
    [ "$((end - start))" -ge 1500 ]
    [ "$(wc -l <"$T/p.jsonl")" -eq 10 ]
    grep -q "10 targets, 10 answered, 0 without answer, 10 requests" "$T/err"
}

@test "probe: plain HTTP only for http:// URLs; a TLS failure elsewhere gets no plain request" {
    local p before
    p=$(port blank:plain)
    before=$(requests "$p" | wc -l)
    "$TENKEN" surface probe "http://127.0.0.1:$p/ignored/path" "127.0.0.1:$p" >"$T/p.jsonl" 2>"$T/err"
    cat "$T/err"
    jq -e -s 'length == 1 and .[0].url == "http://127.0.0.1:\($p)/" and .[0].status == 200 and .[0].tls == null' \
        --argjson p "$p" "$T/p.jsonl"
    grep -q "127.0.0.1:$p: no answer: TLS handshake failed" "$T/err"
    # the URL's GET /, and the ClientHello seen as a bad request line; nothing else
    requests "$p" | tail -n +$((before + 1)) >"$T/req"
    [ "$(jq -s '[.[] | select(.method == "GET" and .path == "/")] | length' "$T/req")" -eq 1 ]
    [ "$(jq -s '[.[] | select(.method)] | length' "$T/req")" -eq 1 ]
}

@test "probe: on port 8080 plain HTTP follows a failed TLS handshake" {
    mkdir "$T/alt"
    "$PYTHON" "$SRCDIR/tests/tools/fake-device.py" --dir "$T/alt" blank:plain:8080 3>&- \
        >"$T/alt/log" 2>&1 &
    local pid=$!
    for _ in $(seq 100); do [ -f "$T/alt/ports" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    if [ ! -f "$T/alt/ports" ]; then
        kill "$pid" 2>/dev/null || true
        skip "127.0.0.1:8080 is in use"
    fi
    "$TENKEN" surface probe 127.0.0.1:8080 >"$T/p.jsonl" 2>"$T/err"
    kill "$pid"
    cat "$T/err"
    jq -e '.url == "http://127.0.0.1:8080/" and .status == 200' "$T/p.jsonl"
    grep -q "1 targets, 1 answered, 0 without answer, 2 requests" "$T/err"
    # the ClientHello was not a request; the one GET came over plain HTTP
    jq -e -s '[.[] | select(.method)] | length == 1' "$T/alt/requests.jsonl"
}

@test "probe: hostile servers end within the timeout with bounded output" {
    local start end
    start=$(now_ms)
    local time=()
    [ -z "${TK_SANITIZED:-}" ] && [ -x /usr/bin/time ] && time=(/usr/bin/time -f '%M' -o "$T/rss")
    run "${time[@]}" "$TENKEN" surface probe --timeout 2 --rate 100 -o "$T/p.jsonl" \
        "127.0.0.1:$(port slow)" "127.0.0.1:$(port endless)" "127.0.0.1:$(port hugeheader)" \
        "127.0.0.1:$(port garbage)" "127.0.0.1:$(port garbage:plain)" "127.0.0.1:$(port silent)"
    end=$(now_ms)
    echo "$output"
    echo "took $((end - start)) ms"
    [ "$status" -eq 0 ]
    [ "$((end - start))" -lt 6000 ]
    [ "$(stat -c %s "$T/p.jsonl")" -lt $((1300 * 1024)) ]
    # the endless body is cut at 1 MiB, the endless header block at 64 KiB
    jq -e -s --argjson p "$(port endless)" '[.[] | select(.port == $p)] | length == 1
        and .[0].truncated == true and (.[0].body | length) == 1048576' "$T/p.jsonl"
    jq -e -s --argjson p "$(port hugeheader)" '[.[] | select(.port == $p)] | length == 1
        and .[0].truncated == true and (.[0].headers | length) < 97' "$T/p.jsonl"
    [[ "$output" == *"127.0.0.1:$(port slow): no answer: timed out after 2 s"* ]]
    [[ "$output" == *"127.0.0.1:$(port silent): no answer: timed out after 2 s"* ]]
    [[ "$output" == *"127.0.0.1:$(port garbage): no answer: not an HTTP answer"* ]]
    [[ "$output" == *"127.0.0.1:$(port garbage:plain): no answer: TLS handshake failed"* ]]
    [[ "$output" == *"6 targets, 2 answered, 4 without answer"* ]]
    # the certificate of a device that answered no HTTP is still recorded
    jq -e -s --argjson p "$(port silent)" 'any(.[]; .port == $p and .tls.sha256 != null and .url == null)' "$T/p.jsonl"
    # and everything reads back
    "$TENKEN" surface identify "$T/p.jsonl" 2>"$T/err" >/dev/null
    grep -q " 0 malformed" "$T/err"
    if [ -f "$T/rss" ]; then
        echo "max RSS $(cat "$T/rss") KiB"
        [ "$(cat "$T/rss")" -lt 100000 ]
    fi
}

@test "probe: targets from @FILE, CIDR blocks and a port list" {
    local b
    b=$(port blank)
    printf '# two addresses, two ports each\n127.0.0.0/31\n\n127.0.0.1:%s  # and one more\n' "$b" >"$T/list"
    "$TENKEN" surface probe --ports "$b,1" --timeout 2 "@$T/list" >"$T/p.jsonl" 2>"$T/err"
    cat "$T/err"
    grep -q "probe: 5 targets, " "$T/err"
    [ "$(jq -s '[.[] | select(.port == '"$b"')] | length' "$T/p.jsonl")" -ge 2 ]
    grep -q "127.0.0.1:1: no answer: connection refused" "$T/err"
}

@test "probe: bad targets and options are usage errors naming them; nothing is sent" {
    local b before
    b=$(port blank)
    before=$(requests "$b" | wc -l)
    run "$TENKEN" surface probe "127.0.0.1:$b" 10.0.0.0/8
    [ "$status" -eq 2 ] && [[ "$output" == *"'10.0.0.0/8': a block of more than 65536 addresses"* ]]
    run "$TENKEN" surface probe "127.0.0.1:$b" 'not a host'
    [ "$status" -eq 2 ] && [[ "$output" == *"'not a host'"* ]]
    run "$TENKEN" surface probe 10.0.0.256
    [ "$status" -eq 2 ] && [[ "$output" == *"'10.0.0.256': not an IP address"* ]]
    run "$TENKEN" surface probe "https://admin:pw@127.0.0.1:$b/"
    [ "$status" -eq 2 ] && [[ "$output" == *"no credentials"* ]]
    printf '127.0.0.1:%s\n# ok so far\nvpn.example.jp:99999\n' "$b" >"$T/list"
    run "$TENKEN" surface probe "@$T/list"
    [ "$status" -eq 2 ] && [[ "$output" == *"$T/list:3: 'vpn.example.jp:99999': the port"* ]]
    run "$TENKEN" surface probe "@$T/missing"
    [ "$status" -eq 2 ] && [[ "$output" == *"@$T/missing: cannot open"* ]]
    run "$TENKEN" surface probe
    [ "$status" -eq 2 ] && [[ "$output" == *"missing targets"* ]]
    run "$TENKEN" surface probe --ports 443,0 127.0.0.1
    [ "$status" -eq 2 ] && [[ "$output" == *"'0' is not a port"* ]]
    run "$TENKEN" surface probe --contact $'x\r\nX-Evil: 1' 127.0.0.1
    [ "$status" -eq 2 ] && [[ "$output" == *"--contact"* ]]
    run "$TENKEN" surface probe --rate 0 127.0.0.1
    [ "$status" -eq 2 ]
    [ "$(requests "$b" | wc -l)" -eq "$before" ]
}

@test "probe: output that cannot be written is exit code 3" {
    local b
    b=$(port blank)
    run "$TENKEN" surface probe -o /nonexistent/dir/p.jsonl "127.0.0.1:$b"
    [ "$status" -eq 3 ]
    run "$TENKEN" surface probe -o /dev/full "127.0.0.1:$b"
    [ "$status" -eq 3 ] && [[ "$output" == *"write failed"* ]]
}

@test "docs/probe.md lists every fingerprint and exactly its fetch paths" {
    # what the fingerprint files say: "id path path ..." (paths other than /)
    awk '/^fingerprint:/ { if (id) print id paths; id = $2; paths = "" }
         /^fetch:/ && $2 != "/" { paths = paths " " $2 }
         END { print id paths }' "$SRCDIR"/data/fingerprints/*.txt | sort >"$T/files"
    # what the table in docs/probe.md says
    awk -F'|' '/^\| `[a-z][a-z0-9-]*` \|/ {
            id = $2; p = $3; gsub(/[` ]/, "", id); gsub(/[`,]|\(none\)/, "", p)
            gsub(/ +/, " ", p); sub(/ +$/, "", p); print id p
        }' "$SRCDIR/docs/probe.md" | sort >"$T/doc"
    diff "$T/files" "$T/doc"
    # and the fingerprints the binary lists are the same ones
    "$TENKEN" surface fingerprints | awk '{ print $1 }' | sort >"$T/ids"
    awk '{ print $1 }' "$T/doc" | diff "$T/ids" -
}
