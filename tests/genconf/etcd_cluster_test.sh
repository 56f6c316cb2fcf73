#!/bin/bash
# The reference distribution forms a real cluster: three etcd members started by install.sh from
# the rendered master bundle on 127.0.0.11-13 (each with its own root, so its own data dir), one
# agent on 127.0.0.21 and one public agent on 127.0.0.31. The public agent starts before any
# master, so it must retry until the masters answer. Checks: every member healthy, quorum of 3
# (`etcdctl endpoint health --cluster`), both agents registered with their role (and attributes),
# the cluster health check of the bundle, and that an agent's registration goes when it is
# uninstalled. Every process is stopped by its recorded pid. Loopback only.
#   etcd_cluster_test.sh <dcinstall binary> <source dir>
binary=$1
source_dir=$2
. "$source_dir/tests/genconf/test_lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dcinstall-etcd-cluster.XXXXXX")
roots=("$work/m1" "$work/m2" "$work/m3" "$work/agent" "$work/public")
cleanup() {
  local root
  for root in "${roots[@]}"; do
    for pid in $(pids_under "$root"); do record_pid "$pid"; done
  done
  kill_recorded
  if [ -n "${keep_logs:-}" ]; then
    for root in "${roots[@]}"; do tail -n 20 "$root"/var/lib/dcinstall/log/*.log 2>/dev/null; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT

client_port=$(free_port)
peer_port=$(free_port)
while [ "$peer_port" = "$client_port" ]; do peer_port=$(free_port); done
cat >"$work/config.yaml" <<CONFIG
cluster_name: etcd-test
master_list: [127.0.0.11, 127.0.0.12, 127.0.0.13]
agent_list: [127.0.0.21]
public_agent_list: [127.0.0.31]
ssh_host_key_policy: accept-new
etcd_client_port: $client_port
etcd_peer_port: $peer_port
agent_lease_ttl_s: 5
agent_retry_max_s: 2
agent_attributes: [zone=a, disk=ssd]
public_agent_attributes: [zone=dmz]
CONFIG
"$binary" genconf -c "$work/config.yaml" -o "$work/genconf" >/dev/null || fail "genconf"
install="$work/genconf/serve/install.sh"
bundle() { ls "$work"/genconf/serve/bundles/"$1"--*.tar.zst; }
endpoints="http://127.0.0.11:$client_port,http://127.0.0.12:$client_port,http://127.0.0.13:$client_port"
etcdctl() { /usr/bin/etcdctl --endpoints="$endpoints" --dial-timeout=2s --command-timeout=4s "$@"; }
keep_logs=1

install_role() {  # root role address
  run_status status bash "$install" --root "$1" --bundle "$(bundle "$2")" --address "$3" "$2"
  [ "$status" -eq 0 ] || fail "install of $2 on $3 exited $status: $output"
  for pid in $(pids_under "$1"); do record_pid "$pid"; done
}

# The public agent first: no master answers yet, so it retries with backoff.
install_role "$work/public" public_agent 127.0.0.31
wait_for 15 grep -q "no master answered" "$work/public/var/lib/dcinstall/log/agent.log" ||
  fail "the public agent did not report unreachable masters"
pass "public agent started before the masters and retries"

install_role "$work/m1" master 127.0.0.11
install_role "$work/m2" master 127.0.0.12
install_role "$work/m3" master 127.0.0.13
for i in 1 2 3; do
  wait_for 60 bash "$install" --root "$work/m$i" --health || fail "master 127.0.0.1$i is not healthy"
done
pass "three etcd members started from the master bundle are healthy"

health=$(etcdctl endpoint health --cluster 2>&1) || fail "endpoint health --cluster: $health"
[ "$(grep -c ' is healthy' <<<"$health")" -eq 3 ] || fail "expected 3 healthy members: $health"
members=$(etcdctl member list) || fail "member list"
[ "$(wc -l <<<"$members")" -eq 3 ] || fail "expected 3 members: $members"
for i in 1 2 3; do grep -q "127.0.0.1$i, http://127.0.0.1$i:$peer_port" <<<"$members" || fail "member $i: $members"; done
pass "quorum: 3 of 3 members healthy ($(tr '\n' ' ' <<<"$health" | cut -c1-120)...)"

install_role "$work/agent" agent 127.0.0.21
wait_for 30 bash "$install" --root "$work/agent" --health || fail "the agent did not register"
value=$(etcdctl get --print-value-only /dcinstall/agents/127.0.0.21)
grep -q '"role":"agent"' <<<"$value" || fail "agent value: $value"
grep -q '"attributes":{"zone":"a","disk":"ssd"}' <<<"$value" || fail "agent attributes: $value"
wait_for 30 bash "$install" --root "$work/public" --health || fail "the public agent did not register"
value=$(etcdctl get --print-value-only /dcinstall/agents/127.0.0.31)
grep -q '"role":"public_agent"' <<<"$value" || fail "public agent value: $value"
grep -q '"attributes":{"zone":"dmz"}' <<<"$value" || fail "public agent attributes: $value"
lease=$(etcdctl get -w json /dcinstall/agents/127.0.0.21 | python3 -c 'import json,sys; print(json.load(sys.stdin)["kvs"][0]["lease"])')
[ "$lease" != 0 ] || fail "the agent key has no lease"
pass "agents registered with role and attributes under a lease: $value"

hosts=$'master 127.0.0.11\nmaster 127.0.0.12\nmaster 127.0.0.13\nagent 127.0.0.21\npublic_agent 127.0.0.31'
run_status status bash "$install" --root "$work/m2" --cluster-health <<<"$hosts"
[ "$status" -eq 0 ] || fail "cluster health exited $status: $output"
run_status status bash "$install" --root "$work/m2" --cluster-health <<<"$hosts"$'\nagent 127.0.0.99\npublic_agent 127.0.0.21'
[ "$status" -eq 1 ] || fail "cluster health with an unknown agent exited $status: $output"
grep -q "^FAILED quorum-and-registrations: .*(agents: 1 of 4 not registered, 1 with the wrong role" <<<"$output" ||
  fail "cluster health output: $output"
pass "cluster health check: passes, and names a missing agent and a wrong role"

run_status status bash "$install" --root "$work/agent" --uninstall
[ "$status" -eq 0 ] || fail "agent uninstall exited $status: $output"
wait_for 10 bash -c "[ -z \"\$(/usr/bin/etcdctl --endpoints=$endpoints get --print-value-only /dcinstall/agents/127.0.0.21)\" ]" ||
  fail "the agent's registration outlived its uninstall"
pass "an uninstalled agent's registration is gone"

for root in "$work/public" "$work/m1" "$work/m2" "$work/m3"; do
  pids=$(pids_under "$root")
  run_status status bash "$install" --root "$root" --uninstall
  [ "$status" -eq 0 ] || fail "uninstall of $root exited $status: $output"
  [ -z "$(ls -A "$root")" ] || fail "uninstall left $(ls -A "$root") in $root"
  for pid in $pids; do ! alive "$pid" || fail "pid $pid of $root still runs"; done
done
for pid in "${recorded_pids[@]}"; do ! alive "$pid" || fail "recorded pid $pid still runs"; done
keep_logs=""
pass "every member and agent stopped; every recorded pid is gone"
echo "etcd cluster tests passed"
