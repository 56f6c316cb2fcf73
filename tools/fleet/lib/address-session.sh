#!/bin/bash
# The sshd ForceCommand of a loopback fleet brought up with --disk-per-address: gives every
# dialled 127.x.y.z address its own "disk", so a loopback fleet can take installs whose files
# would otherwise collide (all addresses share one sshd and one mount namespace).
# Usage (by sshd, as the logged-in user): address-session.sh STATE_DIR
#
# Contract: the session's command ($SSH_ORIGINAL_COMMAND, or a login shell when there is none)
# runs in a fresh mount namespace with overlays on /etc, /opt and /var whose writes land in
# STATE_DIR/host/h1/disks/<dialled address>/{etc,opt,var}/upper. Writes there persist across
# sessions of that address and are invisible to the other addresses; everything else (/tmp,
# /run, homes, ports, processes) stays shared. Sessions of one address should not overlap in
# writing (two overlays on one upper layer; fine for one connection's sequential commands).
# Root logins only (mounting needs it). Exit 255 (as ssh does for its own errors) if the session
# cannot be set up.
set -uo pipefail
state=$1
read -r _ _ addr _ <<<"${SSH_CONNECTION:-}"
if [[ ! $addr =~ ^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]]; then
  echo "fleet: no dialled loopback address in SSH_CONNECTION='${SSH_CONNECTION:-}'" >&2
  exit 255
fi
if ((EUID != 0)); then
  echo "fleet: --disk-per-address fleets take root logins only" >&2
  exit 255
fi
disk=$state/host/h1/disks/$addr
if [[ ! -d $disk/var/work ]]; then
  mkdir -p "$disk"/{etc,opt,var}/{upper,work} || exit 255
fi
# shellcheck disable=SC2016 # expanded by the inner bash
exec unshare --mount --propagation private /bin/bash -c '
  for d in etc opt var; do
    mount -t overlay "dcf-$2" -o "lowerdir=/$d,upperdir=$1/$d/upper,workdir=$1/$d/work" "/$d" ||
      { echo "fleet: cannot mount the disk of $2 on /$d" >&2; exit 255; }
  done
  if [[ -n ${SSH_ORIGINAL_COMMAND+set} ]]; then exec /bin/bash -c "$SSH_ORIGINAL_COMMAND"; fi
  exec /bin/bash -l' address-session "$disk" "$addr"
