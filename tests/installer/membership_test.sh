#!/bin/bash
# Master-list changes on a private fleet (6 masters' hosts, of which 3 start in master_list, and
# 1 agent), real etcd, with an etcd write every 200 ms from the bootstrap machine throughout:
# grow 3 → 5 (`plan upgrade` prints each step and the quorum after it), shrink 5 → 3 (the
# removed hosts end clean), replace a stopped master with a spare (reported as pending cleanup;
# after `fleet start` and `prune` its disk is clean), and a change that would lose the quorum
# refused with nothing changed. After each change etcd's members are master_list, every member
# is healthy and the agent is registered; no gap between two successful writes exceeds 3 s.
#   membership_test.sh DCINSTALL SOURCE_DIR
source "$(dirname "$0")/lib.sh" "$1" "$2"

fleet_up 6 1 0 "upgrade_host_timeout_s: 120"
source "$(dirname "$0")/rolling_lib.sh"

# set_masters N...: master_list is those fleet hosts (by index), in that order.
set_masters() {
  local list="master_list:" n
  for n in "$@"; do list+=$'\n'"- $(host "$n")"; done
  python3 - "$CONFIG" "$list" <<'PY'
import re, sys
path, block = sys.argv[1], sys.argv[2]
text = open(path).read()
text = re.sub(r"master_list:\n( *- .*\n)+", block + "\n", text, count=1)
open(path, "w").write(text)
PY
}

# etcd's member names, sorted, one line (asked on master N).
member_names() {
  on_host "$(host "$1")" '. /opt/dcinstall/active/etc/etcdctl.env; /opt/dcinstall/active/bin/etcdctl member list' |
    awk -F', ' '{ print $3 }' | sort | paste -sd' ' -
}
# The addresses of fleet hosts N..., sorted, one line.
addresses_of() { for n in "$@"; do host "$n"; done | sort | paste -sd' ' -; }
# How many etcd clusters the members' endpoints answer for (1: no member formed its own).
cluster_ids() {
  on_host "$(host "$1")" '. /opt/dcinstall/active/etc/etcdctl.env; /opt/dcinstall/active/bin/etcdctl endpoint status --cluster -w json 2>&1' |
    grep -o '"cluster_id":[0-9]*' | sort -u | wc -l
}
healthy_members() {
  on_host "$(host "$1")" '. /opt/dcinstall/active/etc/etcdctl.env; /opt/dcinstall/active/bin/etcdctl endpoint health --cluster 2>&1' |
    grep -c ' is healthy'
}
# The output is read whole before matching: with pipefail, `etcdctl ... | grep -q` fails when grep
# exits at the first line and etcdctl dies writing the next one (SIGPIPE).
agent_registered() {
  local keys
  keys=$(on_host "$(host "$1")" '. /opt/dcinstall/active/etc/etcdctl.env; /opt/dcinstall/active/bin/etcdctl get --keys-only /dcinstall/agents/'"$(host 7)")
  grep -q "/dcinstall/agents/$(host 7)" <<<"$keys"
}
# check_members ASK_ON N...: etcd's members are hosts N..., all healthy, the agent registered.
check_members() {
  local on=$1 names wanted
  shift
  names=$(member_names "$on")
  wanted=$(addresses_of "$@")
  [ "$names" = "$wanted" ] && pass "etcd's members are master_list ($names)" ||
    fail "etcd's members: '$names', master_list: '$wanted'"
  [ "$(healthy_members "$on")" = "$#" ] && pass "all $# members healthy" ||
    fail "healthy members: $(healthy_members "$on") of $#"
  [ "$(cluster_ids "$on")" = 1 ] && pass "every member answers for one cluster" ||
    fail "the members answer for $(cluster_ids "$on") clusters"
  # The agent registers under a lease; one lost while masters restart is granted again in a
  # few seconds.
  local waited=0
  while ! agent_registered "$on" && [ $waited -lt 15 ]; do sleep 1; waited=$((waited + 1)); done
  if agent_registered "$on"; then
    pass "the agent is registered (after ${waited} s)"
  else
    fail "the agent is not registered; agents seen from master $on: $(on_host "$(host "$on")" '. /opt/dcinstall/active/etc/etcdctl.env; env | grep ETCDCTL; /opt/dcinstall/active/bin/etcdctl get --prefix /dcinstall/agents/ 2>&1')
      from the agent: $(on_host "$(host 7)" '. /opt/dcinstall/active/etc/etcdctl.env; env | grep ETCDCTL; /opt/dcinstall/active/bin/etcdctl get --prefix /dcinstall/agents/ 2>&1')
      its log: $(on_host "$(host 7)" 'tail -n 4 /var/lib/dcinstall/log/*agent*.log')"
  fi
  grep -q "$(host "$1")" <<<"$(on_host "$(host 7)" 'cat /opt/dcinstall/active/etc/etcdctl.env')" &&
    pass "the agent's endpoints name the masters" || fail "the agent's etcdctl.env: $(on_host "$(host 7)" 'cat /opt/dcinstall/active/etc/etcdctl.env')"
}
# clean HOST_INDEX: nothing of dcinstall remains on it.
is_clean() {
  on_host "$(host "$1")" '[ ! -e /opt/dcinstall ] && [ ! -e /etc/dcinstall ] && [ ! -e /var/lib/dcinstall/run ]'
}
# probed NAME COMMAND...: runs COMMAND with the probes on; checks the longest write gap.
gaps=()
probed() {
  local name=$1 gap
  shift
  start_probes "$name"
  "$@"
  local status=$?
  stop_probes
  gap=$(longest_gap "$name")
  gaps+=("$name ${gap} ms")
  echo "$name: $(writes_summary "$name")"
  [ "$gap" -le 3000 ] && pass "$name: etcd kept taking writes (longest gap ${gap} ms)" ||
    fail "$name: no successful etcd write for ${gap} ms"
  return $status
}

