#!/bin/bash
# Runs once per host as root INSIDE the host's fresh mount + UTS namespace (started by
# `unshare --mount=FILE --uts=FILE --propagation private`, so nothing here leaks to the root
# namespace, and the namespace outlives this script through its pinned FILE).
# Usage: hostinit.sh HOSTNAME STATE_DIR HOST_DIR NETNS(yes|no)
#
# Result, as seen by every process later started in this host:
#   hostname HOSTNAME; private tmpfs on /run and /tmp; overlays on /etc, /opt and /var whose
#   writes land in HOST_DIR/{etc,opt,var}/upper (so /etc/dcinstall, /etc/systemd/system,
#   /opt/dcinstall, /var/lib/dcinstall are private to this host and survive `fleet stop`);
#   clean homes (no shell rc files) bound over /root and /home; STATE_DIR visible at its
#   usual path; no pinned namespace files of other hosts or fleets (they would keep those
#   namespaces alive after `fleet down`).
set -euo pipefail
name=$1 state=$2 hdir=$3 netns=$4
umask 022

hostname "$name"

# Drop copies of namespace pins (ip netns, other hosts' mnt/uts files): private copies here
# would hold those namespaces alive. Deepest first, lazily.
findmnt -rn -t nsfs -o TARGET | sort -r | while read -r t; do umount -l "$t" 2>/dev/null || true; done

# Stage the state dir on /mnt so it can be put back after /run, /tmp, /root or /home are covered.
mount --bind "$state" /mnt

mount -t tmpfs -o mode=0755,size=64m tmpfs /run
mkdir -p /run/sshd /run/lock /run/user
chmod 1777 /run/lock
mount -t tmpfs -o mode=1777 tmpfs /tmp

for d in etc opt var; do
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$hdir/$d/upper,workdir=$hdir/$d/work" "/$d"
done
mount --bind "$hdir/home/root" /root
mount --bind "$hdir/home/home" /home

if [[ $netns == yes ]]; then
  # sysfs mounted from inside the netns shows this host's interfaces (eth0, lo) only.
  mount -t sysfs sysfs /sys 2>/dev/null || true
fi

mkdir -p "$state"
mount --move /mnt "$state"
