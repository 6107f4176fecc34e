#!/usr/bin/env bats
# `tenken domains watch`: names from lists, zone diffs and certificate-transparency JSON lines
# judged against brands and lure keywords; formats, inputs (files, gzip, stdin) and bad input.

load helpers

setup() {
    T="$BATS_TEST_TMPDIR"
    cat >"$T/names.txt" <<'NAMES'
# newly registered today
zoom.us
zo0m.us
zoom-meeting-invite.xyz
c0vid19-kyufukin.jp
example.com
not a name at all
+microsft.com
-removed-zoom.com
xn--pypal-4ve.com
NAMES
}

@test "watch: lists, diffs and certificate JSON lines; brands' own names stay quiet" {
    printf '%s\n' '{"message_type":"certificate_update","data":{"leaf_cert":{"all_domains":["*.paypa1.com","paypa1.com","shop.example.org"]}}}' \
        '{"message_type":"heartbeat","timestamp":1}' >"$T/ct.jsonl"
    run "$TENKEN" domains watch "$T/names.txt" "$T/ct.jsonl"
    [ "$status" -eq 0 ]
    echo "$output" | grep '^{' >"$T/alerts.jsonl"
    jq -e -s 'map(.name) == ["zo0m.us", "zoom-meeting-invite.xyz", "c0vid19-kyufukin.jp",
            "microsft.com", "xn--pypal-4ve.com", "paypa1.com"]' "$T/alerts.jsonl"
    jq -e -s '(.[0].brand | test("^zoom[.](us|com)$")) and (.[0].reasons | map(.kind) | index("homoglyph"))
        and (.[2].reasons | map(.keyword) | sort) == ["covid", "kyufukin"]
        and .[4].unicode == "pаypal.com" and .[4].reasons[0].kind == "idn-homograph"
        and .[5].input == ($ct + ":1")' --arg ct "$T/ct.jsonl" "$T/alerts.jsonl"
    # *.paypa1.com and paypa1.com are one name: alerted once
    [[ "$output" == *"1 invalid name(s) skipped, the first: $T/names.txt:7:"* ]]
    [[ "$output" == *"alert(s) (1 repeated)"* ]]
}

@test "watch: text and CSV, gzip and standard input, -o, --threshold" {
    gzip -c "$T/names.txt" >"$T/names.txt.gz"
    run "$TENKEN" domains watch --format text "$T/names.txt.gz"
    [ "$status" -eq 0 ]
    [[ "$output" == *"xn--pypal-4ve.com (pаypal.com)  idn-homograph paypal.com"* ]]
    "$TENKEN" domains watch --format csv -o "$T/a.csv" <"$T/names.txt" 2>/dev/null
    [ "$(head -1 "$T/a.csv")" = "name,unicode,score,brand,reasons" ]
    [ "$(wc -l <"$T/a.csv")" -eq 6 ]
    run "$TENKEN" domains watch --threshold 120 "$T/names.txt"
    [ "$(echo "$output" | grep -c '^{')" -eq 2 ]
}

@test "watch: brands and keywords of one's own; malformed ones named by line" {
    printf 'example.com Example\n' >"$T/brands.txt"
    printf 'invite 70\n' >"$T/kw.txt"
    run "$TENKEN" domains watch --brands "$T/brands.txt" --keywords "$T/kw.txt" --format text "$T/names.txt"
    [ "$status" -eq 0 ]
    [[ "$output" == *"zoom-meeting-invite.xyz  keyword invite"* ]]
    [[ "$output" != *"zo0m.us"* ]]
    printf 'example.com\nco.jp\n' >"$T/bad.txt"
    run "$TENKEN" domains watch --brands "$T/bad.txt" "$T/names.txt"
    [ "$status" -eq 3 ]
    [[ "$output" == *"$T/bad.txt:2: co.jp is a public suffix"* ]]
}

