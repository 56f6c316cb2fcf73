#!/bin/bash
# Preflight: the tools the agent service uses are present.
set -u
status=0
for tool in hostname sed sleep; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "missing: $tool"
    status=1
  fi
done
exit $status
