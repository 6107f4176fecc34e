#!/usr/bin/env bats
# The campaign pages of `tenken serve` (src/server/web.c): a real server on 127.0.0.1, driven
# with curl for the protocol (sign-in, sessions, CSRF, conflicts, headers, hostile forms) and
# with headless chromium for what an analyst does (tests/tools/e2e-campaign.py); the
# screenshots are kept in the build directory (e2e-screenshots/).

load helpers

setup() {
    DATA="$BATS_TEST_TMPDIR/data"
    command -v curl >/dev/null || skip "curl is not installed"
    "$TENKEN" campaign create kanagawa "$SRCDIR/tests/data/campaign/identify-v1.jsonl" \
        --prefecture 14 --data "$DATA" >/dev/null 2>&1
    KEY=$("$TENKEN" key add tanaka --campaigns --data "$DATA" 2>/dev/null)
    "$TENKEN" org add acme --data "$DATA" >/dev/null 2>&1
    OTHER=$("$TENKEN" key add reader --org acme --data "$DATA" 2>/dev/null)
    "$TENKEN" serve --listen 127.0.0.1:0 --data "$DATA" --access-log "$BATS_TEST_TMPDIR/access.log" \
        >"$BATS_TEST_TMPDIR/serve.out" 2>"$BATS_TEST_TMPDIR/serve.err" &
    SERVER=$!
    for _ in $(seq 100); do grep -q '^listening on' "$BATS_TEST_TMPDIR/serve.out" && break; sleep 0.05; done
    URL=$(sed -n 's/^listening on //p' "$BATS_TEST_TMPDIR/serve.out")
    [ -n "$URL" ]
    JAR="$BATS_TEST_TMPDIR/jar"
    CASE=$("$TENKEN" campaign cases kanagawa --format json --data "$DATA" |
        jq -r '.[] | select(.org_key == "org-b") | .case')
}

