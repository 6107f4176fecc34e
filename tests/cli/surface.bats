#!/usr/bin/env bats
# `tenken surface`: scan data in, devices with versions, verdicts and CVEs out.

load helpers

setup() {
    T=$BATS_TEST_TMPDIR
    export XDG_DATA_HOME="$T/xdg"
}

# a NetScaler whose rdx_en.json.gz was built 2023-06-03 (13.1-48.47), a GlobalProtect portal
# (8.1.10 by its ETag), and an open SMB port
fixture() {
    cat >"$T/scan.jsonl" <<'JSONL'
{"ip":"192.0.2.30","url":"https://192.0.2.30/vpn/index.html","status":200,"body":"<html><head><title>Citrix Gateway</title></head></html>"}
{"ip":"192.0.2.30","url":"https://192.0.2.30/vpn/js/rdx/core/lang/rdx_en.json.gz","status":200,"body_b64":"H4sICFbtemQAA3JkeF9lbi5qc29uAKtWqlCyMqwFAFxZ6zsHAAAA"}
{"ip":"192.0.2.40","url":"https://192.0.2.40/global-protect/login.esp","status":200,"headers":{"Server":"PanWeb Server/ - ","ETag":"\"6e185d5daf9a\""},"body":"<title>GlobalProtect Portal</title>"}
{"ip":"192.0.2.9","port":445,"seen":"2026-11-01T00:00:00Z"}
JSONL
}

@test "every fingerprint file's own test cases pass" {
    run "$TENKEN" surface fingerprints --check
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ([0-9]+)\ fingerprints,\ ([0-9]+)\ test\ cases,\ 0\ failed ]]
    [ "${BASH_REMATCH[1]}" -ge 10 ]
}

@test "identify: a NetScaler build from its rdx_en.json.gz time maps to its version and CVE-2023-3519" {
    fixture
    "$TENKEN" surface identify "$T/scan.jsonl" >"$T/out.jsonl" 2>"$T/err"
    [ "$(wc -l <"$T/out.jsonl")" -eq 3 ]
    jq -e -s '.[] | select(.ip == "192.0.2.30") | .vendor == "Citrix" and .version == "13.1-48.47"
        and .precision == "exact" and .verdict == "affected"
        and any(.cves[]; .id == "CVE-2023-3519" and .kev == true and .verdict == "affected")
        and (.evidence | length > 0)' "$T/out.jsonl"
    # PAN-OS: the date proves the base release only
    jq -e -s '.[] | select(.ip == "192.0.2.40") | .version == "8.1.10" and .precision == "line"' \
        "$T/out.jsonl"
    jq -e -s '.[] | select(.ip == "192.0.2.9") | .exposures == ["smb-exposed"] and .verdict == "unknown"
        and .product == null' "$T/out.jsonl"
    grep -q "4 records, 3 services, 0 malformed" "$T/err"
}

@test "identify: a fixed NetScaler build is not affected by CVE-2023-3519" {
    printf '%s\n' '{"ip":"192.0.2.31","url":"https://192.0.2.31/vpn/index.html","status":200,"body":"<title>NetScaler Gateway</title>"}' \
        '{"ip":"192.0.2.31","url":"https://192.0.2.31/vpn/js/rdx/core/lang/rdx_en.json.gz","status":200,"body_b64":"H4sICN3fC2UAA3JkeF9lbi5qc29uAKtWqlCyMqwFAFxZ6zsHAAAA"}' \
        >"$T/fixed.jsonl"
    "$TENKEN" surface identify "$T/fixed.jsonl" >"$T/out.jsonl"
    jq -e '.version == "13.1-49.15" and ([.cves[].id] | index("CVE-2023-3519") | not)' "$T/out.jsonl"
}

