# shellcheck shell=bash
# `fleet up` and `fleet down`. Sourced by tools/fleet/fleet.

readonly FLEET_REQUIRED_CMDS=(ip ssh ssh-keygen /usr/sbin/sshd unshare nsenter findmnt flock setsid ss)

# Roles by index: hosts 1..M are masters, M+1..M+A agents, the rest public agents.
# derive_roles N M A P (empty = derive) -> prints "M A P".
derive_roles() {
  local n=$1 m=$2 a=$3 p=$4
  if [[ -z $m ]]; then
    if ((n <= 4)); then m=1; elif ((n <= 50)); then m=3; else m=5; fi
  fi
  if [[ -z $p ]]; then
    if [[ -n $a ]]; then p=$((n - m - a)); elif ((n - m >= 2)); then p=$(((n + 9) / 10)); else p=0; fi
  fi
  [[ -n $a ]] || a=$((n - m - p))
  ((m >= 1 && a >= 0 && p >= 0 && m + a + p == n)) ||
    die "roles do not add up: masters $m + agents $a + public agents $p != hosts $n"
  echo "$m $a $p"
}

cmd_up() {
  local n="" m="" a="" p="" dir=${FLEET_DIR:-/tmp/dcinstall-fleet}
  mode=netns disk_per_address=0
  while (($#)); do
    case $1 in
      --hosts) n=$2; shift 2 ;;
      --loopback) n=$2; mode=loopback; shift 2 ;;
      --masters) m=$2; shift 2 ;;
      --agents) a=$2; shift 2 ;;
      --public-agents) p=$2; shift 2 ;;
      --disk-per-address) disk_per_address=1; shift ;;
      --dir) dir=$2; shift 2 ;;
      *) die "up: unknown option $1" ;;
    esac
  done
  if [[ ! $n =~ ^[0-9]+$ ]] || ((n < 1)); then die "up: give --hosts N or --loopback N (N >= 1)"; fi
  if ((disk_per_address)) && [[ $mode != loopback ]]; then
    die "up: --disk-per-address is for --loopback fleets (namespaced hosts have their own disks)"
  fi
  local max=$FLEET_NS_MAX_HOSTS
  [[ $mode == loopback ]] && max=$FLEET_LO_MAX_HOSTS
  ((n <= max)) || die "up: at most $max hosts in $mode mode"
  local roles
  roles=$(derive_roles "$n" "$m" "$a" "$p")
  read -r masters agents publics <<<"$roles"
  ((EUID == 0)) || die "up: must run as root"
  local c
  for c in "${FLEET_REQUIRED_CMDS[@]}"; do command -v "$c" >/dev/null || die "up: missing command $c"; done
  command -v sudo >/dev/null || log "warning: sudo is not installed: ops will not have sudo on hosts"

  set_state_dir "$dir"
  lock_dir
  if [[ -f $JOURNAL ]]; then
    log "cleaning up what a previous fleet left in $D"
    teardown || die "up: could not remove the previous fleet in $D"
  fi
  local t0=$EPOCHREALTIME
  up_ok=0
  trap 'if [[ $up_ok != 1 ]]; then log "up failed; tearing down"; teardown; fi' EXIT

  slot=$(claim_slot)
  journal slot "$slot"
  CG=$(cgroup2_root)/dcinstall-fleet/s$slot
  local nmachines=$n
  [[ $mode == loopback ]] && nmachines=1
  cat >"$D/fleet.env" <<EOF
