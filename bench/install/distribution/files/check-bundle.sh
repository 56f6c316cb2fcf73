#!/bin/bash
# Preflight check of the bench distribution: the bundle unpacked and its config is readable.
[ -r "$DCINSTALL_HOME/etc/bench.conf" ] || { echo "no $DCINSTALL_HOME/etc/bench.conf"; exit 1; }
