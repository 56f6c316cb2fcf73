#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Runs once per host as root INSIDE the host's fresh mount + UTS namespace (started by
# `unshare --mount=FILE --uts=FILE --propagation private`, so nothing here leaks to the root
# namespace, and the namespace outlives this script through its pinned FILE).
# Usage: hostinit.sh HOSTNAME STATE_DIR HOST_DIR NETNS(yes|no)
#
# Result, as seen by every process later started in this host:
#   hostname HOSTNAME; private tmpfs on /run (see hostboot.sh) and /tmp; overlays on /etc, /opt
#   and /var whose writes land in HOST_DIR/{etc,opt,var}/upper (so /etc/dcinstall,
#   /etc/systemd/system, /opt/dcinstall, /var/lib/dcinstall are private to this host and
#   survive `fleet stop`); clean homes (no shell rc files) bound over /root and /home; in a
#   netns, a sysfs showing the host's own interfaces (with cgroup2 on /sys/fs/cgroup);
#   STATE_DIR visible at its usual path; no pinned namespace files of other hosts or fleets
#   (they would keep those namespaces alive after `fleet down`).
# Process spawns are kept few on purpose: they dominate a host's start-up time.
set -euo pipefail
[[ -z ${FLEET_TRACE:-} ]] || { PS4='+ $EPOCHREALTIME $LINENO: '; set -x; }
name=$1 state=$2 hdir=$3 netns=$4
umask 022

echo "$name" >/proc/sys/kernel/hostname   # this UTS namespace only

# Drop this namespace's copies of namespace pins (ip netns, other hosts' mnt/uts files): they
# would hold those namespaces alive. A mount that holds nothing but pins (/run/netns, each
# fleet's D/ns) is detached whole, in one step; other pins one by one. Fields of mountinfo:
# 1 id, 2 parent id, 5 mount point, then after "-" the fs type.
mapfile -t pins < <(awk '
  { parent[$1] = $2; mp[$1] = $5
    for (i = 7; i <= NF; i++) if ($i == "-") { fs[$1] = $(i + 1); break } }
  END {
    for (id in fs) if (fs[id] != "nsfs") other[parent[id]] = 1
    for (id in fs) if (fs[id] == "nsfs") {
      p = parent[id]
      if (!other[p] && mp[p] != "/") { if (!seen[p]++) print mp[p] } else print mp[id]
    }
  }' /proc/self/mountinfo)
((${#pins[@]} == 0)) || umount -l "${pins[@]}"

# Stage the state dir on /mnt so it can be put back after /tmp, /root or /home are covered;
# until then reach the host's files through the stage.
[[ $hdir == "$state"/* ]] || { echo "hostinit: $hdir is not under $state" >&2; exit 1; }
mount --rbind "$state" /mnt   # recursive: includes the hosts' tmpfs on $state/host
hdir=/mnt/${hdir#"$state"/}

source "$(dirname "${BASH_SOURCE[0]}")/hostboot.sh"   # fresh /run
mount -t tmpfs -o mode=1777 tmpfs /tmp

for d in etc opt var; do
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$hdir/$d/upper,workdir=$hdir/$d/work" "/$d"
done
mount --bind "$hdir/home/root" /root
mount --bind "$hdir/home/home" /home

if [[ $netns == yes ]] && mount -t sysfs sysfs /sys 2>/dev/null; then
  mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null || true
fi

mkdir -p "$state"
mount --move /mnt "$state"
