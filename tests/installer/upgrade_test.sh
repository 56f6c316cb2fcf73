#!/bin/bash
# A rolling change on a private fleet (3 masters, 2 agents), with an etcd write every 200 ms from
# the bootstrap machine the whole time (etcdctl, 1 s timeout):
# install → change etcd_heartbeat_interval_ms → `plan upgrade` names the parameter and puts the
# masters in three waves (the agents' bundle does not change) → a frozen master makes the health
# gate refuse → `upgrade --yes`, SIGKILLed during the second master's switch and run again,
# (a second upgrade meanwhile is refused) switches each master once, one at a time (from the
# recorded steps), the leader handing its leadership on first; no gap between two successful
# writes exceeds 3 s and at least 2 of 3 members always answer → `upgrade` again changes nothing →
# `rollback --yes` takes the masters back to their first bundle, again one master at a time.
#   upgrade_test.sh DCINSTALL SOURCE_DIR
source "$(dirname "$0")/lib.sh" "$1" "$2"

# The reference distribution plus one master health check that fails on the addresses in the
# parameter test_broken_on: a new bundle that never becomes healthy on the host the test names.
distribution=$(copy_distribution broken)
cat >"$distribution/templates/check-broken.sh.mustache" <<'CHECK'
#!/bin/bash
case " {{test_broken_on}} " in *" $DCINSTALL_ADDRESS "*) echo "broken on purpose on $DCINSTALL_ADDRESS"; exit 1 ;; esac
exit 0
CHECK
python3 - "$distribution/distribution.yaml" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
text = text.replace("parameters:\n", """parameters:
  test_broken_on:
    type: string
    default: ""
    doc: Addresses whose master health check fails (the tests' broken bundle).
""", 1)
master = text.index("  master:")
at = text.index("    templates:\n", master) + len("    templates:\n")
text = text[:at] + """      - source: templates/check-broken.sh.mustache
        target: checks/broken.sh
        mode: "0755"
""" + text[at:]
at = text.index("    health:\n", master) + len("    health:\n")
text = text[:at] + """      - name: test-broken
        run: checks/broken.sh
        message: the test's broken bundle
""" + text[at:]
open(path, "w").write(text)
PY
fleet_up 3 2 0 "upgrade_host_timeout_s: 40" "distribution: $distribution"
source "$(dirname "$0")/rolling_lib.sh"

say "install"
expect_exit 0 "install" dci install --json
first_bundles=$(running_bundles)

say "a one-line config change: the plan names it and takes the masters one by one"
echo "etcd_heartbeat_interval_ms: 150" >>"$CONFIG"
expect_exit 0 "plan upgrade" dci plan upgrade --json
python3 - "$TMP/last.out" <<'PY' && pass "3 master waves of one host, each saying why; the agents' bundle is unchanged" || fail "the plan: $(cat "$TMP/last.out")"
import json, sys
plan = json.load(open(sys.argv[1]))
waves = plan["waves"]
masters = [w for w in waves if w["role"] == "master"]
assert plan["hosts_changing"] == 3, plan["hosts_changing"]  # the heartbeat is a master setting
assert len(waves) == 3 and waves == masters and all(len(w["hosts"]) == 1 for w in masters), waves
assert sorted(h["role"] for h in plan["unchanged"]) == ["agent", "agent"], plan["unchanged"]
assert all("etcd_heartbeat_interval_ms 100 -> 150" in h["reason"] for w in waves for h in w["hosts"]), waves
PY
expect_exit 0 "upgrade --dry-run changes nothing" dci upgrade --dry-run
[ "$(hosts_changing)" = 3 ] &&
  pass "after the dry run the 3 masters still change" || fail "the dry run changed something"

say "a frozen master: the health gate refuses, names it, changes nothing"
"$FLEET" freeze --dir "$FLEET_DIR" "$(host 3)" >/dev/null
expect_exit 1 "upgrade --yes refused" dci upgrade --yes
grep -q "$(host 3)" "$TMP/last.out" && pass "the refusal names the frozen master" ||
  { fail "the refusal does not name $(host 3)"; cat "$TMP/last.out"; }
