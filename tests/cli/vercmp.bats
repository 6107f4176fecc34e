#!/usr/bin/env bats
# tenken version-compare: answers and usage errors, the --batch mode, garbage input, and
# agreement with the reference tools on a generated corpus: dpkg --compare-versions for the
# dpkg scheme (always), rpm's own rpm.vercmp for the rpm scheme (when rpm is installed).

load helpers

GEN="$SRCDIR/tests/tools/gen-version-pairs.py"

@test "version-compare prints <, = or > under each scheme" {
    while read -r scheme a b want; do
        run "$TENKEN" version-compare --scheme "$scheme" "$a" "$b"
        [ "$status" -eq 0 ] || { echo "$scheme $a $b: status $status: $output"; false; }
        [ "$output" = "$want" ] || { echo "$scheme $a $b: got '$output', want '$want'"; false; }
    done <<'EOF'
dpkg 1.0~rc1 1.0 <
dpkg 1:0.9 2.0 >
dpkg 0:1.0 1.0 =
dpkg 1.0 1.0-0 =
dpkg 2.0-1 2.0-1~bpo12+1 >
dpkg 3.0.11-1~deb12u2 3.0.11-1 <
rpm 1.0^git1 1.0 >
rpm 1.0^git1 1.0.1 <
rpm 1.0-1.el9 1.0-1.el9_2 <
rpm 2.0.1 2.0_1 =
semver 1.0.0-alpha.1 1.0.0-alpha.beta <
semver 1.0.0-rc.1 1.0.0 <
semver v1.2.3+build.7 1.2.3 =
dotted 1.0 1.0.0 =
dotted 115.5.0esr 115.5.0 >
dotted 120.0b9 120.0 <
ext 1.2.0 1.1.9.9999 >
chromium 120.0.6099.129 120.0.6099.109 >
panos 10.2.9 10.2.9-h1 <
panos 10.2.9-h1 10.2.10 <
ivanti 22.7R2.5 22.7R2.10 <
ivanti 9.1R18.2 22.7R1 <
netscaler 13.1-49.15 13.1-49.9 >
fortios 7.2.10 7.2.5 >
bigip 17.1.0.3 17.1.0 >
sonicwall 10.2.1.14-81sv 10.2.1.14-9sv >
cisco-asa 9.16(4)38 9.16.4.38 =
checkpoint R81.20 R81.10 >
junos 20.4R3-S8 20.4R3-S10 <
fireware 12.5.9_U2 12.5.9 >
zyxel-zld 4.73p1 4.74 <
sophos-utm 9.607-7 9.607-10 <
EOF
}

@test "version-compare: a version with a blank, and one starting with a dash after --" {
    run "$TENKEN" version-compare --scheme dotted "5.17.11 (34827)" 5.17.11
    [ "$status" -eq 0 ]
    [ "$output" = ">" ]
    run "$TENKEN" version-compare --scheme rpm -- -1 1
    [ "$status" -eq 0 ]
    [ "$output" = "<" ]
    run "$TENKEN" version-compare --scheme=semver "" 0.0.0
    [ "$status" -eq 0 ]
    [ "$output" = "<" ]
}

@test "version-compare usage errors exit 2 and say what is wrong" {
    run "$TENKEN" version-compare 1.0 2.0
    [ "$status" -eq 2 ]
    [[ "$output" == *"--scheme is required (one of dotted, semver, dpkg, rpm,"* ]]
    run "$TENKEN" version-compare --scheme debian 1.0 2.0
    [ "$status" -eq 2 ]
    [[ "$output" == *"--scheme must be one of"*"not 'debian'"* ]]
    run "$TENKEN" version-compare --scheme dpkg 1.0
    [ "$status" -eq 2 ]
    [[ "$output" == *"expected two versions A and B, got 1 argument"* ]]
    run "$TENKEN" version-compare --scheme dpkg 1 2 3
    [ "$status" -eq 2 ]
    [[ "$output" == *"got 3 arguments"* ]]
    run "$TENKEN" version-compare --scheme dpkg --batch 1 2
    [ "$status" -eq 2 ]
    [[ "$output" == *"--batch reads versions from standard input, not '1'"* ]]
    run "$TENKEN" version-compare --scheme
    [ "$status" -eq 2 ]
    [[ "$output" == *"needs a value"* ]]
    run "$TENKEN" version-compare --scheme dpkg -1 1
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown option -1"* ]]
    run "$TENKEN" version-compare --bogus
    [ "$status" -eq 2 ]
}

