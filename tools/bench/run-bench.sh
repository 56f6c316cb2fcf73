#!/bin/bash
# `make bench`: every Google Benchmark executable under <build>/bench, then dcinstall against
# pdsh, clush and pssh on a loopback test fleet (bench/peers/bench.sh: P1 `true`, P1b a 10-step
# chain, P2 a copy), then dcinstall's memory per connected host (bench/peers/memory.sh), then
# preflight + deploy of the bench distribution on a loopback fleet with a disk per address
# (bench/install/loopback-install.sh, its own fleet), then a rolling upgrade of 3 etcd masters and
# the rest agents under an etcd write probe (bench/upgrade/loopback-upgrade.sh, its own fleet).
# Long measurements live here, never in `make test`.
#
#   tools/bench/run-bench.sh [BUILD]
#
# Bounded defaults (a few minutes on 2 cores). Environment, for the big variants (see
# bench/peers/README.md for the figures and the commands that produced them):
#   BENCH_HOSTS (50)          loopback fleet size for P1/P1b/P2
#   BENCH_REPS (1)            repetitions, tools alternating
#   BENCH_TOOLS ("dcinstall pdsh clush pssh"; add ansible for minutes more)
#   BENCH_OPS ("exec chain copy"), BENCH_SIZE (1048576 bytes copied to each host)
#   BENCH_MEM_HOSTS (200)     hosts connected at once for the memory figure (0: skip)
#   BENCH_INSTALL_HOSTS (50)  addresses of the install benchmark (0: skip; 1000 for the figure)
#   BENCH_UPGRADE_HOSTS (50)  addresses of the upgrade benchmark (0: skip; 1000 for the figure)
# Exit status: non-zero if a Google benchmark failed, or dcinstall lost a host, gave a wrong
# result, damaged a copy or left a host without its bundle. The fleets are always taken down.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build=$(cd "$build" && pwd)

for bench in "$build"/bench/*_bench; do
  [ -x "$bench" ] || continue
  echo "== $(basename "$bench")"
  "$bench"
done

hosts=${BENCH_HOSTS:-50}
mem_hosts=${BENCH_MEM_HOSTS:-200}
fleet_hosts=$((hosts > mem_hosts ? hosts : mem_hosts))
fleet_dir=$build/bench-fleet
out=$build/bench-results
dest=/dev/shm/dcinstall-bench-$$
export DCINSTALL=$build/dcinstall
cleanup() { rm -rf "$dest"; tools/fleet/fleet down --dir "$fleet_dir" >/dev/null || true; }
trap cleanup EXIT
echo "== test fleet: $fleet_hosts loopback hosts"
tools/fleet/fleet up --loopback "$fleet_hosts" --dir "$fleet_dir"
mkdir -p "$dest"

status=0
echo "== bench/peers/bench.sh ($hosts hosts)"
bash bench/peers/bench.sh --dir "$fleet_dir" --limit "$hosts" --reps "${BENCH_REPS:-1}" \
  --tools "${BENCH_TOOLS:-dcinstall pdsh clush pssh}" --ops "${BENCH_OPS:-exec chain copy}" \
  --size "${BENCH_SIZE:-1048576}" --dest "$dest" --out "$out/peers" || status=1
if ((mem_hosts > 1)); then
  echo "== bench/peers/memory.sh ($mem_hosts hosts at once)"
  bash bench/peers/memory.sh --dir "$fleet_dir" --hosts "$mem_hosts" --out "$out/memory" || status=1
fi
install_hosts=${BENCH_INSTALL_HOSTS:-50}
if ((install_hosts > 0)); then
  echo "== bench/install/loopback-install.sh ($install_hosts hosts)"
  DCINSTALL=$build/dcinstall bash bench/install/loopback-install.sh --hosts "$install_hosts" \
    --dir "$out/install" || status=1
fi
upgrade_hosts=${BENCH_UPGRADE_HOSTS:-50}
if ((upgrade_hosts > 0)); then
  echo "== bench/upgrade/loopback-upgrade.sh ($upgrade_hosts hosts)"
  DCINSTALL=$build/dcinstall bash bench/upgrade/loopback-upgrade.sh --hosts "$upgrade_hosts" \
    --dir "$out/upgrade" || status=1
fi
exit $status
