#!/bin/bash
# `--install-prereqs` on a private fleet with tests/installer/testdata/prereqs, whose
# `test-marker` prerequisite is a file under /opt/dcinstall (private to each fleet host):
#   - `dcinstall preflight` fails on every host, naming the missing prerequisite;
#   - `dcinstall plan preflight [--install-prereqs]` says whether they would be installed;
#   - `dcinstall preflight --install-prereqs` installs it everywhere (step install-prereqs,
#     recorded and shown by `logs`) and passes;
#   - the same again installs nothing (every prerequisite reported present; one install per host).
#   prereqs_test.sh DCINSTALL SOURCE_DIR
source "$(dirname "$0")/lib.sh" "$1" "$2"

# steps_json RUN_ID STEP: the recorded steps named STEP of that run, as "host<TAB>exit<TAB>output
# (newlines as \n)" lines.
steps_json() {
  "$DCINSTALL" logs --json --run "$1" --work-dir "$WORK" 2>/dev/null | python3 -c "
import json, sys
for line in sys.stdin:
    step = json.loads(line)
    if step['run_id'] == $1 and step['step'] == '$2':
        print(step['host'], step['exit_code'], step['output'].replace('\n', '\\\\n'), sep='\t')"
}

fleet_up 1 1 1 "distribution: $SOURCE_DIR/tests/installer/testdata/prereqs"
hosts=$(awk '{ print $NF }' "$FLEET_DIR/hosts" | sed 's/^.*@//; s/:.*$//')
count=$(wc -l <<<"$hosts")

say "preflight without --install-prereqs: every host fails on the missing prerequisite"
expect_exit 1 "preflight fails" dci preflight --json
for role in master agent public_agent; do
  [ "$(status_count preflight "$role" failed)" = 1 ] && pass "the $role failed" ||
    fail "preflight $role failed = $(status_count preflight "$role" failed)"
done
"$DCINSTALL" status --json --work-dir "$WORK" >"$TMP/status.json"
reasons=$(python3 -c "import json; d=json.load(open('$TMP/status.json')); print('\n'.join(f['error'] for f in d['stages']['preflight']['failed']))")
[ "$(grep -c "^test-marker: the test marker is not installed (run with --install-prereqs to install it)$" <<<"$reasons")" = "$count" ] &&
  pass "status names the prerequisite and its message on all $count hosts" || fail "failure reasons: $reasons"
for address in $hosts; do
  on_host "$address" "test ! -e /opt/dcinstall/.prereq-installs" || fail "preflight ran the install on $address"
done

say "plan preflight: says whether prerequisites would be installed"
expect_exit 0 "plan preflight" dci plan preflight --json
python3 -c "import json,sys; sys.exit(json.load(open('$TMP/last.out'))[0]['install_prereqs'] is not False)" &&
  pass "the plan checks prerequisites only (the config's default)" || fail "plan: $(head -c 400 "$TMP/last.out")"
expect_exit 0 "plan preflight --install-prereqs" dci plan preflight --install-prereqs
grep -q "^preflight: $count with work, 0 without; prerequisites installed where missing$" "$TMP/last.out" &&
  pass "the plan says prerequisites would be installed" || fail "plan: $(head -n 3 "$TMP/last.out")"

say "preflight --install-prereqs: installed everywhere, then the checks pass"
expect_exit 0 "preflight --install-prereqs passes" dci preflight --install-prereqs --json
run=$(last_run_id)
[ "$("$DCINSTALL" status --json --work-dir "$WORK" | python3 -c "import json,sys; print(json.load(sys.stdin)['run']['command'])")" = "preflight --install-prereqs" ] &&
  pass "the run is recorded as 'preflight --install-prereqs'" || fail "recorded command"
steps_json "$run" install-prereqs >"$TMP/first.steps"
[ "$(wc -l <"$TMP/first.steps")" = "$count" ] && pass "one install-prereqs step per host" ||
  fail "install-prereqs steps: $(cat "$TMP/first.steps")"
[ "$(grep -c $'\t0\t.*prerequisite test-marker: installed' "$TMP/first.steps")" = "$count" ] &&
  pass "every host installed test-marker (exit 0)" || fail "first run steps: $(cat "$TMP/first.steps")"
[ "$(grep -c 'prerequisite shell: present' "$TMP/first.steps")" = "$count" ] &&
  pass "the present prerequisite was left alone" || fail "shell lines: $(cat "$TMP/first.steps")"
for address in $hosts; do
  on_host "$address" "test -f /opt/dcinstall/.prereq-marker && [ \$(wc -l </opt/dcinstall/.prereq-installs) = 1 ]" ||
    fail "$address: marker or install count wrong"
done
expect_exit 0 "logs show the install-prereqs step" "$DCINSTALL" logs --work-dir "$WORK" --stage preflight
grep -q "install-prereqs" "$TMP/last.out" && grep -q "prerequisite test-marker: installed" "$TMP/last.out" &&
  pass "dcinstall logs shows the step and its output" || fail "logs: $(head -n 40 "$TMP/last.out")"

say "again: nothing is installed"
expect_exit 0 "a second preflight --install-prereqs passes" dci preflight --install-prereqs --json
run2=$(last_run_id)
[ "$run2" -gt "$run" ] || fail "no new run"
steps_json "$run2" install-prereqs >"$TMP/second.steps"
[ "$(grep -c 'prerequisites of [a-z_]*: 0 installed, 2 present, 0 failed' "$TMP/second.steps")" = "$count" ] &&
  pass "every host: 0 installed, 2 present" || fail "second run steps: $(cat "$TMP/second.steps")"
! grep -q ': installed' "$TMP/second.steps" || fail "the second run installed something"
for address in $hosts; do
  on_host "$address" "[ \$(wc -l </opt/dcinstall/.prereq-installs) = 1 ]" || fail "$address: the install ran again"
done
expect_exit 0 "plain preflight passes now" dci preflight --json
finish
