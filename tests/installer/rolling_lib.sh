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

# members_probe OUT: every 200 ms, how many etcd members answer as healthy ("<ms> <n>"); a round
# in which etcdctl did not report on every member (the client itself slow on a loaded machine)
# prints nothing.
members_probe() {
  local i out masters
  masters=$(wc -l <"$FLEET_DIR/hosts.masters")
  for ((i = 0; i < 2000; i++)); do
    [ -e "$TMP/stop-probe" ] && break
    out=$(probe_ctl endpoint health 2>&1)
    if [ "$(grep -c -e "is healthy" -e "is unhealthy" <<<"$out")" = "$masters" ]; then
      echo "$(date +%s%3N) $(grep -c "is healthy" <<<"$out")"
    fi
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

# longest_gap NAME: the longest time between two successful writes, in ms (a failed write or a
# slow one stretches it; no successful write after the first failure: 10^9).
longest_gap() {
  python3 - "$TMP/$1-writes.txt" <<'PY2'
import sys
oks, failed_last = [], False
for line in open(sys.argv[1]):
    ms, result = line.split()
    if result == "ok": oks.append(int(ms))
    failed_last = result != "ok"
print(10**9 if failed_last or not oks else max((b - a for a, b in zip(oks, oks[1:])), default=0))
PY2
}
# writes_summary NAME: "<writes> writes, <failed> failed, longest gap between successful writes <ms> ms".
writes_summary() {
  echo "$(wc -l <"$TMP/$1-writes.txt") writes, $(grep -c fail "$TMP/$1-writes.txt") failed," \
    "longest gap between successful writes $(longest_gap "$1") ms"
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

# etcd_args ADDRESS: the command line of that master's etcd (from its supervisor's pidfile: the
# fleets of other tests may run etcd processes on this machine too).
etcd_args() {
  on_host "$1" 'tr "\0" " " </proc/$(cat /var/lib/dcinstall/run/etcd.child.pid)/cmdline'
}

# lead_from ADDRESS: moves etcd's leadership to that master (nothing when it leads already).
lead_from() {
  local status leader target
  status=$(probe_ctl endpoint status) || return 1
  # endpoint status (simple): ENDPOINT, ID, VERSION, DB SIZE, IS LEADER, ...
  leader=$(awk -F', ' '$5 == "true" { print $1 }' <<<"$status")
  target=$(awk -F', ' -v url="http://$1:2379" '$1 == url { print $2 }' <<<"$status")
  [ -n "$leader" ] && [ -n "$target" ] || return 1
  [ "$leader" = "http://$1:2379" ] && return 0
  ETCDCTL_API=3 timeout 10 "$probe_etcdctl" --endpoints="$leader" move-leader "$target" >/dev/null
}

# running_bundles: host -> the bundle it runs, from `plan upgrade` (changing and unchanged hosts).
running_bundles() {
  dci plan upgrade --json | python3 -c "
import json, sys
plan = json.load(sys.stdin)
hosts = plan['unchanged'] + [h for w in plan['waves'] for h in w['hosts']]
print(sorted((h['host'], h['from_bundle']) for h in hosts))"
}
# hosts_changing: how many hosts `plan upgrade` would change (no number when the plan fails).
hosts_changing() {
  dci plan upgrade --json | python3 -c "import json,sys; print(json.load(sys.stdin)['hosts_changing'])"
}
