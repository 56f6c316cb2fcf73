#!/bin/bash
# Failures grouped by cause, on a private fleet (1 master, 5 agents), two kinds at once: port 2379
# taken on three agents by a listener the test starts in their namespaces (the agents of this
# distribution copy need it free), and one agent cut off (`fleet cut`). Then:
#   - preflight's summary (stderr) shows two causes with the right counts, examples and commands;
#   - `status`, `status --json` and `status --stage preflight --cause N` show the same groups;
#   - the GUI (chromium, tests/installer/causes_gui.mjs): the panel lists both causes, a click
#     filters the host table to one cause's hosts, "Retry these hosts" retries those only.
#   causes_test.sh DCINSTALL SOURCE_DIR
source "$(dirname "$0")/lib.sh" "$1" "$2"

fleet_up 1 5 0 "connect_timeout_s: 3" "retries: 0" "command_timeout_s: 60"
distribution=$(copy_distribution ports)
python3 - "$distribution/distribution.yaml" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
agent = text.index("  agent: &agent")
at = text.index("      disk_mb: 64\n", agent) + len("      disk_mb: 64\n")
text = text[:at] + "      ports: [etcd_client_port]\n" + text[at:]
open(path, "w").write(text)
PY
echo "distribution: $distribution" >>"$CONFIG"
mapfile -t agents <"$FLEET_DIR/hosts.agents"
taken=("${agents[0]}" "${agents[1]}" "${agents[2]}")
cut=${agents[4]}
declare -A listener_pids

say "port 2379 taken on ${taken[*]}; $cut cut off"
for address in "${taken[@]}"; do
  listener_pids[$address]=$(on_host "$address" "setsid python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((\"0.0.0.0\", 2379)); s.listen(); time.sleep(900)' >/dev/null 2>&1 & echo \$!")
done
stop_listeners() {
  for address in "${!listener_pids[@]}"; do
    on_host "$address" "kill ${listener_pids[$address]}" 2>/dev/null
    unset "listener_pids[$address]"
  done
}
trap 'stop_listeners; cleanup' EXIT
for address in "${taken[@]}"; do
  for _ in $(seq 50); do on_host "$address" "ss -Hltn 'sport = :2379' | grep -q ." && break; sleep 0.1; done
done
"$FLEET" cut --dir "$FLEET_DIR" "$cut"

say "preflight: two causes"
dci preflight >"$TMP/preflight.jsonl" 2>"$TMP/preflight.err"
status=$?
[ "$status" = 1 ] && pass "preflight exits 1 (unchanged)" || fail "preflight exit $status"
echo "--- the CLI summary (stderr) ---"
cat "$TMP/preflight.err"
echo "---"
grep -q '^preflight: 4 hosts failed, 2 causes:$' "$TMP/preflight.err" &&
  pass "the summary counts 4 hosts and 2 causes" || fail "no '4 hosts failed, 2 causes' line"
grep -q '^  1) 3 hosts: check requirements-port-2379: port 2379 is in use; the agent role needs it free$' "$TMP/preflight.err" &&
  pass "cause 1: the port, 3 hosts" || fail "cause 1 is not the port on 3 hosts"
grep -Eq '^  2\) 1 host: unreachable: (connect timeout|no route to host)$' "$TMP/preflight.err" &&
  pass "cause 2: unreachable, 1 host" || fail "cause 2 is not the cut host"
grep -qF "     ${taken[0]}:22, ${taken[1]}:22, ${taken[2]}:22; all: dcinstall status --work-dir $WORK --stage preflight --cause 1" "$TMP/preflight.err" &&
  pass "cause 1 names its hosts and the command to list them" || fail "cause 1's examples or command are wrong"
python3 - "$TMP/preflight.jsonl" <<'PY' && pass "the stage_finished event carries the groups" || fail "stage_finished has no groups"
import json, sys
finished = [e for e in map(json.loads, open(sys.argv[1])) if e["type"] == "stage_finished"][-1]
counts = [(g["count"], g["cause"].split(":")[0]) for g in finished["causes"]]
assert counts == [(3, "check requirements-port-2379"), (1, "unreachable")], counts
PY

