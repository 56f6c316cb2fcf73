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

lease=""
child=""
stop() {
  [ -n "$child" ] && kill "$child" 2>/dev/null
  [ -n "$lease" ] && ctl lease revoke "$lease" >/dev/null 2>&1
  log "stopped"
  exit 0
}
trap stop TERM INT

delay=1
while :; do
  out=$(ctl lease grant "$ttl" 2>&1)
  lease=$(sed -n 's/^lease \([0-9a-f]*\) granted.*/\1/p' <<<"$out")
  if [ -n "$lease" ] && out=$(ctl put --lease="$lease" "$key" "$value" 2>&1); then
    log "registered $key under lease $lease (ttl ${ttl}s)"
    delay=1
    # Runs until the lease is lost; in the background so that SIGTERM is handled at once.
    "$etcdctl" --endpoints="$AGENT_ENDPOINTS" --dial-timeout=3s lease keep-alive "$lease" >/dev/null 2>&1 &
    child=$!
    wait "$child"
    child=""
    log "lease $lease lost; registering again"
    lease=""
  else
    log "no master answered ($(tr '\n' ' ' <<<"$out")); next attempt in ${delay}s"
    lease=""
  fi
  sleep "$delay" &
  child=$!
  wait "$child"
  child=""
  delay=$((delay * 2 > retry_max ? retry_max : delay * 2))
done
