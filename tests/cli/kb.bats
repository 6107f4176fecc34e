#!/usr/bin/env bats
# The knowledge base: built-in facts, importers (NVD, KEV, EPSS, OSV, JVN) with their error
# handling, search, and what matching makes of it in scan and analyze.

load helpers

DATA="$SRCDIR/tests/data/kb"

setup() {
    KB="$BATS_TEST_TMPDIR/kb.sqlite"
    OUT="$BATS_TEST_TMPDIR/bundle.json"
    ROOT="$BATS_TEST_TMPDIR/root"
    # Never touch the real home of whoever runs the tests.
    export XDG_DATA_HOME="$BATS_TEST_TMPDIR/xdg"
}

# A KB of the fictional test catalog (Example Tool), and a root with example-tool 2.4.1.
test_kb() {
    "$TENKEN" kb build "$DATA/data" "$KB" >/dev/null
}
example_root() {
    mkdir -p "$ROOT/etc" "$ROOT/var/lib/dpkg"
    printf 'ID=debian\nVERSION_ID="12"\n' >"$ROOT/etc/os-release"
    printf 'Package: example-tool\nStatus: install ok installed\nVersion: 2.4.1-1\n\nPackage: libc6\nStatus: install ok installed\nSource: glibc (2.36-9+deb12u4)\nVersion: 2.36-9+deb12u4\n' >"$ROOT/var/lib/dpkg/status"
}

# cve CVE -> {c: the CVE's entry, v: its product finding's vulnerability, f: the finding}
cve() {
    jq -c --arg c "$1" '.findings[] | select(.vulnerability.cves) | . as $f
        | .vulnerability.cves[] | select(.cve == $c)
        | {c: ., v: ($f.vulnerability | del(.cves)), f: ($f | del(.vulnerability))}' "$OUT"
}

@test "the built-in KB knows its sources and dates" {
    run "$TENKEN" kb info --format json
    [ "$status" -eq 0 ]
    echo "$output" | jq -e '.kb == "built-in" and (.sources | map(.name) | index("kev") != null) and .counts.product > 20 and .counts.curated > 100'
    echo "$output" | jq -e '.sources[] | select(.name == "kev") | .date | startswith("20")'
}

@test "the shipped data files are valid" {
    run "$TENKEN" kb check-data "$SRCDIR/data"
    [ "$status" -eq 0 ]
    [[ "$output" == *"all valid"* ]]
}

@test "a broken data file is refused with file and line" {
    cp -r "$SRCDIR/data" "$BATS_TEST_TMPDIR/data"
    printf '\ncve: CVE-2099-1\nproduct: google-chrome\naffected: <<< 1\nsource: x\n' >>"$BATS_TEST_TMPDIR/data/vulns/browsers.txt"
    run "$TENKEN" kb check-data "$BATS_TEST_TMPDIR/data"
    [ "$status" -eq 3 ]
    [[ "$output" == *"vulns/browsers.txt:"* ]]
    cp "$SRCDIR/data/vulns/browsers.txt" "$BATS_TEST_TMPDIR/data/vulns/browsers.txt"
    printf '\ncve: CVE-2099-0001\nproduct: no-such-product\naffected: < 1\nsource: x\n' >"$BATS_TEST_TMPDIR/data/vulns/zz.txt"
    run "$TENKEN" kb check-data "$BATS_TEST_TMPDIR/data"
    [[ "$output" == *"unknown product"* ]]
    # a product named twice in one stanza would give it every row twice
    printf '\ncve: CVE-2099-0002\nproduct: google-chrome\nproduct: google-chrome\naffected: < 1\nsource: x\n' >"$BATS_TEST_TMPDIR/data/vulns/zz.txt"
    run "$TENKEN" kb check-data "$BATS_TEST_TMPDIR/data"
    [ "$status" -eq 3 ]
    [[ "$output" == *"zz.txt:4: CVE-2099-0002: repeated product \"google-chrome\""* ]]
}

