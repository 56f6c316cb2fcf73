#!/bin/bash
# Preflight: no etcd data is left from an earlier install (it would belong to another cluster).
set -u
if [ -e "$DCINSTALL_DATA/etcd/member" ]; then
  echo "found $DCINSTALL_DATA/etcd/member"
  exit 1
fi
