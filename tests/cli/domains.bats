#!/usr/bin/env bats
# `tenken domains permute BRAND...`: lookalike candidates as a list, CSV or JSON, a subset of
# algorithms, an output file, word and suffix files, and brands that are not domains.

load helpers

setup() {
    T=$BATS_TEST_TMPDIR
}

@test "permute: a list of punycode names, each once, the brand itself left out" {
    "$TENKEN" domains permute zoom.us >"$T/out" 2>"$T/err"
    grep -qx 'zom.us' "$T/out"
    grep -qx 'z00m.us' "$T/out"
    grep -qx 'zoorn.us' "$T/out"
    grep -qx 'zoom-us.com' "$T/out"
    grep -q '^xn--' "$T/out"
    ! grep -qx 'zoom.us' "$T/out"
    [ -z "$(sort "$T/out" | uniq -d)" ]
    ! grep -v '^[a-z0-9.-]*$' "$T/out"
    [ "$(grep -c . "$T/out")" -gt 1000 ]
    grep -q '1 brand(s), [0-9]* candidates' "$T/err"
}

@test "permute: CSV has the brand, the algorithm, punycode and Unicode, all quoted" {
    "$TENKEN" domains permute zoom.us paypal.com --format csv >"$T/out.csv" 2>/dev/null
    [ "$(head -n 1 "$T/out.csv")" = "brand,algorithm,domain,unicode" ]
    grep -qx '"zoom.us","omission","zom.us","zom.us"' "$T/out.csv"
    grep -qx '"paypal.com","homoglyph","xn--pypal-0jc.com","pɑypal.com"' "$T/out.csv"
    grep -qx '"paypal.com","homoglyph","paypa1.com","paypa1.com"' "$T/out.csv"
    # the Unicode column is the punycode decoded, and every row has four fields
    "$PYTHON" - "$T/out.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
assert rows[0] == ["brand", "algorithm", "domain", "unicode"], rows[0]
brands = set()
for brand, algo, domain, uni in rows[1:]:
    brands.add(brand)
    if domain == uni:
        assert "xn--" not in domain, domain
    else:
        assert domain.encode().decode("idna") == uni, (domain, uni)
assert brands == {"zoom.us", "paypal.com"}, brands
PY
}

@test "permute: JSON is an array of objects, one a line" {
    "$TENKEN" domains permute zoom.us --format json >"$T/out.json" 2>/dev/null
    jq -e 'type == "array" and length > 1000 and
        all(.[]; (keys == ["algorithm", "brand", "domain", "unicode"]) and .brand == "zoom.us")' \
        "$T/out.json"
    jq -e 'map(select(.domain == "zom.us")) == [{"brand":"zoom.us","algorithm":"omission","domain":"zom.us","unicode":"zom.us"}]' \
        "$T/out.json"
    [ "$(head -n 1 "$T/out.json")" = "[" ]
    [ "$(tail -n 1 "$T/out.json")" = "]" ]
    [ "$(grep -c '^{.*},\{0,1\}$' "$T/out.json")" -gt 1000 ]
}

