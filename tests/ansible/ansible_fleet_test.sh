#!/bin/bash
# genconf's serve/ansible/ with ansible-core on a private fleet (3 masters, 4 agents, 1 public
# agent), the way a site with its own Ansible runs it: genconf/serve/ served by
# `python3 -m http.server` on the fleet's bootstrap address, then
#   ansible-playbook -i serve/ansible/inventory.ini serve/ansible/site.yml
# → exit 0, etcd has every master, every agent is registered → a second run changes nothing →
# a master parameter changes: the masters switch one at a time (task order of the play) while a
# quorum answers every sample → uninstall.yml leaves the hosts as before → `dcinstall install` on
# the same hosts (its preflight refuses a previous install). Prints both install wall times.
#   ansible_fleet_test.sh DCINSTALL SOURCE_DIR
source "$(dirname "$0")/../installer/lib.sh" "$1" "$2"

fleet_up 3 4 1
masters=$(cat "$FLEET_DIR/hosts.masters")
agents=$(cat "$FLEET_DIR/hosts.agents" "$FLEET_DIR/hosts.public_agents")
# The bootstrap side of the fleet's bridge: x.y.z.1 of the first host's subnet.
bootstrap=$(host 1 | sed 's/\.[0-9]*$/.1/')
http_port=$(python3 -c "import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])" "$bootstrap")
echo "bootstrap_url: http://$bootstrap:$http_port" >>"$CONFIG"
GENCONF=$TMP/genconf
ANSIBLE=$GENCONF/serve/ansible
export ANSIBLE_LOCAL_TEMP=$TMP/ansible-local ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0

"$DCINSTALL" genconf -c "$CONFIG" -o "$GENCONF" >"$TMP/genconf.out" 2>&1 ||
  { cat "$TMP/genconf.out"; echo "genconf failed"; exit 1; }
python3 -m http.server --bind "$bootstrap" --directory "$GENCONF/serve" "$http_port" \
  >"$TMP/http.log" 2>&1 &
background_pids+=($!)
for ((tries = 0; tries < 50; tries++)); do
  curl -fsS -o /dev/null "http://$bootstrap:$http_port/install.sh" && break
  sleep 0.2
done
pass "genconf/serve/ served at http://$bootstrap:$http_port"

snapshot() {  # each host's install paths and its processes (see install_lifecycle_test.sh)
  for address in $masters $agents; do
    echo "## $address"
    on_host "$address" 'ls -la /opt/dcinstall /etc/dcinstall /var/lib/dcinstall 2>&1 | grep -v "^total"; ls /etc/systemd/system 2>&1
      for p in /proc/[0-9]*; do [ "$p/ns/net" -ef /proc/$$/ns/net ] && read -r c <"$p/comm" 2>/dev/null && echo "$c"; done |
        grep -v -x -e bash -e cat -e readlink -e grep -e sort -e ls -e sshd | sort'
  done
}
snapshot >"$TMP/before.txt"

playbook() {  # PLAYBOOK LOG: runs it as the README says; the exit status is ansible-playbook's
  ansible-playbook -i "$ANSIBLE/inventory.ini" "$ANSIBLE/$1" >"$2" 2>&1
}
# recap_total LOG FIELD: the sum of FIELD (changed, failed, ...) over the PLAY RECAP's hosts.
recap_total() {
  sed -n '/^PLAY RECAP/,$p' "$1" | grep -o " $2=[0-9]*" | cut -d= -f2 | awk '{ s += $1 } END { print s + 0 }'
}
etcd_on_master() {  # COMMAND: etcdctl with the cluster's endpoints, on the first master
  on_host "$(head -n1 <<<"$masters")" ". /etc/dcinstall/host.env; set -a; . /opt/dcinstall/active/etc/etcdctl.env; /opt/dcinstall/active/bin/etcdctl $1"
}

say "site.yml on a fresh fleet"
start=$(date +%s.%N)
playbook site.yml "$TMP/site1.log"
status=$?
ansible_seconds=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
if [ "$status" -eq 0 ]; then pass "site.yml exited 0 in $ansible_seconds s"; else fail "site.yml exited $status"; tail -n 60 "$TMP/site1.log"; fi
grep -q "GET /bundles/master--" "$TMP/http.log" && pass "the hosts fetched their bundles from bootstrap_url" || fail "no bundle fetched over HTTP"
members=$(etcd_on_master "member list" | wc -l)
[ "$members" = 3 ] && pass "etcd has 3 members" || fail "etcd member list has $members lines"
registered=$(etcd_on_master "get --prefix --keys-only /dcinstall/agents/" | sed -n 's#^/dcinstall/agents/##p' | sort)
expected=$(sort <<<"$agents")
[ "$registered" = "$expected" ] && pass "every agent is registered ($(wc -l <<<"$registered"))" ||
  fail "registered agents: [$registered], expected [$expected]"
# The result line of the cluster check task (after any "FAILED - RETRYING" lines).
cluster_result=$(awk '/^TASK \[Check the whole cluster/ { on = 1; next } on && /^(ok|changed|fatal|skipping):/ { print; exit }' "$TMP/site1.log")
[ "$cluster_result" = "ok: [$(head -n1 <<<"$masters")]" ] && pass "the cluster check passed on the first master" ||
  fail "cluster check: '$cluster_result'"

