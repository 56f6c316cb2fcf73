# Helpers for the shell tests of tests/genconf/ (sourced). Every wait is bounded; every process a
# test starts is recorded by pid and stopped by that pid (kill_recorded) on exit.

set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
pass() { echo "ok: $*"; }

# A TCP port that nothing listens on at the moment, on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds; false on timeout.
wait_for() {
  local seconds=$1 tries
  shift
  for ((tries = 0; tries < seconds * 5; tries++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  return 1
}

# Tests set `trap cleanup EXIT`; a signal must end the test through that trap too.
trap 'exit 143' TERM INT

recorded_pids=()
record_pid() { recorded_pids+=("$1"); }

# The pids in pidfiles under a root's run directory (supervisors and their services).
pids_under() {
  local file
  for file in "$1"/var/lib/dcinstall/run/*.pid; do
    [ -f "$file" ] && cat "$file"
  done
  return 0
}

alive() { kill -0 "$1" 2>/dev/null; }

# Stops every recorded pid (TERM, then KILL after 5 s).
kill_recorded() {
  local pid tries
  for pid in "${recorded_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for ((tries = 0; tries < 25; tries++)); do
    local any=""
    for pid in "${recorded_pids[@]}"; do alive "$pid" && any=1; done
    [ -n "$any" ] || return 0
    sleep 0.2
  done
  for pid in "${recorded_pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}

# run_status VAR COMMAND...: runs COMMAND, stores its exit status in VAR, output in $output.
run_status() {
  local __var=$1
  shift
  set +e
  output=$("$@" 2>&1)
  printf -v "$__var" '%s' "$?"
  set -e
}