@test "identify: CSV output, one row per CVE, formulas neutralised" {
    fixture
    printf '%s\n' '{"ip":"192.0.2.5","port":443,"url":"https://192.0.2.5/","status":200,"body":"x"}' >>"$T/scan.jsonl"
    "$TENKEN" surface identify --output-format csv -o "$T/out.csv" "$T/scan.jsonl" 2>/dev/null
    head -1 "$T/out.csv" | grep -q '^ip,port,transport,vendor,product,version,precision,verdict,cve'
    grep -q '"192.0.2.30","443","tcp","Citrix",.*"CVE-2023-3519","affected","yes"' "$T/out.csv"
    python3 -c 'import csv,sys; rows=list(csv.reader(open(sys.argv[1]))); assert all(len(r)==len(rows[0]) for r in rows), rows' "$T/out.csv"
}

@test "identify -o: a failed run leaves the file as it was; -o - is standard output" {
    fixture
    for fmt in jsonl csv xlsx; do
        echo precious >"$T/out.$fmt"
        run "$TENKEN" surface identify --output-format "$fmt" -o "$T/out.$fmt" "$T/scan.jsonl" "$T/typo.json"
        [ "$status" -eq 3 ]
        [ "$(cat "$T/out.$fmt")" = precious ] || { echo "$fmt: overwritten"; false; }
        [ -z "$(ls "$T" | grep -F tmp-)" ] || { ls "$T"; false; }
    done
    echo precious >"$T/sum.json"
    run "$TENKEN" surface identify --summary "$T/sum.json" "$T/scan.jsonl" "$T/typo.json"
    [ "$status" -eq 3 ]
    [ "$(cat "$T/sum.json")" = precious ]
    "$TENKEN" surface identify -o - "$T/scan.jsonl" 2>/dev/null >"$T/stdout.jsonl"
    grep -q CVE-2023-3519 "$T/stdout.jsonl"
    [ ! -e ./- ] && [ ! -e "$T/-" ]
    run "$TENKEN" surface identify --output-format xlsx -o - "$T/scan.jsonl"
    [ "$status" -eq 2 ]
    run "$TENKEN" surface ingest --output-format csv "$T/scan.jsonl"
    [ "$status" -eq 2 ]
    [[ "$output" == *"is for surface identify"* ]]
}

