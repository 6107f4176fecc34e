#!/usr/bin/env bats
# The command-line surface: dispatch, help, man page, version, usage errors, exit codes.

load helpers

@test "no command prints the overview and exits 2" {
    run "$TENKEN"
    [ "$status" -eq 2 ]
    [[ "$output" == *"usage: tenken COMMAND"* ]]
}

@test "unknown command is a usage error naming it" {
    run "$TENKEN" frobnicate
    [ "$status" -eq 2 ]
    [[ "$output" == *"'frobnicate' is not a tenken command"* ]]
}

@test "tenken help lists every command" {
    run "$TENKEN" help
    [ "$status" -eq 0 ]
    for c in scan version help; do
        [[ "$output" == *"  $c "* ]]
    done
}

@test "tenken COMMAND --help and tenken help COMMAND print the same text" {
    a=$("$TENKEN" scan --help)
    b=$("$TENKEN" help scan)
    [ "$a" = "$b" ]
    [[ "$a" == *"--fail-on SEVERITY"* ]]
    [[ "$a" == *"Exit status:"* ]]
}

@test "every command's --help prints its usage, exits 0 and does nothing else" {
    # serve, reanalyze and report once went on to their work after printing the help
    home=$BATS_TEST_TMPDIR/home
    mkdir "$home"
    cmds=$("$TENKEN" help | awk '/^Commands:/ { f = 1; next } /^$/ { f = 0 } f { print $1 }')
    [ "$(wc -w <<<"$cmds")" -ge 15 ]
    for c in $cmds; do
        run env HOME="$home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" \
            XDG_CACHE_HOME="$home/cache" timeout 20 "$TENKEN" "$c" --help </dev/null
        [ "$status" -eq 0 ] || { echo "$c: exit $status"; false; }
        [[ "${lines[0]}" == "usage: tenken $c"* ]] || { echo "$c: ${lines[0]}"; false; }
        [[ "${lines[-1]}" == "  4  "* ]] || { echo "$c: ends with ${lines[-1]}"; false; }
    done
    [ -z "$(ls -A "$home")" ]
}

@test "the overview lines up every command's summary; help takes one command" {
    run "$TENKEN" help scan extra
    [ "$status" -eq 2 ]
    run "$TENKEN" help --man scan
    [ "$status" -eq 2 ]
    run "$TENKEN" help
    [[ "$output" == *"  version-compare  Compare"* ]]
    [[ "$output" == *"  scan             Inventory"* ]]
}

