#!/bin/bash
# `make demo-web`: the web GUI on real hosts. Brings up a local test fleet like `make demo`
# (DEMO_HOSTS, default 7: 3 masters, 3 agents, 1 public agent; each a network namespace with its
# own sshd), writes its config, and starts `dcinstall web` on 127.0.0.1 (DEMO_WEB_PORT, default
# 9000), which prints the URL to open (it carries the access token). Ctrl-C stops the server;
# the fleet stays up for you to explore; `make demo-down` removes it.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
dcinstall=$root/$build/dcinstall
fleet_dir=$root/$build/demo-fleet
work=$root/$build/demo-web
hosts=${DEMO_HOSTS:-7}
port=${DEMO_WEB_PORT:-9000}
masters=3
public_agents=1
agents=$((hosts - masters - public_agents))

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "bringing up a fleet of $hosts hosts ($masters masters, $agents agents, $public_agents public agent)"
tools/fleet/fleet up --hosts "$hosts" --masters "$masters" --agents "$agents" \
  --public-agents "$public_agents" --dir "$fleet_dir"
tools/fleet/fleet list --dir "$fleet_dir"

mkdir -p "$work"
if [ ! -f "$work/config.yaml" ] || [ "${DEMO_WEB_FRESH:-0}" = 1 ]; then
  {
    echo "# The demo fleet's config, written by tools/demo/demo-web.sh; edit it in the GUI."
    echo "cluster_name: demo"
    cat "$fleet_dir/config-fragment.yaml"
    echo "agent_failure_budget: 1"
  } >"$work/config.yaml"
  chmod 600 "$work/config.yaml"
fi

say "dcinstall validate -c $work/config.yaml"
"$dcinstall" validate -c "$work/config.yaml" || true

say "dcinstall web: open the URL below (Ctrl-C stops the server; 'make demo-down' removes the fleet)"
exec "$dcinstall" web -c "$work/config.yaml" --work-dir "$work/genconf" --listen "127.0.0.1:$port"