@test "watch: hostile input - invalid UTF-8, NUL bytes, overlong labels, bad punycode, a gigantic line" {
    {
        printf 'zo0m.us\n\xff\xfe.com\nxn--abc.com\n%s.com\n\n' "$(head -c 70 /dev/zero | tr '\0' a)"
        head -c 3000000 /dev/zero | tr '\0' a
        printf '\nmicrosft.com\n{"data": [\n{"data":{"leaf_cert":{"all_domains":[1, "c0vid.jp"]}}}\n'
        printf 'a\0b.com\n'
    } >"$T/hostile.txt"
    run "$TENKEN" domains watch --format text "$T/hostile.txt"
    [ "$status" -eq 0 ]
    [[ "$output" == *"zo0m.us"* ]]
    [[ "$output" == *"microsft.com"* ]]
    [[ "$output" == *"c0vid.jp"* ]]
    # bad UTF-8, bad punycode, a 70-letter label, the 3 MB line, broken JSON, a number for a
    # name, a NUL byte: each counted, none stops the stream
    [[ "$output" == *"10 name(s), 3 alert(s) (0 repeated), 7 invalid"* ]]
}

@test "watch: many batches over the worker threads - input order, the same output every run" {
    python3 -c '
import sys
for i in range(60000):
    print("n%05d-example.org" % i if i % 1000 else "zoom-%05d.xyz" % i)
' >"$T/many.txt"
    "$TENKEN" domains watch --format csv "$T/many.txt" >"$T/a1.csv" 2>"$T/e1"
    "$TENKEN" domains watch --format csv <"$T/many.txt" >"$T/a2.csv" 2>/dev/null
    cmp "$T/a1.csv" "$T/a2.csv"
    [ "$(wc -l <"$T/a1.csv")" -eq 61 ]
    tail -n +2 "$T/a1.csv" | cut -d, -f1 | tr -d '"' >"$T/order"
    python3 -c 'print("\n".join("zoom-%05d.xyz" % i for i in range(0, 60000, 1000)))' | diff - "$T/order"
    grep -q "60000 name(s), 60 alert(s)" "$T/e1"
}

@test "watch --resolve: A, AAAA and MX of flagged names from a resolver on loopback; a silent one times out" {
    python3 "$SRCDIR/tests/tools/fake-dns.py" zo0m.us=A:192.0.2.10 zo0m.us=AAAA:2001:db8::10 \
        zo0m.us=MX:mail.zo0m.us microsft.com=SLOW >"$T/dns.port" &
    DNS=$!
    for _ in $(seq 50); do [ -s "$T/dns.port" ] && break; sleep 0.1; done
    port=$(head -1 "$T/dns.port")
    printf 'zo0m.us\nzooom.us\nmicrosft.com\nexample.com\n' >"$T/r.txt"
    run "$TENKEN" domains watch --resolve --resolver "127.0.0.1:$port" --timeout 1000 "$T/r.txt"
    kill "$DNS"
    [ "$status" -eq 0 ]
    echo "$output" | grep '^{' >"$T/r.jsonl"
    jq -e -s '.[0].dns == {"a":["192.0.2.10"],"aaaa":["2001:db8::10"],"mx":["mail.zo0m.us"],"failed":false}
        and .[1].dns == {"a":[],"aaaa":[],"mx":[],"failed":false}
        and .[2].name == "microsft.com" and .[2].dns.failed == true and (. | length) == 3' "$T/r.jsonl"
    run "$TENKEN" domains watch --resolve --resolver not-an-address "$T/r.txt"
    [ "$status" -eq 2 ]
}

@test "watch: a line past 1 MiB after many short ones is skipped like any other; options of permute refused" {
    python3 -c '
import sys
for i in range(1040):
    print("x%03d-" % i + "a" * 990 + ".com")
print("b" * 1100000)
print("zo0m.us")
' >"$T/long.txt"
    run "$TENKEN" domains watch --format text "$T/long.txt"
    [ "$status" -eq 0 ]
    [[ "$output" == *"zo0m.us"* ]]
    # 1,040 names with an overlong label and the long line: counted, and the stream goes on
    [[ "$output" == *"1042 name(s), 1 alert(s) (0 repeated), 1041 invalid"* ]]
    run "$TENKEN" domains watch --algorithms omission "$T/long.txt"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--algorithms is an option of 'domains permute'"* ]]
    run "$TENKEN" domains watch -o - "$T/names.txt"
    [ "$status" -eq 0 ]
    [ ! -e ./- ]
}
