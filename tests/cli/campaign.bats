#!/usr/bin/env bats
# `tenken campaign`: a notification campaign from a surface result (tests/data/campaign/) run
# through contacts, answers and verification from the command line, with statistics checked
# against figures computed by hand, the audit trail, and a conflicting edit refused.

load helpers

setup() {
    DATA="$BATS_TEST_TMPDIR/data"
    FIX="$SRCDIR/tests/data/campaign"
    export USER=analyst1
}

create() {
    "$TENKEN" campaign create kanagawa "$FIX/identify-v1.jsonl" --prefecture 14 --data "$DATA" \
        2>"$BATS_TEST_TMPDIR/create.err"
}

# The id of the case of an organisation key ("org-a", "ip:192.0.2.77").
case_of() {
    "$TENKEN" campaign cases kanagawa --format json --data "$DATA" |
        jq -r --arg k "$1" '.[] | select(.org_key == $k) | .case'
}

version_of() {
    "$TENKEN" campaign show "$1" --format json --data "$DATA" | jq -r .version
}

@test "create: one case per organisation of the prefecture, affected devices only" {
    run create
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9a-f-]{36}$ ]]
    grep -q "5 case(s) (1 without a known organisation), 6 device(s) of 10 record(s)" \
        "$BATS_TEST_TMPDIR/create.err"
    grep -q "1 malformed line(s) skipped, the first: .*identify-v1.jsonl:5:" \
        "$BATS_TEST_TMPDIR/create.err"
    "$TENKEN" campaign cases kanagawa --format json --data "$DATA" >"$BATS_TEST_TMPDIR/c.json"
    jq -e 'length == 5 and ([.[].org_key] | sort) == ["ip:192.0.2.77","org-a","org-b","org-c","org-d"]
        and (.[] | select(.org_key == "org-a") | .devices == 2 and .kev == 2
             and .products == "Fortinet FortiGate SSL-VPN, Ivanti Connect Secure"
             and .status == "identified" and .aware == "unknown" and .version == 1)
        and (.[] | select(.org_key == "ip:192.0.2.77") | .org_name == null and .prefecture == "JP-14")
        and (.[] | select(.org_key == "org-b") | .org_name == "ベータ株式会社")' "$BATS_TEST_TMPDIR/c.json"
    run "$TENKEN" campaign list --format json --data "$DATA"
    echo "$output" | jq -e '.[0].name == "kanagawa" and .[0].cases == 5 and .[0].devices == 6
        and .[0].created_by == "analyst1" and (.[0].filter | test("prefecture=JP-14"))'
    # the name is taken; a filter nothing passes creates nothing
    run "$TENKEN" campaign create kanagawa "$FIX/identify-v1.jsonl" --data "$DATA"
    [ "$status" -eq 3 ]
    [[ "$output" == *"exists already"* ]]
    run "$TENKEN" campaign create empty "$FIX/identify-v1.jsonl" --prefecture 1 --data "$DATA"
    [ "$status" -eq 3 ]
    [[ "$output" == *"no device"* ]]
}

@test "create: --kev-only and --all" {
    "$TENKEN" campaign create kev "$FIX/identify-v1.jsonl" --prefecture JP-14 --kev-only \
        --data "$DATA" 2>/dev/null
    "$TENKEN" campaign create everything "$FIX/identify-v1.jsonl" --all --data "$DATA" 2>/dev/null
    run "$TENKEN" campaign list --format json --data "$DATA"
    echo "$output" | jq -e '(.[] | select(.name == "kev") | .cases == 4 and .devices == 5)
        and (.[] | select(.name == "everything") | .cases == 6 and .devices == 8)'
}

