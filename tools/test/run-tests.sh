#!/bin/bash
# `make test`: runs every ctest test. Integration tests need real SSH hosts, so a shared test
# fleet is brought up first (its folder exported as DCINSTALL_TEST_FLEET) and always torn down,
# also when tests fail or the run is interrupted.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

fleet=$root/tools/fleet/fleet
fleet_dir=$root/$build/test-fleet
if [ -x "$fleet" ]; then
  trap '"$fleet" down --dir "$fleet_dir" || true' EXIT
  "$fleet" up --hosts 8 --masters 3 --agents 4 --public-agents 1 --dir "$fleet_dir"
  export DCINSTALL_TEST_FLEET=$fleet_dir
fi

ctest --test-dir "$build" --output-on-failure -j 2 --timeout 900
