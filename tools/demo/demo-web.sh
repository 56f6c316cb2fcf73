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
port=${DEMO_WEB_PORT:-9000}
# shellcheck source=tools/demo/lib.sh
. tools/demo/lib.sh

demo_fleet_up
mkdir -p "$work"
if [ ! -f "$work/config.yaml" ] || [ "${DEMO_WEB_FRESH:-0}" = 1 ]; then
  demo_write_config "$work/config.yaml" \
    "The demo fleet's config, written by tools/demo/demo-web.sh; edit it in the GUI."
fi

say "dcinstall validate -c $work/config.yaml"
"$dcinstall" validate -c "$work/config.yaml" || true

say "dcinstall web: open the URL below (Ctrl-C stops the server; 'make demo-down' removes the fleet)"
exec "$dcinstall" web -c "$work/config.yaml" --work-dir "$work/genconf" --listen "127.0.0.1:$port"
