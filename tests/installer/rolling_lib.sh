#!/bin/bash
# Shared by the rolling-change fleet tests: probes of the running cluster from the bootstrap
# machine, and checks on the recorded steps. Source after lib.sh, once the fleet is up.
# Each probe runs in the background until $TMP/stop-probe exists (at most 2,000 rounds), one line
# per round; start_probes / stop_probes run them all.
probe_etcdctl=$(dirname "$DCINSTALL")/share/dcinstall/distributions/reference/artifacts/etcdctl
probe_endpoints=$(sed 's|^\(.*\)$|http://\1:2379|' "$FLEET_DIR/hosts.masters" | paste -sd, -)
probe_ctl() {
  ETCDCTL_API=3 timeout 2 "$probe_etcdctl" --endpoints="$probe_endpoints" --dial-timeout=1s \
    --command-timeout=1s "$@"
}

# write_probe OUT: an etcd write every 200 ms: "<ms> ok" or "<ms> fail".
write_probe() {
  local i
  for ((i = 0; i < 2000; i++)); do
    [ -e "$TMP/stop-probe" ] && break
    if probe_ctl put /dcinstall-test/probe "$i" >/dev/null 2>&1; then
      echo "$(date +%s%3N) ok"
    else
      echo "$(date +%s%3N) fail"
    fi
    sleep 0.2
  done >"$1"
}

# members_probe OUT: every 200 ms, how many etcd members answer as healthy ("<ms> <n>").
members_probe() {
  local i
  for ((i = 0; i < 2000; i++)); do
    [ -e "$TMP/stop-probe" ] && break
    echo "$(date +%s%3N) $(probe_ctl endpoint health 2>&1 | grep -c "is healthy")"
    sleep 0.2
  done >"$1"
}

# registrations_probe OUT: every 200 ms, how many agents are registered in etcd ("<ms> <n>"); a
# round whose read fails prints nothing (etcd not answering is the other probes' business).
registrations_probe() {
  local i keys
  for ((i = 0; i < 2000; i++)); do
    [ -e "$TMP/stop-probe" ] && break
    if keys=$(probe_ctl get --prefix --keys-only /dcinstall/agents/ 2>/dev/null); then
      echo "$(date +%s%3N) $(grep -c '^/dcinstall/agents/' <<<"$keys")"
    fi
    sleep 0.2
  done >"$1"
}

# start_probes NAME: the three probes into $TMP/NAME-{writes,members,registrations}.txt.
probe_pids=()
start_probes() {
  rm -f "$TMP/stop-probe"
  write_probe "$TMP/$1-writes.txt" &
  probe_pids=($!)
  members_probe "$TMP/$1-members.txt" &
  probe_pids+=($!)
  registrations_probe "$TMP/$1-registrations.txt" &
  probe_pids+=($!)
  background_pids+=("${probe_pids[@]}")
  sleep 2
}
stop_probes() {
  touch "$TMP/stop-probe"
  wait "${probe_pids[@]}"
}

# longest_outage NAME: the longest run of failed writes, in ms (first failure → next ok).
longest_outage() {
  python3 - "$TMP/$1-writes.txt" <<'PY'
import sys
longest, start = 0, None
for line in open(sys.argv[1]):
    ms, result = line.split()
    ms = int(ms)
    if result == "fail" and start is None: start = ms
    if result == "ok" and start is not None: longest, start = max(longest, ms - start), None
print(longest if start is None else 10**9)
PY
}
# writes_summary NAME: "<writes> writes, <failed> failed, longest run of failures <ms> ms".
writes_summary() {
  echo "$(wc -l <"$TMP/$1-writes.txt") writes, $(grep -c fail "$TMP/$1-writes.txt") failed," \
    "longest run of failures $(longest_outage "$1") ms"
}
# fewest NAME KIND: the smallest count the members or registrations probe saw.
fewest() { awk 'NR == 1 || $2 < min { min = $2 } END { print min }' "$TMP/$1-$2.txt"; }

# switch_overlap ROLE RUN...: the switch steps of the hosts in $FLEET_DIR/hosts.ROLE (masters,
# agents) in those runs: their count, and whether two overlapped in time ("count=3 no").
switch_overlap() {
  local role=$1 run
  shift
  for run in "$@"; do "$DCINSTALL" logs --json --run "$run" --stage upgrade --work-dir "$WORK"; done | python3 -c "
import json, sys
hosts = set(open('$FLEET_DIR/hosts.$role').read().split())
spans = sorted((s['started_ms'], s['finished_ms']) for s in map(json.loads, filter(str.strip, sys.stdin))
               if s['step'] == 'switch' and s['host'].rsplit(':', 1)[0] in hosts)
print('count=%d' % len(spans), 'yes' if any(b[0] < a[1] for a, b in zip(spans, spans[1:])) else 'no')"
}
