#!/bin/bash
# One fault per run, each on its own private fleet: `faults_test.sh DCINSTALL SOURCE_DIR FAULT`
#   cut-link        an agent's link goes down mid-deploy: it fails, the others finish, and
#                   `deploy --retry-failed` after the link is back completes it
#   killed          the installer is SIGKILLed mid-deploy: `deploy` again redoes no finished host
#   hung-command    a check that hangs is killed on the host at command_timeout_s
#   budget          preflight failures within agent_failure_budget pass, beyond it fail
#   master-down     a master cannot be reached: deploy stops before the agents
source "$(dirname "$0")/lib.sh" "$1" "$2"
fault=$3

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s.
wait_for() {
  local seconds=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "timed out waiting for: $what"
      return 1
    fi
    sleep 0.2
  done
}
# count_is_at_least STAGE ROLE STATE N: read straight from the state file (fast enough to poll).
count_is_at_least() {
  python3 - "$WORK/state.db" "$@" <<'PY'
import sqlite3, sys
path, stage, role, state, wanted = sys.argv[1:]
db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
n = db.execute("select count(*) from host_stages where stage=? and role=? and state=?",
               (stage, role, state)).fetchone()[0]
sys.exit(0 if n >= int(wanted) else 1)
PY
}

case $fault in
  cut-link)
    fleet_up 3 2 0 "connect_timeout_s: 5" "retries: 1" "command_timeout_s: 30"
    agent=$(sed -n 1p "$FLEET_DIR/hosts.agents")
    expect_exit 0 "preflight" dci preflight --json
    say "deploy; cut $agent while the masters deploy"
    # $! must be dcinstall itself (not a subshell), to wait for it.
    "$DCINSTALL" deploy --json -c "$CONFIG" --work-dir "$WORK" >"$TMP/deploy.out" 2>&1 &
    pid=$!
    background_pids+=("$pid")
    sleep 1  # genconf and the masters' phase (3 etcd members forming a quorum) take longer
    "$FLEET" cut --dir "$FLEET_DIR" "$agent"
    [ "$(status_count deploy agent succeeded)" = 0 ] || fail "an agent finished before the cut"
    wait "$pid"
    status=$?
    [ "$status" = 1 ] && pass "deploy exits 1 with a failed agent" || fail "deploy exit $status"
    [ "$(status_count deploy agent failed)" = 1 ] && pass "the cut agent is failed" || fail "deploy agent failed = $(status_count deploy agent failed)"
    [ "$(status_count deploy agent succeeded)" = 1 ] && pass "the other agent finished" || fail "deploy agent succeeded = $(status_count deploy agent succeeded)"
    expect_exit 1 "status says hosts failed" "$DCINSTALL" status --work-dir "$WORK"
    grep -F "$agent" "$TMP/last.out" && pass "status names the failed agent" || fail "status does not name $agent"
    "$FLEET" heal --dir "$FLEET_DIR" "$agent"
    expect_exit 0 "deploy --retry-failed after the link is back" dci deploy --retry-failed --json
    [ "$(status_count deploy agent succeeded)" = 2 ] && pass "both agents deployed" || fail "agents deployed = $(status_count deploy agent succeeded)"
    expect_exit 0 "postflight" dci postflight --json
    ;;

  killed)
    fleet_up 1 4 0
    say "deploy one host at a time; SIGKILL the installer once the master is done"
    expect_exit 0 "preflight" dci preflight --json
    # $! must be dcinstall itself (not a subshell), so SIGKILL hits the installer.
    "$DCINSTALL" deploy --json --parallelism 1 -c "$CONFIG" --work-dir "$WORK" >"$TMP/deploy.out" 2>&1 &
    pid=$!
    background_pids+=("$pid")
    wait_for 180 "the master's deploy to succeed" count_is_at_least deploy master succeeded 1
    kill -9 "$pid" && pass "killed the installer mid-deploy" || fail "deploy finished before the kill"
    wait "$pid" 2>/dev/null
    done_before=$(status_count deploy agent succeeded)
    [ "$done_before" -lt 4 ] || fail "every agent was done before the kill"
    first_run=$(last_run_id)
    master=$(sed -n 1p "$FLEET_DIR/hosts.masters")
    expect_exit 0 "deploy again" dci deploy --json
    second_run=$(last_run_id)
    [ "$second_run" -gt "$first_run" ] || fail "no new run recorded"
    [ "$(steps_in_run "$second_run" "$master:22")" = 0 ] && pass "the finished master was not redone" || fail "the master ran steps again"
    [ "$(status_count deploy agent succeeded)" = 4 ] && pass "every agent deployed after the resume" || fail "agents deployed = $(status_count deploy agent succeeded)"
    expect_exit 0 "postflight" dci postflight --json
    ;;

  hung-command)
    fleet_up 1 2 0 "command_timeout_s: 8" "retries: 0"
    agent_address=$(sed -n 1p "$FLEET_DIR/hosts.agents")
    distribution=$(fault_distribution "" "$agent_address")
    echo "distribution: $distribution" >>"$CONFIG"
    say "preflight with a check that hangs on $agent_address"
    start=$SECONDS
    expect_exit 1 "preflight fails (budget 0)" dci preflight --json
    elapsed=$((SECONDS - start))
    [ "$elapsed" -lt 60 ] && pass "preflight ended in ${elapsed}s (command_timeout_s 8)" || fail "preflight took ${elapsed}s"
    grep -q "ran longer than 8 s" "$TMP/last.out" && pass "the failure says it ran past command_timeout_s" || fail "no timeout in the events"
    sleep 7  # the host's timeout(1) sends KILL 5 s after TERM
    if on_host "$agent_address" 'pgrep -f "sleep 600"' >/dev/null; then
      fail "the hung check still runs on $agent_address"
    else
      pass "the hung check was killed on the host"
    fi
    [ "$(status_count preflight agent succeeded)" = 1 ] && pass "the other agent passed" || fail "preflight agent succeeded = $(status_count preflight agent succeeded)"
    ;;

  budget)
    fleet_up 1 3 0 "agent_failure_budget: 1"
    first=$(sed -n 1p "$FLEET_DIR/hosts.agents")
    second=$(sed -n 2p "$FLEET_DIR/hosts.agents")
    distribution=$(fault_distribution "$first" "")
    echo "distribution: $distribution" >>"$CONFIG"
    say "one agent fails preflight, budget 1"
    expect_exit 0 "preflight passes within the budget" dci preflight --json
    grep -q 'passed with 1 failed agent' "$TMP/last.out" && pass "the summary warns about the failed agent" || fail "no warning in the summary"
    grep -q "injected failure on $first" "$TMP/last.out" && pass "the check's message is reported" || fail "the check's message is missing"
    say "two agents fail preflight, budget 1"
    distribution=$(fault_distribution "$first $second" "")
    expect_exit 1 "preflight fails beyond the budget" dci preflight --json
    grep -q 'over the failure budget' "$TMP/last.out" && pass "the summary says the budget was exceeded" || fail "no budget message"
    ;;

  master-down)
    fleet_up 3 2 0 "connect_timeout_s: 3" "retries: 0"
    master=$(sed -n 2p "$FLEET_DIR/hosts.masters")
    "$FLEET" stop --dir "$FLEET_DIR" "$master"
    say "deploy with master $master down"
    expect_exit 1 "deploy fails" dci deploy --json
    grep -q 'not started: a master failed' "$TMP/last.out" && pass "the agents were not started" || fail "agents were not reported as not started"
    [ "$(status_count deploy agent cancelled)" = 2 ] && pass "both agents are cancelled" || fail "deploy agent cancelled = $(status_count deploy agent cancelled)"
    run=$(last_run_id)
    for agent in $(cat "$FLEET_DIR/hosts.agents"); do
      [ "$(steps_in_run "$run" "$agent:22")" = 0 ] || fail "agent $agent ran steps"
    done
    "$FLEET" start --dir "$FLEET_DIR" "$master"
    ;;

  *)
    echo "unknown fault '$fault'"
    exit 2
    ;;
esac
finish