@test "version-compare --help and the man page document every scheme" {
    run "$TENKEN" version-compare --help
    [ "$status" -eq 0 ]
    [[ "$output" == "usage: tenken version-compare --scheme SCHEME [--batch] [A B]"* ]]
    man=$("$TENKEN" help --man)
    for s in dpkg rpm semver dotted ext chromium panos ivanti netscaler checkpoint junos \
        fortios bigip sonicwall fireware zyxel-zld cisco-asa sophos-utm; do
        [[ "$output" == *"$s"* ]] || { echo "help lacks $s"; false; }
        grep -q -- "${s//-/\\\\-}" <<<"$man" || { echo "man page lacks $s"; false; }
    done
    grep -q '^\.SS tenken version-compare$' <<<"$man"
}

@test "version-compare --batch prints one result per input line" {
    printf '1.0 1.0\n1.0~rc1\t1.0\r\n  2.0   1.0  \n' >"$BATS_TEST_TMPDIR/in"
    run "$TENKEN" version-compare --scheme dpkg --batch <"$BATS_TEST_TMPDIR/in"
    [ "$status" -eq 0 ]
    [ "$output" = $'=\n<\n>' ]
    run "$TENKEN" version-compare --scheme dpkg --batch </dev/null
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    # A last line without a newline still counts.
    run "$TENKEN" version-compare --scheme semver --batch < <(printf '1.0.0 2.0.0')
    [ "$status" -eq 0 ]
    [ "$output" = "<" ]
}

@test "version-compare --batch stops at a malformed line with status 3" {
    printf '1 2\n1 2 3\n4 5\n' >"$BATS_TEST_TMPDIR/in"
    # The answers before the bad line on stdout, nothing after it; the error on stderr.
    run sh -c '"$0" version-compare --scheme dotted --batch <"$1" 2>"$2"' "$TENKEN" \
        "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/err"
    [ "$status" -eq 3 ]
    [ "$output" = "<" ]
    grep -q "stdin:2: expected two versions separated by blanks" "$BATS_TEST_TMPDIR/err"
    run "$TENKEN" version-compare --scheme dotted --batch < <(printf '1 2\n\n')
    [ "$status" -eq 3 ]
    [[ "$output" == *"stdin:2:"* ]]
    head -c 70000 /dev/zero | tr '\0' 9 >"$BATS_TEST_TMPDIR/long"
    run "$TENKEN" version-compare --scheme dotted --batch <"$BATS_TEST_TMPDIR/long"
    [ "$status" -eq 3 ]
    [[ "$output" == *"stdin:1: line longer than 65536 bytes"* ]]
}

@test "garbage bytes compare under every scheme, and the same both ways round" {
    "$PYTHON" - "$BATS_TEST_TMPDIR" <<'PY'
import random, sys
r = random.Random(7)
blank = set(b" \t\n\r\v\f")
def word():
    w = bytes(r.randrange(256) for _ in range(r.randrange(1, 24)))
    return bytes(c for c in w if c not in blank) or b"x"
with open(sys.argv[1] + "/fwd", "wb") as f, open(sys.argv[1] + "/rev", "wb") as g:
    for _ in range(3000):
        a, b = word(), word()
        f.write(a + b" " + b + b"\n")
        g.write(b + b" " + a + b"\n")
PY
    local d=$BATS_TEST_TMPDIR
    for s in dpkg rpm semver dotted ext chromium panos ivanti netscaler checkpoint junos \
        fortios bigip sonicwall fireware zyxel-zld cisco-asa sophos-utm; do
        "$TENKEN" version-compare --scheme "$s" --batch <"$d/fwd" >"$d/a"
        "$TENKEN" version-compare --scheme "$s" --batch <"$d/rev" >"$d/b"
        [ "$(wc -l <"$d/a")" -eq 3000 ]
        bad=$(paste "$d/a" "$d/b" | awk '!(($1 == "<" && $2 == ">") ||
            ($1 == ">" && $2 == "<") || ($1 == "=" && $2 == "="))' | wc -l)
        [ "$bad" -eq 0 ] || { echo "$s: $bad pairs not antisymmetric"; false; }
    done
}

