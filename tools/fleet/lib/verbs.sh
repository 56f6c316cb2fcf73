# shellcheck shell=bash disable=SC2154 # mode, slot, n, masters, agents, CG, verb: set by fleet
# `fleet list`, `fleet ssh`, `fleet exec` and the fault verbs. Sourced by tools/fleet/fleet.
# Every verb here runs after load_env (globals mode slot n machines masters agents publics CG).

# resolve_host ARG -> prints the host index (1..n) for an index, an address or a hostname.
resolve_host() {
  local arg=$1 line
  if [[ $arg =~ ^[0-9]+$ ]]; then
    ((arg >= 1 && arg <= n)) || die "no host $arg (fleet has $n)"
    echo "$arg"
    return
  fi
  if [[ $mode == netns && $arg =~ ^dcf${slot}h([0-9]+)$ ]]; then
    resolve_host "${BASH_REMATCH[1]}"
    return
  fi
  line=$(grep -nxF -- "$arg" "$D/hosts" | cut -d: -f1)
  [[ -n $line ]] || die "no host $arg in $D/hosts"
  echo "$line"
}

# machine_of INDEX -> the machine (sshd + namespaces) serving that host.
machine_of() { if [[ $mode == loopback ]]; then echo 1; else echo "$1"; fi; }

# Comma-separated state of machine M: up|stopped, then cut and frozen when they apply.
machine_state() {
  local m=$1 cg=$CG/h$1 s
  if cg_empty "$cg"; then s=stopped; else s=up; fi
  if [[ $mode == netns && $(read_file "/sys/class/net/dcf${slot}v$m/operstate") == down ]]; then s+=",cut"; fi
  if [[ -f $cg/cgroup.freeze && $(read_file "$cg/cgroup.freeze") == 1 ]]; then s+=",frozen"; fi
  echo "$s"
}

# One line per host: INDEX ADDRESS HOSTNAME ROLE STATE
cmd_list() {
  local i=0 addr name role st=""
  [[ $mode == loopback ]] && st=$(machine_state 1)
  while read -r addr; do
    i=$((i + 1))
    if ((i <= masters)); then role=master; elif ((i <= masters + agents)); then role=agent; else role=public_agent; fi
    if [[ $mode == netns ]]; then
      name="dcf${slot}h$i"
      st=$(machine_state "$i")
    else
      name="dcf${slot}lo"
    fi
    echo "$i $addr $name $role $st"
  done <"$D/hosts"
}

# ssh to a host with the fleet's client config (strict known_hosts): fleet ssh HOST [CMD...]
cmd_ssh() {
  (($#)) || die "ssh: give HOST [COMMAND...]"
  local i addr
  i=$(resolve_host "$1"); shift
  addr=$(sed -n "${i}p" "$D/hosts")
  exec ssh -F "$D/ssh_config" "$addr" "$@"
}

# Run a command directly in a host's namespaces and cgroup, without SSH: fleet exec HOST CMD...
cmd_exec() {
  (($# >= 2)) || die "exec: give HOST COMMAND..."
  local i m
  i=$(resolve_host "$1"); shift
  m=$(machine_of "$i")
  host_nsenter_args "$m"
  echo "$BASHPID" >"$CG/h$m/cgroup.procs"
  exec nsenter "${NSENTER_ARGS[@]}" -- "$@"
}

# Parse "HOST" for a fault verb into globals fault_i (host index) and fault_m (machine).
fault_target() {
  [[ $# -ge 1 ]] || die "$verb: give HOST (index, address or hostname)"
  fault_i=$(resolve_host "$1")
  fault_m=$(machine_of "$fault_i")
  if [[ $mode == loopback ]]; then
    log "$verb: loopback fleet: this acts on its single machine, i.e. on every address"
  fi
}

cmd_cut() {
  [[ $mode == netns ]] || die "cut/heal need a namespaced fleet (loopback hosts share one interface)"
  fault_target "$@"
  local up=down
  [[ $verb == heal ]] && up=up
  ip link set "$(veth_name "$slot" "$fault_m")" "$up"
}

# stop: SIGKILL sshd and every process of the machine (a dead machine; its disk stays).
# start: boot it again: a fresh /run, then its sshd (processes started over SSH before are gone).
cmd_stop() {
  fault_target "$@"
  cg_kill "$CG/h$fault_m"
}
cmd_start() {
  fault_target "$@"
  if ! cg_empty "$CG/h$fault_m"; then
    log "start: host $fault_i is already running"
    return 0
  fi
  echo 0 >"$CG/h$fault_m/cgroup.freeze"
  host_nsenter_args "$fault_m"
  # Fed on stdin: inside the host /tmp is private, so a checkout under /tmp is not visible there.
  nsenter "${NSENTER_ARGS[@]}" bash -s <"$FLEET_LIB/hostboot.sh"
  host_start_sshd "$fault_m"
  wait_listening "$fault_m" "$fault_m"
}

# freeze: stop every process of the machine in place (cgroup freezer, same effect as SIGSTOP
# to all of them, race-free): TCP connects still complete in the kernel, nothing answers.
cmd_freeze() {
  fault_target "$@"
  local cg=$CG/h$fault_m
  if [[ $verb == freeze ]]; then
    echo 1 >"$cg/cgroup.freeze"
    wait_for 100 0.05 cg_frozen "$cg" || die "freeze: $cg did not freeze"
  else
    echo 0 >"$cg/cgroup.freeze"
    wait_for 100 0.05 cg_thawed "$cg" || die "thaw: $cg did not thaw"
  fi
}

# slow HOST MS: add MS ms delay to every packet the host sends (MS = 0 removes it). Needs the
# kernel's netem qdisc; exits 3 when this kernel has none.
cmd_slow() {
  [[ $mode == netns ]] || die "slow needs a namespaced fleet"
  if (($# != 2)) || [[ ! $2 =~ ^[0-9]+$ ]]; then die "slow: give HOST MS"; fi
  fault_target "$1"
  local ns
  ns=$(ns_name "$slot" "$fault_m")
  if (($2 == 0)); then
    tc -n "$ns" qdisc del dev eth0 root 2>/dev/null || true
    return 0
  fi
  if ! tc -n "$ns" qdisc replace dev eth0 root netem delay "$2ms" 2>/dev/null; then
    log "slow: tc netem is not available in this kernel (no sch_netem); cannot add delay"
    exit 3
  fi
}
