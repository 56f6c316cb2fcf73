#!/bin/bash
# dcinstall's memory per connected host: peak RSS (VmHWM) of `dcinstall exec` while N hosts are
# connected at once, minus the same with 1 host, divided by N - 1.
#
#   bench/peers/memory.sh --dir FLEET_DIR [--hosts N] [--out DIR]
#
# Every host runs a command that drops a marker file in a directory on this machine and then
# waits for a "go" file, so all N connections (and their channels) are open at the same moment;
# once N markers exist (or after --wait seconds) VmHWM is read from /proc, then "go" releases
# the hosts. The marker directory lives in /dev/shm, which the fleet's hosts share with this
# machine (loopback fleets share everything). connect_timeout_s is raised (DCI_CONNECT_TIMEOUT,
# default 600) because N simultaneous handshakes queue on the fleet's CPUs, and transient
# handshake failures are retried (DCI_RETRIES, default 5): one sshd's listen backlog (128)
# overflows when 1,000 connect at once, and the kernel resets some (SYN cookies).
# Prints one line per measurement and "per host: K KB"; exit 0, 1 if dcinstall lost a host, 2 on
# usage errors. dcinstall is $DCINSTALL, else on PATH, else build/dcinstall.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir="" N=1000 out="" WAIT=900
while (($#)); do
  case $1 in
    --dir) dir=$2; shift 2 ;;
    --hosts) N=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --wait) WAIT=$2; shift 2 ;;
    *) sed -n '2,15s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
  esac
done
[[ -n $dir && -f $dir/hosts ]] || { echo "memory: --dir must name a running fleet" >&2; exit 2; }
dir=$(cd "$dir" && pwd)
(($(wc -l <"$dir/hosts") >= N)) || { echo "memory: the fleet has fewer than $N hosts" >&2; exit 2; }

BENCH_OUT=${out:-$(mktemp -d /tmp/dci-memory-XXXXXX)}
mkdir -p "$BENCH_OUT"
BENCH_KEY=$dir/id_ed25519 BENCH_KNOWN_HOSTS=$dir/known_hosts BENCH_USER=root
BENCH_PORT=$(sed -n 's/^ssh_port: //p' "$dir/config-fragment.yaml")
BENCH_KEX=${BENCH_KEX:-curve25519-sha256} BENCH_CIPHER=${BENCH_CIPHER:-aes128-gcm@openssh.com}
BENCH_MAC=${BENCH_MAC:-hmac-sha2-256-etm@openssh.com} BENCH_HOSTKEY=${BENCH_HOSTKEY:-ssh-ed25519}
DCI_CONNECT_TIMEOUT=${DCI_CONNECT_TIMEOUT:-600} DCI_RETRIES=${DCI_RETRIES:-5}
bench_register() { :; }
# shellcheck source=tools/dcinstall.sh
source "$HERE/tools/dcinstall.sh"

MARKS=/dev/shm/dci-memory-$$
trap 'rm -rf "$MARKS"' EXIT

# dcinstall_pid PID: the dcinstall process at or below PID (dcinstall_run forks a subshell and
# unshare/sh exec into dcinstall), following first children at most 4 levels down.
dcinstall_pid() {
  local p=$1 level
  for ((level = 0; level < 5; level++)); do
    [[ $(cat "/proc/$p/comm" 2>/dev/null) == dcinstall ]] && { echo "$p"; return; }
    p=$(ps -o pid= --ppid "$p" | head -n1 | tr -d ' ')
    [[ -n $p ]] || return 0
  done
}

# measure N -> sets HWM_KB: dcinstall's VmHWM with N hosts connected and waiting.
measure() {
  local n=$1 pid i=0 marks failed hwm log=$BENCH_OUT/memory.$1.log
  rm -rf "$MARKS"; mkdir -p "$MARKS"
  head -n "$n" "$dir/hosts" >"$BENCH_OUT/hosts.$n"
  dcinstall_prepare "$BENCH_OUT/hosts.$n" "$n"
  dcinstall_run exec -c "$BENCH_OUT/dcinstall.yaml" --parallelism "$n" --timeout $((WAIT + 60)) -- \
    "touch $MARKS/\$\$; i=0; while [ ! -e $MARKS/go ] && [ \$i -lt $((WAIT * 2)) ]; do sleep 0.5; i=\$((i+1)); done" \
    >"$log" 2>&1 &
  pid=$!
  marks=0
  while ((i++ < WAIT)) && kill -0 "$pid" 2>/dev/null; do
    marks=$(find "$MARKS" -maxdepth 1 -type f | wc -l)
    failed=$(grep -c ': error: ' "$log" || true)
    ((marks + failed >= n)) && break
    sleep 1
  done
  hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$(dcinstall_pid "$pid")/status" 2>/dev/null || echo 0)
  : >"$MARKS/go"
  wait "$pid" || true
  HWM_KB=${hwm:-0}
  echo "memory: $n hosts: $marks connected at once, VmHWM $HWM_KB KB; $(tail -n1 "$log")"
  [[ $(dcinstall_ok exec "$log") == "$n" && $marks == "$n" ]]
}

lost=0
measure 1 || lost=1
base=$HWM_KB
measure "$N" || lost=1
echo "memory: per host: $(((HWM_KB - base) / (N - 1))) KB above the 1-host baseline ($base KB), $N hosts at once"
exit $lost
