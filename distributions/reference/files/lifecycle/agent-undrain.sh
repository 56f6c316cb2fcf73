#!/bin/bash
# Undrain of an agent: the agent service registers again. Waits until the key is back in etcd.
set -u
. "$DCINSTALL_HOME/etc/etcdctl.env"
key="/dcinstall/agents/$DCINSTALL_ADDRESS"
rm -f "$DCINSTALL_DATA/agent.drained" || exit 1
for ((i = 0; i < 100; i++)); do  # at most 20 s
  if "$DCINSTALL_HOME/bin/etcdctl" get --keys-only "$key" 2>/dev/null | grep -qxF "$key"; then
    echo "registered $key"
    exit 0
  fi
  sleep 0.2
done
echo "$key is not registered 20 s after the undrain"
exit 1
