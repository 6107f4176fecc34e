#!/usr/bin/env bats
# `tenken org`: organisations of the analysis server and their enrollment tokens.

load helpers

setup() {
    DATA="$BATS_TEST_TMPDIR/data"
    export XDG_DATA_HOME="$BATS_TEST_TMPDIR/xdg"
}

@test "org add prints the token alone; only its hash is stored; list shows the org" {
    token=$("$TENKEN" org add acme --max-endpoints 300 --data "$DATA" 2>"$BATS_TEST_TMPDIR/err")
    [[ "$token" =~ ^tke_[A-Za-z0-9_-]{43}$ ]]
    grep -q "acme" "$BATS_TEST_TMPDIR/err"
    [ "$(stat -c %a "$DATA")" = 700 ]
    ! grep -rqF "$token" "$DATA"
    "$TENKEN" org add beta --probe --data "$DATA" >/dev/null 2>&1
    "$TENKEN" org list --format json --data "$DATA" >"$BATS_TEST_TMPDIR/list.json"
    jq -e 'length == 2 and .[0].name == "acme" and .[0].max_endpoints == 300
        and .[0].probe == false and .[1].probe == true and .[1].max_endpoints == 500
        and (.[0].id | test("^[0-9a-f-]{36}$")) and .[0].endpoints == 0' "$BATS_TEST_TMPDIR/list.json"
    run "$TENKEN" org list --data "$DATA"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == acme* ]]
}

@test "the default data directory is under XDG_DATA_HOME" {
    "$TENKEN" org add acme >/dev/null 2>&1
    [ -f "$XDG_DATA_HOME/tenken/server/tenken.db" ]
}

@test "rotate-token gives a new token; disable and enable; errors name the organisation" {
    t1=$("$TENKEN" org add acme --data "$DATA" 2>/dev/null)
    t2=$("$TENKEN" org rotate-token acme --data "$DATA" 2>/dev/null)
    [[ "$t2" =~ ^tke_ ]] && [ "$t1" != "$t2" ]
    "$TENKEN" org disable acme --data "$DATA"
    "$TENKEN" org list --format json --data "$DATA" | jq -e '.[0].disabled == true'
    "$TENKEN" org enable acme --data "$DATA"
    "$TENKEN" org list --format json --data "$DATA" | jq -e '.[0].disabled == false'
    run "$TENKEN" org add acme --data "$DATA"
    [ "$status" -eq 3 ]
    [[ "$output" == *"'acme' exists already"* ]]
    run "$TENKEN" org disable ghost --data "$DATA"
    [ "$status" -eq 3 ]
    [[ "$output" == *"'ghost'"* ]]
}

@test "bad names, options and subcommands are usage errors (2)" {
    for args in "add ../x" "add" "add a b" "add x --max-endpoints 0" "add x --max-endpoints 9x" \
                "frobnicate" "" "list --format xml"; do
        # shellcheck disable=SC2086
        run "$TENKEN" org $args --data "$DATA"
        [ "$status" -eq 2 ] || { echo "org $args: $status $output"; false; }
    done
    [ ! -e "$DATA" ]
    run "$TENKEN" org add 'bad name' --data /proc/tenken-cannot
    [ "$status" -eq 2 ]
}

@test "commands that read or change a store never make one: a mistyped --data is an error" {
    for args in "org list" "org disable x" "key list" "key add k --org x" "report --org x" \
                "reanalyze" "campaign list" "campaign show 1"; do
        # shellcheck disable=SC2086
        run "$TENKEN" $args --data "$DATA/typo"
        [ "$status" -eq 3 ] || { echo "$args: $status $output"; false; }
        [[ "$output" == *"$DATA/typo: no analysis-server data here"* ]] || { echo "$args: $output"; false; }
    done
    [ ! -e "$DATA/typo" ]
}

@test "a data directory that cannot be created is a runtime error naming it" {
    run "$TENKEN" org list --data /proc/tenken-cannot
    [ "$status" -eq 3 ]
    [[ "$output" == *"/proc/tenken-cannot"* ]]
}