"$FLEET" thaw --dir "$FLEET_DIR" "$(host 3)" >/dev/null
[ "$(hosts_changing)" = 3 ] &&
  pass "after the refusal the 3 masters still change" || fail "the refused upgrade changed something"

say "upgrade with the write probe running, SIGKILLed after the first master, then resumed"
lead_from "$(host 1)" && pass "etcd's leader is master 1, the first to drain" || fail "cannot move the leadership to master 1"
start_probes upgrade
started=$SECONDS
# Not through dci (a shell function): $! must be dcinstall itself, so the kill reaches it.
"$DCINSTALL" upgrade --yes --json -c "$CONFIG" --work-dir "$WORK" >"$TMP/killed.out" 2>&1 &
upgrade_pid=$!
background_pids+=($upgrade_pid)
# wait_for_step HOST STEP: until dcinstall's events show HOST's STEP starting (at most 2 min).
wait_for_step() {
  for ((i = 0; i < 600; i++)); do
    grep -q "\"host\":\"$1:22\".*\"step\":\"$2\"" "$TMP/killed.out" && return
    sleep 0.2
  done
}
wait_for_step "$(host 1)" drain
expect_exit 1 "a second upgrade while one runs is refused" dci upgrade --yes
grep -q "another dcinstall run is using the work dir $WORK (pid $upgrade_pid)" "$TMP/last.out" &&
  pass "the refusal names the work dir and the running pid" || { fail "the refusal:"; cat "$TMP/last.out"; }
during=$("$DCINSTALL" status --work-dir "$WORK" 2>&1)
grep -q "^last run #[0-9]*: upgrade.*: running (pid $upgrade_pid)" <<<"$during" &&
  pass "status meanwhile: the upgrade is running, with its pid" || fail "status during the upgrade: $during"
wait_for_step "$(host 2)" switch
kill -9 "$upgrade_pid" 2>/dev/null
wait "$upgrade_pid" 2>/dev/null
after=$("$DCINSTALL" status --work-dir "$WORK" 2>&1)
grep -q "^last run #[0-9]*: upgrade.*: killed" <<<"$after" &&
  pass "status after the kill: the run was killed" || fail "status after the kill: $after"
killed_run=$(last_run_id)
killed_switches=$(switch_overlap masters "$killed_run")
# A step is recorded when it ends: the killed run holds the first master's switch only.
[ "$killed_switches" = "count=1 no" ] && pass "killed while the second master switched" ||
  fail "the kill came at the wrong point: $killed_switches"
expect_exit 0 "upgrade --yes again: it resumes and completes" dci upgrade --yes --json
echo "upgrade of 3 masters (killed once, resumed): $((SECONDS - started)) s"
upgrade_run=$(last_run_id)
stop_probes
gap=$(longest_gap upgrade)
echo "upgrade: $(writes_summary upgrade); fewest etcd members answering: $(fewest upgrade members) of 3"
[ "$(wc -l <"$TMP/upgrade-writes.txt")" -gt 10 ] && [ "$gap" -le 3000 ] &&
  pass "etcd kept taking writes (longest gap ${gap} ms)" || fail "no successful etcd write for ${gap} ms"
[ "$(fewest upgrade members)" -ge 2 ] && pass "at every probe at least 2 of 3 members answered" ||
  fail "at one probe only $(fewest upgrade members) of 3 etcd members answered"
# Across the killed run and its resume: each master switched once, never two at once.
overlap=$(switch_overlap masters "$killed_run" "$upgrade_run")
[ "$overlap" = "count=3 no" ] && pass "3 master switches in all, one at a time" || fail "master switches: $overlap"
# Master 1 led: its drain handed etcd's leadership on before its restart.
moved=$("$DCINSTALL" logs --json --run "$killed_run" --host "$(host 1):22" --stage upgrade --work-dir "$WORK" |
  python3 -c "import json,sys; print(' '.join(json.loads(l)['output'] for l in sys.stdin if l.strip() and json.loads(l)['step'] == 'drain'))")
grep -q "done etcd-leader: leadership moved from" <<<"$moved" && pass "master 1's drain moved etcd's leadership away" ||
  fail "master 1's drain: $moved"
