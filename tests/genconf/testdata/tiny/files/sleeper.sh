#!/bin/bash
# Writes its argument to $DCINSTALL_DATA/sleeper.out, then sleeps until stopped.
echo "$1 (bundle $DCINSTALL_BUNDLE_ID, address $DCINSTALL_ADDRESS)" >"$DCINSTALL_DATA/sleeper.out"
exec sleep 100000
