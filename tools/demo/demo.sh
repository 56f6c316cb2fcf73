#!/bin/bash
# `make demo`: what dcinstall does today, on real hosts. It brings up a local test fleet
# (DEMO_HOSTS, default 7: 3 masters, 3 agents, 1 public agent; each a network namespace with its
# own sshd), writes its config, validates it, compiles the role bundles (genconf) and runs a
# command on every host over SSH with `dcinstall exec`. The fleet stays up for you to explore;
# `make demo-down` removes it. Installing the cluster (preflight/deploy/postflight) is not wired
# yet: the stages exist in the library and are being connected to the CLI (README, "Status").
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
dcinstall=$root/$build/dcinstall
fleet_dir=$root/$build/demo-fleet
work=$root/$build/demo
hosts=${DEMO_HOSTS:-7}
masters=3
public_agents=1
agents=$((hosts - masters - public_agents))

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "bringing up a fleet of $hosts hosts ($masters masters, $agents agents, $public_agents public agent)"
tools/fleet/fleet up --hosts "$hosts" --masters "$masters" --agents "$agents" \
  --public-agents "$public_agents" --dir "$fleet_dir"
tools/fleet/fleet list --dir "$fleet_dir"

mkdir -p "$work"
{
  echo "cluster_name: demo"
  cat "$fleet_dir/config-fragment.yaml"
  echo "agent_failure_budget: 1"
} >"$work/config.yaml"

say "dcinstall validate -c $work/config.yaml"
"$dcinstall" validate -c "$work/config.yaml"

say "dcinstall genconf: one reproducible bundle per role, install.sh, cluster.json"
"$dcinstall" genconf -c "$work/config.yaml" -o "$work/genconf"
ls -l "$work/genconf/serve/bundles"

say "dcinstall exec: every host at once over SSH (host keys verified), output prefixed by host"
"$dcinstall" exec -c "$work/config.yaml" -- 'echo "$(hostname) $(ip -4 -o addr show scope global | awk "{print \$4}")"'

say "dcinstall exec --group: identical output grouped, like clush -b"
"$dcinstall" exec -c "$work/config.yaml" --group -- uname -sr

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

say "what the demo does not do yet"
echo "It does not install the cluster: the preflight/deploy/postflight stages are built and"
echo "unit-tested in src/orchestrator/ but not yet wired to 'dcinstall install'. The fleet is"
echo "still up ('tools/fleet/fleet list --dir $fleet_dir'); remove it with 'make demo-down'."
