#!/bin/bash
# Leave of an agent or public agent, run on a remaining master (`dcinstall prune`): deletes the
# leaving host's registration, so it is gone at once rather than when its lease runs out.
# Environment: DCINSTALL_* of this master, DCINSTALL_LEAVING_ADDRESS, DCINSTALL_LEAVING_ROLE.
set -u
. "$DCINSTALL_HOME/etc/etcdctl.env"
key="/dcinstall/agents/$DCINSTALL_LEAVING_ADDRESS"
deleted=$("$DCINSTALL_HOME/bin/etcdctl" del "$key") || { echo "cannot delete $key"; exit 1; }
echo "deleted $key (${deleted:-0} key)"