teardown() {
    [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null || true
}

login() { # KEY -> status; the session cookie in $JAR
    curl -s -c "$JAR" -o /dev/null -w '%{http_code}' --data-urlencode "key=$1" -d lang=en "$URL/login"
}

csrf() { # PATH -> the CSRF token of the page
    curl -s -b "$JAR" "$URL$1" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | cut -d'"' -f4
}

@test "web: sign-in with a key allowed the campaign pages; others refused; pages need a session" {
    run curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/campaigns"
    [[ "$output" == "303 $URL/login" ]]
    [ "$(login "$OTHER")" = 401 ]
    [ "$(login tka_not-a-real-key)" = 401 ]
    [ "$(login "$KEY")" = 303 ]
    grep -q 'tk_session' "$JAR"
    curl -s -D "$BATS_TEST_TMPDIR/h" -b "$JAR" "$URL/campaigns" >"$BATS_TEST_TMPDIR/page"
    grep -q 'kanagawa' "$BATS_TEST_TMPDIR/page"
    grep -qi "^content-security-policy: default-src 'none'; style-src 'self'" "$BATS_TEST_TMPDIR/h"
    grep -qi '^x-frame-options: DENY' "$BATS_TEST_TMPDIR/h"
    # the cookie cannot be read by scripts nor sent by other sites
    curl -s -D - -o /dev/null --data-urlencode "key=$KEY" "$URL/login" |
        grep -i '^set-cookie: tk_session=[0-9a-f]\{64\}; Path=/; HttpOnly; SameSite=Strict'
    # the stylesheet is served by tenken itself
    run curl -s -o /dev/null -w '%{http_code} %{content_type}' "$URL/assets/tenken.css"
    [[ "$output" == "200 text/css"* ]]
    # who signed in is in the access log
    grep -q '"note":"tanaka"' "$BATS_TEST_TMPDIR/access.log"
}

@test "web: an edit saves with the case version; a stale one is refused with 409; CSRF is checked" {
    login "$KEY" >/dev/null
    token=$(csrf "/cases/$CASE")
    [ -n "$token" ]
    run curl -s -b "$JAR" -o /dev/null -w '%{http_code}' -d "csrf=$token" -d version=1 \
        -d aware=no -d manager=vendor -d reasons=cost -d reasons=too-busy \
        --data-urlencode 'note=<script>alert(1)</script> & more' "$URL/cases/$CASE"
    [ "$output" = 303 ]
    "$TENKEN" campaign show "$CASE" --format json --data "$DATA" >"$BATS_TEST_TMPDIR/c.json"
    jq -e '.aware == "no" and .manager == "vendor" and .reasons == "too-busy,cost"
        and .note == "<script>alert(1)</script> & more" and .version == 2
        and ([.audit[] | select(.field == "aware")][0].who == "tanaka")' "$BATS_TEST_TMPDIR/c.json"
    # shown as text
    curl -s -b "$JAR" "$URL/cases/$CASE" >"$BATS_TEST_TMPDIR/page"
    grep -q '&lt;script&gt;alert(1)&lt;/script&gt; &amp; more' "$BATS_TEST_TMPDIR/page"
    ! grep -q '<script>' "$BATS_TEST_TMPDIR/page"
    # the same form again, still at version 1: refused, nothing changed
    run curl -s -b "$JAR" -o "$BATS_TEST_TMPDIR/409" -w '%{http_code}' -d "csrf=$token" \
        -d version=1 -d aware=yes "$URL/cases/$CASE"
    [ "$output" = 409 ]
    grep -q 'Someone else changed this case' "$BATS_TEST_TMPDIR/409"
    "$TENKEN" campaign show "$CASE" --format json --data "$DATA" | jq -e '.aware == "no" and .version == 2'
    # without the session's CSRF token: refused
    run curl -s -b "$JAR" -o /dev/null -w '%{http_code}' -d version=2 -d aware=yes "$URL/cases/$CASE"
    [ "$output" = 403 ]
    run curl -s -b "$JAR" -o /dev/null -w '%{http_code}' -d csrf=00 -d version=2 -d aware=yes \
        "$URL/cases/$CASE"
    [ "$output" = 403 ]
    # a contact
    run curl -s -b "$JAR" -o /dev/null -w '%{http_code}' -d "csrf=$token" -d version=2 \
        -d date=2026-10-02 -d channel=phone --data-urlencode 'note=電話で説明' "$URL/cases/$CASE/contact"
    [ "$output" = 303 ]
    "$TENKEN" campaign show "$CASE" --format json --data "$DATA" |
        jq -e '.contacts[0].note == "電話で説明" and .contacts[0].who == "tanaka" and .status == "contacted"'
    # an invalid value: 400, nothing changed
    run curl -s -b "$JAR" -o /dev/null -w '%{http_code}' -d "csrf=$token" -d version=3 \
        -d manager=martians "$URL/cases/$CASE"
    [ "$output" = 400 ]
}

@test "web: hostile requests - oversized and malformed forms, unknown pages, a revoked key" {
    login "$KEY" >/dev/null
    token=$(csrf "/campaigns")
    head -c 200000 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/big"
    run curl -s -b "$JAR" -o /dev/null -w '%{http_code}' --data-binary @"$BATS_TEST_TMPDIR/big" \
        "$URL/cases/$CASE"
    [ "$output" = 413 ]
    run curl -s -b "$JAR" -o /dev/null -w '%{http_code}' \
        --data-binary "csrf=$token&version=1&note=%ZZ%&note=%e3%81&reasons=%00&=&&" "$URL/cases/$CASE"
    [[ "$output" =~ ^(303|400)$ ]]
    for p in /cases/0 /cases/99999999 /cases/abc /campaigns/nosuch /campaigns/nosuch/stats \
        /cases/1/../../etc/passwd /nothing; do
        run curl -s -b "$JAR" -o /dev/null -w '%{http_code}' "$URL$p"
        [[ "$output" =~ ^(404|303)$ ]]
    done
    run curl -s -b "$JAR" -o /dev/null -w '%{http_code}' -X DELETE "$URL/campaigns"
    [ "$output" = 405 ]
    # the server is still there, and a revoked key's session stops at once
    run curl -s -b "$JAR" -o /dev/null -w '%{http_code}' "$URL/campaigns"
    [ "$output" = 200 ]
    "$TENKEN" key revoke tanaka --data "$DATA"
    run curl -s -b "$JAR" -o /dev/null -w '%{http_code}' "$URL/campaigns"
    [ "$output" = 303 ]
}

@test "web: in headless chromium - sign in, record a contact, change the status, see the statistics change" {
    command -v chromium >/dev/null || skip "chromium is not installed"
    shots="$(dirname "$TENKEN")/../e2e-screenshots"
    run timeout 180 python3 "$SRCDIR/tests/tools/e2e-campaign.py" "$URL" "$KEY" "$CASE" "$shots"
    echo "$output"
    [ "$status" -eq 0 ]
    [ -s "$shots/6-stats-after.png" ]
}

@test "web: forms sent from another site are refused, sign-in included" {
    run curl -s -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' \
        --data-urlencode "key=$KEY" "$URL/login"
    [ "$output" = 403 ]
    run curl -s -o /dev/null -w '%{http_code}' -H 'Sec-Fetch-Site: cross-site' \
        --data-urlencode "key=$KEY" "$URL/login"
    [ "$output" = 403 ]
    run curl -s -o /dev/null -w '%{http_code}' -H "Origin: $URL" -H 'Sec-Fetch-Site: same-origin' \
        --data-urlencode "key=$KEY" "$URL/login"
    [ "$output" = 303 ]
}