@test "done-when: Chrome 120.0.6099.109 and Zoom 5.15.0 give CVE-2023-7024 (KEV) and a Zoom CVE, offline" {
    mkdir -p "$ROOT/etc" "$ROOT/opt/zoom" "$ROOT/opt/google/chrome" "$ROOT/var/lib/dpkg"
    printf 'ID=debian\nVERSION_ID="12"\n' >"$ROOT/etc/os-release"
    printf 'Package: google-chrome-stable\nStatus: install ok installed\nVersion: 120.0.6099.109-1\n' >"$ROOT/var/lib/dpkg/status"
    echo 5.15.0 >"$ROOT/opt/zoom/version.txt"
    run "$TENKEN" scan --root "$ROOT" --out "$OUT" --no-progress
    [ "$status" -eq 0 ]
    validate "$OUT"
    cve CVE-2023-7024 | jq -e '.c.severity == "high" and .c.kev.date_added == "2024-01-02" and .c.update_to == "120.0.6099.129" and .v.product.id == "google-chrome" and .f.id == "TK-VULN-GOOGLE-CHROME"'
    jq -e '[.findings[] | select(.vulnerability.product.id == "zoom") | .vulnerability.cves[] | select(.cve | startswith("CVE-"))] | length >= 1' "$OUT"
    jq -e '.analysis.kb == "built-in" and (.analysis.kb_date | length == 10)' "$OUT"
    [[ "$output" == *"CVE-2023-7024"* ]]
}

@test "--fail-on high fails a scan with a KEV browser" {
    mkdir -p "$ROOT/var/lib/dpkg"
    printf 'Package: google-chrome-stable\nStatus: install ok installed\nVersion: 120.0.6099.109-1\n' >"$ROOT/var/lib/dpkg/status"
    run "$TENKEN" scan --root "$ROOT" --out "$OUT" --no-progress --fail-on high
    [ "$status" -eq 1 ]
}

@test "NVD: streamed import; ranges, AND with a platform, exact versions, wildcards as possible, rejected CVEs" {
    test_kb
    example_root
    run "$TENKEN" kb import nvd "$DATA/nvd-sample.json" --kb "$KB"
    [ "$status" -eq 0 ]
    [[ "$output" == *"imported 4 CVEs"* ]]
    "$TENKEN" scan --root "$ROOT" --out "$OUT" --no-progress --kb "$KB" >/dev/null
    validate "$OUT"
    cve CVE-2099-0001 | jq -e '.c.confidence == "high" and .c.severity == "critical" and .c.basis == "nvd" and .v.compared == "2.4.1" and .c.update_to == "2.5" and .c.cwe == "CWE-787"'
    [ -z "$(cve CVE-2099-0002)" ]            # Windows only; this is Linux
    cve CVE-2099-0003 | jq -e '.c.confidence == "low" and .c.possible == true'
    cve CVE-2099-0004 | jq -e '.c.confidence == "high" and .c.severity == "critical" and .c.kev.ransomware == "Known"'
    cve CVE-2099-0009 | jq -e '.c.basis == "curated" and .c.update_to == "2.4.2"'
    [ -z "$(cve CVE-2099-0005)" ]
    # One finding for the product version, the most severe CVEs first, fixing all of them.
    jq -e '[.findings[] | select(.id == "TK-VULN-EXAMPLE-TOOL")] | length == 1' "$OUT"
    jq -e '.findings[] | select(.id == "TK-VULN-EXAMPLE-TOOL") | .severity == "critical" and .vulnerability.counts == {"cves": 4, "kev": 1, "possible": 1} and .vulnerability.update_to == "2.5" and .vulnerability.cves[0].cve == "CVE-2099-0004" and (.title.en | contains("3 known vulnerabilities, 1 exploited in the wild (CVE-2099-0004, "))' "$OUT"
}

