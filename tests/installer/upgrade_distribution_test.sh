#!/bin/bash
# A distribution upgrade on a private fleet (3 masters, 4 agents, upgrade_max_unavailable: 1),
# with three probes from the bootstrap machine every 200 ms the whole time: an etcd write, the
# members answering, the agents registered:
# install the reference distribution 1.0.0 → `plan upgrade` to a copy at 1.1.0 with one more
# etcd flag: every host changes, the masters one per wave, the agents one per batch →
# `upgrade --yes`: no gap between two successful writes exceeds 3 s, at least 2 of 3 members
# answer at every probe, at most one agent is missing from etcd's registrations at any probe (and
# a drained one is seen missing), switches never overlap → etcd runs with the new flag →
# `rollback --yes`: the same rules, every host back on its 1.0.0 bundle.
#   upgrade_distribution_test.sh DCINSTALL SOURCE_DIR
source "$(dirname "$0")/lib.sh" "$1" "$2"

fleet_up 3 4 0 "upgrade_max_unavailable: 1" "upgrade_host_timeout_s: 60"
source "$(dirname "$0")/rolling_lib.sh"

# The reference at 1.1.0: etcd keeps a snapshot every 20,000 writes (etcd's default is 100,000).
next=$(copy_distribution reference-1.1.0)
python3 - "$next/distribution.yaml" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
assert 'version: "1.0.0"' in text
text = text.replace('version: "1.0.0"', 'version: "1.1.0"', 1)
flag = '          - "--heartbeat-interval={{etcd_heartbeat_interval_ms}}"\n'
assert flag in text
text = text.replace(flag, flag + '          - "--snapshot-count=20000"\n', 1)
open(path, "w").write(text)
PY
# check_rolling NAME RUN: the probes' and the recorded steps' verdict on one rolling run.
check_rolling() {
  local name=$1 run=$2 gap
  gap=$(longest_gap "$name")
  echo "$name: $(writes_summary "$name"); fewest members answering $(fewest "$name" members) of 3;" \
    "fewest agents registered $(fewest "$name" registrations) of 4"
  [ "$(wc -l <"$TMP/$name-writes.txt")" -gt 10 ] && [ "$gap" -le 3000 ] &&
    pass "$name: etcd kept taking writes (longest gap $gap ms)" || fail "$name: no successful etcd write for $gap ms"
  [ "$(fewest "$name" members)" -ge 2 ] && pass "$name: at least 2 of 3 members answered at every probe" ||
    fail "$name: at one probe only $(fewest "$name" members) of 3 members answered"
  # 3, not 4: a drained agent is seen missing; not 2: never two agents at once.
  [ "$(fewest "$name" registrations)" = 3 ] &&
    pass "$name: at most one agent missing from etcd at any probe, and a drained one seen missing" ||
    fail "$name: fewest agents registered at a probe: $(fewest "$name" registrations) of 4"
  [ "$(switch_overlap masters "$run")" = "count=3 no" ] && pass "$name: 3 master switches, one at a time" ||
    fail "$name: master switches: $(switch_overlap masters "$run")"
  [ "$(switch_overlap agents "$run")" = "count=4 no" ] && pass "$name: 4 agent switches, one at a time" ||
    fail "$name: agent switches: $(switch_overlap agents "$run")"
}

say "install 1.0.0"
expect_exit 0 "install" dci install --json
first_bundles=$(running_bundles)

say "the plan to 1.1.0"
echo "distribution: $next" >>"$CONFIG"
expect_exit 0 "plan upgrade" dci plan upgrade --json
python3 - "$TMP/last.out" <<'PY' && pass "7 waves of one host: 3 masters first, then 4 agents, each saying 1.0.0 -> 1.1.0" || fail "the plan: $(cat "$TMP/last.out")"
import json, sys
plan = json.load(open(sys.argv[1]))
waves = plan["waves"]
assert plan["hosts_changing"] == 7, plan["hosts_changing"]
assert [w["role"] for w in waves] == ["master"] * 3 + ["agent"] * 4, waves
assert all(len(w["hosts"]) == 1 for w in waves), waves
assert all("reference 1.0.0 -> reference 1.1.0" in h["reason"] for w in waves for h in w["hosts"]), waves
PY

say "upgrade to 1.1.0 with the probes running"
start_probes upgrade
started=$SECONDS
expect_exit 0 "upgrade --yes" dci upgrade --yes --json
echo "upgrade of 3 masters and 4 agents: $((SECONDS - started)) s"
upgrade_run=$(last_run_id)
stop_probes
check_rolling upgrade "$upgrade_run"
grep -q -- "--snapshot-count=20000" <<<"$(etcd_args "$(host 1)")" && pass "etcd runs with 1.1.0's flag" ||
  fail "etcd command line: $(etcd_args "$(host 1)")"
on_host "$(host 4)" 'grep -qx distribution_version=1.1.0 /opt/dcinstall/active/dcinstall/bundle.info' &&
  pass "an agent runs a 1.1.0 bundle" || fail "the agent's bundle is not 1.1.0"
[ "$(hosts_changing)" = 0 ] &&
  pass "upgrade again: nothing to change" || fail "hosts still change after the upgrade"

say "rollback to 1.0.0 with the probes running"
start_probes rollback
expect_exit 0 "rollback --yes" dci rollback --yes --json
rollback_run=$(last_run_id)
stop_probes
check_rolling rollback "$rollback_run"
[ "$(running_bundles)" = "$first_bundles" ] && pass "every host runs its 1.0.0 bundle again" ||
  fail "bundles after the rollback: $(running_bundles), first: $first_bundles"
! grep -q -- "--snapshot-count" <<<"$(etcd_args "$(host 1)")" && pass "etcd runs without 1.1.0's flag again" ||
  fail "etcd command line after the rollback: $(etcd_args "$(host 1)")"

finish