@test "every option in --help appears in the man page" {
    man=$("$TENKEN" help --man)
    for opt in $("$TENKEN" scan --help | grep -oE -- '--[a-z-]+' | sort -u); do
        esc=${opt//-/\\\\-}
        grep -q -- "$esc" <<<"$man" || { echo "missing $opt"; false; }
    done
}

@test "the man page renders and documents the exit codes" {
    "$TENKEN" help --man >"$BATS_TEST_TMPDIR/tenken.1"
    run env MANWIDTH=100 man -l "$BATS_TEST_TMPDIR/tenken.1"
    if [ "$status" -eq 127 ]; then skip "man is not installed"; fi
    [ "$status" -eq 0 ]
    [[ "$output" == *"EXIT STATUS"* ]]
    [[ "$output" == *"--fail-on"* ]]
}

@test "the committed man page is up to date" {
    diff <("$TENKEN" help --man) "$SRCDIR/docs/man/tenken.1"
}

@test "tenken version and --version" {
    run "$TENKEN" version
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^tenken\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
    run "$TENKEN" --version
    [[ "$output" =~ ^tenken\ [0-9] ]]
}

@test "unknown option, missing value and bad values exit 2 with a clear message" {
    run "$TENKEN" scan --bogus
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown option --bogus"* ]]
    run "$TENKEN" scan --out
    [ "$status" -eq 2 ]
    [[ "$output" == *"needs a value"* ]]
    run "$TENKEN" scan --fail-on severe
    [ "$status" -eq 2 ]
    [[ "$output" == *"--fail-on must be"* ]]
    run "$TENKEN" scan --format xml
    [ "$status" -eq 2 ]
    run "$TENKEN" scan --log-format yaml
    [ "$status" -eq 2 ]
    run "$TENKEN" scan extra-arg
    [ "$status" -eq 2 ]
}

@test "--log-format json turns errors into JSON lines" {
    run "$TENKEN" scan --log-format json --root /nonexistent-root-dir --out "$BATS_TEST_TMPDIR/x.json"
    [ "$status" -eq 3 ]
    line=$(printf '%s\n' "$output" | tail -n 1)
    echo "$line" | jq -e '.level == "error" and (.msg | contains("/nonexistent-root-dir"))'
}

@test "a root that cannot be opened is a runtime error (3) and writes no bundle" {
    run "$TENKEN" scan --root /nonexistent-root-dir --out "$BATS_TEST_TMPDIR/x.json"
    [ "$status" -eq 3 ]
    [[ "$output" == *"/nonexistent-root-dir"* ]]
    [ ! -e "$BATS_TEST_TMPDIR/x.json" ]
}

@test "an unwritable output path is a runtime error (3) naming the path" {
    run "$TENKEN" scan --root "$BATS_TEST_TMPDIR" --out /nonexistent-dir/b.json
    [ "$status" -eq 3 ]
    [[ "$output" == *"/nonexistent-dir/b.json"* ]]
}

@test "lint: no banned libc calls and no shelling out in src/" {
    # Unbounded string functions, and system()/popen(): the collector never runs programs.
    run grep -rnE --include='*.[ch]' '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|system|popen)\(' "$SRCDIR/src"
    [ "$status" -eq 1 ]
}

@test "lint: _WIN32 appears only under src/compat" {
    run grep -rln '_WIN32' "$SRCDIR/src" --exclude-dir=compat
    [ "$status" -eq 1 ]
}

@test "the finding catalog generator refuses a malformed catalog with file:line" {
    printf 'id: TK-X\nseverity: huge\ncategory: exposure\ntitle.en: a\ntitle.ja: b\nremediation.en: c\nremediation.ja: d\n' >"$BATS_TEST_TMPDIR/bad.txt"
    run "$PYTHON" "$SRCDIR/scripts/gen-findings.py" "$BATS_TEST_TMPDIR/bad.txt" "$BATS_TEST_TMPDIR/h" "$BATS_TEST_TMPDIR/c"
    [ "$status" -ne 0 ]
    [[ "$output" == *"bad.txt:1: bad severity 'huge'"* ]]
    printf 'id: TK-A\nid: TK-B\n' >"$BATS_TEST_TMPDIR/bad.txt"
    run "$PYTHON" "$SRCDIR/scripts/gen-findings.py" "$BATS_TEST_TMPDIR/bad.txt" "$BATS_TEST_TMPDIR/h" "$BATS_TEST_TMPDIR/c"
    [[ "$output" == *"bad.txt:2: field 'id' given twice"* ]]
}

@test "scan --only refuses a name that is no collector or check, listing the names" {
    run "$TENKEN" scan --only dpkg,dkpg --no-disk --no-memory
    [ "$status" -eq 2 ]
    [[ "$output" == *"'dkpg' is none of host,users,dpkg,"*"files,memory,c2,traces"* ]]
    run "$TENKEN" scan --only "dpkg,"
    [ "$status" -eq 2 ]
}

@test "-o -: standard output where the output is text, refused where it cannot be" {
    run "$TENKEN" scan -o - --no-disk --no-memory
    [ "$status" -eq 2 ]
    [[ "$output" == *"-o - is not possible"* ]]
    run "$TENKEN" campaign stats 1 --format xlsx -o - --data "$BATS_TEST_TMPDIR/d"
    [ "$status" -eq 2 ]
}

@test "usage errors name the option with its dashes; serve --listen takes numeric addresses only" {
    run "$TENKEN" scan -o
    [ "$status" -eq 2 ]
    [[ "$output" == *"needs a value: --out"* ]]
    run "$TENKEN" serve --listen localhost:0 --data "$BATS_TEST_TMPDIR/d"
    [ "$status" -eq 2 ]
    [[ "$output" == *"numeric ADDR:PORT"* ]]
    [ ! -e "$BATS_TEST_TMPDIR/d" ]
    run "$TENKEN" domains watch --resolve --resolver notanaddr </dev/null
    [ "$status" -eq 2 ]
    [[ "$output" == *"'notanaddr' is not an IPv4 address"* ]]
}

@test "--token-file: a directory or a file without a token is named as such" {
    run "$TENKEN" upload --server http://127.0.0.1:9 --token-file "$BATS_TEST_TMPDIR" x.json
    [ "$status" -eq 3 ]
    [[ "$output" == *"cannot read the token: Is a directory"* ]]
    printf '  \n' >"$BATS_TEST_TMPDIR/t.txt"
    run "$TENKEN" upload --server http://127.0.0.1:9 --token-file "$BATS_TEST_TMPDIR/t.txt" x.json
    [ "$status" -eq 3 ]
    [[ "$output" == *"holds no token on its first line"* ]]
}

@test "scan: --quick, --full and --path exclude each other; upload options need --upload" {
    run "$TENKEN" scan -p "$BATS_TEST_TMPDIR" --full --no-memory
    [ "$status" -eq 2 ]
    [[ "$output" == *"--path and --full cannot go together"* ]]
    run "$TENKEN" scan --quick -p "$BATS_TEST_TMPDIR" --no-memory
    [ "$status" -eq 2 ]
    for opt in "--token x" "--token-file f" "--ca f" "--upload-retries 2"; do
        # shellcheck disable=SC2086
        run "$TENKEN" scan $opt --no-disk --no-memory
        [ "$status" -eq 2 ] || { echo "$opt: $status"; false; }
        [[ "$output" == *"is for --upload URL"* ]]
    done
}

@test "options that only matter with another are refused without it" {
    run "$TENKEN" domains watch --resolver 127.0.0.1 </dev/null
    [ "$status" -eq 2 ]
    [[ "$output" == *"--resolver is for --resolve"* ]]
    run "$TENKEN" surface identify --lang ja /dev/null
    [ "$status" -eq 2 ]
    [[ "$output" == *"--lang is for the workbook"* ]]
}
