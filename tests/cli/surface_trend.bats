#!/usr/bin/env bats
# surface_trend.bats - placeholder until 'tenken surface trend' lands.
load helpers

@test "surface trend: placeholder answers with a usage error" {
    run "$TENKEN" surface trend
    [ "$status" -eq 2 ]
}