@test "NVD: .json.gz and directories of pages" {
    test_kb
    mkdir -p "$BATS_TEST_TMPDIR/pages"
    gzip -c "$DATA/nvd-sample.json" >"$BATS_TEST_TMPDIR/pages/p1.json.gz"
    run "$TENKEN" kb import nvd "$BATS_TEST_TMPDIR/pages" --kb "$KB" --format json
    [ "$status" -eq 0 ]
    echo "$output" | jq -e '.records == 4 and .skipped == 1'
    # Importing again replaces, it does not duplicate.
    "$TENKEN" kb import nvd "$DATA/nvd-sample.json" --kb "$KB" >/dev/null
    [ "$("$TENKEN" kb info --kb "$KB" --format json | jq .counts.nvd_match)" = 6 ]
}

@test "a truncated or malformed feed is rejected with its position and the KB stays as it was" {
    test_kb
    "$TENKEN" kb import nvd "$DATA/nvd-sample.json" --kb "$KB" >/dev/null
    before=$("$TENKEN" kb info --kb "$KB" --format json | jq -c .counts)
    head -c 3000 "$DATA/nvd-sample.json" >"$BATS_TEST_TMPDIR/cut.json"
    run "$TENKEN" kb import nvd "$BATS_TEST_TMPDIR/cut.json" --kb "$KB"
    [ "$status" -eq 3 ]
    [[ "$output" =~ cut\.json:[0-9]+:[0-9]+: ]]
    [[ "$output" == *"unchanged"* ]]
    head -c 3000 "$DATA/nvd-sample.json" | gzip -c | head -c 600 >"$BATS_TEST_TMPDIR/cut.json.gz"
    run "$TENKEN" kb import nvd "$BATS_TEST_TMPDIR/cut.json.gz" --kb "$KB"
    [ "$status" -eq 3 ]
    printf 'cve,epss,percentile\nCVE-2099-0001,1.5,0.2\n' >"$BATS_TEST_TMPDIR/bad.csv"
    run "$TENKEN" kb import epss "$BATS_TEST_TMPDIR/bad.csv" --kb "$KB"
    [ "$status" -eq 3 ]
    [[ "$output" == *"bad.csv:2:"* ]]
    [ "$("$TENKEN" kb info --kb "$KB" --format json | jq -c .counts)" = "$before" ]
}

@test "EPSS: model version and date are kept, scores reach the findings" {
    test_kb
    example_root
    gzip -c "$DATA/epss-sample.csv" >"$BATS_TEST_TMPDIR/epss.csv.gz"
    "$TENKEN" kb import nvd "$DATA/nvd-sample.json" --kb "$KB" >/dev/null
    run "$TENKEN" kb import epss "$BATS_TEST_TMPDIR/epss.csv.gz" --kb "$KB"
    [ "$status" -eq 0 ]
    "$TENKEN" kb info --kb "$KB" --format json | jq -e '.sources[] | select(.name=="epss") | .version == "v2099.01.01" and (.date | startswith("2099-01-10"))'
    "$TENKEN" scan --root "$ROOT" --out "$OUT" --no-progress --kb "$KB" >/dev/null
    cve CVE-2099-0001 | jq -e '.c.epss.score == 0.97312 and .v.epss_model.version == "v2099.01.01"'
}

@test "JVN: Japanese titles and JVNDB ids joined by CVE" {
    test_kb
    example_root
    "$TENKEN" kb import nvd "$DATA/nvd-sample.json" --kb "$KB" >/dev/null
    run "$TENKEN" kb import jvn "$DATA/jvn-sample.xml" --kb "$KB"
    [ "$status" -eq 0 ]
    "$TENKEN" scan --root "$ROOT" --out "$OUT" --no-progress --kb "$KB" >/dev/null
    cve CVE-2099-0001 | jq -e '.c.jvn.id == "JVNDB-2099-000001" and (.c.jvn.title | contains("境界外書き込み"))'
    printf '<rdf:RDF><item><title>x</title>' >"$BATS_TEST_TMPDIR/bad.xml"
    run "$TENKEN" kb import jvn "$BATS_TEST_TMPDIR/bad.xml" --kb "$KB"
    [ "$status" -eq 3 ]
    [[ "$output" == *"bad.xml:"* ]]
}

