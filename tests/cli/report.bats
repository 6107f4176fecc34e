#!/usr/bin/env bats
# The analysis server end to end: uploads judged after they are stored, the source address against the
# PC's own (direct reachability), the opt-in probe, newer bundles superseding older ones,
# analyst keys scoped to organisations, reports in HTML/JSON/CSV and Japanese/English,
# reanalyze, judging at start and by the report, `tenken upload` and `scan --upload`, mail to a local
# SMTP sink. Everything on 127.0.0.1.

load helpers

setup() {
    DATA="$BATS_TEST_TMPDIR/data"
    export XDG_DATA_HOME="$BATS_TEST_TMPDIR/xdg"
    command -v curl >/dev/null || skip "curl is not installed"
    fixture_setup
    # an outdated Zoom comes with make_root; add an EICAR test file in a home directory
    printf 'X5O!P%%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' \
        >"$ROOT/home/alice/eicar.com"
    scan --no-memory --no-traces >/dev/null
    # the same PC as if scanned live: one interface with a public address
    jq '.network.collected = true | .network.interfaces = [{"name":"eth0","index":2,
        "mac":"02:00:00:00:00:01","state":"up","mtu":1500,"loopback":false,"addresses":[
        {"address":"1.2.3.4","prefix":24,"family":"inet","class":"public","scope":"global"}]}]' \
        "$OUT" >"$BATS_TEST_TMPDIR/pc.json"
    TOKEN=$("$TENKEN" org add acme --data "$DATA" 2>/dev/null)
    ORG=$("$TENKEN" org list --format json --data "$DATA" | jq -r '.[] | select(.name=="acme") | .id')
    KEY=$("$TENKEN" key add analyst --org acme --data "$DATA")
}

teardown() {
    for p in "${SERVER:-}" "${SINK:-}" "${LISTENER:-}"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null
    done
    true
}

start_server() {
    "$TENKEN" serve --listen 127.0.0.1:0 --data "$DATA" --access-log "$BATS_TEST_TMPDIR/access.log" \
        --error-log "$BATS_TEST_TMPDIR/error.log" "$@" >"$BATS_TEST_TMPDIR/serve.out" 2>"$BATS_TEST_TMPDIR/serve.err" &
    SERVER=$!
    for _ in $(seq 100); do grep -q '^listening on' "$BATS_TEST_TMPDIR/serve.out" && break; sleep 0.05; done
    URL=$(sed -n 's/^listening on //p' "$BATS_TEST_TMPDIR/serve.out")
    [ -n "$URL" ]
}

# post FILE [CURL OPTIONS...]: prints the HTTP status
post() {
    local f=$1
    shift
    curl -s -o "$BATS_TEST_TMPDIR/resp" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        --data-binary @"$f" "$@" "$URL/api/v1/bundles"
}

# report QUERY [KEY]: the report route's body into $BATS_TEST_TMPDIR/report, status printed
report() {
    curl -s -o "$BATS_TEST_TMPDIR/report" -w '%{http_code}' -H "Authorization: Bearer ${2:-$KEY}" \
        "$URL/api/v1/orgs/$ORG/report?$1"
}