@test "a campaign run by hand: contacts, answers, verification, statistics as computed by hand" {
    create >/dev/null
    a=$(case_of org-a) b=$(case_of org-b) c=$(case_of org-c) d=$(case_of org-d)
    "$TENKEN" campaign contact "$a" --date 2026-10-01 --channel phone --note "IT lead" --data "$DATA"
    "$TENKEN" campaign contact "$b" --date 2026-10-02 --channel email --data "$DATA"
    "$TENKEN" campaign contact "$c" --date 2026-10-03 --data "$DATA"
    "$TENKEN" campaign contact "$d" --date 2026-10-05 --channel visit --data "$DATA"
    "$TENKEN" campaign set "$a" aware=yes at-notice=in-progress manager=in-house status=closed \
        outcome=remediated --data "$DATA"
    # labels in Japanese and English are accepted for values
    "$TENKEN" campaign set "$b" aware=認識なし at-notice=not-started manager=委託先ベンダー \
        reasons="never-updated, maintenance contract excludes upgrades" status=responded \
        outcome=not-started --data "$DATA"
    "$TENKEN" campaign set "$c" aware=yes at-notice=not-started manager=affiliate reasons=too-busy \
        outcome=in-progress --data "$DATA"
    "$TENKEN" campaign set "$d" aware=YES at-notice=already-done manager=vendor status=responded \
        outcome=remediated follow-up=2026-12-01 --data "$DATA"
    run "$TENKEN" campaign verify kanagawa "$FIX/identify-v2.jsonl" --data "$DATA"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "2 still vulnerable, 3 fixed, 1 gone; 4 device(s) changed" ]
    # org-a is closed already; org-c and org-d have nothing left exposed
    [ "${lines[1]}" = "can be closed: case $c, $d" ]
    [ "${lines[2]}" = "2 case(s) can be closed: every device fixed or gone" ]
    "$TENKEN" campaign cases kanagawa --format json --data "$DATA" |
        jq -e '[.[] | select(.close_suggested) | .org_key] == ["org-c", "org-d"]' 

    "$TENKEN" campaign stats kanagawa --format json --data "$DATA" >"$BATS_TEST_TMPDIR/s.json"
    cat "$BATS_TEST_TMPDIR/s.json"
    # by hand: 4 of 5 answered whether they knew; b did not (1/4); a (in progress when told)
    # and d (already done) knew and acted (2/4). Devices: NetScaler and the unattributed
    # FortiGate still vulnerable; org-a done 10 days after its contact (10-01 -> 10-11),
    # org-c 5 days (10-03 -> 10-08), org-d half a day (10-05 -> 10-05 12:00).
    jq -e '.cases == 5 and .devices == 6 and .kev_devices == 5 and .contacted == 4
        and .awareness == {"answered":4,"unaware":1,"unaware_share":0.25,"aware_acted":2,
                           "aware_acted_share":0.5}
        and ([.fields.status.values[] | [.value, .cases]] == [["identified",1],["contacted",1],
                                                              ["responded",2],["closed",1]])
        and ([.fields.outcome.values[] | [.value, .cases]] == [["",1],["remediated",2],
             ["in-progress",1],["not-started",1],["declined",0],["unreachable",0]])
        and ([.fields.manager.values[] | [.value, .cases]] == [["unknown",1],["in-house",1],
                                                              ["vendor",2],["affiliate",1]])
        and .fields.manager.answered == 4
        and ([.fields["at-notice"].values[] | .cases] == [1,1,1,2])
        and .fields.reasons.answered == 2
        and ([.fields.reasons.values[] | select(.cases > 0) | [.value, .cases, .share]] ==
             [["maintenance-contract",1,0.5],["too-busy",1,0.5],["never-updated",1,0.5]])
        and .remediation.devices_vulnerable == 2 and .remediation.devices_fixed == 3
        and .remediation.devices_gone == 1 and .remediation.cases_exposed == 2
        and .remediation.cases_timed == 3 and .remediation.days_median == 5
        and .remediation.days_mean == 5.2 and .remediation.days_max == 10' \
        "$BATS_TEST_TMPDIR/s.json"
    run "$TENKEN" campaign stats kanagawa --data "$DATA"
    [[ "$output" == *"did not know an upgrade was needed  25.0%; knew and had upgraded or were upgrading  50.0%"* ]]
    [[ "$output" == *"median 5.0, mean 5.2, max 10.0"* ]]
    run "$TENKEN" campaign stats kanagawa --format csv --data "$DATA"
    [[ "$output" == *"aware,no,1,0.2500"* ]]
    # the same figures in a workbook: a summary and every field's breakdown with a chart
    "$TENKEN" campaign stats kanagawa --format xlsx -o "$BATS_TEST_TMPDIR/s.xlsx" --lang en \
        --data "$DATA"
    python3 - "$BATS_TEST_TMPDIR/s.xlsx" <<'PY'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
