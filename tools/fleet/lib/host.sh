# shellcheck shell=bash disable=SC2154 # mode, slot, n, CG: globals set by fleet up / load_env
# One host's life: files, network, namespaces, sshd. Sourced by tools/fleet/fleet.
# Globals used: D, JOURNAL, mode, slot, CG (this fleet's cgroup dir), FLEET_LIB.
#
# A host is
#   - (namespaced mode) netns dcf<s>h<i> with eth0 (veth to the fleet bridge) and lo;
#     (loopback mode) the root netns: one sshd reached through every 127.<100+s>.x.y address;
#   - a mount + UTS namespace pinned at $D/ns/h<i>.{mnt,uts}, prepared by hostinit.sh;
#   - a cgroup ($CG/h<i>) holding its sshd and every process started over SSH: this is how
#     `stop` kills, `freeze` freezes and the benchmark measures server CPU.

# The initial "disk" of every host, built once per `up` into $D/host/template, copied per host:
#   {etc,opt,var}/{upper,work}: overlay layers; etc/upper holds passwd/group/shadow with user
#   `ops` (key login, not locked), sudoers.d/ops and hosts (all fleet hosts by name);
#   home/root and home/home/ops: homes without any shell rc files.
make_templates() {
  local t=$D/host/template n=$1
  rm -rf "$t"
  mkdir -p "$t"/{etc,opt,var}/{upper,work} "$t/etc/upper/sudoers.d" "$t/home/root/.ssh" "$t/home/home/ops/.ssh"
  chmod 0750 "$t/etc/upper/sudoers.d"
  chmod 0700 "$t/home/root"
  local uid=2000 gid=2000 e=$t/etc/upper
  while awk -F: -v u="$uid" '$3 == u { f = 1 } END { exit !f }' /etc/passwd; do uid=$((uid + 1)); done
  while awk -F: -v g="$gid" '$3 == g { f = 1 } END { exit !f }' /etc/group; do gid=$((gid + 1)); done
  grep -v '^ops:' /etc/passwd >"$e/passwd"
  echo "ops:x:$uid:$gid:dcinstall fleet operator:/home/ops:/bin/bash" >>"$e/passwd"
  grep -v '^ops:' /etc/group >"$e/group"
  echo "ops:x:$gid:" >>"$e/group"
  grep -v '^ops:' /etc/shadow >"$e/shadow"
  echo "ops:*:19000:0:99999:7:::" >>"$e/shadow"   # '*': no password, yet not locked
  chmod 0644 "$e/passwd" "$e/group"
  chmod 0640 "$e/shadow"
  chgrp shadow "$e/shadow" 2>/dev/null || true
  echo 'ops ALL=(ALL:ALL) NOPASSWD: ALL' >"$e/sudoers.d/ops"
  chmod 0440 "$e/sudoers.d/ops"
  {
    cat /etc/hosts
    echo "# dcinstall fleet $D"
    local i a
    if [[ $mode == netns ]]; then
      for ((i = 1; i <= n; i++)); do host_addr_to a "$mode" "$slot" "$i"; echo "$a dcf${slot}h$i"; done
    fi
  } >"$e/hosts"
  chown -R "$uid:$gid" "$t/home/home/ops"
}

# Create host I completely and start its sshd; safe to run for several hosts in parallel.
# Caller has built the templates and (namespaced mode) the bridge.
host_create() {
  local i=$1 h=h$1 name hd addr
  name=dcf${slot}h$i
  [[ $mode == loopback ]] && name=dcf${slot}lo
  hd=$D/host/h$i
  host_addr_to addr "$mode" "$slot" "$i"

  # Host files: the machine's "disk" (overlay layers, homes) and its host key.
  cp -a "$D/host/template" "$hd"
  echo "$name" >"$hd/etc/upper/hostname"
  ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$hd/ssh_host_ed25519_key"

  local in_netns=no enter=()   # enter: command prefix that runs in the host's netns
  if [[ $mode == netns ]]; then
    local veth=dcf${slot}v$i
    journal netns "$name"
    journal veth "$veth"
    ip -batch - <<EOF
netns add $name
link add $veth type veth peer name eth0 netns $name
link set $veth master dcf${slot}br up
EOF
    ip -n "$name" -batch - <<EOF
addr add $addr/22 dev eth0
link set lo up
link set eth0 up
EOF
    enter=(nsenter --net="/run/netns/$name")
    in_netns=yes
  fi

  journal nsfile "$D/ns/$h.mnt"
  journal nsfile "$D/ns/$h.uts"
  : >"$D/ns/$h.mnt"
  : >"$D/ns/$h.uts"
  "${enter[@]}" unshare --mount="$D/ns/$h.mnt" --uts="$D/ns/$h.uts" --propagation private \
    bash "$FLEET_LIB/hostinit.sh" "$name" "$D" "$hd" "$in_netns"

  journal cgroup "$CG/$h"
  mkdir "$CG/$h"
  host_start_sshd "$i"
}

# Sets array NSENTER_ARGS: the nsenter options that put a process into machine I's namespaces.
host_nsenter_args() {
  local i=$1
  NSENTER_ARGS=(--mount="$D/ns/h$i.mnt" --uts="$D/ns/h$i.uts")
  if [[ $mode == netns ]]; then NSENTER_ARGS+=(--net="/run/netns/dcf${slot}h$i"); fi
}

# Start machine I's sshd inside its cgroup and namespaces; does not wait for it to listen.
host_start_sshd() {
  local i=$1 pid log=$D/log/h$1.sshd.log
  host_nsenter_args "$i"
  # Where this boot's lines start: the log keeps those of earlier boots (a restarted host).
  stat -c %s "$log" 2>/dev/null >"$D/host/h$i/sshd.log_offset" || echo 0 >"$D/host/h$i/sshd.log_offset"
  # shellcheck disable=SC2094 # sshd -E and the redirection both append to the log
  (
    echo "$BASHPID" >"$CG/h$i/cgroup.procs"
    exec setsid nsenter "${NSENTER_ARGS[@]}" /usr/sbin/sshd -D -f "$D/sshd_config" \
      -h "$D/host/h$i/ssh_host_ed25519_key" -E "$log"
  ) </dev/null >>"$log" 2>&1 &
  pid=$!
  journal pid "$pid" "$(pid_start "$pid")"
  echo "$pid" >"$D/host/h$i/sshd.pid"
}

# True once host I's sshd (recorded PID alive) has logged, since it was started, that it listens.
host_listening() {
  local i=$1 pid offset=0
  read -r pid 2>/dev/null <"$D/host/h$i/sshd.pid" || return 1
  [[ -d /proc/$pid ]] || return 1
  read -r offset 2>/dev/null <"$D/host/h$i/sshd.log_offset"
  tail -c +"$((offset + 1))" "$D/log/h$i.sshd.log" 2>/dev/null | grep -q 'Server listening'
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
  local listen="0.0.0.0:22" grace=60
  # Loopback mode: one sshd takes every handshake; 1,000 at once need minutes of its CPU.
  [[ $mode == loopback ]] && listen="0.0.0.0:$(lo_port "$slot") rdomain lo" grace=600
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
LoginGraceTime $grace
LogLevel INFO
Subsystem sftp internal-sftp
EOF
  # A disk per dialled address (loopback --disk-per-address): every session goes through the
  # wrapper. It lives in D: hosts do not see a checkout under /tmp.
  if ((${disk_per_address:-0})); then
    echo "ForceCommand . $D/address-session.sh $D" >>"$D/sshd_config"
  fi
}
