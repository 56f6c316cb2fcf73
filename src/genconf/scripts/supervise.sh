#!/bin/bash
# dcinstall supervisor: keeps one service of a bundle running where PID 1 is not systemd
# (containers, the test fleet). Shipped in every bundle as dcinstall/supervise; install.sh drives
# it. Format and contract: docs/bundle-format.md, "Services".
#
#   supervise start NAME RUNFILE RESTART DELAY_S   start NAME unless it runs; returns once the
#                                                  supervisor runs (exit 1 if it did not start)
#   supervise stop NAME                            stop NAME and its supervisor; waits (bounded)
#   supervise status NAME                          exit 0 when NAME's supervisor runs
#
# RESTART is always, on-failure or never. After an exit the service is restarted after DELAY_S,
# then twice as long each time, up to 30 s; a run of 30 s or more resets the delay.
# The service runs in its own process group; stop sends SIGTERM to the group, then SIGKILL after
# 10 s. State lives under $DCINSTALL_DATA: run/NAME.pid (the supervisor), run/NAME.child.pid (the
# service), log/NAME.log (output of both).
set -u
: "${DCINSTALL_DATA:?DCINSTALL_DATA must be set (install.sh sets it)}"
run_dir="$DCINSTALL_DATA/run"
log_dir="$DCINSTALL_DATA/log"
k_max_delay=30
k_stop_wait_tenths=100

log() { echo "supervise[$$]: $(date -u +%Y-%m-%dT%H:%M:%SZ) $*"; }

read_pid() {
  local pid=""
  [ -f "$1" ] && read -r pid <"$1" 2>/dev/null
  case $pid in '' | *[!0-9]*) echo "" ;; *) echo "$pid" ;; esac
}

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# True when $1 is a live supervisor of service $2 (not a recycled pid).
is_supervisor() {
  alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q "supervise loop $2 "
}

cmd_start() {
  local name=$1 runfile=$2 restart=$3 delay=$4 pid tries
  pid=$(read_pid "$run_dir/$name.pid")
  if is_supervisor "$pid" "$name"; then
    echo "supervise: $name is already running (supervisor pid $pid)"
    return 0
  fi
  mkdir -p "$run_dir" "$log_dir"
  rm -f "$run_dir/$name.pid"
  setsid "$0" loop "$name" "$runfile" "$restart" "$delay" </dev/null >>"$log_dir/$name.log" 2>&1 &
  for ((tries = 0; tries < 50; tries++)); do
    pid=$(read_pid "$run_dir/$name.pid")
    if [ -n "$pid" ]; then
      echo "supervise: started $name (supervisor pid $pid)"
      return 0
    fi
    sleep 0.1
  done
  echo "supervise: $name did not start; see $log_dir/$name.log" >&2
  return 1
}

cmd_loop() {
  local name=$1 runfile=$2 restart=$3 delay=$4 current started status sleeper
  echo $$ >"$run_dir/$name.pid.tmp" && mv -f "$run_dir/$name.pid.tmp" "$run_dir/$name.pid"
  stopping=""
  child=""
  trap 'stopping=1; if [ -n "$child" ]; then kill -TERM -- "-$child" 2>/dev/null || kill -TERM "$child" 2>/dev/null; fi' TERM INT
  current=$delay
  while [ -z "$stopping" ]; do
    started=$SECONDS
    log "starting $name: $runfile"
    setsid "$runfile" </dev/null &
    child=$!
    echo "$child" >"$run_dir/$name.child.pid"
    wait "$child"
    status=$?
    # A trapped signal ends `wait` early: wait until the service itself has exited.
    while alive "$child"; do
      wait "$child"
      status=$?
    done
    child=""
    rm -f "$run_dir/$name.child.pid"
    [ -n "$stopping" ] && break
    log "$name exited with status $status"
    case $restart in
      never) break ;;
      on-failure) [ "$status" -eq 0 ] && break ;;
    esac
    [ $((SECONDS - started)) -ge $k_max_delay ] && current=$delay
    log "restarting $name in ${current}s"
    sleep "$current" &
    sleeper=$!
    wait "$sleeper"
    kill "$sleeper" 2>/dev/null
    current=$((current * 2 > k_max_delay ? k_max_delay : current * 2))
  done
  rm -f "$run_dir/$name.pid"
  log "$name stopped"
}

cmd_stop() {
  local name=$1 pid child tries
  pid=$(read_pid "$run_dir/$name.pid")
  child=$(read_pid "$run_dir/$name.child.pid")
  is_supervisor "$pid" "$name" || pid=""
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null
  elif alive "$child"; then
    kill -TERM -- "-$child" 2>/dev/null || kill -TERM "$child" 2>/dev/null
  fi
  for ((tries = 0; tries < k_stop_wait_tenths; tries++)); do
    alive "$pid" || alive "$child" || break
    sleep 0.1
  done
  if alive "$child"; then
    kill -KILL -- "-$child" 2>/dev/null || kill -KILL "$child" 2>/dev/null
  fi
  alive "$pid" && kill -KILL "$pid" 2>/dev/null
  rm -f "$run_dir/$name.pid" "$run_dir/$name.child.pid"
  echo "supervise: stopped $name"
}

cmd_status() {
  local pid
  pid=$(read_pid "$run_dir/$1.pid")
  is_supervisor "$pid" "$1"
}

usage() {
  echo "usage: supervise start NAME RUNFILE RESTART DELAY_S | stop NAME | status NAME" >&2
  exit 2
}

case ${1:-} in
  start) [ $# -eq 5 ] || usage; shift; cmd_start "$@" ;;
  loop) [ $# -eq 5 ] || usage; shift; cmd_loop "$@" ;;
  stop) [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
  status) [ $# -eq 2 ] || usage; cmd_status "$2" ;;
  *) usage ;;
esac