assert "xl/worksheets/sheet2.xml" in names and sum(n.startswith("xl/charts/") for n in names) == 6
strings = re.findall(r"<t[^>]*>([^<]*)</t>", z.read("xl/sharedStrings.xml").decode())
assert "Did not know an upgrade was needed" in strings and "maintenance contract excludes upgrades" in strings
sheet1 = z.read("xl/worksheets/sheet1.xml").decode()
assert "<v>0.25</v>" in sheet1 and "<v>0.5</v>" in sheet1, sheet1
PY
    run "$TENKEN" campaign stats kanagawa --format xlsx --data "$DATA"
    [ "$status" -eq 2 ]

    # filters over the fields, and the product
    run "$TENKEN" campaign cases kanagawa status=responded --format json --data "$DATA"
    echo "$output" | jq -e 'length == 2'
    run "$TENKEN" campaign cases kanagawa reasons=too-busy product=globalprotect --format json \
        --data "$DATA"
    echo "$output" | jq -e 'length == 1 and .[0].org_key == "org-c"'
    # CSV: quoted, formula-safe
    run "$TENKEN" campaign cases kanagawa --format csv --data "$DATA"
    [[ "${lines[0]}" == case,version,org_key,org_name,* ]]
    [[ "$output" == *"\"'=Delta, \"\"Co\"\"\""* ]]
}

@test "show: fields, devices, contacts and the audit trail with who, before and after" {
    create >/dev/null
    a=$(case_of org-a)
    "$TENKEN" campaign contact "$a" --date 2026-10-01 --note "told them" --who officer7 --data "$DATA"
    "$TENKEN" campaign set "$a" manager=vendor --who analyst2 --data "$DATA"
    "$TENKEN" campaign show "$a" --format json --data "$DATA" >"$BATS_TEST_TMPDIR/a.json"
    jq -e '.version == 3 and .status == "contacted" and .manager == "vendor"
        and (.devices | length) == 2 and .devices[0].ip == "203.0.113.10"
        and .devices[1].cves == [{"id":"CVE-2024-21887","kev":true},{"id":"CVE-2023-46805","kev":true}]
        and .contacts == [{"date":"2026-10-01","channel":"phone","who":"officer7",
                           "note":"told them","recorded_by":"officer7"}]
        and ([.audit[] | [.field, .before, .version]] | .[0:1] == [["case","",1]])
        and ([.audit[] | select(.field == "status")] | .[0].before == "identified"
             and .[0].after == "contacted" and .[0].version == 2)
        and ([.audit[] | select(.field == "manager")] | .[0].before == "unknown"
             and .[0].after == "vendor" and .[0].who == "analyst2" and .[0].version == 3)' \
        "$BATS_TEST_TMPDIR/a.json"
    run "$TENKEN" campaign show "$a" --data "$DATA"
    [ "$status" -eq 0 ]
    [[ "$output" == *"manager       vendor"* ]]
    [[ "$output" == *"203.0.113.11:443  Ivanti Connect Secure 22.4R2.1"* ]]
    # the device line ends with its state (it once showed the address again there)
    state=$(jq -r '.devices[0].state' "$BATS_TEST_TMPDIR/a.json")
    [ -n "$state" ] && [ "$state" != null ]
    grep -E "^  203\.0\.113\.11:443 .*  $state\$" <<<"$output"
}