@test "a directly reachable PC with an outdated Zoom and an EICAR hit: all three in the report, Japanese and English" {
    start_server --trusted-proxy 127.0.0.1
    [ "$(post "$BATS_TEST_TMPDIR/pc.json" -H 'X-Forwarded-For: 192.0.2.1, 1.2.3.4')" = 201 ]
    [ "$(report 'format=json')" = 200 ]
    R="$BATS_TEST_TMPDIR/report"
    jq -e '.endpoints == 1 and .pending == 0' "$R"
    jq -e '.shares.direct.endpoints == 1 and .shares.outdated_meeting.endpoints == 1 and .shares.malware_disk.endpoints == 1' "$R"
    jq -e '.top_findings[] | select(.id == "TK-EXP-DIRECT" and .severity == "high")' "$R"
    jq -e '.top_findings[] | select(.id == "TK-VULN-ZOOM")' "$R"
    jq -e '.top_findings[] | select(.id == "TK-MALWARE-FILE" and (.hostnames | index("fixture-pc")))' "$R"
    jq -e '.endpoints_detail[0].source == "1.2.3.4"' "$R"
    # ranked: severity first
    jq -e '[.top_findings[].severity] | map({"critical":4,"high":3,"medium":2,"low":1,"info":0}[.]) | . == (sort | reverse)' "$R"
    [ "$(report 'format=html&lang=ja')" = 200 ]
    grep -q '<html lang="ja">' "$R"
    grep -q 'インターネットから直接到達可能' "$R"
    grep -q '古いWeb会議ツール' "$R"
    grep -q 'ディスク上のマルウェア' "$R"
    grep -q 'Zoom' "$R" && grep -q 'eicar.com' "$R" && grep -q '<svg' "$R"
    # self-contained: no external resource of any kind
    ! grep -Eiq '<script|<link|src=|url\(|https?://' "$R"
    "$TENKEN" report --org acme --data "$DATA" --lang en -o "$BATS_TEST_TMPDIR/en.html"
    grep -q 'Directly reachable from the internet' "$BATS_TEST_TMPDIR/en.html"
    grep -q 'Outdated meeting tools' "$BATS_TEST_TMPDIR/en.html"
    grep -q 'Malware on disk' "$BATS_TEST_TMPDIR/en.html"
    "$PYTHON" -c 'import html.parser, sys; html.parser.HTMLParser().feed(open(sys.argv[1]).read())' "$BATS_TEST_TMPDIR/en.html"
    # CSV: one row per finding, formula-safe
    [ "$(report 'format=csv&lang=en')" = 200 ]
    head -1 "$R" | grep -q '^"org","hostname"'
    grep -q '"TK-EXP-DIRECT","high"' "$R"
    "$PYTHON" -c 'import csv, sys; rows = list(csv.reader(open(sys.argv[1]))); assert len({len(r) for r in rows}) == 1' "$R"
}

@test "behind no trusted proxy, X-Forwarded-For is ignored; a NATed source is not direct" {
    start_server
    [ "$(post "$BATS_TEST_TMPDIR/pc.json" -H 'X-Forwarded-For: 1.2.3.4')" = 201 ]
    [ "$(report 'format=json')" = 200 ]
    jq -e '.endpoints_detail[0].source == "127.0.0.1"' "$BATS_TEST_TMPDIR/report"
    jq -e '.shares.direct.endpoints == 1' "$BATS_TEST_TMPDIR/report" # the public address itself
    jq -e '[.top_findings[] | select(.id == "TK-EXP-DIRECT")] | length == 0' "$BATS_TEST_TMPDIR/report"
}

@test "analyst keys: scoped to their organisations, and every route authorised" {
    other=$("$TENKEN" org add other --data "$DATA" 2>/dev/null)
    OTHER=$("$TENKEN" org list --format json --data "$DATA" | jq -r '.[] | select(.name=="other") | .id')
    start_server
    [ "$(post "$BATS_TEST_TMPDIR/pc.json")" = 201 ]
    [ "$(report 'format=json')" = 200 ]
    # no key, a malformed key, an enrollment token, an unknown key
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/orgs/$ORG/report")" = 401 ]
    [ "$(report 'format=json' nope)" = 401 ]
    [ "$(report 'format=json' "$TOKEN")" = 401 ]
    # the analyst's key on another organisation: 404 as for none at all
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" "$URL/api/v1/orgs/$OTHER/report")" = 404 ]
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" "$URL/api/v1/orgs/00000000-0000-4000-8000-000000000000/report")" = 404 ]
    # bad parameters, wrong method, traversal in the id
    [ "$(report 'format=pdf')" = 400 ]
    [ "$(report 'format=json&lang=fr')" = 400 ]
    [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $KEY" "$URL/api/v1/orgs/$ORG/report")" = 405 ]
    [ "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is -H "Authorization: Bearer $KEY" "$URL/api/v1/orgs/../$ORG/report")" = 404 ]
    # the other organisation cannot reuse acme's bundle id, and acme's data is untouched
    TOKEN=$other
    [ "$(post "$BATS_TEST_TMPDIR/pc.json")" = 409 ]
    # a revoked key stops working at once
    "$TENKEN" key revoke analyst --data "$DATA"
    [ "$(report 'format=json')" = 401 ]
    # an organisation named twice (by name and by id) is in scope once; an unknown one is not
    KEY=$("$TENKEN" key add twice --org acme --org "$ORG" --org acme --data "$DATA")
    [ "$(report 'format=json')" = 200 ]
    run "$TENKEN" key add ghost --org acme --org nosuch --data "$DATA"
    [ "$status" -eq 3 ]
    [[ "$output" == *"no organisation named 'nosuch'"* ]]
}