@test "OSV: Debian packages judged by source package and version, from a directory or a ZIP" {
    test_kb
    example_root
    run "$TENKEN" kb import osv "$DATA/osv" --kb "$KB"
    [ "$status" -eq 0 ]
    "$TENKEN" scan --root "$ROOT" --out "$OUT" --no-progress --kb "$KB" >/dev/null
    cve CVE-2099-0100 | jq -e '.c.basis == "osv" and .v.product.name == "glibc" and .c.update_to == "2.36-9+deb12u5" and .f.id == "TK-VULN-PKG-GLIBC"'
    [ -z "$(cve CVE-2099-0101)" ]           # fixed in deb12u3, installed deb12u4
    (cd "$DATA/osv" && "$PYTHON" -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w"); [z.write(f) for f in sys.argv[2:]]' "$BATS_TEST_TMPDIR/all.zip" *.json)
    test_kb
    run "$TENKEN" kb import osv "$BATS_TEST_TMPDIR/all.zip" --kb "$KB" --format json
    [ "$status" -eq 0 ]
    echo "$output" | jq -e '.records == 2'
}

@test "KEV: importing the real catalog reports the count it declares; a broken copy changes nothing" {
    kev="$SRCDIR/../shared/data/known_exploited_vulnerabilities.json"
    [ -f "$kev" ] || skip "../shared/data is not present"
    test_kb
    declared=$(jq .count "$kev")
    run "$TENKEN" kb import kev "$kev" --kb "$KB" --format json
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | jq .records)" = "$declared" ]
    [ "$("$TENKEN" kb info --kb "$KB" --format json | jq .counts.kev)" = "$declared" ]
    jq '.count += 1' "$kev" >"$BATS_TEST_TMPDIR/kev.json"
    run "$TENKEN" kb import kev "$BATS_TEST_TMPDIR/kev.json" --kb "$KB"
    [ "$status" -eq 3 ]
    [[ "$output" == *"declares"* ]]
    [ "$("$TENKEN" kb info --kb "$KB" --format json | jq .counts.kev)" = "$declared" ]
}

@test "KEV: a minimal catalog in the documented format imports" {
    test_kb
    printf '{"title":"t","catalogVersion":"2099.01.01","dateReleased":"2099-01-01T00:00:00Z","count":1,"vulnerabilities":[{"cveID":"CVE-2099-0001","vendorProject":"Example ","product":"Tool","vulnerabilityName":"n","dateAdded":"2099-01-02","shortDescription":"s","requiredAction":"r","dueDate":"2099-01-23","knownRansomwareCampaignUse":"Unknown","notes":"","cwes":[]}]}' >"$BATS_TEST_TMPDIR/kev.json"
    run "$TENKEN" kb import kev "$BATS_TEST_TMPDIR/kev.json" --kb "$KB"
    [ "$status" -eq 0 ]
    "$TENKEN" kb search CVE-2099-0001 --kb "$KB" --format json | jq -e '.kev[0].date_added == "2099-01-02"'
}

@test "import without --kb creates the default KB from the built-in one" {
    # a failed first import leaves no KB behind (it would be chosen over newer built-in ones)
    run "$TENKEN" kb import epss "$BATS_TEST_TMPDIR/missing.csv"
    [ "$status" -eq 3 ]
    [[ "$output" == *"removed again"* ]]
    [ -z "$(ls -A "$XDG_DATA_HOME/tenken" 2>/dev/null)" ]
    run "$TENKEN" kb import epss "$DATA/epss-sample.csv"
    [ "$status" -eq 0 ]
    [ -f "$XDG_DATA_HOME/tenken/kb.sqlite" ]
    "$TENKEN" kb info --format json | jq -e --arg p "$XDG_DATA_HOME/tenken/kb.sqlite" '.kb == $p and .counts.curated > 100 and .counts.epss == 2'
}

@test "kb search: by CVE and by product" {
    run "$TENKEN" kb search CVE-2023-7024
    [ "$status" -eq 0 ]
    [[ "$output" == *"google-chrome"* ]]
    [[ "$output" == *"2024-01-02"* ]]
    run "$TENKEN" kb search chrome --format json
    echo "$output" | jq -e '[.product[].id] | index("google-chrome") != null'
    run "$TENKEN" kb search CVE-1999-99999
    [[ "$output" == *"nothing found"* ]]
}

