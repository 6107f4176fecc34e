#!/usr/bin/env bats
# `tenken serve`: a real server on 127.0.0.1 (a free port), uploads with curl, bad requests,
# concurrency, graceful stop, and kill -9 in the middle of a stream of uploads.

load helpers

setup() {
    DATA="$BATS_TEST_TMPDIR/data"
    export XDG_DATA_HOME="$BATS_TEST_TMPDIR/xdg"
    command -v curl >/dev/null || skip "curl is not installed"
    make_root "$BATS_TEST_TMPDIR/root"
    "$TENKEN" scan --root "$BATS_TEST_TMPDIR/root" --only host --out "$BATS_TEST_TMPDIR/b.json" \
        --no-progress >/dev/null
    TOKEN=$("$TENKEN" org add acme --max-endpoints 200 --data "$DATA" 2>/dev/null)
}

teardown() {
    [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null || true
}

# start_server [OPTIONS...]: runs the server in the background, sets SERVER and URL.
start_server() {
    "$TENKEN" serve --listen 127.0.0.1:0 --data "$DATA" --access-log "$BATS_TEST_TMPDIR/access.log" \
        "$@" >"$BATS_TEST_TMPDIR/serve.out" 2>"$BATS_TEST_TMPDIR/serve.err" &
    SERVER=$!
    for _ in $(seq 100); do grep -q '^listening on' "$BATS_TEST_TMPDIR/serve.out" && break; sleep 0.05; done
    URL=$(sed -n 's/^listening on //p' "$BATS_TEST_TMPDIR/serve.out")
    [ -n "$URL" ]
}

# bundle N: a copy of the test bundle with its own bundle id and endpoint id.
bundle() {
    local n=$1 hex
    hex=$(printf '%012x' "$n")
    jq --arg id "00000000-0000-4000-8000-$hex" --arg ep "$(printf '%032x' "$n")" \
        '.bundle_id = $id | .host.endpoint_id = $ep' "$BATS_TEST_TMPDIR/b.json"
}

# post FILE [CURL OPTIONS...]: prints "STATUS BODY"
post() {
    local f=$1
    shift
    curl -s -o "$BATS_TEST_TMPDIR/resp" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        --data-binary @"$f" "$@" "$URL/api/v1/bundles"
    printf ' %s\n' "$(cat "$BATS_TEST_TMPDIR/resp")"
}

endpoints() {
    "$TENKEN" org list --format json --data "$DATA" | jq '.[] | select(.name == "acme") | .endpoints'
}

@test "a bundle is stored once; re-sending it is a no-op; gzip is accepted" {
    start_server
    curl -sf "$URL/api/v1/health" | jq -e '.status == "ok"'
    run post "$BATS_TEST_TMPDIR/b.json"
    [[ "$output" == "201 "* ]] && [[ "$output" == *'"stored"'* ]]
    run post "$BATS_TEST_TMPDIR/b.json"
    [[ "$output" == "200 "*'"duplicate"'* ]]
    bundle 7 | gzip >"$BATS_TEST_TMPDIR/7.gz"
    run post "$BATS_TEST_TMPDIR/7.gz" -H 'Content-Encoding: gzip'
    [[ "$output" == "201 "* ]]
    [ "$(endpoints)" -eq 2 ]
    jq -e 'select(.status == 201) | .org | test("^[0-9a-f-]{36}$")' "$BATS_TEST_TMPDIR/access.log" >/dev/null
}

@test "bad requests get the right 4xx with a JSON error, and leave nothing behind" {
    start_server --max-body 64K
    bundle 1 >"$BATS_TEST_TMPDIR/1.json"
    # no token, a malformed one, an unknown one
    run curl -s -o /dev/null -w '%{http_code}' --data-binary @"$BATS_TEST_TMPDIR/1.json" "$URL/api/v1/bundles"
    [ "$output" = 401 ]
    run curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nope' \
        --data-binary @"$BATS_TEST_TMPDIR/1.json" "$URL/api/v1/bundles"
    [ "$output" = 401 ]
    other=$("$TENKEN" org add other --data "$DATA" 2>/dev/null)
    "$TENKEN" org rotate-token other --data "$DATA" >/dev/null 2>&1
    run curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $other" \
        --data-binary @"$BATS_TEST_TMPDIR/1.json" "$URL/api/v1/bundles"
    [ "$output" = 401 ]
    # a token of the right shape that is nobody's: refused on its headers, before any body
    run python3 - "$URL" "$other" <<'PY'
import socket, sys, time, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
s = socket.create_connection((u.hostname, u.port), timeout=5)
s.sendall(b"POST /api/v1/bundles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
          sys.argv[2].encode() + b"\r\nContent-Length: 60000\r\n\r\n{")
t = time.time()
print(s.recv(200).split(b"\r\n")[0].decode(), round(time.time() - t))
PY
    [ "$output" = "HTTP/1.1 401 Unauthorized 0" ]
    # malformed JSON, and JSON that is not a bundle: the message names the place
    printf '{"format": "tenken-bundle", ' >"$BATS_TEST_TMPDIR/bad.json"
    run post "$BATS_TEST_TMPDIR/bad.json"
    [[ "$output" == "400 "*'"error"'* ]]
    jq 'del(.host.os)' "$BATS_TEST_TMPDIR/1.json" >"$BATS_TEST_TMPDIR/noos.json"
    run post "$BATS_TEST_TMPDIR/noos.json"
    [[ "$output" == "400 "*"/host/os"* ]]
    # ids that are not what the schema says: a path in the bundle id, junk as endpoint id
    jq '.bundle_id = "../../../../etc/passwd/aaaaaaaaaaaaa"' "$BATS_TEST_TMPDIR/1.json" >"$BATS_TEST_TMPDIR/trav.json"
    run post "$BATS_TEST_TMPDIR/trav.json"
    [[ "$output" == "400 "*"/bundle_id"* ]]
    jq '.host.endpoint_id = "../x"' "$BATS_TEST_TMPDIR/1.json" >"$BATS_TEST_TMPDIR/trav.json"
    run post "$BATS_TEST_TMPDIR/trav.json"
    [[ "$output" == "400 "*"/host/endpoint_id"* ]]
    # too large on the wire, and once decompressed (a gzip bomb)
    head -c 200000 /dev/zero | tr '\0' ' ' >"$BATS_TEST_TMPDIR/big.json"
    run post "$BATS_TEST_TMPDIR/big.json"
    [[ "$output" == "413 "* ]]
    head -c 50000000 /dev/zero | gzip -9 >"$BATS_TEST_TMPDIR/bomb.gz"
    run post "$BATS_TEST_TMPDIR/bomb.gz"
    [[ "$output" == "413 "* ]]
    printf '\037\213garbage' >"$BATS_TEST_TMPDIR/corrupt.gz"
    run post "$BATS_TEST_TMPDIR/corrupt.gz"
    [[ "$output" == "400 "* ]]
    # wrong method, unknown path, traversal in the path
    run curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/bundles"
    [ "$output" = 405 ]
    curl -s -D - -o /dev/null "$URL/api/v1/bundles" | grep -qi '^Allow: POST'
    curl -s -D - -o /dev/null -X POST "$URL/api/v1/health" | grep -qi '^Allow: GET, HEAD'
    [ "$(curl -s -o /dev/null -w '%{http_code}' -I "$URL/api/v1/health")" = 200 ]
    # an encoding other than gzip is not guessed at
    run post "$BATS_TEST_TMPDIR/1.json" -H 'Content-Encoding: br'
    [[ "$output" == "415 "* ]]
    run curl -s -o /dev/null -w '%{http_code}' --path-as-is "$URL/api/v1/../../etc/passwd"
    [ "$output" = 404 ]
    # a disabled organisation
    "$TENKEN" org disable acme --data "$DATA"
    run post "$BATS_TEST_TMPDIR/1.json"
    [[ "$output" == "403 "* ]]
    "$TENKEN" org enable acme --data "$DATA"
    # nothing of the above was stored
    [ "$(endpoints)" -eq 0 ]
    run post "$BATS_TEST_TMPDIR/1.json"
    [[ "$output" == "201 "* ]]
}

@test "the endpoint limit holds; an endpoint already known may upload again" {
    "$TENKEN" org add small --max-endpoints 1 --data "$DATA" >"$BATS_TEST_TMPDIR/small" 2>/dev/null
    TOKEN=$(cat "$BATS_TEST_TMPDIR/small")
    start_server
    bundle 1 >"$BATS_TEST_TMPDIR/1.json"
    bundle 2 >"$BATS_TEST_TMPDIR/2.json"
    jq '.bundle_id = "00000000-0000-4000-8000-0000000000ff"' "$BATS_TEST_TMPDIR/1.json" >"$BATS_TEST_TMPDIR/1b.json"
    [[ "$(post "$BATS_TEST_TMPDIR/1.json")" == "201 "* ]]
    run post "$BATS_TEST_TMPDIR/2.json"
    [[ "$output" == "409 "*"limit of 1 endpoints"* ]]
    [[ "$(post "$BATS_TEST_TMPDIR/1b.json")" == "201 "* ]]
}

@test "a slow client is cut off by the timeout and stores nothing" {
    start_server --timeout 2
    bundle 1 >"$BATS_TEST_TMPDIR/1.json"
    port=${URL##*:}
    start=$(date +%s)
    run timeout 20 python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /api/v1/bundles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + sys.argv[2].encode()
          + b"\r\nContent-Length: 100000\r\n\r\n{\"format\":")
s.settimeout(15)
try:
    print("closed" if s.recv(100) == b"" else "answered")
except ConnectionResetError:
    print("closed")' "$port" "$TOKEN"
    [ "$output" = closed ]
    [ $(( $(date +%s) - start )) -lt 10 ]
    [ "$(endpoints)" -eq 0 ]
}

@test "64 concurrent uploaders: every bundle stored once; SIGTERM stops the server cleanly" {
    start_server
    for i in $(seq 64); do bundle "$i" >"$BATS_TEST_TMPDIR/u$i.json"; done
    for i in $(seq 64); do
        post "$BATS_TEST_TMPDIR/u$i.json" >"$BATS_TEST_TMPDIR/r$i" &
    done
    wait $(jobs -p | grep -v "^$SERVER$") 2>/dev/null || true
    for i in $(seq 64); do
        [[ "$(cat "$BATS_TEST_TMPDIR/r$i")" == 201* ]] || { cat "$BATS_TEST_TMPDIR/r$i"; false; }
    done
    [ "$(endpoints)" -eq 64 ]
    kill -TERM "$SERVER"
    wait "$SERVER"
    status=$?
    SERVER=
    [ "$status" -eq 0 ]
    grep -q SIGTERM "$BATS_TEST_TMPDIR/serve.err"
}

@test "kill -9 in the middle of a stream of uploads: every upload that got a 2xx is there once" {
    start_server
    for i in $(seq 150); do bundle "$i" >"$BATS_TEST_TMPDIR/u$i.json"; done
    ( for i in $(seq 150); do
          r=$(post "$BATS_TEST_TMPDIR/u$i.json" 2>/dev/null | cut -c1-3)
          echo "$i $r"
      done >"$BATS_TEST_TMPDIR/stream" ) &
    streamer=$!
    sleep 0.7
    kill -9 "$SERVER"
    wait "$streamer" || true
    SERVER=
    acked=$(awk '$2 == 201' "$BATS_TEST_TMPDIR/stream" | wc -l)
    [ "$acked" -gt 0 ]
    start_server
    # every acknowledged upload is there: sending it again is a duplicate
    for i in $(awk '$2 == 201 {print $1}' "$BATS_TEST_TMPDIR/stream"); do
        [[ "$(post "$BATS_TEST_TMPDIR/u$i.json")" == 200* ]] || { echo "upload $i lost"; false; }
    done
    n=$(endpoints)
    [ "$n" -ge "$acked" ] && [ "$n" -le 150 ]
}

@test "HTTPS with --cert and --key: the collector verifies the certificate and refuses one it cannot" {
    command -v openssl >/dev/null || skip "openssl is not installed"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$BATS_TEST_TMPDIR/key.pem" \
        -out "$BATS_TEST_TMPDIR/cert.pem" -days 2 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 2>/dev/null
    start_server --cert "$BATS_TEST_TMPDIR/cert.pem" --key "$BATS_TEST_TMPDIR/key.pem"
    [[ "$URL" == https://127.0.0.1:* ]]
    curl -sf --cacert "$BATS_TEST_TMPDIR/cert.pem" "$URL/api/v1/health" | jq -e '.status == "ok"'
    bundle 5 >"$BATS_TEST_TMPDIR/5.json"
    run "$TENKEN" upload --server "$URL" --token "$TOKEN" --ca "$BATS_TEST_TMPDIR/cert.pem" "$BATS_TEST_TMPDIR/5.json"
    [ "$status" -eq 0 ]
    [[ "$output" == *": uploaded" ]]
    # without the CA the certificate cannot be verified: refused at once, never retried
    start=$(date +%s)
    run "$TENKEN" upload --server "$URL" --token "$TOKEN" "$BATS_TEST_TMPDIR/5.json"
    [ "$status" -eq 3 ]
    [[ "$output" == *"not uploaded"* ]]
    [ $(( $(date +%s) - start )) -lt 5 ]
    # plain HTTP to the HTTPS port gets nowhere
    run curl -s -o /dev/null -w '%{http_code}' "${URL/https/http}/api/v1/health"
    [ "$output" != 200 ]
    # --cert needs --key; a file that is not PEM is named
    run "$TENKEN" serve --data "$DATA" --cert "$BATS_TEST_TMPDIR/cert.pem"
    [ "$status" -eq 2 ]
    echo nonsense >"$BATS_TEST_TMPDIR/bad.pem"
    run "$TENKEN" serve --data "$DATA" --cert "$BATS_TEST_TMPDIR/bad.pem" --key "$BATS_TEST_TMPDIR/key.pem"
    [ "$status" -eq 3 ]
    [[ "$output" == *"bad.pem: not a PEM file"* ]]
}

@test "a configuration file, overridden by the command line; a wrong line is named" {
    cat >"$BATS_TEST_TMPDIR/serve.conf" <<CONF
# tenken serve configuration
listen = 127.0.0.1:1
max-body = 64K   # small, for the test
data = $DATA
CONF
    start_server --config "$BATS_TEST_TMPDIR/serve.conf"
    head -c 200000 /dev/zero | tr '\0' ' ' >"$BATS_TEST_TMPDIR/big.json"
    run post "$BATS_TEST_TMPDIR/big.json"
    [[ "$output" == "413 "* ]]
    printf 'listen = 127.0.0.1:0\nbogus = 1\n' >"$BATS_TEST_TMPDIR/bad.conf"
    run "$TENKEN" serve --config "$BATS_TEST_TMPDIR/bad.conf"
    [ "$status" -eq 2 ]
    [[ "$output" == *"bad.conf:2: not an option of this command"* ]]
    printf 'threads\n' >"$BATS_TEST_TMPDIR/bad.conf"
    run "$TENKEN" serve --config="$BATS_TEST_TMPDIR/bad.conf"
    [ "$status" -eq 2 ]
    [[ "$output" == *"bad.conf:1: needs a value"* ]]
    run "$TENKEN" serve --config "$BATS_TEST_TMPDIR/none.conf"
    [ "$status" -eq 3 ]
    printf 'listen = 127.0.0.1:0\n\nthreads = 0\n' >"$BATS_TEST_TMPDIR/bad.conf"
    run "$TENKEN" serve --config "$BATS_TEST_TMPDIR/bad.conf"
    [ "$status" -eq 2 ]
    [[ "$output" == *"that value is on $BATS_TEST_TMPDIR/bad.conf:3"* ]]
    run "$TENKEN" serve --config "$BATS_TEST_TMPDIR"
    [ "$status" -eq 3 ]
    [[ "$output" == *"cannot read the configuration"* ]]
    run "$TENKEN" serve --config "$BATS_TEST_TMPDIR/serve.conf" --config "$BATS_TEST_TMPDIR/bad.conf"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--config may be given once"* ]]
    # a knowledge base that does not open stops the start, not every judging after it
    run timeout 20 "$TENKEN" serve --listen 127.0.0.1:0 --data "$BATS_TEST_TMPDIR/d2" --kb "$BATS_TEST_TMPDIR/no.sqlite"
    [ "$status" -eq 3 ]
    [[ "$output" == *"no.sqlite"* ]]
    [[ "$output" != *listening* ]]
}