@test "a conflicting edit is refused with exit status 4 and changes nothing" {
    create >/dev/null
    b=$(case_of org-b)
    v=$(version_of "$b")
    # two analysts read version 1; the first saves
    run "$TENKEN" campaign set "$b" aware=yes --version "$v" --data "$DATA"
    [ "$status" -eq 0 ]
    [ "$output" = "case $b version 2" ]
    # the second, still at version 1, is refused
    run "$TENKEN" campaign set "$b" aware=no manager=vendor --version "$v" --data "$DATA"
    [ "$status" -eq 4 ]
    [[ "$output" == *"changed since version 1"* ]]
    "$TENKEN" campaign show "$b" --format json --data "$DATA" >"$BATS_TEST_TMPDIR/b.json"
    jq -e '.aware == "yes" and .manager == "unknown" and .version == 2' "$BATS_TEST_TMPDIR/b.json"
    run "$TENKEN" campaign contact "$b" --version 1 --data "$DATA"
    [ "$status" -eq 4 ]
    # against the current version it goes through; an edit that changes nothing keeps it
    run "$TENKEN" campaign set "$b" aware=no --version 2 --data "$DATA"
    [ "$output" = "case $b version 3" ]
    run "$TENKEN" campaign set "$b" aware=no --data "$DATA"
    [ "$output" = "case $b version 3" ]
}

@test "bad input: unknown fields and values, bad dates, unknown cases and campaigns" {
    create >/dev/null
    a=$(case_of org-a)
    run "$TENKEN" campaign set "$a" colour=red --data "$DATA"
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown field 'colour'"* ]]
    run "$TENKEN" campaign set "$a" manager=martians --data "$DATA"
    [ "$status" -eq 2 ]
    [[ "$output" == *"not one of unknown, in-house, vendor, affiliate"* ]]
    run "$TENKEN" campaign set "$a" follow-up=2026-02-30 --data "$DATA"
    [ "$status" -eq 2 ]
    v=$(version_of "$a")
    run "$TENKEN" campaign set "$a" aware=yes aware=no --data "$DATA"
    [ "$status" -eq 2 ]
    [[ "$output" == *"aware is given twice"* ]]
    [ "$(version_of "$a")" = "$v" ]
    run "$TENKEN" campaign contact "$a" --date yesterday --data "$DATA"
    [ "$status" -eq 2 ]
    run "$TENKEN" campaign contact "$a" --channel pigeon --data "$DATA"
    [ "$status" -eq 2 ]
    run "$TENKEN" campaign show 999999 --data "$DATA"
    [ "$status" -eq 3 ]
    run "$TENKEN" campaign stats nosuch --data "$DATA"
    [ "$status" -eq 3 ]
    run "$TENKEN" campaign frobnicate --data "$DATA"
    [ "$status" -eq 2 ]
    run "$TENKEN" campaign create x "$BATS_TEST_TMPDIR/missing.jsonl" --data "$DATA"
    [ "$status" -eq 3 ]
    # hostile text is kept as given and escaped on the terminal
    "$TENKEN" campaign set "$a" note=$'ok\e[31mred' --data "$DATA"
    run "$TENKEN" campaign show "$a" --data "$DATA"
    [[ "$output" != *$'\e'* ]]
    "$TENKEN" campaign show "$a" --format json --data "$DATA" | jq -e '.note == "ok\u001b[31mred"'
}

