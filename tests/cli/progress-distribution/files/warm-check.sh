#!/bin/bash
# Fails the first time it runs on a host (its marker is removed with the install's data), then
# passes.
marker=$DCINSTALL_DATA/progress-test-warm
[ -e "$marker" ] && exit 0
touch "$marker"
echo "warming up"
exit 1
