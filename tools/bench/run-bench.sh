#!/bin/bash
# `make bench`: every Google Benchmark executable under <build>/bench, then the SSH benchmarks
# against the peers (bench/ssh/transport-bench.sh). Long measurements live here, never in
# `make test`. Each prints its own table; the run fails if any of them does.
set -euo pipefail
build=${1:-build}
shift || true
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

for bench in "$build"/bench/*_bench; do
  [ -x "$bench" ] || continue
  echo "== $(basename "$bench")"
  "$bench"
done
echo "== bench/ssh/transport-bench.sh"
bash bench/ssh/transport-bench.sh --build "$build" "$@"

