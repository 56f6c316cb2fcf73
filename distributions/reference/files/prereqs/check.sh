#!/bin/bash
# A prerequisite of the reference distribution is present when all its commands are on PATH.
set -u
# shellcheck source=table.sh
. "$DCINSTALL_HOME/prereqs/table.sh"
for command in $commands; do
  if ! command -v "$command" >/dev/null 2>&1; then
    echo "'$command' is not installed (Debian package $package)"
    exit 1
  fi
done
