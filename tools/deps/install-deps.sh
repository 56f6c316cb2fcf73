#!/bin/bash
# Installs every Debian package listed in debian-packages.txt, then the web GUI's npm packages
# (`npm ci` in web/, from the committed package-lock.json). Idempotent: when everything is
# present it touches nothing and needs no network. Non-interactive; must run as root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mapfile -t wanted < <(grep -Ev '^\s*(#|$)' "$here/debian-packages.txt")

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#wanted[@]} Debian packages present"
elif [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages (${missing[*]}); run 'make deps' as root" >&2
  exit 2
else
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The web GUI's npm packages. Skipped when node_modules was installed from this exact lockfile
# (a stamp holds the lockfile's hash).
web=$root/web
if [ -f "$web/package-lock.json" ]; then
  node_version=$(node -p 'process.versions.node' 2>/dev/null || echo 0)
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null; then
    echo "deps: Node.js $node_version is too old for the web GUI (Vite 7 needs 20.19 or later)" >&2
    exit 2
  fi
  want=$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)
  stamp=$web/node_modules/.dcinstall-lock-sha256
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "deps: web/node_modules matches package-lock.json"
  else
    echo "deps: npm ci in web/"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
  fi
fi