say "site.yml again: changed=0"
playbook site.yml "$TMP/site2.log"
status=$?
changed=$(recap_total "$TMP/site2.log" changed)
[ "$status" -eq 0 ] && [ "$changed" = 0 ] && pass "the second run exited 0 with changed=0" ||
  { fail "second run: exit $status, changed=$changed"; sed -n '/^PLAY RECAP/,$p' "$TMP/site2.log"; grep -B3 "^changed:" "$TMP/site2.log" | head -40; }

say "a master parameter changes: the masters switch one at a time"
echo "etcd_heartbeat_interval_ms: 200" >>"$CONFIG"
"$DCINSTALL" genconf -c "$CONFIG" -o "$GENCONF" >"$TMP/genconf2.out" 2>&1 || fail "genconf after the change"
endpoints=$(for m in $masters; do printf 'http://%s:2379,' "$m"; done | sed 's/,$//')
# Every 0.3 s while the playbook runs: how many masters answer `endpoint health` (bounded: at most
# 2,000 samples, ~10 min).
(
  for ((i = 0; i < 2000; i++)); do
    [ -e "$TMP/stop-sampling" ] && break
    ETCDCTL_API=3 timeout 5 etcdctl --endpoints="$endpoints" --dial-timeout=1s --command-timeout=2s \
      endpoint health 2>&1 | grep -c "is healthy" >>"$TMP/healthy-samples"
    sleep 0.3
  done
) &
sampler=$!
background_pids+=("$sampler")
playbook site.yml "$TMP/site3.log"
status=$?
touch "$TMP/stop-sampling"
wait "$sampler"
[ "$status" -eq 0 ] && pass "site.yml after the change exited 0" || { fail "site.yml after the change exited $status"; tail -n 60 "$TMP/site3.log"; }
# The (task, host) results of the switch play, in the order Ansible printed them.
order=$(python3 - "$TMP/site3.log" <<'PY'
import re, sys
play, out = None, []
for line in open(sys.argv[1]):
    m = re.match(r"^(PLAY|TASK) \[(.*)\]", line)
    if m:
        if m.group(1) == "PLAY": play = m.group(2)
        else: task = m.group(2)
        continue
    m = re.match(r"^(ok|changed): \[([^\]]+)\]", line)
    if m and play == "Switch the masters one at a time":
        out.append(("install" if task.startswith("Install") else "healthy") + " " + m.group(2))
print("\n".join(out))
PY
)
expected_order=$(for m in $masters; do echo "install $m"; echo "healthy $m"; done)
# Each master installs and is healthy again before the next one starts (any master order).
hosts_in_order=$(awk 'NR % 2 == 1 { print $2 }' <<<"$order" | sort)
pairs_ok=$(awk 'NR % 2 == 1 { h = $2; ok = ($1 == "install") } NR % 2 == 0 { if (!(ok && $1 == "healthy" && $2 == h)) bad = 1 } END { print bad ? "no" : "yes" }' <<<"$order")
if [ "$(wc -l <<<"$order")" = 6 ] && [ "$pairs_ok" = yes ] && [ "$hosts_in_order" = "$(sort <<<"$masters")" ]; then
  pass "masters switched one at a time: $(tr '\n' ' ' <<<"$order")"
else
  fail "switch order: [$order], expected each master's install then its health, like [$expected_order]"
fi
samples=$(wc -l <"$TMP/healthy-samples")
below=$(awk '$1 < 2' "$TMP/healthy-samples" | wc -l)
[ "$samples" -ge 3 ] && [ "$below" = 0 ] && pass "a quorum (2 of 3) answered in all $samples samples" ||
  fail "$below of $samples samples had fewer than 2 healthy masters"
grep -q "^PLAY \[Switch the agents" "$TMP/site3.log" && grep -A3 "^PLAY \[Switch the agents" "$TMP/site3.log" | grep -q "no hosts matched" &&
  pass "the agents (their bundle unchanged) were not switched" || fail "the agents were switched too"
members=$(etcd_on_master "member list" | wc -l)
[ "$members" = 3 ] && pass "etcd still has 3 members" || fail "etcd member list has $members lines after the change"

say "uninstall.yml leaves the hosts as before"
playbook uninstall.yml "$TMP/uninstall.log"
status=$?
[ "$status" -eq 0 ] && pass "uninstall.yml exited 0" || { fail "uninstall.yml exited $status"; tail -n 40 "$TMP/uninstall.log"; }
snapshot >"$TMP/after.txt"
diff "$TMP/before.txt" "$TMP/after.txt" >"$TMP/leftover.diff" && pass "no file or process of the install is left" ||
  { fail "uninstall left:"; cat "$TMP/leftover.diff"; }

say "dcinstall install on the same hosts, for comparison"
start=$(date +%s.%N)
expect_exit 0 "dcinstall install" dci install
dcinstall_seconds=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
echo "wall time, 8 hosts (3 masters, 4 agents, 1 public agent): ansible-playbook site.yml $ansible_seconds s, dcinstall install $dcinstall_seconds s"
finish