@test "report: one self-contained HTML page with SVG charts, ja and en, and a public variant" {
    create >/dev/null
    a=$(case_of org-a) b=$(case_of org-b)
    "$TENKEN" campaign contact "$a" --date 2026-10-01 --data "$DATA"
    "$TENKEN" campaign contact "$b" --date 2026-10-02 --data "$DATA"
    "$TENKEN" campaign set "$a" aware=yes at-notice=in-progress --data "$DATA"
    "$TENKEN" campaign set "$b" aware=no note='<script>alert(1)</script>' --data "$DATA"
    "$TENKEN" campaign verify kanagawa "$FIX/identify-v2.jsonl" --data "$DATA" >/dev/null
    run "$TENKEN" campaign report kanagawa -o "$BATS_TEST_TMPDIR/r.html" --data "$DATA"
    [ "$status" -eq 0 ]
    R="$BATS_TEST_TMPDIR/r.html"
    grep -q '<html lang="ja">' "$R"
    grep -q "default-src 'none'" "$R"
    ! grep -qi '<script\|src="http\|href="http' "$R"
    [ "$(grep -c '<svg' "$R")" -ge 8 ]
    # the headline shares: of the 2 that answered, 1 did not know (50%), 1 knew and acted
    grep -q '<div class="v">50%</div><div class="k">アップデートの必要性を認識していなかった' "$R"
    grep -q 'ベータ株式会社' "$R"
    grep -q '=Delta, &quot;Co&quot;' "$R"
    grep -q '(所有者不明) ip:192.0.2.77' "$R"
    # "unknown" is not an answer: no share for it
    grep -q '>不明</text>.*class="val">- (3)' "$R"
    run "$TENKEN" campaign report kanagawa --lang en --public --data "$DATA"
    [ "$status" -eq 0 ]
    [[ "$output" == *'<html lang="en">'* ]]
    [[ "$output" == *"Did not know an upgrade was needed"* ]]
    [[ "$output" != *"Alpha Corp"* ]]
    [[ "$output" != *"192.0.2.77"* ]]
    if command -v chromium >/dev/null; then
        chromium --headless --no-sandbox --disable-gpu --window-size=1000,2400 \
            --screenshot="$BATS_TEST_TMPDIR/r.png" "file://$R" 2>/dev/null
        [ -s "$BATS_TEST_TMPDIR/r.png" ]
    fi
}

@test "create and verify: one device per address and port in canonical form; an unjudged sighting changes nothing" {
    r='"vendor":"Fortinet","product":"FortiGate SSL-VPN","version":"7.0.11","precision":"exact","cves":[],"kev":false,"org":{"id":"org-v6","name":"V6"},"seen":"2026-09-20T00:00:00Z"'
    {
        echo "{\"ip\":\"2001:DB8:0:0::1\",\"port\":443,\"verdict\":\"affected\",$r}"
        echo "{\"ip\":\"2001:db8::1\",\"port\":443,\"verdict\":\"affected\",$r}"
        echo "{\"ip\":\"203.0.113.70\",\"port\":443,\"verdict\":\"affected\",$r}"
        echo "{\"ip\":\"not-an-address\",\"port\":443,\"verdict\":\"affected\",$r}"
        echo "{\"ip\":\"203.0.113.71\",\"port\":443,\"verdict\":\"affected\",\"product\":\"$(head -c 2000 /dev/zero | tr '\0' x)\"}"
    } >"$BATS_TEST_TMPDIR/v1.jsonl"
    run "$TENKEN" campaign create six "$BATS_TEST_TMPDIR/v1.jsonl" --data "$DATA"
    [ "$status" -eq 0 ]
    [[ "$output" == *"2 malformed line(s) skipped"* ]]
    [[ "$output" == *"1 case(s) (0 without a known organisation), 2 device(s)"* ]]
    # the newer survey: the IPv6 device written another way and no longer identified; the
    # other one fixed
    {
        echo '{"ip":"2001:0db8::0001","port":443,"product":null,"verdict":"unknown","seen":"2026-10-10T00:00:00Z"}'
        echo "{\"ip\":\"203.0.113.70\",\"port\":443,\"verdict\":\"not-affected\",$r}"
    } >"$BATS_TEST_TMPDIR/v2.jsonl"
    run "$TENKEN" campaign verify six "$BATS_TEST_TMPDIR/v2.jsonl" --data "$DATA"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "0 still vulnerable, 1 fixed, 0 gone; 1 device(s) changed" ]
    [[ "$output" == *"1 seen again but not judged"* ]]
    c=$("$TENKEN" campaign cases six --format json --data "$DATA" | jq -r '.[0].case')
    "$TENKEN" campaign show "$c" --format json --data "$DATA" |
        jq -e '[.devices[] | [.ip, .state]] == [["2001:db8::1","vulnerable"],["203.0.113.70","fixed"]]'
}
