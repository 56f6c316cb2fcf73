#!/bin/bash
# The reference agent service: registers this host in the masters' etcd under a lease and keeps
# the lease alive.
#
#   key   /dcinstall/agents/<DCINSTALL_ADDRESS>
#   value {"role":"<DCINSTALL_ROLE>","address":"...","hostname":"...","bundle":"<id>",
#          "attributes":{"key":"value",...}}
#
# When no master answers, or the lease is lost (masters unreachable for longer than the TTL), it
# registers again, waiting 1 s, 2 s, 4 s, ... up to AGENT_RETRY_MAX_S between attempts. On
# SIGTERM it revokes the lease (best effort), so the host disappears at once, and exits 0.
#
# Drain: while $DCINSTALL_DATA/agent.drained exists (lifecycle/agent-drain.sh creates it,
# agent-undrain.sh removes it) the agent stays deregistered: it revokes its lease within a second
# and registers again within a second of the file's removal. A start clears the file: a new
# bundle's agent (after the switch of a rolling change) registers at once.
#
# Environment: DCINSTALL_* (set by install.sh), AGENT_ENDPOINTS (comma-separated client URLs),
# AGENT_LEASE_TTL_S, AGENT_RETRY_MAX_S, AGENT_ATTRIBUTES ("k=v,k=v,", validated by genconf).
set -u

etcdctl="$DCINSTALL_HOME/bin/etcdctl"
key="/dcinstall/agents/$DCINSTALL_ADDRESS"
ttl="${AGENT_LEASE_TTL_S:-10}"
retry_max="${AGENT_RETRY_MAX_S:-30}"

attributes=""
IFS=, read -ra pairs <<<"${AGENT_ATTRIBUTES:-}"
for pair in "${pairs[@]}"; do
  [ -n "$pair" ] || continue
  attributes+="${attributes:+,}\"${pair%%=*}\":\"${pair#*=}\""
done
value="{\"role\":\"$DCINSTALL_ROLE\",\"address\":\"$DCINSTALL_ADDRESS\",\"hostname\":\"$(hostname)\",\"bundle\":\"${DCINSTALL_BUNDLE_ID:-}\",\"attributes\":{$attributes}}"

ctl() { "$etcdctl" --endpoints="$AGENT_ENDPOINTS" --dial-timeout=3s --command-timeout=5s "$@"; }
log() { echo "agent: $*"; }

drained_file="$DCINSTALL_DATA/agent.drained"
rm -f "$drained_file"

lease=""
keeper=""  # the lease keep-alive
napper=""  # the current pause
stop() {
  [ -n "$keeper" ] && kill "$keeper" 2>/dev/null
  [ -n "$napper" ] && kill "$napper" 2>/dev/null
  [ -n "$lease" ] && ctl lease revoke "$lease" >/dev/null 2>&1
  log "stopped"
  exit 0
}
trap stop TERM INT

# pause SECONDS, in the background so that SIGTERM is handled at once.
pause() {
  sleep "$1" &
  napper=$!
  wait "$napper"
  napper=""
}

delay=1
while :; do
  if [ -e "$drained_file" ]; then
    pause 1
    continue
  fi
  out=$(ctl lease grant "$ttl" 2>&1)
  lease=$(sed -n 's/^lease \([0-9a-f]*\) granted.*/\1/p' <<<"$out")
  if [ -n "$lease" ] && out=$(ctl put --lease="$lease" "$key" "$value" 2>&1); then
    log "registered $key under lease $lease (ttl ${ttl}s)"
    delay=1
    # Runs until the lease is lost.
    "$etcdctl" --endpoints="$AGENT_ENDPOINTS" --dial-timeout=3s lease keep-alive "$lease" >/dev/null 2>&1 &
    keeper=$!
    while kill -0 "$keeper" 2>/dev/null && [ ! -e "$drained_file" ]; do pause 1; done
    if [ -e "$drained_file" ]; then
      kill "$keeper" 2>/dev/null
      wait "$keeper" 2>/dev/null
      keeper=""
      ctl lease revoke "$lease" >/dev/null 2>&1
      lease=""
      log "drained: deregistered $key until undrain"
      continue
    fi
    wait "$keeper" 2>/dev/null
    keeper=""
    log "lease $lease lost; registering again"
    lease=""
  else
    log "no master answered ($(tr '\n' ' ' <<<"$out")); next attempt in ${delay}s"
    lease=""
  fi
  pause "$delay"
  delay=$((delay * 2 > retry_max ? retry_max : delay * 2))
done