# dpkg's answer for each "A B" line of its input: <, =, >, or E when dpkg refused a version.
dpkg_answers() {
    local a b rc
    while read -r a b; do
        if dpkg --compare-versions -- "$a" lt "$b" 2>/dev/null; then
            echo "<"
            continue
        else
            rc=$?
        fi
        if [ "$rc" -ne 1 ]; then
            echo E
        elif dpkg --compare-versions -- "$a" eq "$b" 2>/dev/null; then
            echo "="
        else
            echo ">"
        fi
    done
}

# Compares tenken's answers with a reference, line by line; prints the summary on fd 3.
agree() {
    local name=$1 pairs=$2 ref=$3 ours=$4 n d
    n=$(wc -l <"$pairs")
    [ "$(wc -l <"$ref")" -eq "$n" ] ||
        { echo "$name: the reference gave $(wc -l <"$ref") answers for $n pairs"; false; }
    [ "$(wc -l <"$ours")" -eq "$n" ] ||
        { echo "$name: tenken gave $(wc -l <"$ours") answers for $n pairs"; false; }
    if grep -q E "$ref"; then
        echo "$name: the reference refused some versions:"
        paste -d' ' "$pairs" "$ref" | grep ' E$' | head -5
        false
    fi
    d=$(paste -d' ' "$ref" "$ours" | awk '$1 != $2' | wc -l)
    echo "# $name: compared $n pairs with the reference, $d disagreements" >&3
    if [ "$d" -ne 0 ]; then
        echo "$name: $d disagreements (pair, reference, tenken):"
        paste -d' ' "$pairs" "$ref" "$ours" | awk '$3 != $4' | head -20
        false
    fi
}

@test "the dpkg scheme agrees with dpkg --compare-versions on 10,000+ generated pairs" {
    command -v dpkg >/dev/null || skip "dpkg is not installed"
    local dir=$BATS_TEST_TMPDIR
    "$PYTHON" "$GEN" --scheme dpkg --count 10000 >"$dir/pairs"
    [ "$(wc -l <"$dir/pairs")" -ge 10000 ]
    # dpkg runs once or twice per pair: spread the pairs over all processors.
    split -n "l/$(nproc)" -d -a 3 "$dir/pairs" "$dir/part."
    for p in "$dir"/part.???; do
        LC_ALL=C dpkg_answers <"$p" >"$p.ref" &
    done
    wait
    cat "$dir"/part.???.ref >"$dir/ref"
    "$TENKEN" version-compare --scheme dpkg --batch <"$dir/pairs" >"$dir/ours"
    agree dpkg "$dir/pairs" "$dir/ref" "$dir/ours"
}

@test "the rpm scheme agrees with rpm on 10,000+ generated pairs" {
    command -v rpm >/dev/null || skip "rpm is not installed"
    [ "$(rpm --eval '%{lua: print(rpm.vercmp("1.0", "1.0^1"))}' 2>/dev/null)" = "-1" ] ||
        skip "this rpm has no Lua rpm.vercmp"
    local dir=$BATS_TEST_TMPDIR
    "$PYTHON" "$GEN" --scheme rpm --count 10000 >"$dir/pairs"
    cat >"$dir/cmp.lua" <<'LUA'
local sym = { [-1] = "<", [0] = "=", [1] = ">" }
for line in io.lines(PAIRS) do
    local a, b = line:match("^(%S+) (%S+)$")
    local ok, r = pcall(rpm.vercmp, a, b)
    io.write((ok and sym[r] or "E") .. "\n")
end
LUA
    # rpm --eval ends its output with an empty line of its own.
    rpm --eval "%{lua: PAIRS = '$dir/pairs'; dofile('$dir/cmp.lua')}" | sed '/^$/d' >"$dir/ref"
    "$TENKEN" version-compare --scheme rpm --batch <"$dir/pairs" >"$dir/ours"
    agree rpm "$dir/pairs" "$dir/ref" "$dir/ours"
}