@test "a newer scan of the same PC supersedes the older one in reports, whatever the order of arrival" {
    start_server
    jq '.bundle_id = "00000000-0000-4000-8000-00000000000a" | .host.started = 1700000000' \
        "$BATS_TEST_TMPDIR/pc.json" >"$BATS_TEST_TMPDIR/old.json"
    # the newer scan: the EICAR file is gone
    jq '.bundle_id = "00000000-0000-4000-8000-00000000000b" | .host.started = 1800000000 | .detections = []' \
        "$BATS_TEST_TMPDIR/pc.json" >"$BATS_TEST_TMPDIR/new.json"
    [ "$(post "$BATS_TEST_TMPDIR/old.json")" = 201 ]
    [ "$(report 'format=json')" = 200 ]
    jq -e '.shares.malware_disk.endpoints == 1' "$BATS_TEST_TMPDIR/report"
    [ "$(post "$BATS_TEST_TMPDIR/new.json")" = 201 ]
    [ "$(report 'format=json')" = 200 ]
    jq -e '.endpoints == 1 and .shares.malware_disk.endpoints == 0' "$BATS_TEST_TMPDIR/report"
    jq -e '.endpoints_detail[0].bundle_id == "00000000-0000-4000-8000-00000000000b"' "$BATS_TEST_TMPDIR/report"
    # the old one arriving again changes nothing
    [ "$(post "$BATS_TEST_TMPDIR/old.json")" = 200 ]
    [ "$(report 'format=json')" = 200 ]
    jq -e '.endpoints_detail[0].bundle_id == "00000000-0000-4000-8000-00000000000b"' "$BATS_TEST_TMPDIR/report"
}

@test "opt-in probe on loopback: an open SMB port is reported, a closed RDP port is not" {
    "$TENKEN" org add probed --probe --data "$DATA" >"$BATS_TEST_TMPDIR/ptoken" 2>/dev/null
    TOKEN=$(cat "$BATS_TEST_TMPDIR/ptoken")
    ORG=$("$TENKEN" org list --format json --data "$DATA" | jq -r '.[] | select(.name=="probed") | .id')
    "$TENKEN" key add p --org probed --data "$DATA" >"$BATS_TEST_TMPDIR/pkey"
    KEY=$(cat "$BATS_TEST_TMPDIR/pkey")
    "$PYTHON" -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
c = socket.socket(); c.bind(("127.0.0.1", 0))   # bound, never listening: refused
print(s.getsockname()[1], c.getsockname()[1], flush=True); time.sleep(60)' >"$BATS_TEST_TMPDIR/ports" &
    LISTENER=$!
    for _ in $(seq 50); do [ -s "$BATS_TEST_TMPDIR/ports" ] && break; sleep 0.1; done
    read -r open closed <"$BATS_TEST_TMPDIR/ports"
    start_server --probe-ports "$open,$closed"
    [ "$(post "$BATS_TEST_TMPDIR/pc.json")" = 201 ]
    [ "$(report 'format=json')" = 200 ]
    R="$BATS_TEST_TMPDIR/report"
    jq -e --arg p "smb/$open=open;rdp/$closed=closed" '.endpoints_detail[0].probe == $p' "$R"
    # seen from a server on the same host, not the internet: medium, not critical
    jq -e '.top_findings[] | select(.id == "TK-EXP-PROBE-SMB" and .severity == "medium")' "$R"
    jq -e '[.top_findings[] | select(.id == "TK-EXP-PROBE-RDP")] | length == 0' "$R"
    # and not counted as exposure to the internet
    jq -e '.shares.smb_rdp.endpoints == 0' "$R"
    # an organisation that did not opt in is never probed
    TOKEN=$("$TENKEN" org add quiet --data "$DATA" 2>/dev/null)
    jq '.bundle_id = "00000000-0000-4000-8000-0000000000cc"' "$BATS_TEST_TMPDIR/pc.json" >"$BATS_TEST_TMPDIR/q.json"
    [ "$(post "$BATS_TEST_TMPDIR/q.json")" = 201 ]
    ORG=$("$TENKEN" org list --format json --data "$DATA" | jq -r '.[] | select(.name=="quiet") | .id')
    KEY=$("$TENKEN" key add q --org quiet --data "$DATA")
    [ "$(report 'format=json')" = 200 ]
    jq -e '.endpoints_detail[0].probe == null' "$R"
}

