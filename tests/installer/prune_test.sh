#!/bin/bash
# `dcinstall prune` on a private fleet (1 master, 3 agents; the reference distribution, real etcd):
# install → an agent leaves the config: `plan install` lists it as "remove (not in the config)"
# → `prune --yes`: its registration is gone from etcd at once (the lease TTL is 60 s, so only the
# leave step or the stopped agent can have removed it), nothing of dcinstall remains on it (no
# /opt/dcinstall, no process), the other agents have no step in the run and the master only the
# leave step → a second agent leaves while cut off: prune reports it "not reachable", deletes its
# registration through the master, keeps it listed → after `heal` a second prune cleans it → a
# third prune has nothing to do.
#   prune_test.sh DCINSTALL SOURCE_DIR
source "$(dirname "$0")/lib.sh" "$1" "$2"

fleet_up 1 3 0 "agent_lease_ttl_s: 60" "connect_timeout_s: 3" "retries: 0"
etcdctl=$(dirname "$DCINSTALL")/share/dcinstall/distributions/reference/artifacts/etcdctl
endpoints=$(sed 's|^\(.*\)$|http://\1:2379|' "$FLEET_DIR/hosts.masters" | paste -sd, -)
master=$(host 1)
kept=$(host 2)
removed=$(host 3)
cut=$(host 4)

registration() {  # ADDRESS: its registration value in etcd ("" when none)
  ETCDCTL_API=3 "$etcdctl" --endpoints="$endpoints" --dial-timeout=2s --command-timeout=2s \
    get --print-value-only "/dcinstall/agents/$1" 2>/dev/null
}
# gone_within_2s ADDRESS: polls every 100 ms for 2 s; true once the registration is gone.
gone_within_2s() {
  local i start=$(date +%s%3N)
  for ((i = 0; i < 20; i++)); do
    if [ -z "$(registration "$1")" ]; then
      echo "   (gone $(($(date +%s%3N) - start)) ms after prune returned)"
      return 0
    fi
    sleep 0.1
  done
  return 1
}
leave_config() {  # ADDRESS: takes the host out of the config
  grep -vxF -e "- $1" -e "  - $1" "$CONFIG" >"$CONFIG.new" && mv "$CONFIG.new" "$CONFIG"
}
# nothing_left ADDRESS: no dcinstall directory on the host, no process with its environment.
nothing_left() {
  local files procs
  files=$(on_host "$1" 'ls -d /opt/dcinstall /etc/dcinstall /var/lib/dcinstall 2>/dev/null')
  procs=$(grep -lzxF "DCINSTALL_ADDRESS=$1" /proc/[0-9]*/environ 2>/dev/null | wc -l)
  if [ -z "$files" ] && [ "$procs" = 0 ]; then
    pass "nothing of dcinstall remains on $1 (no files, no process)"
  else
    fail "on $1: files '$files', $procs processes with its DCINSTALL_ADDRESS"
  fi
}
# prune_plan_hosts: the hosts `plan install --json` lists for removal, space-separated.
prune_plan_hosts() {
  dci plan install --json | python3 -c "
import json, sys
stages = [s for s in json.load(sys.stdin) if s['stage'] == 'prune']
print(' '.join(h['host'] for s in stages for p in s['phases'] for h in p['hosts'] if h['reason'] == 'remove (not in the config)'))"
}
# other_steps RUN: the steps of that run on hosts other than $removed and $cut, except the
# master's install.sh check and its leave steps ("host step" lines; none expected).
other_steps() {
  "$DCINSTALL" logs --json --run "$1" --work-dir "$WORK" | python3 -c "
import json, sys
for step in map(json.loads, filter(str.strip, sys.stdin)):
    address = step['host'].rsplit(':', 1)[0]
    if address in ('$removed', '$cut'): continue
    if address == '$master' and (step['step'] in ('check files', 'upload install.sh') or step['step'].startswith('leave ')): continue
    print(step['host'], step['step'])"
}

say "install 1 master and 3 agents"
expect_exit 0 "install" dci install --json
[ -n "$(registration "$removed")" ] && pass "$removed is registered" || fail "$removed is not registered"