@test "ingest: zgrab2 gzip, malformed lines named by file and line, the stream goes on" {
    cat >"$T/z.json" <<'JSONL'
{"ip":"192.0.2.20","data":{"http":{"status":"success","port":443,"result":{"response":{"status_code":200,"headers":{"server":["PanWeb Server/ - "],"unknown":[{"key":"etag","value":["\"6e185d5daf9a\""]}]},"body":"<title>GlobalProtect Portal</title>","request":{"url":{"path":"/global-protect/login.esp"}}}},"timestamp":"2024-05-01T00:00:00Z"}}}
{"ip":
{"ip":"not an address","data":{}}
{"ip":"192.0.2.21","data":{"ssh":{"status":"success","port":22,"result":{"server_id":{"raw":"SSH-2.0-OpenSSH_9.2p1 Debian-2"}}}}}
JSONL
    gzip -k "$T/z.json"
    "$TENKEN" surface ingest "$T/z.json.gz" >"$T/obs.jsonl" 2>"$T/err"
    [ "$(wc -l <"$T/obs.jsonl")" -eq 2 ]
    grep -q "z.json.gz:2: skipped: invalid JSON" "$T/err"
    grep -q "z.json.gz:3: skipped: \"ip\" is not an IP address" "$T/err"
    jq -e -s '.[] | select(.port == 443) | .http[0].headers.etag == "\"6e185d5daf9a\"" and .seen == 1714521600
        and .format == "zgrab2" and .input == "'"$T"'/z.json.gz:1"' "$T/obs.jsonl"
    jq -e -s '.[] | select(.port == 22) | .banner | startswith("SSH-2.0-OpenSSH_9.2p1")' "$T/obs.jsonl"
    "$TENKEN" surface identify "$T/z.json.gz" 2>/dev/null | jq -e -s '.[] | select(.port == 443) | .version == "8.1.10"'
}

@test "ingest: a truncated gzip stream is an error (exit 3) after what could be read" {
    fixture
    for i in $(seq 200); do cat "$T/scan.jsonl"; done | gzip >"$T/big.gz"
    head -c $(($(stat -c %s "$T/big.gz") / 2)) "$T/big.gz" >"$T/cut.gz"
    run "$TENKEN" surface ingest "$T/cut.gz"
    [ "$status" -eq 3 ]
    [[ "$output" =~ cut.gz:\ read\ failed ]]
}

@test "hostile input: binary noise, huge lines and deep nesting never crash" {
    head -c 300000 /dev/urandom >"$T/noise"
    python3 -c 'print("[" * 100000); print("{\"ip\":\"192.0.2.1\",\"url\":\"http://192.0.2.1/\",\"body\":\"" + "A" * 3000000 + "\"}")' >"$T/deep"
    run "$TENKEN" surface identify --quiet "$T/noise"
    [ "$status" -eq 0 ]
    run "$TENKEN" surface identify --quiet "$T/deep"
    [ "$status" -eq 0 ]
    [[ "$output" =~ 1\ malformed ]]
    run "$TENKEN" surface ingest --format nope "$T/deep"
    [ "$status" -eq 2 ]
}

@test "fingerprints: a user file with a broken rule is refused naming file and line" {
    mkdir "$T/fp"
    printf 'fingerprint: x\nvendor: X\nname: X\ndetect: 100 body ~ /(unclosed/\n' >"$T/fp/x.txt"
    run "$TENKEN" surface fingerprints --fingerprints "$T/fp"
    [ "$status" -eq 3 ]
    [[ "$output" =~ x.txt:4:\ the\ regular\ expression\ does\ not\ compile ]]
    printf 'fingerprint: acme-vpn\nvendor: Acme\nname: Acme VPN\nkind: vpn\ndetect: 100 header server = AcmeVPN\n\ncase: server header\nexpect: acme-vpn - undetermined\nobs: {"ip":"192.0.2.1","port":443,"url":"https://192.0.2.1/","headers":{"Server":"AcmeVPN"}}\n' >"$T/fp/x.txt"
    run "$TENKEN" surface fingerprints --check --fingerprints "$T/fp"
    [ "$status" -eq 0 ]
    run "$TENKEN" surface fingerprints --fingerprints "$T/fp"
    [[ "$output" =~ acme-vpn ]]
}

# the fixture's devices attributed: NetScaler and SMB to acme (Kanagawa) by CIDR, GlobalProtect
# to beta (Tokyo) by its certificate's SAN
orgs() {
    printf 'org_id,name,corporate_number,prefecture,cidrs,domains\nacme,株式会社アクメ,1234567890123,神奈川県,192.0.2.0/27,\nbeta,Beta Inc.,,JP-13,,beta.example.jp\n' >"$T/orgs.csv"
    sed -i 's|^{"ip":"192.0.2.40",|{"ip":"192.0.2.40","tls":{"subject":"CN=vpn.beta.example.jp","sans":["vpn.beta.example.jp"]},|' "$T/scan.jsonl"
}

@test "identify: attribution by address block and certificate, with evidence" {
    fixture
    orgs
    "$TENKEN" surface identify --orgs "$T/orgs.csv" "$T/scan.jsonl" >"$T/out.jsonl" 2>/dev/null
    jq -e -s '.[] | select(.ip == "192.0.2.30") | .org.id == "acme" and .org.prefecture == "JP-14" and .region == "JP-14" and .attribution.confidence == "high" and (.attribution.evidence[0] | .kind == "cidr" and .detail == "192.0.2.0/27")' "$T/out.jsonl"
    jq -e -s '.[] | select(.ip == "192.0.2.40") | .org.id == "beta" and .org.name == "Beta Inc." and any(.attribution.evidence[]; .kind == "cert-san" and .detail == "vpn.beta.example.jp")' "$T/out.jsonl"
    jq -e -s '.[] | select(.ip == "192.0.2.9") | .org.corporate_number == "1234567890123" and (.exposures | index("smb-exposed"))' "$T/out.jsonl"
}

@test "identify: filters by prefecture, country, product and KEV" {
    fixture
    orgs
    for p in Kanagawa JP-14 14 神奈川県; do
        "$TENKEN" surface identify --orgs "$T/orgs.csv" --prefecture "$p" "$T/scan.jsonl" 2>/dev/null >"$T/k.jsonl"
        [ "$(jq -r -s 'map(.ip) | sort | join(" ")' "$T/k.jsonl")" = "192.0.2.30 192.0.2.9" ]
    done
    "$TENKEN" surface identify --orgs "$T/orgs.csv" --kev-only --country jp "$T/scan.jsonl" 2>/dev/null >"$T/k.jsonl"
    [ "$(jq -r -s 'map(.ip) | unique | join(" ")' "$T/k.jsonl")" = "192.0.2.30 192.0.2.40" ]
    "$TENKEN" surface identify --product citrix-netscaler "$T/scan.jsonl" 2>/dev/null >"$T/k.jsonl"
    [ "$(jq -r -s 'map(.ip) | join(" ")' "$T/k.jsonl")" = "192.0.2.30" ]
    run "$TENKEN" surface identify --prefecture Atlantis "$T/scan.jsonl"
    [ "$status" -eq 2 ]
    [[ "$output" =~ Atlantis ]]
}

@test "identify: summary by product, version, vulnerability, prefecture and organisation" {
    fixture
    orgs
    "$TENKEN" surface identify --orgs "$T/orgs.csv" --summary "$T/sum.json" "$T/scan.jsonl" >/dev/null 2>&1
    jq -e '.totals.services == 3 and .totals.identified == 2 and .totals.kev == 2 and .totals.smb_exposed == 1 and .totals.attributed == 3' "$T/sum.json"
    jq -e '.version | any(.product == "NetScaler ADC / Gateway" and .version == "13.1-48.47")' "$T/sum.json"
    jq -e '.vulnerability | any(.cve == "CVE-2023-3519" and .kev and .affected == 1)' "$T/sum.json"
    jq -e '.prefecture | any(.prefecture == "JP-14" and .services == 2)' "$T/sum.json"
    jq -e '.organisation | any(.org_id == "beta" and .kev == 1)' "$T/sum.json"
}

@test "identify: XLSX with devices and summary sheets; hostile text stays text" {
    fixture
    orgs
    printf '{"ip":"192.0.2.31","url":"https://192.0.2.31/vpn/index.html","status":200,"body":"<title>Citrix Gateway</title>"}\n' >>"$T/scan.jsonl"
    printf 'org_id,name,cidrs\nx,"=HYPERLINK(""http://evil.example"")\x01\xff",192.0.2.31\n' >"$T/evil.csv"
    run "$TENKEN" surface identify --output-format xlsx "$T/scan.jsonl"
    [ "$status" -eq 2 ]
    "$TENKEN" surface identify --orgs "$T/evil.csv" --output-format xlsx --lang ja -o "$T/out.xlsx" "$T/scan.jsonl" 2>/dev/null || {
        # the directory refuses bytes that are not UTF-8: then without them
        printf 'org_id,name,cidrs\nx,"=HYPERLINK(""http://evil.example"")\x01",192.0.2.31\n' >"$T/evil.csv"
        "$TENKEN" surface identify --orgs "$T/evil.csv" --output-format xlsx --lang ja -o "$T/out.xlsx" "$T/scan.jsonl"
    }
    python3 - "$T/out.xlsx" <<'PY'
import sys, zipfile, xml.dom.minidom
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
book = z.read("xl/workbook.xml").decode()
for sheet in ("概要", "機器", "製品", "バージョン", "脆弱性", "都道府県", "組織"):
    assert sheet in book, sheet
for n in names:
    if n.endswith(".xml"):
        xml.dom.minidom.parseString(z.read(n))  # well-formed, control bytes included
devices = z.read("xl/worksheets/sheet2.xml").decode()
assert "CVE-2023-3519" in devices
assert "<f>" not in devices  # never a formula
assert "HYPERLINK" in devices and "t=\"inlineStr\"" in devices
PY
}

@test "identify: nmap's service probes name what no fingerprint knows" {
    [ -r /usr/share/nmap/nmap-service-probes ] || skip "nmap is not installed"
    printf '{"ip":"198.51.100.7","url":"http://198.51.100.7/","status":200,"headers":{"Server":"Apache/2.4.57 (Debian)"},"body":"<html>It works</html>"}\n' >"$T/a.jsonl"
    "$TENKEN" surface identify "$T/a.jsonl" 2>/dev/null >"$T/out.jsonl"
    jq -e '.service.from == "nmap-service-probes" and .service.product == "Apache httpd" and .service.version == "2.4.57" and (.service.cpe[0] | startswith("cpe:/a:apache:http_server"))' "$T/out.jsonl"
    "$TENKEN" surface identify --service-probes none "$T/a.jsonl" 2>/dev/null >"$T/out.jsonl"
    jq -e '.service == null' "$T/out.jsonl"
    run "$TENKEN" surface identify --service-probes "$T/missing" "$T/a.jsonl"
    [ "$status" -eq 3 ]
}

@test "ingest: nmap -oX from a real nmap -sV run on loopback" {
    "$TENKEN" surface identify "$SRCDIR/tests/data/surface/nmap-sV.xml" 2>/dev/null >"$T/out.jsonl"
    jq -e -s 'length == 2' "$T/out.jsonl"
    jq -e -s '.[] | select(.port == 40711) | .service.product == "SimpleHTTPServer"' "$T/out.jsonl"
    jq -e -s '.[] | select(.port == 56837) | .cert_subject == "CN=fixture.example.test, O=Tenken Test"' "$T/out.jsonl"
}

@test "identify: location from a MaxMind DB, weak evidence, and the prefecture filter on it" {
    python3 "$SRCDIR/tests/tools/mkmmdb.py" "$T/city.mmdb"
    printf '{"ip":"198.51.100.200","port":3389}\n{"ip":"192.0.2.77","port":445}\n{"ip":"203.0.113.5","port":445}\n' >"$T/a.jsonl"
    "$TENKEN" surface identify --mmdb "$T/city.mmdb" "$T/a.jsonl" 2>/dev/null >"$T/out.jsonl"
    jq -e -s '.[] | select(.ip == "198.51.100.200") | .country == "JP" and .region == "JP-27" and .org == null and .attribution.confidence == "low" and .attribution.place_from == "mmdb" and any(.attribution.evidence[]; .kind == "mmdb")' "$T/out.jsonl"
    "$TENKEN" surface identify --mmdb "$T/city.mmdb" --prefecture 14 "$T/a.jsonl" 2>/dev/null >"$T/k.jsonl"
    [ "$(jq -r -s 'map(.ip) | join(" ")' "$T/k.jsonl")" = "192.0.2.77" ]
    "$TENKEN" surface identify --mmdb "$T/city.mmdb" --country JP "$T/a.jsonl" 2>/dev/null >"$T/k.jsonl"
    [ "$(wc -l <"$T/k.jsonl")" -eq 3 ]
    printf 'not a database' >"$T/bad.mmdb"
    run "$TENKEN" surface identify --mmdb "$T/bad.mmdb" "$T/a.jsonl"
    [ "$status" -eq 3 ]
    [[ "$output" =~ bad.mmdb ]]
}

@test "fingerprints: a version is taken from the header that matched, not the first of its name" {
    mkdir "$T/fp"
    printf 'fingerprint: acme-vpn\nvendor: Acme\nname: Acme VPN\nkind: vpn\ndetect: 100 header server ~ /^AcmeVPN/\nversion: header server ~ /^AcmeVPN\\/([0-9.]+)$/ => $1\n' >"$T/fp/acme.txt"
    printf '{"ip":"192.0.2.1","url":"https://192.0.2.1/","status":200,"headers":{"Server":["nginx","AcmeVPN/2.3"]}}\n' >"$T/a.jsonl"
    "$TENKEN" surface identify --fingerprints "$T/fp" --service-probes none "$T/a.jsonl" 2>/dev/null >"$T/out.jsonl"
    jq -e '.fingerprint == "acme-vpn" and .version == "2.3" and .precision == "exact"' "$T/out.jsonl"
}
