#!/bin/bash
# Installs a prerequisite of the reference distribution with apt-get (as root). Without apt-get
# it says which package to install by hand. A host whose package lists are missing or stale
# ("Unable to locate package") gets one `apt-get update` and a second try.
set -u
# shellcheck source=table.sh
. "$DCINSTALL_HOME/prereqs/table.sh"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "no apt-get on this host: install what provides '$commands' ($package on Debian) by hand"
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt_install() { apt-get install -y -q --no-install-recommends "$package" 2>&1; }
if ! output=$(apt_install); then
  echo "$output"
  echo "apt-get install $package failed; running apt-get update and trying again"
  apt-get update -q 2>&1 | tail -n 3
  apt_install || exit 1
else
  echo "$output"
fi
