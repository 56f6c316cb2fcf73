# shellcheck shell=bash
# The sshd ForceCommand of a loopback fleet brought up with --disk-per-address: gives every
# dialled 127.x.y.z address its own "disk", so a loopback fleet can take installs whose files
# would otherwise collide (all addresses share one sshd and one mount namespace).
# Usage (sshd_config): ForceCommand . STATE_DIR/address-session.sh STATE_DIR
# (sourced by the login shell that sshd starts for the session: one process less per session).
#
# Contract: the session's command ($SSH_ORIGINAL_COMMAND, run by bash -c as sshd would, or a
# login shell when there is none) runs in a fresh mount namespace with overlays on /etc, /opt and
# /var whose writes land in STATE_DIR/host/h1/disks/<dialled address>/{etc,opt,var}/upper. Writes
# there persist across sessions of that address and are invisible to the other addresses;
# everything else (/tmp, /run, homes, ports, processes) stays shared. Sessions of one address
# should not write at the same time (two overlays on one upper layer; one connection's
# sequential commands are fine). Root logins only (mounting needs it). Exit 255 (as ssh does for
# its own errors) if the session cannot be set up.
read -r _ _ address_session_addr _ <<<"${SSH_CONNECTION:-}"
if [[ ! $address_session_addr =~ ^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]]; then
  echo "fleet: no dialled loopback address in SSH_CONNECTION='${SSH_CONNECTION:-}'" >&2
  exit 255
fi
if ((EUID != 0)); then
  echo "fleet: --disk-per-address fleets take root logins only" >&2
  exit 255
fi
address_session_disk=$1/host/h1/disks/$address_session_addr
# The disk's layers and its fstab, made by the address's first session (mount -a mounts all
# three overlays in one process; the source names them, so they never look "already mounted").
if [[ ! -f $address_session_disk/fstab ]]; then
  mkdir -p "$address_session_disk"/{etc,opt,var}/{upper,work} || exit 255
  for address_session_d in etc opt var; do
    echo "dcf-$address_session_addr-$address_session_d /$address_session_d overlay" \
      "lowerdir=/$address_session_d,upperdir=$address_session_disk/$address_session_d/upper,workdir=$address_session_disk/$address_session_d/work 0 0"
  done >"$address_session_disk/fstab.$$" && mv -f "$address_session_disk/fstab.$$" "$address_session_disk/fstab" ||
    exit 255
fi
# shellcheck disable=SC2016 # expanded by the inner sh
exec unshare --mount --propagation private /bin/sh -c '
  mount -a -T "$1/fstab" || { echo "fleet: cannot mount the disk of $2" >&2; exit 255; }
  if [ -n "${SSH_ORIGINAL_COMMAND+set}" ]; then exec /bin/bash -c "$SSH_ORIGINAL_COMMAND"; fi
  exec /bin/bash -l' address-session "$address_session_disk" "$address_session_addr"