set_masters 1 2 3
say "install 3 masters"
expect_exit 0 "install" dci install --json

say "grow 3 -> 5: the plan prints each step and the quorum after it"
set_masters 1 2 3 4 5
expect_exit 0 "plan upgrade" dci plan upgrade --json
python3 - "$TMP/last.out" "$(host 4):22" "$(host 5):22" <<'PY' && pass "2 adds, one at a time: 4 then 5 members" || fail "the plan: $(cat "$TMP/last.out")"
import json, sys
plan = json.load(open(sys.argv[1]))
steps = plan["membership"]
assert [(s["action"], s["host"], s["members_after"], s["quorum_after"]) for s in steps] == [
    ("add", sys.argv[2], 4, 3), ("add", sys.argv[3], 5, 3)], steps
assert plan["membership_refused"] == ""
PY
expect_exit 0 "plan upgrade (text)" dci plan upgrade
grep -q "add $(host 4) via .*: 4 members, quorum 3" "$TMP/last.out" && pass "the text plan names the step and its quorum" ||
  { fail "the text plan"; cat "$TMP/last.out"; }
expect_exit 1 "install refuses the master-list change" dci install --json
grep -q "master_list changed (add $(host 4)" "$TMP/last.out" && grep -q "dcinstall upgrade" "$TMP/last.out" &&
  pass "install says to run upgrade" || { fail "the refusal"; cat "$TMP/last.out"; }
probed grow expect_exit 0 "upgrade --yes (grow)" dci upgrade --yes --json
check_members 1 1 2 3 4 5
[ "$(hosts_changing)" = 0 ] && pass "upgrade again: nothing to change" || fail "hosts still change after the grow"

say "shrink 5 -> 3: masters 1 and 2 leave"
set_masters 3 4 5
probed shrink expect_exit 0 "upgrade --yes (shrink)" dci upgrade --yes --json
check_members 3 3 4 5
is_clean 1 && is_clean 2 && pass "the removed masters are clean" || fail "files remain on master 1 or 2"
expect_exit 0 "plan install" dci plan install --json
grep -q "$(host 1):22" "$TMP/last.out" && fail "the state still lists master 1" || pass "the state forgot the removed masters"

say "replace a stopped master (5) with a spare (6)"
"$FLEET" stop --dir "$FLEET_DIR" "$(host 5)" >/dev/null
set_masters 3 4 6
probed replace expect_exit 0 "upgrade --yes (replace)" dci upgrade --yes
grep -q "pending cleanup" "$TMP/last.out" && grep -q "$(host 5):22 (master): left the quorum; not reachable" "$TMP/last.out" &&
  pass "the dead master is reported as pending cleanup" || { fail "no pending cleanup reported"; cat "$TMP/last.out"; }
check_members 3 3 4 6
expect_exit 0 "plan install" dci plan install --json
grep -q "$(host 5):22" "$TMP/last.out" && pass "the dead master stays listed for prune" || fail "the dead master is not listed"
"$FLEET" start --dir "$FLEET_DIR" "$(host 5)" >/dev/null
expect_exit 0 "prune --yes once it is back" dci prune --yes
is_clean 5 && pass "the replaced master's disk is clean" || fail "files remain on master 5"
check_members 3 3 4 6

say "a change that would lose the quorum: refused, nothing changed"
"$FLEET" stop --dir "$FLEET_DIR" "$(host 4)" >/dev/null
"$FLEET" stop --dir "$FLEET_DIR" "$(host 6)" >/dev/null
set_masters 3 1 2
expect_exit 1 "upgrade --yes refused" dci upgrade --yes
grep -q "upgrade refused: the quorum is lost" "$TMP/last.out" && grep -q "nothing was changed" "$TMP/last.out" &&
  pass "the refusal says why" || { fail "the refusal"; cat "$TMP/last.out"; }
is_clean 1 && is_clean 2 && pass "no new master was touched" || fail "a new master got files"

echo "longest write gaps: ${gaps[*]}"
finish
