#!/bin/bash
# Drain of an agent before its bundle is switched: the agent service deregisters (revokes its
# lease) and stays away until undrain or its next start. Waits until the key is gone from etcd.
set -u
. "$DCINSTALL_HOME/etc/etcdctl.env"
key="/dcinstall/agents/$DCINSTALL_ADDRESS"
touch "$DCINSTALL_DATA/agent.drained" || exit 1
for ((i = 0; i < 100; i++)); do  # at most 20 s
  if ! "$DCINSTALL_HOME/bin/etcdctl" get --keys-only "$key" 2>/dev/null | grep -qxF "$key"; then
    echo "deregistered $key"
    exit 0
  fi
  sleep 0.2
done
echo "$key is still registered 20 s after the drain request"
exit 1
