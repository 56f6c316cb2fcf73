#!/bin/bash
# A whole cluster's life on a private fleet (3 masters, 4 agents, 1 public agent):
# install 3 masters + 2 agents → cluster check passes → `install` again touches no host → add
# 2 agents and the public agent: only they get work → support bundle holds no secret → uninstall
# leaves every host as it was before → install again: status shows only the new install.
#   install_lifecycle_test.sh DCINSTALL SOURCE_DIR
source "$(dirname "$0")/lib.sh" "$1" "$2"

# The reference distribution plus a secret parameter, to check it never leaks.
distribution=$(copy_distribution secret)
secret_value="s3cr3t-$RANDOM-never-in-a-bundle"
sed -i 's/^parameters:$/parameters:\n  test_secret:\n    type: string\n    secret: true\n    default: ""\n    doc: A secret only the tests set./' "$distribution/distribution.yaml"
# ... rendered into a master template and into the agents' service environment.
echo "token={{test_secret}}" >"$distribution/templates/secret.conf.mustache"
sed -i '0,/^    templates:$/s//    templates:\n      - source: templates\/secret.conf.mustache\n        target: etc\/secret.conf/' "$distribution/distribution.yaml"
sed -i 's/^\(          \)AGENT_RETRY_MAX_S: .*$/&\n\1TEST_SECRET: "{{test_secret}}"/' "$distribution/distribution.yaml"
grep -q "target: etc/secret.conf" "$distribution/distribution.yaml" && grep -q 'TEST_SECRET: "{{test_secret}}"' "$distribution/distribution.yaml" ||
  { echo "cannot add the secret to the distribution copy"; exit 1; }
fleet_up 3 4 1 "agent_failure_budget: 0" "distribution: $distribution" "test_secret: \"$secret_value\""
full_config=$TMP/full.yaml
cp "$CONFIG" "$full_config"
# Only the first 2 agents, no public agent, at first.
python3 - "$CONFIG" <<'PY'
import sys, re
path = sys.argv[1]
text = open(path).read()
agents = re.search(r"^agent_list:\n((?:- .*\n)+)", text, re.M)
kept = "".join(agents.group(1).splitlines(True)[:2])
text = text.replace(agents.group(0), "agent_list:\n" + kept)
text = re.sub(r"public_agent_list:\n(?:- .*\n)+", "public_agent_list: []\n", text)
open(path, "w").write(text)
PY

snapshot() {  # what the install may change on each host: its install paths and its processes
  for address in $(cat "$FLEET_DIR"/hosts.masters "$FLEET_DIR"/hosts.agents "$FLEET_DIR"/hosts.public_agents); do
    echo "## $address"
    # The fleet's hosts share one PID namespace: a host's processes are those in its netns.
    on_host "$address" 'ls -la /opt/dcinstall /etc/dcinstall /var/lib/dcinstall 2>&1 | grep -v "^total"; ls /etc/systemd/system 2>&1
      # Builtins only ([ -ef ], read): no process per /proc entry, which crawls on a loaded machine.
      for p in /proc/[0-9]*; do [ "$p/ns/net" -ef /proc/$$/ns/net ] && read -r c <"$p/comm" 2>/dev/null && echo "$c"; done |
        grep -v -x -e bash -e cat -e readlink -e grep -e sort -e ls -e sshd | sort'
  done
}
snapshot >"$TMP/before.txt"

say "install: 3 masters + 2 agents"
expect_exit 0 "install" dci install --json
grep -q '"ok":true.*"stage":"cluster-check".*"type":"stage_finished"' "$TMP/last.out" &&
  pass "the cluster check passed" || fail "no passing cluster check in the events"
[ "$(status_count deploy master succeeded)" = 3 ] && pass "3 masters deployed" || fail "masters deployed: $(status_count deploy master succeeded)"
[ "$(status_count deploy agent succeeded)" = 2 ] && pass "2 agents deployed" || fail "agents deployed: $(status_count deploy agent succeeded)"
members=$(on_host "$(head -n1 "$FLEET_DIR/hosts.masters")" '. /etc/dcinstall/host.env; set -a; . /opt/dcinstall/active/etc/etcdctl.env; /opt/dcinstall/active/bin/etcdctl member list' | wc -l)
[ "$members" = 3 ] && pass "etcd has 3 members" || fail "etcd member list has $members lines"
# Positive controls for steps_in_run, which the no-op checks below rely on: the install's own
# run has steps, and a failing `dcinstall logs` is not read as "0 steps".
first_run=$(last_run_id)
first_steps=$(steps_in_run "$first_run")
[ "$first_steps" -gt 0 ] 2>/dev/null && pass "the install recorded $first_steps steps" || fail "the install's steps: $first_steps"
broken=$(WORK=$TMP/no-such-work-dir steps_in_run "$first_run")
[ "$broken" != 0 ] && pass "a failing logs query is not a count ($broken)" || fail "a failing logs query counted as 0 steps"

say "secrets at rest: owner-only on the bootstrap machine and on the hosts"
mode() { stat -c %a "$1"; }
[ "$(mode "$WORK")" = 700 ] && pass "the work dir is 0700" || fail "the work dir is $(mode "$WORK")"
for file in "$WORK/state.db" "$WORK"/serve/bundles/master--*; do
  [ "$(mode "$file")" = 600 ] && pass "${file#"$WORK"/} is 0600" || fail "${file#"$WORK"/} is $(mode "$file")"