@test "reanalyze re-judges every stored bundle; bundles left unjudged are judged at start, or by the report" {
    start_server
    for i in 1 2 3; do
        jq --arg id "00000000-0000-4000-8000-00000000000$i" --arg ep "$(printf '%032x' "$i")" \
            '.bundle_id = $id | .host.endpoint_id = $ep' "$BATS_TEST_TMPDIR/pc.json" >"$BATS_TEST_TMPDIR/$i.json"
        [ "$(post "$BATS_TEST_TMPDIR/$i.json")" = 201 ]
    done
    kill "$SERVER"; wait "$SERVER" || true; SERVER=
    run "$TENKEN" reanalyze --data "$DATA" --no-progress
    [ "$status" -eq 0 ]
    [[ "$output" == "re-judged 3 of 3 bundles"* ]]
    # as after a kill -9 between storing and judging: no analysis recorded
    forget() { "$PYTHON" -c 'import sqlite3, sys; d = sqlite3.connect(sys.argv[1]); d.execute("DELETE FROM analysis"); d.commit()' "$DATA/tenken.db"; }
    analysed() { "$PYTHON" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM analysis").fetchone()[0])' "$DATA/tenken.db"; }
    forget
    [ "$(analysed)" -eq 0 ]
    # the server queues them again at start, and its analysts judge them
    start_server
    for _ in $(seq 100); do [ "$(analysed)" -eq 3 ] && break; sleep 0.1; done
    [ "$(analysed)" -eq 3 ]
    kill "$SERVER"; wait "$SERVER" || true; SERVER=
    # with no server, the report itself judges what is not analysed yet
    forget
    run "$TENKEN" report --org acme --data "$DATA" --format json --kb /nonexistent/kb
    [ "$status" -eq 3 ]
    [ "$(analysed)" -eq 0 ]
    "$TENKEN" report --org acme --data "$DATA" --format json | jq -e '.endpoints == 3 and .pending == 0 and .shares.malware_disk.endpoints == 3'
    (cd "$BATS_TEST_TMPDIR" && "$TENKEN" report --org acme --data "$DATA" --format json -o -) | jq -e '.endpoints == 3'
    [ ! -e "$BATS_TEST_TMPDIR/-" ]
    [ "$(analysed)" -eq 3 ]
    run "$TENKEN" reanalyze --data "$DATA" --org nosuch
    [ "$status" -eq 3 ]
}

@test "tenken scan --upload and tenken upload: uploaded, or saved with the command to send it later" {
    start_server
    run timeout 120 "$TENKEN" scan --root "$ROOT" --out "$BATS_TEST_TMPDIR/s.json" --no-progress \
        --no-memory --no-traces --upload "$URL" --token "$TOKEN"
    [ "$status" -eq 0 ]
    [[ "${lines[-1]}" == "$BATS_TEST_TMPDIR/s.json: uploaded" ]]
    # the same file again: the server has it
    TENKEN_TOKEN=$TOKEN run "$TENKEN" upload --server "$URL/" "$BATS_TEST_TMPDIR/s.json"
    [ "$status" -eq 0 ]
    [[ "$output" == *"uploaded (the server had it already)"* ]]
    # server down: the bundle stays, and the last line says how to send it later
    kill "$SERVER"; wait "$SERVER" || true
    down=$URL; SERVER=
    run timeout 120 "$TENKEN" scan --root "$ROOT" --out "$BATS_TEST_TMPDIR/t.json" --no-progress \
        --no-memory --no-traces --upload "$down" --token "$TOKEN" --upload-retries 1
    [ "$status" -eq 3 ]
    [[ "${lines[-1]}" == "saved to $BATS_TEST_TMPDIR/t.json — run 'tenken upload --server $down --token TOKEN $BATS_TEST_TMPDIR/t.json' later" ]]
    validate "$BATS_TEST_TMPDIR/t.json"
    start_server
    printf '%s\n' "$TOKEN" >"$BATS_TEST_TMPDIR/token"
    run "$TENKEN" upload --server "$URL" --token-file "$BATS_TEST_TMPDIR/token" "$BATS_TEST_TMPDIR/t.json"
    [ "$status" -eq 0 ]
    [[ "$output" == "$BATS_TEST_TMPDIR/t.json: uploaded" ]]
    # refused: a wrong token is final, not retried, and the message is the server's
    run "$TENKEN" upload --server "$URL" --token "tke_$(printf 'A%.0s' $(seq 43))" "$BATS_TEST_TMPDIR/t.json"
    [ "$status" -eq 3 ]
    [[ "$output" == *"HTTP 401"*"unknown token"* ]]
    # usage errors before any work
    run "$TENKEN" scan --upload "$URL" --token nonsense
    [ "$status" -eq 2 ]
    [ "$("$TENKEN" report --org acme --data "$DATA" --format json | jq .endpoints)" -eq 1 ]
    # the collector sends gzip, and the server keeps the body as it came (judged from it above);
    # a plain JSON body is kept as JSON
    "$PYTHON" - "$DATA/tenken.db" "$BATS_TEST_TMPDIR/t.json" <<'PY'
import json, sqlite3, sys, zlib
text = open(sys.argv[2], "rb").read()
gz, blob = sqlite3.connect(sys.argv[1]).execute(
    "SELECT gzip, json FROM bundle WHERE bundle_id = ?", (json.loads(text)["bundle_id"],)).fetchone()
assert gz == 1 and zlib.decompress(blob, 16 + 15) == text and len(blob) < len(text) // 2
PY
}

@test "the report by mail, through a local SMTP sink" {
    start_server
    [ "$(post "$BATS_TEST_TMPDIR/pc.json")" = 201 ]
    mkdir "$BATS_TEST_TMPDIR/mail"
    "$PYTHON" "$SRCDIR/tests/tools/smtp-sink.py" "$BATS_TEST_TMPDIR/mail" >"$BATS_TEST_TMPDIR/sink" &
    SINK=$!
    for _ in $(seq 50); do grep -q port "$BATS_TEST_TMPDIR/sink" && break; sleep 0.1; done
    port=$(awk '{print $2}' "$BATS_TEST_TMPDIR/sink")
    run "$TENKEN" report --org acme --data "$DATA" --lang ja --mail-to soc@example.jp \
        --mail-to cc@example.jp --mail-from tenken@example.jp --smtp "smtp://127.0.0.1:$port"
    [ "$status" -eq 0 ]
    grep -q 'RCPT TO:<soc@example.jp>' "$BATS_TEST_TMPDIR/mail/1.env"
    grep -q 'RCPT TO:<cc@example.jp>' "$BATS_TEST_TMPDIR/mail/1.env"
    "$PYTHON" - "$BATS_TEST_TMPDIR/mail/1.eml" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
assert "acme" in m["Subject"] and "点検報告書" in m["Subject"], m["Subject"]
att = [p for p in m.iter_attachments()]
assert len(att) == 1 and att[0].get_filename() == "report.html"
body = att[0].get_content()
assert "インターネットから直接到達可能" in body or "古いWeb会議ツール" in body
PY
    # header injection through an address is refused before anything is sent
    run "$TENKEN" report --org acme --data "$DATA" --mail-to $'a@b.jp\r\nBcc: x@y.jp' --smtp "smtp://127.0.0.1:$port"
    [ "$status" -eq 2 ]
    [ ! -e "$BATS_TEST_TMPDIR/mail/2.eml" ]
    # an unreachable mail server: a clear error, exit 3
    kill "$SINK"; wait "$SINK" || true; SINK=
    run "$TENKEN" report --org acme --data "$DATA" --mail-to soc@example.jp --smtp "smtp://127.0.0.1:$port"
    [ "$status" -eq 3 ]
    [[ "$output" == *"smtp://127.0.0.1:$port: cannot send the mail"* ]]
}