mode=$mode
slot=$slot
n=$n
machines=$nmachines
masters=$masters
agents=$agents
publics=$publics
CG=$CG
disk_per_address=$disk_per_address
EOF

  mkdir -p "$D/log" "$D/ns" "$D/authorized_keys" "$D/host"
  journal nsdir "$D/ns"
  mount --bind "$D/ns" "$D/ns"
  mount --make-private "$D/ns"
  # The hosts' "disks" live in RAM: fast to create, and `down` drops them with one unmount.
  journal mount "$D/host"
  mount -t tmpfs -o mode=0755 dcinstall-fleet "$D/host"
  journal cgroup "$CG"
  flock -w 60 "$FLEET_REGISTRY/lock" mkdir -p "$CG"   # lock: a concurrent down may rmdir the parent

  rm -f "$D/id_ed25519" "$D/id_ed25519.pub"
  ssh-keygen -q -t ed25519 -N '' -C "dcinstall-fleet-client" -f "$D/id_ed25519"
  chmod 0600 "$D/id_ed25519"
  cp "$D/id_ed25519.pub" "$D/authorized_keys/root"
  cp "$D/id_ed25519.pub" "$D/authorized_keys/ops"
  chmod 0644 "$D/authorized_keys/"*

  if ((disk_per_address)); then
    install -m 0755 "$FLEET_LIB/address-session.sh" "$D/address-session.sh"
  fi
  write_sshd_config
  make_templates "$n"

  if [[ $mode == netns ]]; then
    local br
    br=$(bridge_name "$slot")
    journal bridge "$br"
    ip link add "$br" type bridge stp_state 0 forward_delay 0
    ip addr add "$(ns_gateway "$slot")/22" dev "$br"
    ip link set "$br" up
  fi

  run_parallel "${FLEET_JOBS:-4}" host_create 1 "$nmachines"
  wait_listening 1 "$nmachines"
  write_outputs
  local addr1
  addr1=$(head -n1 "$D/hosts")
  wait_for 50 0.1 ssh -F "$D/ssh_config" -o ConnectTimeout=5 "$addr1" true ||
    die "up: ssh to $addr1 failed after start"
  up_ok=1
  trap - EXIT
  local secs
  secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  log "up: $n hosts ($mode, slot $slot) in ${secs}s; state in $D"
  echo "$D"
}

# run_parallel JOBS FUNC FIRST LAST: FUNC i for i in FIRST..LAST, at most JOBS at a time, each in
# its own subshell (set -e applies inside). Fails after all finished if any failed.
run_parallel() {
  local jobs=$1 func=$2 first=$3 last=$4 i running=0 failed=0
  for ((i = first; i <= last; i++)); do
    "$func" "$i" &
    running=$((running + 1))
    if ((running >= jobs)); then
      wait -n || failed=1
      running=$((running - 1))
    fi
  done
  for ((; running > 0; running--)); do wait -n || failed=1; done
  ((failed == 0)) || die "$func failed for at least one host (messages above)"
}

# Everything tests and tools need: host lists, known_hosts with the real host keys, a client
# ssh_config (strict host keys, pinned algorithms) and the config.yaml fragment.
write_outputs() {
  local i addr port=22 key kt
  [[ $mode == loopback ]] && port=$(lo_port "$slot")
  for ((i = 1; i <= n; i++)); do
    host_addr_to addr "$mode" "$slot" "$i"
    echo "$addr"
  done >"$D/hosts"
  lines 1 "$masters" >"$D/hosts.masters"
  lines $((masters + 1)) $((masters + agents)) >"$D/hosts.agents"
  lines $((masters + agents + 1)) "$n" >"$D/hosts.public_agents"
  i=0
  while read -r addr; do
    i=$((i + 1))
    if [[ $mode == netns ]]; then
      read -r kt key _ <"$D/host/h$i/ssh_host_ed25519_key.pub"
      echo "$addr $kt $key"
    else
      ((i > 1)) || read -r kt key _ <"$D/host/h1/ssh_host_ed25519_key.pub"
      echo "[$addr]:$port $kt $key"
    fi
  done <"$D/hosts" >"$D/known_hosts"
  cat >"$D/ssh_config" <<EOF
# Client config for this fleet (generated by tools/fleet/fleet up). Use: ssh -F $D/ssh_config ADDR
Host *
  User root
  Port $port
  IdentityFile $D/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $D/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  CheckHostIP no
  UpdateHostKeys no
  HostKeyAlgorithms ssh-ed25519
  KexAlgorithms curve25519-sha256
  Ciphers aes128-gcm@openssh.com
  BatchMode yes
  ConnectTimeout 10
  ControlMaster no
  ControlPath none
  AddressFamily inet
  LogLevel ERROR
EOF
  {
    echo "# dcinstall test fleet: $n hosts ($mode mode), written by tools/fleet/fleet up --dir $D"
    yaml_list master_list "$D/hosts.masters"
    yaml_list agent_list "$D/hosts.agents"
    yaml_list public_agent_list "$D/hosts.public_agents"
    echo "ssh_user: root"
    echo "ssh_port: $port"
    echo "ssh_key_path: $D/id_ed25519"
    echo "ssh_known_hosts_path: $D/known_hosts"
    echo "ssh_host_key_policy: strict"
  } >"$D/config-fragment.yaml"
}

