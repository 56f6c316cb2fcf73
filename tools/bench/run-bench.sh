#!/bin/bash
# `make bench`: every Google Benchmark executable under <build>/bench, then the fleet benchmark
# scripts (bench/*/run.sh) when present. Long measurements live here, never in `make test`.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

for bench in "$build"/bench/*_bench; do
  [ -x "$bench" ] || continue
  echo "== $(basename "$bench")"
  "$bench"
done
for script in bench/*/run.sh; do
  [ -f "$script" ] || continue
  echo "== $script"
  bash "$script" "$build"
done
