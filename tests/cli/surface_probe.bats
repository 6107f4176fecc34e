#!/usr/bin/env bats
# surface_probe.bats - placeholder until 'tenken surface probe' lands.
load helpers

@test "surface probe: placeholder answers with a usage error" {
    run "$TENKEN" surface probe
    [ "$status" -eq 2 ]
}
