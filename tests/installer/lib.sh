#!/bin/bash
# Shared by the installer's fleet tests: a private fleet per test (its own namespaces, so a test
# may cut or stop hosts), a config for it, assertions, and cleanup that always runs.
#   source lib.sh DCINSTALL SOURCE_DIR
set -uo pipefail
DCINSTALL=$1
SOURCE_DIR=$2
FLEET=$SOURCE_DIR/tools/fleet/fleet
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dcinstall-installer-test.XXXXXX")
WORK=$TMP/work
CONFIG=$TMP/config.yaml
FLEET_DIR=$TMP/fleet
failures=0
background_pids=()

cleanup() {
  for pid in "${background_pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  [ -f "$FLEET_DIR/config-fragment.yaml" ] && "$FLEET" down --dir "$FLEET_DIR" >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }
pass() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
expect_exit() {  # EXPECTED WHAT COMMAND...
  local expected=$1 what=$2 status
  shift 2
  "$@" >"$TMP/last.out" 2>&1
  status=$?
  if [ "$status" -eq "$expected" ]; then
    pass "$what (exit $status)"
  else
    fail "$what: exit $status, expected $expected"
    tail -n 40 "$TMP/last.out"
  fi
}
finish() {
  if [ "$failures" -gt 0 ]; then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
  exit 0
}

# fleet_up MASTERS AGENTS PUBLIC_AGENTS [extra config lines...]: a private fleet and its config.
fleet_up() {
  local masters=$1 agents=$2 public=$3
  shift 3
  "$FLEET" up --hosts $((masters + agents + public)) --masters "$masters" --agents "$agents" \
    --public-agents "$public" --dir "$FLEET_DIR" >"$TMP/fleet-up.log" 2>&1 ||
    { cat "$TMP/fleet-up.log"; echo "cannot bring the fleet up"; exit 1; }
  {
    echo "cluster_name: test"
    cat "$FLEET_DIR/config-fragment.yaml"
    printf '%s\n' "$@"
    # Defaults for the keys the test did not set.
    printf '%s\n' "$@" | grep -q '^postflight_timeout_s:' || echo "postflight_timeout_s: 120"
    printf '%s\n' "$@" | grep -q '^command_timeout_s:' || echo "command_timeout_s: 240"
  } >"$CONFIG"
}

# host N: the address of the fleet's Nth host (1-based: masters first, then agents, public).
host() { sed -n "${1}p" "$FLEET_DIR/hosts" | awk '{ print $NF }' | sed 's/^.*@//; s/:.*$//'; }

# on_host ADDRESS COMMAND: runs COMMAND inside that host's namespaces (not over SSH).
on_host() { "$FLEET" exec --dir "$FLEET_DIR" "$1" -- bash -c "$2"; }

dci() { "$DCINSTALL" "$@" -c "$CONFIG" --work-dir "$WORK"; }

# status_count STAGE ROLE STATE: hosts of ROLE in STATE for STAGE, from `dcinstall status --json`.
status_count() {
  "$DCINSTALL" status --json --work-dir "$WORK" 2>/dev/null |
    python3 -c "import json,sys; d=json.load(sys.stdin); print(d['stages'].get('$1',{}).get('roles',{}).get('$2',{}).get('$3',0))"
}

# steps_in_run RUN_ID [HOST [STAGE]]: steps recorded in that run (for one host, one stage).
# When `dcinstall logs` fails it prints "error: ..." instead of a count (and returns 1), so a
# comparison with a number fails rather than passing on an empty answer.
steps_in_run() {
  local out
  if ! out=$("$DCINSTALL" logs --json --run "$1" --work-dir "$WORK" ${2:+--host "$2"} ${3:+--stage "$3"} 2>&1); then
    echo "error: dcinstall logs failed: ${out##*$'\n'}"
    return 1
  fi
  printf '%s\n' "$out" | python3 -c "import json,sys; print(sum(1 for l in sys.stdin if l.strip() and json.loads(l)['run_id']==$1))"
}
last_run_id() {
  "$DCINSTALL" status --json --work-dir "$WORK" | python3 -c "import json,sys; print(json.load(sys.stdin)['run']['id'])"
}

# copy_distribution NAME: a copy of the built reference distribution (artifacts linked) in
# $TMP/NAME, to edit. Prints the directory.
copy_distribution() {
  local dir=$TMP/$1 reference
  reference=$(dirname "$DCINSTALL")/share/dcinstall/distributions/reference
  mkdir -p "$dir"
  cp -r "$reference/files" "$reference/templates" "$reference/distribution.yaml" "$dir/"
  ln -sfn "$reference/artifacts" "$dir/artifacts"
  echo "$dir"
}

# A copy of the reference distribution whose agents run one more preflight check: it fails on
# the addresses in $1 and hangs (sleep 600) on those in $2. Prints the directory.
fault_distribution() {
  local fail_on=$1 hang_on=$2 dir reference
  dir=$(copy_distribution fault)
  reference=$(dirname "$DCINSTALL")/share/dcinstall/distributions/reference
  cat >"$dir/files/check-fault.sh" <<CHECK
#!/bin/bash
case " $hang_on " in *" \$DCINSTALL_ADDRESS "*) sleep 600 ;; esac
case " $fail_on " in *" \$DCINSTALL_ADDRESS "*) echo "injected failure on \$DCINSTALL_ADDRESS"; exit 1 ;; esac
exit 0
CHECK
  python3 - "$reference/distribution.yaml" "$dir/distribution.yaml" <<'PY'
import sys
text = open(sys.argv[1]).read()
agent = text.index("  agent: &agent")
files_at = text.index("    files:\n", agent) + len("    files:\n")
text = text[:files_at] + """      - source: files/check-fault.sh
        target: checks/fault.sh
        mode: "0755"
""" + text[files_at:]
# The agent role has no preflight checks of its own (its tools are prerequisites): add the list.
if text.find("    preflight:\n", agent) < 0:
    health_at = text.index("    health:\n", agent)
    text = text[:health_at] + "    preflight:\n" + text[health_at:]
checks_at = text.index("    preflight:\n", agent) + len("    preflight:\n")
text = text[:checks_at] + """      - name: injected-fault
        run: checks/fault.sh
        message: the test's injected fault
        timeout_s: 1000
""" + text[checks_at:]
open(sys.argv[2], "w").write(text)
PY
  echo "$dir"
}