@test "permute: --algorithms picks a subset; an unknown name lists the names" {
    run "$TENKEN" domains permute zoom.us --algorithms omission,vowel-swap --format csv
    [ "$status" -eq 0 ]
    [ "$(grep -c '"omission"' <<<"$output")" -eq 3 ]
    [ "$(grep -c '"vowel-swap"' <<<"$output")" -eq 8 ]
    [ "$(grep -c '^"' <<<"$output")" -eq 11 ]
    run "$TENKEN" domains permute zoom.us --algorithms omission,typo
    [ "$status" -eq 2 ]
    [[ "$output" =~ unknown\ algorithm\ \'typo\' ]]
    [[ "$output" =~ addition,\ bitsquatting,\ cyrillic,\ homoglyph ]]
    [[ "$output" =~ tld-swap,\ various ]]
}

@test "permute: -o writes the file atomically and nothing to standard output" {
    "$TENKEN" domains permute zoom.us >"$T/direct" 2>/dev/null
    mkdir "$T/d"
    run "$TENKEN" domains permute zoom.us -o "$T/d/out.txt"
    [ "$status" -eq 0 ]
    ! grep -q '^zom.us' <<<"$output"
    cmp "$T/direct" "$T/d/out.txt"
    [ "$(ls "$T/d")" = "out.txt" ]
    # a directory that does not exist: an error, nothing left behind
    run "$TENKEN" domains permute zoom.us -o "$T/missing/out.txt"
    [ "$status" -eq 3 ]
    [ ! -e "$T/missing" ]
}

@test "permute: a brand that is not a domain is named, nothing is written, exit 2" {
    for bad in 'not a domain' 'zoom..us' 'co.jp' 'bad-.com' $'\xff\xfe.com' 'xn--zz.com' \
        '192.168.0.1' 'localhost' ''; do
        run "$TENKEN" domains permute zoom.us "$bad" --format csv
        echo "$bad: $output"
        [ "$status" -eq 2 ]
        [[ "$output" =~ is\ not\ a\ brand\ domain ]]
        ! grep -q '"zoom.us"' <<<"$output"
    done
    run "$TENKEN" domains permute
    [ "$status" -eq 2 ]
    [[ "$output" =~ at\ least\ one\ BRAND ]]
}

@test "permute: a gigantic argument is refused quickly and quoted short" {
    big=$(head -c 100000 /dev/zero | tr '\0' 'a')
    run timeout 10 "$TENKEN" domains permute "$big.com"
    [ "$status" -eq 2 ]
    [ "${#output}" -lt 600 ]
    [[ "$output" =~ aaaa\.\.\. ]]
    # a long but valid name: 63-letter labels
    l63=$(head -c 63 /dev/zero | tr '\0' 'o')
    run timeout 20 "$TENKEN" domains permute "$l63.$l63.com" --format list
    [ "$status" -eq 0 ]
}

@test "permute: Unicode brands, subdomains and suffixes put back" {
    "$TENKEN" domains permute 'göogle.com' www.mizuhobank.co.jp --format csv >"$T/out.csv" \
        2>/dev/null
    grep -qx '"xn--gogle-jua.com","omission","xn--ggle-5qa.com","gögle.com"' "$T/out.csv"
    grep -qx '"xn--gogle-jua.com","omission","gogle.com","gogle.com"' "$T/out.csv"
    grep -qx '"www.mizuhobank.co.jp","omission","www.mizuhoban.co.jp","www.mizuhoban.co.jp"' \
        "$T/out.csv"
    grep -qx '"www.mizuhobank.co.jp","tld-swap","www.mizuhobank.jp","www.mizuhobank.jp"' \
        "$T/out.csv"
    grep -qx '"www.mizuhobank.co.jp","various","wwwmizuhobank.co.jp","wwwmizuhobank.co.jp"' \
        "$T/out.csv"
}

@test "permute: word and suffix files; unusable lines are counted, a missing file is an error" {
    printf '# phishing words\n// also a comment\nlogin\n\nSecure\nbad word\n%s\n' \
        "$(head -c 100 /dev/zero | tr '\0' 'x')" >"$T/words"
    printf 'com\n.co.jp\n123\n' >"$T/tlds"
    "$TENKEN" domains permute zoom.us --dictionary "$T/words" --tld "$T/tlds" \
        --algorithms dictionary,tld-swap >"$T/out" 2>"$T/err"
    grep -qx 'zoom-login.us' "$T/out"
    grep -qx 'securezoom.us' "$T/out"
    grep -qx 'zoom.co.jp' "$T/out"
    grep -qx 'zoom.com' "$T/out"
    [ "$(wc -l <"$T/out")" -eq 10 ]
    grep -q '2 lines are not usable words' "$T/err"
    grep -q '1 lines are not usable suffixes' "$T/err"
    run "$TENKEN" domains permute zoom.us --dictionary "$T/nowhere"
    [ "$status" -eq 3 ]
    [[ "$output" =~ nowhere ]]
    # the dnstwist package's own files, when installed
    if [ -r /usr/share/dnstwist/dictionaries/english.dict ]; then
        run "$TENKEN" domains permute zoom.us --algorithms dictionary,tld-swap \
            --dictionary /usr/share/dnstwist/dictionaries/english.dict \
            --tld /usr/share/dnstwist/dictionaries/common_tlds.dict
        [ "$status" -eq 0 ]
        grep -qx 'zoom-login.us' <<<"$output"
        grep -qx 'zoom.net' <<<"$output"
    fi
}

@test "permute: options of domains watch are refused" {
    run "$TENKEN" domains permute zoom.us --threshold 70
    [ "$status" -eq 2 ]
    [[ "$output" =~ --threshold\ is\ an\ option\ of\ \'domains\ watch\' ]]
    run "$TENKEN" domains permute zoom.us --format jsonl
    [ "$status" -eq 2 ]
}

@test "permute: several brands come out in their order, a repeated one once" {
    "$TENKEN" domains permute zoom.us paypal.com zoom.us mufg.jp --format csv >"$T/out.csv" \
        2>"$T/err"
    [ "$(cut -d, -f1 "$T/out.csv" | uniq | tr '\n' ' ')" = 'brand "zoom.us" "paypal.com" "mufg.jp" ' ]
    n=$("$TENKEN" domains permute zoom.us 2>/dev/null | wc -l)
    [ "$(grep -c '^"zoom.us"' "$T/out.csv")" -eq "$n" ]
    grep -q '4 brand(s)' "$T/err"
}
