# shellcheck shell=bash
# One host's life: files, network, namespaces, sshd. Sourced by tools/fleet/fleet.
# Globals used: D, JOURNAL, mode, slot, CG (this fleet's cgroup dir), FLEET_LIB.
#
# A host is
#   - (namespaced mode) netns dcf<s>h<i> with eth0 (veth to the fleet bridge) and lo;
#     (loopback mode) the root netns: one sshd reached through every 127.<100+s>.x.y address;
#   - a mount + UTS namespace pinned at $D/ns/h<i>.{mnt,uts}, prepared by hostinit.sh;
#   - a cgroup ($CG/h<i>) holding its sshd and every process started over SSH: this is how
#     `stop` kills, `freeze` freezes and the benchmark measures server CPU.

host_dir() { echo "$D/host/h$1"; }

# Files every host of the fleet shares, built once per `up` into $D/template:
#   etc upper layer: passwd/group/shadow with user `ops` (key login, not locked), sudoers.d/ops,
#   hosts (all fleet hosts by name); homes: /root and /home/ops without any shell rc files.
make_templates() {
  local t=$D/template n=$1
  rm -rf "$t"
  mkdir -p "$t/etc/sudoers.d" "$t/home/root/.ssh" "$t/home/home/ops/.ssh"
  chmod 0750 "$t/etc/sudoers.d"
  chmod 0700 "$t/home/root"
  local uid=2000 gid=2000
  while getent passwd "$uid" >/dev/null || awk -F: -v u="$uid" '$3 == u { f = 1 } END { exit !f }' /etc/passwd; do uid=$((uid + 1)); done
  while awk -F: -v g="$gid" '$3 == g { f = 1 } END { exit !f }' /etc/group; do gid=$((gid + 1)); done
  grep -v '^ops:' /etc/passwd >"$t/etc/passwd"
  echo "ops:x:$uid:$gid:dcinstall fleet operator:/home/ops:/bin/bash" >>"$t/etc/passwd"
  grep -v '^ops:' /etc/group >"$t/etc/group"
  echo "ops:x:$gid:" >>"$t/etc/group"
  grep -v '^ops:' /etc/shadow >"$t/etc/shadow"
  echo "ops:*:19000:0:99999:7:::" >>"$t/etc/shadow"   # '*': no password, yet not locked
  chmod 0644 "$t/etc/passwd" "$t/etc/group"
  chmod 0640 "$t/etc/shadow"
  chgrp shadow "$t/etc/shadow" 2>/dev/null || true
  echo 'ops ALL=(ALL:ALL) NOPASSWD: ALL' >"$t/etc/sudoers.d/ops"
  chmod 0440 "$t/etc/sudoers.d/ops"
  {
    cat /etc/hosts
    echo "# dcinstall fleet $D"
    local i
    if [[ $mode == netns ]]; then
      for ((i = 1; i <= n; i++)); do echo "$(host_addr "$mode" "$slot" "$i") $(ns_name "$slot" "$i")"; done
    fi
  } >"$t/etc/hosts"
  chown -R "$uid:$gid" "$t/home/home/ops"
}

# Create host I completely and start its sshd. Caller has set up the bridge (namespaced mode).
host_create() {
  local i=$1 h name hd addr
  h=h$i
  name=$(ns_name "$slot" "$i")
  hd=$(host_dir "$i")
  addr=$(host_addr "$mode" "$slot" "$i")
  [[ $mode == loopback ]] && name="dcf${slot}lo"

  # Host files: the "disk" of the machine (overlay upper layers, homes) and its host key.
  mkdir -p "$hd"/{etc,opt,var}/{upper,work}
  cp -a "$D/template/etc/." "$hd/etc/upper/"
  cp -a "$D/template/home" "$hd/home"
  echo "$name" >"$hd/etc/upper/hostname"
  ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$hd/ssh_host_ed25519_key"

  local netns_opt=() in_netns=no
  if [[ $mode == netns ]]; then
    local veth
    veth=$(veth_name "$slot" "$i")
    journal netns "$name"
    ip netns add "$name"
    journal veth "$veth"
    ip link add "$veth" type veth peer name eth0 netns "$name"
    ip link set "$veth" master "$(bridge_name "$slot")" up
    ip -n "$name" -batch - <<EOF
addr add $addr/22 dev eth0
link set lo up
link set eth0 up
EOF
    netns_opt=(--net="/run/netns/$name")
    in_netns=yes
  fi

  journal nsfile "$D/ns/$h.mnt"
  journal nsfile "$D/ns/$h.uts"
  touch "$D/ns/$h.mnt" "$D/ns/$h.uts"
  nsenter "${netns_opt[@]}" unshare --mount="$D/ns/$h.mnt" --uts="$D/ns/$h.uts" --propagation private \
    bash "$FLEET_LIB/hostinit.sh" "$name" "$D" "$hd" "$in_netns"

  journal cgroup "$CG/$h"
  mkdir -p "$CG/$h"
  host_start_sshd "$i"
}

# nsenter arguments that put a process into host I's namespaces.
host_nsenter_args() {
  local i=$1
  if [[ $mode == netns ]]; then echo "--net=/run/netns/$(ns_name "$slot" "$i")"; fi
  echo "--mount=$D/ns/h$i.mnt"
  echo "--uts=$D/ns/h$i.uts"
}

# Start host I's sshd inside its cgroup and namespaces; does not wait for it to listen.
host_start_sshd() {
  local i=$1 args pid
  mapfile -t args < <(host_nsenter_args "$i")
  (
    echo "$BASHPID" >"$CG/h$i/cgroup.procs"
    exec setsid nsenter "${args[@]}" /usr/sbin/sshd -D -f "$D/sshd_config" \
      -h "$(host_dir "$i")/ssh_host_ed25519_key" -E "$D/log/h$i.sshd.log"
  ) </dev/null >>"$D/log/h$i.sshd.log" 2>&1 &
  pid=$!
  journal pid "$pid" "$(pid_start "$pid")"
  echo "$pid" >"$(host_dir "$i")/sshd.pid"
}

# True once host I's sshd (recorded PID alive) has logged that it listens.
host_listening() {
  local i=$1 pid
  pid=$(cat "$(host_dir "$i")/sshd.pid" 2>/dev/null) || return 1
  [[ -d /proc/$pid ]] || return 1
  grep -q 'Server listening' "$D/log/h$i.sshd.log" 2>/dev/null
}

# Wait (bounded: ~30 s) until hosts FIRST..LAST all listen; dies naming the first that does not.
wait_listening() {
  local first=$1 last=$2 i
  for ((i = first; i <= last; i++)); do
    wait_for 300 0.1 host_listening "$i" || die "host $i's sshd did not start; see $D/log/h$i.sshd.log"
  done
}

# The fleet-wide sshd configuration (host key and log are per host, on the command line).
# Key-only login for root and ops; no PAM, motd, lastlog, DNS or user rc: sessions are cheap and
# never read the machine's own shell rc files (homes are clean); high limits for fan-out.
write_sshd_config() {
  local listen="0.0.0.0:22"
  [[ $mode == loopback ]] && listen="0.0.0.0:$(lo_port "$slot") rdomain lo"
  cat >"$D/sshd_config" <<EOF
# dcinstall test fleet sshd (generated by tools/fleet/fleet up; do not edit)
ListenAddress $listen
AuthorizedKeysFile $D/authorized_keys/%u
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitUserRC no
PermitUserEnvironment no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
MaxStartups 10000
MaxSessions 1000
LoginGraceTime 60
LogLevel INFO
Subsystem sftp internal-sftp
EOF
}
