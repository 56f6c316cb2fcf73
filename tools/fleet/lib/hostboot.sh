#!/bin/bash
# Runs in a host's mount namespace each time the host (re)starts, before its sshd: a fresh,
# empty /run, as after a reboot (so pidfiles of processes that died with `fleet stop` are gone).
# /tmp and the overlay "disk" (/etc, /opt, /var, homes) persist. Sourced by hostinit.sh too.
# Usage: hostboot.sh
set -euo pipefail
if mountpoint -q /run; then umount -l /run; fi   # drop the previous /run, if any
mount -t tmpfs -o mode=0755,size=64m tmpfs /run
mkdir -m 0755 /run/sshd
mkdir -m 1777 /run/lock