done
master_modes=$(on_host "$(head -n1 "$FLEET_DIR/hosts.masters")" 'cd -P /opt/dcinstall/active && stat -c "%a %n" . etc etc/secret.conf etc/etcdctl.env dcinstall/services/etcd.run')
agent_modes=$(on_host "$(head -n1 "$FLEET_DIR/hosts.agents")" 'cd -P /opt/dcinstall/active && stat -c "%a %n" . dcinstall dcinstall/services/agent.run')
expected_master=$'750 .\n750 etc\n600 etc/secret.conf\n644 etc/etcdctl.env\n755 dcinstall/services/etcd.run'
expected_agent=$'750 .\n750 dcinstall\n700 dcinstall/services/agent.run'
[ "$master_modes" = "$expected_master" ] && pass "master: secret file 0600, bundle dirs 0750" || fail "master modes: $master_modes"
[ "$agent_modes" = "$expected_agent" ] && pass "agent: run script with the secret 0700, bundle dirs 0750" || fail "agent modes: $agent_modes"

say "install again: nothing to do, no host touched"
expect_exit 0 "plan install" dci plan install --json
python3 -c "import json,sys; d=json.load(open('$TMP/last.out')); sys.exit(any(s['hosts_with_work'] for s in d))" &&
  pass "the plan has no host with work" || fail "the plan still has work: $(cat "$TMP/last.out" | head -c 600)"
expect_exit 0 "install (re-run)" dci install --json
run=$(last_run_id)
[ "$(steps_in_run "$run")" = 0 ] && pass "the re-run ran no step on any host" || fail "the re-run ran $(steps_in_run "$run") steps"

say "add 2 agents and the public agent: only they get work"
cp "$full_config" "$CONFIG"
expect_exit 0 "plan deploy after adding hosts" dci plan deploy --json
with_work=$(python3 -c "import json; d=json.load(open('$TMP/last.out')); print(d[0]['hosts_with_work'])")
[ "$with_work" = 3 ] && pass "3 hosts with deploy work" || fail "$with_work hosts with deploy work"
expect_exit 0 "install with the new hosts" dci install --json
run=$(last_run_id)
# The cluster check runs again on the first master (read-only); nothing else touches old hosts.
for address in $(cat "$FLEET_DIR/hosts.masters") $(head -n2 "$FLEET_DIR/hosts.agents"); do
  for stage in preflight deploy postflight; do
    touched=$(steps_in_run "$run" "$address:22" "$stage")
    [ "$touched" = 0 ] || fail "old host $address ran $touched $stage steps when hosts were added"
  done
done
[ "$(status_count deploy agent succeeded)" = 4 ] && pass "4 agents deployed" || fail "agents deployed: $(status_count deploy agent succeeded)"
[ "$(status_count deploy public_agent succeeded)" = 1 ] && pass "the public agent deployed" || fail "public agent not deployed"
[ "$(status_count cluster-check master succeeded)" = 1 ] && pass "cluster check passed with 8 hosts" || fail "cluster check did not pass"

say "status, logs, support bundle"
expect_exit 0 "status" "$DCINSTALL" status --work-dir "$WORK"
expect_exit 0 "logs of one host" "$DCINSTALL" logs --work-dir "$WORK" --host "$(head -n1 "$FLEET_DIR/hosts.masters"):22" --stage deploy
grep -q "install.sh" "$TMP/last.out" && pass "the logs show install.sh's output" || fail "logs lack install.sh output"
expect_exit 0 "support bundle" dci support-bundle -o "$TMP/support.tar.gz"
mkdir "$TMP/support" && tar -xzf "$TMP/support.tar.gz" -C "$TMP/support"
key_body=$(sed -n 2p "$FLEET_DIR/id_ed25519")
if grep -rqF -e "$key_body" -e "PRIVATE KEY" "$TMP/support"; then fail "the support bundle holds the private key"; else pass "no private key in the support bundle"; fi
if grep -rqF -e "$secret_value" "$TMP/support"; then fail "the support bundle holds the secret"; else pass "no secret value in the support bundle"; fi
for file in config.yaml expanded-config.yaml state.json steps.jsonl versions.json; do
  [ -s "$TMP/support/dcinstall-support/$file" ] || fail "support bundle lacks $file"
done

say "uninstall: every host as before"
expect_exit 2 "uninstall without --yes and no terminal" dci uninstall </dev/null
expect_exit 0 "uninstall --yes" dci uninstall --yes --json
sleep 1
snapshot >"$TMP/after.txt"
if diff -u "$TMP/before.txt" "$TMP/after.txt"; then pass "hosts are as before"; else fail "hosts differ after uninstall"; fi
expect_exit 0 "plan deploy after uninstall" dci plan deploy --json
with_work=$(python3 -c "import json; d=json.load(open('$TMP/last.out')); print(d[0]['hosts_with_work'])")
[ "$with_work" = 8 ] && pass "every host has deploy work again" || fail "$with_work hosts with deploy work after uninstall"

say "install again after the uninstall: status shows the new install only"
expect_exit 0 "install after uninstall" dci install --json
[ "$(status_count deploy master succeeded)" = 3 ] && [ "$(status_count deploy agent succeeded)" = 4 ] &&
  pass "every host deployed again" || fail "deployed again: $(status_count deploy master succeeded) masters, $(status_count deploy agent succeeded) agents"
expect_exit 0 "status --json" "$DCINSTALL" status --work-dir "$WORK" --json
python3 -c "import json,sys; sys.exit('uninstall' in json.load(open('$TMP/last.out'))['stages'])" &&
  pass "status no longer lists the earlier uninstall" || fail "status still lists the uninstall: $(head -c 600 "$TMP/last.out")"
finish