@test "usage errors of kb" {
    run "$TENKEN" kb
    [ "$status" -eq 2 ]
    run "$TENKEN" kb import frob x
    [ "$status" -eq 2 ]
    run "$TENKEN" kb import nvd /nonexistent --kb "$KB"
    [ "$status" -eq 3 ]
    run "$TENKEN" kb info --kb /nonexistent/kb.sqlite
    [ "$status" -eq 3 ]
}

@test "analyze: re-judges a saved bundle with another KB; a damaged bundle names the place" {
    test_kb
    example_root
    "$TENKEN" scan --root "$ROOT" --out "$OUT" --no-progress --kb "$KB" >/dev/null
    [ -z "$(cve CVE-2099-0001)" ]
    "$TENKEN" kb import nvd "$DATA/nvd-sample.json" --kb "$KB" >/dev/null
    run "$TENKEN" analyze --kb "$KB" --format json "$OUT"
    [ "$status" -eq 0 ]
    echo "$output" | jq -e '[.findings[].vulnerability.cves[]? | select(.cve == "CVE-2099-0001")] | length == 1'
    jq '.inventory[0].name = 42' "$OUT" >"$BATS_TEST_TMPDIR/bad.json"
    run "$TENKEN" analyze --kb "$KB" "$BATS_TEST_TMPDIR/bad.json" "$OUT"
    [ "$status" -eq 3 ]
    [[ "$output" == *"bad.json: /inventory/0/name: expected a string"* ]]
    [[ "$output" == *"CVE-2099-0001"* ]]       # the good bundle was still judged
}

@test "life cycle: outdated within a line, unsupported line" {
    test_kb
    example_root
    "$TENKEN" scan --root "$ROOT" --out "$OUT" --no-progress --kb "$KB" >/dev/null
    jq -e '.findings[] | select(.id == "TK-VULN-OUTDATED") | .vulnerability.latest == "2.9.0"' "$OUT"
    sed -i 's/Version: 2.4.1-1/Version: 1.5-1/' "$ROOT/var/lib/dpkg/status"
    "$TENKEN" scan --root "$ROOT" --out "$OUT" --no-progress --kb "$KB" >/dev/null
    jq -e '.findings[] | select(.id == "TK-VULN-UNSUPPORTED") | .severity == "medium" and .vulnerability.eol == "2020-06-30"' "$OUT"
}

@test "suppressions: a known-bad NVD entry is not reported for the product it names" {
    cp -r "$DATA/data" "$BATS_TEST_TMPDIR/data"
    printf 'cve: CVE-2099-0003\nproduct: example-tool\nreason: fictional wildcard entry\nsource: https://example.invalid/\n' >"$BATS_TEST_TMPDIR/data/suppress.txt"
    "$TENKEN" kb build "$BATS_TEST_TMPDIR/data" "$KB" >/dev/null
    example_root
    "$TENKEN" kb import nvd "$DATA/nvd-sample.json" --kb "$KB" >/dev/null
    "$TENKEN" scan --root "$ROOT" --out "$OUT" --no-progress --kb "$KB" >/dev/null
    [ -z "$(cve CVE-2099-0003)" ]
    [ -n "$(cve CVE-2099-0001)" ]
    printf 'cve: CVE-2099-0003\nproduct: nobody\nreason: r\nsource: s\n' >"$BATS_TEST_TMPDIR/data/suppress.txt"
    run "$TENKEN" kb check-data "$BATS_TEST_TMPDIR/data"
    [ "$status" -eq 3 ]
    [[ "$output" == *"suppress.txt:1: unknown product"* ]]
}