# lines FROM TO -> lines FROM..TO of $D/hosts (nothing when TO < FROM)
lines() { awk -v a="$1" -v b="$2" 'NR >= a && NR <= b' "$D/hosts"; }

yaml_list() {
  local key=$1 file=$2
  if [[ -s $file ]]; then
    echo "$key:"
    sed 's/^/- /' "$file"
  else
    echo "$key: []"
  fi
}

cmd_down() {
  local dir=${FLEET_DIR:-/tmp/dcinstall-fleet}
  while (($#)); do
    case $1 in
      --dir) dir=$2; shift 2 ;;
      *) die "down: unknown option $1" ;;
    esac
  done
  set_state_dir "$dir"
  if [[ ! -f $JOURNAL ]]; then
    log "down: no fleet recorded in $D (nothing to do)"
    return 0
  fi
  lock_dir
  teardown || exit 1
  log "down: removed the fleet in $D"
}

# Remove everything the journal records, in dependency order. Best effort: every step runs even
# if an earlier one failed, and each tolerates absence, so teardown after a partial `up`, after
# a crash or a second time is safe. Removes nothing found by name patterns: only the exact
# names and PIDs recorded. Returns 1 (journal kept, so a later down can retry) if any recorded
# resource is still there afterwards.
teardown() {
  [[ -f $JOURNAL ]] || return 0
  local -          # the option changes below end with this function
  set +eu          # one failed step must not stop the others
  local err_trap
  err_trap=$(trap -p ERR)
  trap - ERR

  local kind v1 v2
  local -a cgroups=() nsfiles=() netnses=() veths=() bridges=() nsdirs=() mounts=() slots=() pids=()
  while read -r kind v1 v2; do
    case $kind in
      cgroup) cgroups+=("$v1") ;;
      nsfile) nsfiles+=("$v1") ;;
      netns) netnses+=("$v1") ;;
      veth) veths+=("$v1") ;;
      bridge) bridges+=("$v1") ;;
      nsdir) nsdirs+=("$v1") ;;
      mount) mounts+=("$v1") ;;
      slot) slots+=("$v1") ;;
      pid) pids+=("$v1:$v2") ;;
    esac
  done <"$JOURNAL"

  # 1. Processes: kill each cgroup (cgroup.kill covers descendants), wait until each is empty,
  #    kill any recorded PID that is still the same process (start time matches) yet escaped
  #    its cgroup, then remove the cgroups, children first.
  local k cg pid
  for cg in "${cgroups[@]}"; do [[ -d $cg ]] && echo 1 2>/dev/null >"$cg/cgroup.kill"; done
  for cg in "${cgroups[@]}"; do
    [[ -d $cg ]] && { wait_for 100 0.05 cg_empty "$cg" || log "warning: processes left in $cg"; }
  done
  for pid in "${pids[@]}"; do
    [[ -n ${pid#*:} && $(pid_start "${pid%%:*}") == "${pid#*:}" ]] && kill -KILL "${pid%%:*}" 2>/dev/null
  done
  for ((k = ${#cgroups[@]} - 1; k >= 0; k--)); do
    [[ -d ${cgroups[k]} ]] && { rmdir "${cgroups[k]}" || log "warning: could not remove cgroup ${cgroups[k]}"; }
  done
  # The parent is shared by all fleets: remove it only if empty, under the registry lock.
  flock -w 60 "$FLEET_REGISTRY/lock" rmdir "$(cgroup2_root)/dcinstall-fleet" 2>/dev/null

  # 2. Namespace pins; with no process left inside, unpinning frees each host's mounts
  #    (overlays, tmpfs, binds) with its mount namespace. Then the netns: the kernel destroys
  #    them (and their veths) in batches, much faster than deleting veths one by one; wait for
  #    that (bounded), delete any veth still there, then the bridge.
  unmount_all "${nsfiles[@]}"
  rm -f "${nsfiles[@]}" 2>/dev/null
  ip_batch netns del "${netnses[@]}"
  wait_for 200 0.05 links_gone "${veths[@]}"
  ip_batch link del "${veths[@]}" "${bridges[@]}"
  unmount_all "${nsdirs[@]}" "${mounts[@]}"
  local x
  for x in "${nsdirs[@]}"; do rmdir "$x" 2>/dev/null; done

  # 3. Check; only a complete teardown releases the slot and forgets the fleet. Files we
  #    generated go too (logs under $D/log are kept for post-mortems).
  local left=()
  for cg in "${cgroups[@]}"; do [[ -d $cg ]] && left+=("cgroup $cg"); done
  for x in "${netnses[@]}"; do [[ -e /run/netns/$x ]] && left+=("netns $x"); done
  for x in "${veths[@]}" "${bridges[@]}"; do [[ -e /sys/class/net/$x ]] && left+=("link $x"); done
  for x in "${nsfiles[@]}" "${mounts[@]}"; do mountpoint -q "$x" 2>/dev/null && left+=("mount $x"); done
  eval "$err_trap"
  if ((${#left[@]})); then
    log "teardown incomplete, journal kept (run down again): ${left[*]}"
    return 1
  fi
  for x in "${slots[@]}"; do release_slot "$x"; done
  rm -rf --one-file-system "$D/host"
  rm -f "$D/hosts" "$D"/hosts.* "$D/known_hosts" "$D/ssh_config" "$D/config-fragment.yaml" \
    "$D/sshd_config" "$D/id_ed25519" "$D/id_ed25519.pub" "$D/fleet.env" "$D/address-session.sh"
  rm -rf "$D/authorized_keys"
  rm -f "$JOURNAL"
}

# ip_batch OBJECT VERB NAME...: `ip OBJECT VERB NAME` for each NAME that exists, in one `ip`.
ip_batch() {
  local obj=$1 verb=$2 x batch=()
  shift 2
  for x in "$@"; do
    if [[ $obj == netns && -e /run/netns/$x ]] || [[ $obj == link && -e /sys/class/net/$x ]]; then
      batch+=("$obj $verb $x")
    fi
  done
  ((${#batch[@]})) || return 0
  printf '%s\n' "${batch[@]}" | ip -force -batch - || log "warning: not all of ${batch[*]} could be removed"
}
links_gone() { local x; for x in "$@"; do [[ ! -e /sys/class/net/$x ]] || return 1; done; }

# unmount_all PATH...: unmount every mount on each PATH (also stacked ones; bounded), with one
# umount per round; lazily if a plain unmount is refused.
unmount_all() {
  local round p todo m
  local -A mounted
  for ((round = 0; round < 8; round++)); do
    mounted=()
    # Field 5 of mountinfo is the mount point. awk, not `read -a`: the table can change while
    # it is read (other fleets come and go), and a torn line must not abort a teardown.
    while read -r m; do mounted[$m]=1; done < <(awk 'NF >= 5 { print $5 }' /proc/self/mountinfo)
    todo=()
    for p in "$@"; do if [[ -n ${mounted[$p]:-} ]]; then todo+=("$p"); fi; done
    ((${#todo[@]})) || return 0
    umount "${todo[@]}" 2>/dev/null || umount -l "${todo[@]}" 2>/dev/null || true
  done
  log "warning: still mounted: ${todo[*]}"
}
