#!/bin/bash
# `make demo`: dcinstall installing a real cluster. It brings up a local test fleet (DEMO_HOSTS,
# default 7: 3 masters, 3 agents, 1 public agent; each a network namespace with its own sshd),
# writes its config, validates it, runs `dcinstall install` (genconf, preflight, deploy,
# postflight, cluster check) with live progress, and ends by showing the cluster: etcd members
# and registered agents. Run again on the same machine: the fleet is rebuilt and reinstalled.
# `make demo-down` removes the fleet.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
dcinstall=$root/$build/dcinstall
fleet_dir=$root/$build/demo-fleet
work=$root/$build/demo
# shellcheck source=tools/demo/lib.sh
. tools/demo/lib.sh

demo_fleet_up
rm -rf "$work"  # a new fleet: the previous demo's state would say it is installed
mkdir -p "$work"
demo_write_config "$work/config.yaml"

say "dcinstall validate -c $work/config.yaml"
"$dcinstall" validate -c "$work/config.yaml"

say "dcinstall install: genconf, preflight, deploy (masters first), postflight, cluster check"
"$dcinstall" install -c "$work/config.yaml" --work-dir "$work/genconf"

say "the cluster: etcd members and registered agents, read on the first master"
first_master=$(head -n1 "$fleet_dir/hosts.masters")
"$dcinstall" exec -c "$work/config.yaml" --hosts "$first_master" -- \
  '. /opt/dcinstall/active/etc/etcdctl.env; export ETCDCTL_ENDPOINTS; cd /opt/dcinstall/active &&
   bin/etcdctl member list -w table && bin/etcdctl get --prefix /dcinstall/agents/'

say "dcinstall install again: nothing to do, no host touched"
"$dcinstall" plan install -c "$work/config.yaml" --work-dir "$work/genconf" | grep -v '^    skip'

say "dcinstall status"
"$dcinstall" status --work-dir "$work/genconf"

say "a broken config: every error at once, each at file:line:col"
cat >"$work/broken.yaml" <<'YAML'
cluster_name: Demo_Cluster
master_list: [10.0.0.1, 10.0.0.2, 10.0.0.2, 10.0.0.4]
agent_lst: [10.0.1.1]
ssh_port: 70000
ssh_host_key_policy: accept_new
YAML
cat -n "$work/broken.yaml"
"$dcinstall" validate -c "$work/broken.yaml" || true

say "done"
echo "The fleet is up: 'tools/fleet/fleet list --dir $fleet_dir'; try"
echo "  $dcinstall logs --work-dir $work/genconf --stage deploy | less"
echo "  $dcinstall uninstall -c $work/config.yaml --work-dir $work/genconf"
echo "Remove the fleet with 'make demo-down'."