say "an agent leaves the config: listed as a removal, install leaves it alone"
leave_config "$removed"
[ "$(prune_plan_hosts)" = "$removed:22" ] && pass "plan install --json lists $removed as remove" ||
  fail "plan install lists '$(prune_plan_hosts)' for removal"
expect_exit 0 "plan install (text)" dci plan install
grep -q "remove $removed:22 .*remove (not in the config)" "$TMP/last.out" &&
  pass "plan install prints 'remove (not in the config)'" || { fail "plan install text"; cat "$TMP/last.out"; }
expect_exit 2 "prune without --yes and no terminal is refused" dci prune </dev/null
expect_exit 0 "prune --dry-run" dci prune --dry-run
[ -n "$(registration "$removed")" ] && pass "after the dry run $removed is still registered" ||
  fail "the dry run changed something"

say "prune --yes"
started=$(date +%s%3N)
expect_exit 0 "prune --yes" dci prune --yes --json
echo "   (prune took $(($(date +%s%3N) - started)) ms)"
gone_within_2s "$removed" && pass "the registration of $removed is gone within 2 s" ||
  fail "the registration of $removed is still there: $(registration "$removed")"
nothing_left "$removed"
run=$(last_run_id)
[ "$(steps_in_run "$run" "$removed:22")" -gt 0 ] && pass "the prune ran steps on $removed" ||
  fail "no step on $removed in run $run"
leaves=$("$DCINSTALL" logs --json --run "$run" --host "$master:22" --work-dir "$WORK" | grep -c '"step":"leave ')
[ "$leaves" = 1 ] && pass "the master ran one leave step" || fail "the master ran $leaves leave steps"
others=$(other_steps "$run")
[ -z "$others" ] && pass "no other step on the other hosts" || fail "other steps: $others"
[ -n "$(registration "$kept")" ] && pass "$kept is still registered" || fail "$kept lost its registration"
[ -z "$(prune_plan_hosts)" ] && pass "the plan lists nothing to remove" || fail "still listed: $(prune_plan_hosts)"
expect_exit 0 "install after the prune: nothing to do" dci install --json

say "an agent leaves the config while cut off"
leave_config "$cut"
"$FLEET" cut --dir "$FLEET_DIR" "$cut" >/dev/null
started=$(date +%s%3N)
expect_exit 1 "prune --yes with $cut cut off" dci prune --yes
echo "   (prune took $(($(date +%s%3N) - started)) ms)"
grep -q "$cut:22 (agent): not reachable: its files remain; run prune again when it is back" "$TMP/last.out" &&
  pass "prune reports $cut not reachable" || { fail "no not-reachable message"; cat "$TMP/last.out"; }
gone_within_2s "$cut" && pass "the master deleted the registration of the cut-off $cut (lease TTL 60 s)" ||
  fail "the registration of $cut is still there"
[ "$(prune_plan_hosts)" = "$cut:22" ] && pass "$cut stays listed" || fail "listed: '$(prune_plan_hosts)'"
expect_exit 1 "status (a host failed: exit 1)" "$DCINSTALL" status --work-dir "$WORK"
grep -q "not reachable" "$TMP/last.out" && pass "status shows the not-reachable prune" ||
  { fail "status does not show it"; cat "$TMP/last.out"; }
run=$(last_run_id)
others=$(other_steps "$run")
[ -z "$others" ] && pass "no other step on the other hosts" || fail "other steps: $others"

say "back: a second prune cleans it"
"$FLEET" heal --dir "$FLEET_DIR" "$cut" >/dev/null
expect_exit 0 "prune --yes after heal" dci prune --yes --json
gone_within_2s "$cut" && pass "the registration of $cut is gone" || fail "$cut is registered again"
nothing_left "$cut"
[ -z "$(prune_plan_hosts)" ] && pass "nothing is listed any more" || fail "still listed: $(prune_plan_hosts)"
before=$(last_run_id)
expect_exit 0 "prune again: nothing to do" dci prune --yes
[ "$(last_run_id)" = "$before" ] && pass "no run, no step" || fail "a run was recorded"
[ -n "$(registration "$kept")" ] && pass "$kept is still registered" || fail "$kept lost its registration"
finish