@test "rpm: packages read from rpmdb.sqlite without touching it, judged by Rocky Linux advisories" {
    command -v rpmbuild >/dev/null && command -v rpm >/dev/null || skip "rpm and rpmbuild are not installed"
    T="$BATS_TEST_TMPDIR/rpm"
    mkdir -p "$T/top" "$ROOT/etc"
    printf 'Name: tkhello\nVersion: 1.2.3\nRelease: 4\nSummary: t\nLicense: MIT\nBuildArch: noarch\nVendor: Test\n%%description\nt\n%%files\n' >"$T/tkhello.spec"
    rpmbuild --define "_topdir $T/top" -bb "$T/tkhello.spec" >/dev/null 2>&1
    rpm --root "$ROOT" --dbpath /var/lib/rpm --initdb 2>/dev/null
    rpm --root "$ROOT" --dbpath /var/lib/rpm -i --nodeps --justdb "$T"/top/RPMS/noarch/*.rpm 2>/dev/null
    [ -f "$ROOT/var/lib/rpm/rpmdb.sqlite" ]
    printf 'ID="rocky"\nVERSION_ID="9.2"\n' >"$ROOT/etc/os-release"
    rm -f "$ROOT"/var/lib/rpm/rpmdb.sqlite-shm "$ROOT"/var/lib/rpm/rpmdb.sqlite-wal
    before=$(ls -la --time-style=full-iso "$ROOT/var/lib/rpm")
    mkdir -p "$T/osv"
    printf '{"id":"RLSA-2099:0001","modified":"2099-01-01T00:00:00Z","aliases":["CVE-2099-0200"],"affected":[{"package":{"ecosystem":"Rocky Linux:9","name":"tkhello"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2.3-5.el9"}]}]}]}' >"$T/osv/a.json"
    test_kb
    "$TENKEN" kb import osv "$T/osv" --kb "$KB" >/dev/null
    run "$TENKEN" scan --root "$ROOT" --out "$OUT" --no-progress --kb "$KB"
    [ "$status" -eq 0 ]
    validate "$OUT"
    jq -e '.inventory[] | select(.source == "rpm" and .name == "tkhello" and .version == "1.2.3-4" and .source_package == "tkhello" and .source_version == "1.2.3-4")' "$OUT"
    cve CVE-2099-0200 | jq -e '.c.basis == "osv" and .c.update_to == "1.2.3-5.el9"'
    [ "$(ls -la --time-style=full-iso "$ROOT/var/lib/rpm")" = "$before" ]
}

@test "KEV coverage: a catalogued KEV entry without a vuln stanza is refused, kev-not excuses it" {
    cp -r "$SRCDIR/data" "$BATS_TEST_TMPDIR/data"
    local d="$BATS_TEST_TMPDIR/data"
    # Drop Chrome's stanza for CVE-2023-7024 (KEV "Google | Chromium WebRTC").
    awk 'BEGIN { RS = ""; ORS = "\n\n" } !(/cve: CVE-2023-7024\n/ && /product: google-chrome\n/)' \
        "$SRCDIR/data/vulns/browsers.txt" >"$d/vulns/browsers.txt"
    run "$TENKEN" kb check-data "$d"
    [ "$status" -eq 3 ]
    [[ "$output" == *"without a vuln stanza: google-chrome CVE-2023-7024"* ]]
    sed -i 's/^kev: WebRTC | WebRTC$/&\nkev-not: Google | Chromium WebRTC/' "$d/catalog/browsers.txt"
    run "$TENKEN" kb check-data "$d"
    [ "$status" -eq 0 ]
}

@test "affected: none records a checked product that is not affected" {
    cp -r "$SRCDIR/data" "$BATS_TEST_TMPDIR/data"
    local d="$BATS_TEST_TMPDIR/data"
    printf '\ncve: CVE-2099-0001\nproduct: google-chrome\naffected: none\nfixed: 1.0\nsource: x\n' >"$d/vulns/zz.txt"
    run "$TENKEN" kb check-data "$d"
    [ "$status" -eq 3 ]
    [[ "$output" == *'"affected: none" stands alone'* ]]
    printf '\ncve: CVE-2099-0001\nproduct: google-chrome\naffected: none\nsource: x\n' >"$d/vulns/zz.txt"
    run "$TENKEN" kb check-data "$d"
    [ "$status" -eq 0 ]
}