running=$(etcd_args "$(host 1)")
grep -q -- "--heartbeat-interval=150" <<<"$running" && pass "etcd runs with the new heartbeat" ||
  fail "etcd command line: $running"
[ "$(hosts_changing)" = 0 ] &&
  pass "upgrade again: nothing to change" || fail "hosts still change after the upgrade"
expect_exit 0 "status after the upgrade" "$DCINSTALL" status --work-dir "$WORK"

say "rollback: every host back to its first bundle"
start_probes rollback
expect_exit 0 "rollback --yes" dci rollback --yes --json
rollback_run=$(last_run_id)
stop_probes
gap=$(longest_gap rollback)
echo "rollback: $(writes_summary rollback); fewest etcd members answering: $(fewest rollback members) of 3"
[ "$gap" -le 3000 ] && pass "etcd kept taking writes during the rollback" || fail "no successful etcd write for ${gap} ms"
[ "$(fewest rollback members)" -ge 2 ] && pass "at every probe of the rollback at least 2 of 3 members answered" ||
  fail "at one probe of the rollback only $(fewest rollback members) of 3 etcd members answered"
overlap=$(switch_overlap masters "$rollback_run")
[ "$overlap" = "count=3 no" ] && pass "3 master switches back, one at a time" || fail "rollback switches: $overlap"
now_bundles=$(running_bundles)
[ "$now_bundles" = "$first_bundles" ] && pass "every host runs its first bundle again" ||
  fail "bundles after the rollback: $now_bundles, first: $first_bundles"

say "a new bundle that stays unhealthy on the second master: rolled back, the upgrade halts"
master2=$(host 2)
echo "test_broken_on: \"$master2\"" >>"$CONFIG"
expect_exit 1 "upgrade --yes fails" dci upgrade --yes
halted_run=$(last_run_id)
"$DCINSTALL" status --work-dir "$WORK" >"$TMP/status.txt" 2>&1
grep -q "$master2" "$TMP/status.txt" && grep -qi "rolled back\|rolled-back" "$TMP/status.txt" &&
  pass "status names the failed master and that it was rolled back" ||
  { fail "status after the halted upgrade"; cat "$TMP/status.txt"; }
# The health step polled the check many times: the reason names it once, after the step.
grep -q "$master2:22 (master): rolled-back to [0-9a-f]*: health: test-broken: the test's broken bundle (broken on purpose on $master2)\$" "$TMP/status.txt" &&
  pass "status names the failed step and check, once" || fail "status does not name the step and check once"
running=$(running_bundles)
python3 - "$first_bundles" "$running" "$(host 1)" "$master2" "$(host 3)" <<'PY' && pass "master 1 changed, master 2 back on its bundle, master 3 untouched" || fail "bundles after the halt: $running"
import ast, sys
first, now = dict(ast.literal_eval(sys.argv[1])), dict(ast.literal_eval(sys.argv[2]))
m1, m2, m3 = (a + ":22" for a in sys.argv[3:6])
assert now[m1] != first[m1], "master 1 runs the new bundle"
assert now[m2] == first[m2], "master 2 was rolled back"
assert now[m3] == first[m3], "master 3 was not touched"
PY
# Master 3 only had its health gate checked: no switch, no drain.
master3_steps=$("$DCINSTALL" logs --json --run "$halted_run" --host "$(host 3):22" --work-dir "$WORK" |
  python3 -c "import json,sys; print(' '.join(sorted({json.loads(l)['step'] for l in sys.stdin if l.strip()})))")
[ -n "$master3_steps" ] && ! grep -qw -e switch -e drain -e rollback <<<"$master3_steps" &&
  pass "master 3 was only health-checked ($master3_steps)" || fail "steps on master 3: '$master3_steps'"
cat "$TMP/status.txt"
members=$(on_host "$(host 1)" '. /opt/dcinstall/active/etc/etcdctl.env; /opt/dcinstall/active/bin/etcdctl endpoint health 2>&1' | grep -c "is healthy")
[ "$members" = 3 ] && pass "all 3 etcd members healthy after the halt" || fail "healthy members: $members"

finish
