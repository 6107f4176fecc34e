#!/usr/bin/env bats
# `tenken surface trend OLD NEW`: two datasets of device records compared, by port, product,
# country, exposure, verdict and KEV, as text, JSON lines or CSV.

load helpers

setup() {
    T=$BATS_TEST_TMPDIR
    export XDG_DATA_HOME="$T/xdg"
}

# smb IP COUNTRY SEEN: an SMB service as `surface identify` writes it (COUNTRY "" = null)
smb() {
    local cc=null
    [ -n "$2" ] && cc="\"$2\""
    printf '{"ip":"%s","port":445,"transport":"tcp","fingerprint":null,"vendor":null,"product":null,"version":null,"precision":"undetermined","verdict":"unknown","cves":[],"exposures":["smb-exposed"],"org":null,"evidence":[],"country":%s,"seen":"%s"}\n' \
        "$1" "$cc" "$3"
}

# a NetScaler affected by a KEV vulnerability
netscaler() {
    printf '{"ip":"%s","port":443,"transport":"tcp","fingerprint":"citrix-netscaler","vendor":"Citrix","product":"NetScaler ADC / Gateway","kb_product":"citrix-netscaler","kind":"vpn","version":"13.1-48.47","precision":"exact","verdict":"affected","cves":[{"id":"CVE-2023-3519","verdict":"affected","kev":true}],"exposures":[],"org":null,"evidence":[],"country":"%s","region":"JP-14","seen":"%s"}\n' \
        "$1" "$2" "$3"
}

# The seed: SMB-exposed services in Japan, 25 on 11 March and 36 on 22 April (+44%), beside
# SMB abroad, services not located and VPN gateways.
seed() {
    local i
    {
        for i in $(seq 1 25); do smb "198.51.100.$i" JP 2026-03-11T0$((i % 10)):00:00Z; done
        for i in $(seq 1 6); do smb "203.0.113.$i" US 2026-03-11T12:00:00Z; done
        for i in 1 2; do smb "192.0.2.$i" "" 2026-03-11T12:00:00Z; done
        for i in 1 2 3; do netscaler "192.0.2.10$i" JP 2026-03-10T23:00:00Z; done
    } >"$T/old.jsonl"
    {
        for i in $(seq 1 36); do smb "198.51.100.$i" JP 2026-04-22T01:00:00Z; done
        for i in $(seq 1 4); do smb "203.0.113.$i" US 2026-04-22T02:00:00Z; done
        for i in 1 2; do netscaler "192.0.2.10$i" JP 2026-04-21T00:00:00Z; done
    } >"$T/new.jsonl"
}

@test "trend: the seed's case, SMB-exposed services in Japan 25 -> 36, is +44.0%" {
    seed
    run "$TENKEN" surface trend --country JP "$T/old.jsonl" "$T/new.jsonl"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" =~ smb-exposed\ +25\ +36\ +\+11\ +\+44\.0% ]]
    [[ "$output" =~ 445/tcp\ +25\ +36\ +\+11\ +\+44\.0% ]]
    [[ "$output" =~ appeared\ +0\ +11\ +\+11\ +n/a ]]
    [[ "$output" =~ Citrix\ NetScaler\ ADC\ /\ Gateway\ +3\ +2\ +-1\ +-33\.3% ]]
    [[ "$output" =~ affected-or-possibly\ +3\ +2\ +-1\ +-33\.3% ]]
    [[ "$output" =~ seen\ 2026-03-10T23:00:00Z\ to\ 2026-03-11T09:00:00Z ]]
    [[ "$output" =~ seen\ 2026-04-21T00:00:00Z\ to\ 2026-04-22T01:00:00Z ]]
    [[ "$output" =~ filter:\ country\ JP ]]
    "$TENKEN" surface trend --country jp --output-format jsonl "$T/old.jsonl" "$T/new.jsonl" \
        >"$T/out.jsonl"
    jq -e -s 'map(select(.dimension == "exposure" and .key == "smb-exposed"))
        == [{"dimension":"exposure","key":"smb-exposed","old":25,"new":36,"change":11,"pct":44}]' \
        "$T/out.jsonl"
    jq -e -s 'map(select(.dimension == "country")) | length == 1 and .[0].key == "JP"' "$T/out.jsonl"
}