say "status shows the groups, read from the state"
expect_exit 1 "status" "$DCINSTALL" status --work-dir "$WORK"
grep -q '^    1) 3 hosts: check requirements-port-2379' "$TMP/last.out" && pass "status lists cause 1" || fail "status lacks cause 1"
{ "$DCINSTALL" status --json --work-dir "$WORK" || true; } | python3 -c "
import json, sys
groups = json.load(sys.stdin)['stages']['preflight']['causes']
assert [g['count'] for g in groups] == [3, 1], groups
" && pass "status --json carries the groups" || fail "status --json groups are wrong"
expect_exit 1 "status --stage preflight --cause 1" "$DCINSTALL" status --work-dir "$WORK" --stage preflight --cause 1
[ "$(grep -c '^  ✘ ' "$TMP/last.out")" = 3 ] && ! grep -qF "$cut" "$TMP/last.out" &&
  pass "--cause 1 lists the 3 hosts of the port, not the cut one" || fail "--cause 1 lists: $(cat "$TMP/last.out")"
expect_exit 2 "an unknown cause number is a usage error" "$DCINSTALL" status --work-dir "$WORK" --stage preflight --cause 9

say "the support bundle has the groups per stage"
expect_exit 0 "support-bundle" "$DCINSTALL" support-bundle -c "$CONFIG" --work-dir "$WORK" -o "$TMP/support.tar.gz"
tar -xzf "$TMP/support.tar.gz" -O dcinstall-support/state.json | python3 -c "
import json, sys
groups = json.load(sys.stdin)['failures_by_cause']['preflight']
assert [g['count'] for g in groups] == [3, 1], groups
" && pass "state.json has failures_by_cause for preflight" || fail "the support bundle lacks the groups"

say "GUI: the panel, a click filters, retry one cause"
stop_listeners
run_before=$(last_run_id)
node "$SOURCE_DIR/tests/installer/causes_gui.mjs" "$DCINSTALL" "$CONFIG" "$WORK" "$cut" "${taken[@]}"
gui=$?
if [ "$gui" = 77 ]; then
  echo "skip: the GUI part (no chromium or web/node_modules)"
elif [ "$gui" = 0 ]; then
  pass "the GUI shows the causes, filters by one and retries it"
  retry_run=$(last_run_id)
  [ "$retry_run" -gt "$run_before" ] && pass "the retry is a new run (#$retry_run)" || fail "no new run"
  for address in "${taken[@]}"; do
    [ "$(steps_in_run "$retry_run" "$address:22" preflight)" -gt 0 ] || fail "$address was not retried"
  done
  [ "$(steps_in_run "$retry_run" "$cut:22" preflight)" = 0 ] &&
    pass "the cut host was not retried" || fail "the cut host ran steps in the retry"
  [ "$(status_count preflight agent succeeded)" = 4 ] && [ "$(status_count preflight agent failed)" = 1 ] &&
    pass "after the retry: 4 agents passed, the cut one still failed" ||
    fail "after the retry: $(status_count preflight agent succeeded) passed, $(status_count preflight agent failed) failed"
  { "$DCINSTALL" status --json --work-dir "$WORK" || true; } | python3 -c "
import json, sys
groups = json.load(sys.stdin)['stages']['preflight']['causes']
assert [g['count'] for g in groups] == [1] and groups[0]['cause'].startswith('unreachable'), groups
" && pass "one cause is left: the cut host" || fail "the groups after the retry are wrong"
else
  fail "the GUI part failed (exit $gui)"
fi

say "CLI: heal the cut host, retry its cause only (by its text)"
"$FLEET" heal --dir "$FLEET_DIR" "$cut"
unreachable=$({ "$DCINSTALL" status --json --work-dir "$WORK" || true; } | python3 -c "
import json, sys
print([g['cause'] for g in json.load(sys.stdin)['stages']['preflight']['causes'] if g['cause'].startswith('unreachable')][0])")
expect_exit 0 "preflight --cause '$unreachable'" dci preflight --cause "$unreachable"
cli_run=$(last_run_id)
[ "$(steps_in_run "$cli_run" "$cut:22" preflight)" -gt 0 ] && [ "$(steps_in_run "$cli_run" "${taken[0]}:22" preflight)" = 0 ] &&
  pass "only the cut host ran in that run" || fail "preflight --cause ran other hosts"
if [ "$gui" = 0 ]; then
  [ "$(status_count preflight agent succeeded)" = 5 ] && pass "every agent passed preflight" ||
    fail "agents passed: $(status_count preflight agent succeeded)"
fi
finish
