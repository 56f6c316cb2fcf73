# Shared by demo.sh and demo-web.sh (sourced, not run). Expects $root, $build and $fleet_dir.
# DEMO_HOSTS (default 7) hosts: 3 masters, 1 public agent, the rest agents.

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# demo_fleet_up: brings up (or rebuilds) the demo fleet in $fleet_dir and lists it.
demo_fleet_up() {
  local hosts=${DEMO_HOSTS:-7} masters=3 public_agents=1
  local agents=$((hosts - masters - public_agents))
  say "bringing up a fleet of $hosts hosts ($masters masters, $agents agents, $public_agents public agent)"
  tools/fleet/fleet up --hosts "$hosts" --masters "$masters" --agents "$agents" \
    --public-agents "$public_agents" --dir "$fleet_dir"
  tools/fleet/fleet list --dir "$fleet_dir"
}

# demo_write_config FILE [HEADER]: the demo cluster's config (the fleet's hosts, SSH key and
# known_hosts), mode 0600.
demo_write_config() {
  {
    [ -n "${2:-}" ] && echo "# $2"
    echo "cluster_name: demo"
    cat "$fleet_dir/config-fragment.yaml"
    echo "agent_failure_budget: 1"
  } >"$1"
  chmod 600 "$1"
}