@test "trend: every country, services appeared and disappeared, dates per dataset" {
    seed
    "$TENKEN" surface trend --output-format jsonl "$T/old.jsonl" "$T/new.jsonl" >"$T/out.jsonl"
    jq -e -s '
        (map(select(.dimension == "country")) | map({(.key // "none"): [.old, .new]}) | add)
            == {"JP": [28, 38], "US": [6, 4], "none": [2, 0]}
        and (map(select(.dimension == "services")) | map({(.key): [.old, .new]}) | add)
            == {"total": [36, 42], "kept": [31, 31], "appeared": [0, 11], "disappeared": [5, 0]}
        and (.[] | select(.dimension == "country" and .key == null) | .pct == -100)
        and (.[] | select(.dimension == "dataset" and .key == "old")
             | .first_seen == "2026-03-10T23:00:00Z" and .last_seen == "2026-03-11T12:00:00Z"
               and .records == 36 and .filter == {"country": null, "product": null})' \
        "$T/out.jsonl"
}

@test "trend: a service repeated in one file counts once" {
    smb 192.0.2.1 JP 2026-03-11T00:00:00Z >"$T/old.jsonl"
    smb 192.0.2.1 JP 2026-03-11T01:00:00Z >>"$T/old.jsonl"
    smb ::ffff:192.0.2.1 JP 2026-03-11T02:00:00Z >>"$T/old.jsonl"
    smb 192.0.2.2 JP 2026-03-11T00:00:00Z >>"$T/old.jsonl"
    for i in 1 2 3; do smb 192.0.2.1 JP 2026-04-22T00:00:00Z; done >"$T/new.jsonl"
    "$TENKEN" surface trend --output-format jsonl "$T/old.jsonl" "$T/new.jsonl" >"$T/out.jsonl" 2>"$T/err"
    jq -e -s '(.[] | select(.dimension == "exposure" and .key == "smb-exposed") | [.old, .new] == [2, 1])
        and (.[] | select(.dimension == "dataset" and .key == "old") | .duplicates == 2 and .services == 2)
        and (.[] | select(.dimension == "dataset" and .key == "new") | .duplicates == 2 and .services == 1)
        and (.[] | select(.dimension == "services" and .key == "disappeared") | .old == 1)' \
        "$T/out.jsonl"
    grep -q "old.jsonl: 4 records, 2 services, 2 duplicates" "$T/err"
}

@test "trend: --country and --product keep only their records" {
    seed
    "$TENKEN" surface trend --product citrix --output-format jsonl "$T/old.jsonl" "$T/new.jsonl" \
        >"$T/out.jsonl"
    jq -e -s '(.[] | select(.dimension == "services" and .key == "total") | [.old, .new] == [3, 2])
        and (map(select(.dimension == "product")) | length == 1)
        and (.[] | select(.dimension == "dataset" and .key == "old") | .filtered == 33
             and .filter.product == "citrix")' "$T/out.jsonl"
    # a product's name in part, and a country where it is not
    "$TENKEN" surface trend --product "adc / gate" --country US --output-format jsonl \
        "$T/old.jsonl" "$T/new.jsonl" >"$T/out.jsonl"
    jq -e -s '.[] | select(.dimension == "services" and .key == "total") | [.old, .new] == [0, 0]' \
        "$T/out.jsonl"
}

@test "trend: text tables are aligned, the largest 20 rows shown and the rest summed" {
    : >"$T/old.jsonl"
    for p in $(seq 1 25); do
        for i in $(seq 1 "$p"); do
            printf '{"ip":"10.0.%d.%d","port":%d,"transport":"tcp","product":null,"verdict":"unknown","cves":[],"exposures":[]}\n' \
                "$p" "$i" "$((8000 + p))"
        done
    done >"$T/new.jsonl"
    run "$TENKEN" surface trend "$T/old.jsonl" "$T/new.jsonl"
    [ "$status" -eq 0 ]
    [[ "$output" =~ 8025/tcp\ +0\ +25\ +\+25\ +n/a ]]
    [[ "$output" =~ 8006/tcp\ +0\ +6 ]]
    [[ ! "$output" =~ 8005/tcp ]]
    [[ "$output" =~ \(5\ others\)\ +0\ +15\ +\+15\ +n/a ]]
    # the port table: header and rows of one width
    echo "$output" | awk '/^port /{on=1} on && /^$/{exit} on {print length($0)}' | sort -u >"$T/w"
    [ "$(wc -l <"$T/w")" -eq 1 ]
    # the machine formats have every row
    "$TENKEN" surface trend --output-format csv "$T/old.jsonl" "$T/new.jsonl" | grep -c '^"port"' |
        grep -qx 25
}

@test "trend: CSV quotes every string and keeps spreadsheet formulas inert" {
    seed
    printf '{"ip":"192.0.2.50","port":8443,"transport":"tcp","vendor":null,"product":"=HYPERLINK(\\"http://evil/\\",\\"x\\")","verdict":"unknown","cves":[],"exposures":[],"country":"JP"}\n' \
        >>"$T/new.jsonl"
    "$TENKEN" surface trend --output-format csv -o "$T/out.csv" "$T/old.jsonl" "$T/new.jsonl"
    head -1 "$T/out.csv" | grep -q '^dimension,key,old,new,change,pct'
    grep -q '^"product","'"'"'=HYPERLINK(""http://evil/"",""x"")",0,1,1,' "$T/out.csv"
    grep -q '^"exposure","smb-exposed",33,40,7,21.2' "$T/out.csv"
    grep -q '^"seen","first",2026-03-10T23:00:00Z,2026-04-21T00:00:00Z,,' "$T/out.csv"
    python3 - "$T/out.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert all(len(r) == 6 for r in rows), rows
assert not any(f[:1] in ("=", "+", "@") for r in rows for f in r[:2]), rows
keys = {(r[0], r[1]): r for r in rows[1:]}
assert keys[("services", "appeared")][5] == "", keys[("services", "appeared")]
assert keys[("country", "JP")][2:] == ["28", "39", "11", "39.3"], keys[("country", "JP")]
PY
}

@test "trend: JSON lines, one object per row" {
    seed
    "$TENKEN" surface trend --output-format jsonl "$T/old.jsonl" "$T/new.jsonl" >"$T/out.jsonl"
    jq -e -s 'length > 20 and all(.[]; .dimension != null)
        and all(.[] | select(.dimension != "dataset"); (keys == ["change", "dimension", "key", "new", "old", "pct"])
            and .change == .new - .old and (.pct == null) == (.old == 0))
        and ([.[].dimension] | unique == ["country", "dataset", "exposure", "kev", "port", "product", "services", "verdict"])' \
        "$T/out.jsonl"
}

@test "trend: malformed lines are named by file and line, counted and skipped" {
    seed
    {
        echo '{"ip":'
        echo '{"ip":"not an address","port":445}'
        echo
        echo '{"ip":"192.0.2.200","port":99999}'
    } >>"$T/old.jsonl"
    run "$TENKEN" surface trend --output-format jsonl "$T/old.jsonl" "$T/new.jsonl"
    [ "$status" -eq 0 ]
    [[ "$output" =~ old.jsonl:37:\ skipped:\ invalid\ JSON ]]
    [[ "$output" =~ old.jsonl:38:\ skipped:\ \"ip\"\ is\ missing\ or\ not\ an\ IP\ address ]]
    [[ "$output" =~ old.jsonl:40:\ skipped:\ \"port\" ]]
    [[ "$output" =~ old.jsonl:\ 39\ records,\ 36\ services,\ 0\ duplicates,\ 0\ filtered\ out,\ 3\ malformed ]]
    "$TENKEN" surface trend --output-format jsonl "$T/old.jsonl" "$T/new.jsonl" 2>/dev/null |
        jq -e -s '.[] | select(.dimension == "dataset" and .key == "old") | .malformed == 3'
    # --quiet: counted, not listed
    run "$TENKEN" surface trend --quiet "$T/old.jsonl" "$T/new.jsonl"
    [ "$status" -eq 0 ]
    [[ ! "$output" =~ skipped: ]]
    [[ "$output" =~ malformed:\ 3 ]]
}

@test "trend: past 100 malformed lines, a summary instead" {
    seed
    for i in $(seq 1 150); do echo "garbage $i"; done >>"$T/new.jsonl"
    "$TENKEN" surface trend "$T/old.jsonl" "$T/new.jsonl" >/dev/null 2>"$T/err"
    [ "$(grep -c 'skipped:' "$T/err")" -eq 100 ]
    grep -q "more malformed records: not reported one by one" "$T/err"
    grep -q "150 malformed records in all, 100 reported above" "$T/err"
}

@test "trend: gzip inputs, and standard input for one of them" {
    seed
    gzip -k "$T/old.jsonl"
    "$TENKEN" surface trend --country JP --output-format jsonl "$T/old.jsonl.gz" - \
        <"$T/new.jsonl" >"$T/out.jsonl"
    jq -e -s '.[] | select(.dimension == "exposure" and .key == "smb-exposed") | [.old, .new, .pct] == [25, 36, 44]' \
        "$T/out.jsonl"
    jq -e -s '.[] | select(.dimension == "dataset" and .key == "new") | .file == "-"' "$T/out.jsonl"
    # gzip on standard input too
    gzip -c "$T/new.jsonl" | "$TENKEN" surface trend --country JP --output-format csv "$T/old.jsonl" - |
        grep -q '^"exposure","smb-exposed",25,36,11,44.0'
}

@test "trend: an unreadable input is exit 3 naming it, before anything is read" {
    seed
    run "$TENKEN" surface trend "$T/old.jsonl" "$T/missing.jsonl"
    [ "$status" -eq 3 ]
    [[ "$output" =~ missing.jsonl:\ cannot\ open ]]
    [[ ! "$output" =~ records ]]
    run "$TENKEN" surface trend "$T/nothing.jsonl.gz" "$T/new.jsonl"
    [ "$status" -eq 3 ]
    [[ "$output" =~ nothing.jsonl.gz ]]
    run "$TENKEN" surface trend "$T" "$T/new.jsonl"
    [ "$status" -eq 3 ]
    [[ "$output" =~ is\ a\ directory ]]
    # a gzip stream cut short: no counts from half a dataset
    gzip -c "$T/new.jsonl" | head -c 300 >"$T/cut.gz"
    run "$TENKEN" surface trend -o "$T/out.txt" "$T/old.jsonl" "$T/cut.gz"
    [ "$status" -eq 3 ]
    [[ "$output" =~ cut.gz:\ read\ failed ]]
    [ ! -e "$T/out.txt" ]
}

@test "trend: an output that cannot be written is exit 3" {
    seed
    run "$TENKEN" surface trend -o "$T/no/such/dir/out.txt" "$T/old.jsonl" "$T/new.jsonl"
    [ "$status" -eq 3 ]
    [[ "$output" =~ out.txt:\ cannot\ create ]]
    if [ -w /dev/full ]; then
        run "$TENKEN" surface trend -o /dev/full "$T/old.jsonl" "$T/new.jsonl"
        [ "$status" -eq 3 ]
        [[ "$output" =~ write\ failed ]]
    fi
}

@test "trend: anything but two datasets is a usage error (exit 2)" {
    seed
    run "$TENKEN" surface trend
    [ "$status" -eq 2 ]
    [[ "$output" =~ OLD\ NEW ]]
    run "$TENKEN" surface trend "$T/old.jsonl"
    [ "$status" -eq 2 ]
    run "$TENKEN" surface trend "$T/old.jsonl" "$T/new.jsonl" "$T/new.jsonl"
    [ "$status" -eq 2 ]
    run "$TENKEN" surface trend - -
    [ "$status" -eq 2 ]
    [[ "$output" =~ standard\ input ]]
    run "$TENKEN" surface trend --kev-only "$T/old.jsonl" "$T/new.jsonl"
    [ "$status" -eq 2 ]
    [[ "$output" =~ --country\ and\ --product\ only ]]
    run "$TENKEN" surface trend --output-format xlsx "$T/old.jsonl" "$T/new.jsonl"
    [ "$status" -eq 2 ]
    [[ "$output" =~ text,\ jsonl\ or\ csv ]]
}
