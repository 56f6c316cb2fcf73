# shellcheck shell=bash
# Shared helpers for tools/fleet/fleet: naming, the state dir, the journal, the slot registry
# and cgroup access. Sourced, never executed. Every function is safe under `set -euo pipefail`.
#
# Naming contract (derived from the fleet's slot s, 0..63, and host index i, 1-based):
#   netns        dcf<s>h<i>          (also the host's hostname)
#   bridge       dcf<s>br            (root namespace, address 10.211.<4s>.1/22)
#   veth         dcf<s>v<i>          (root-side end; the host-side end is eth0 in the netns)
#   host address 10.211.<4s>.0/22 + 1 + i    (namespaced mode)
#                127.<100+s>.<(i-1)/254>.<(i-1)%254+1>, port 22000+s   (loopback mode)
#   cgroup       <cgroup2>/dcinstall-fleet/s<s>/h<i>
# A loopback fleet is ONE machine (index 1: one sshd, one mount/UTS namespace) reached through
# N addresses; its fault verbs act on that machine, i.e. on every address at once.
# Two fleets never share a slot, so they never share a subnet, bridge, port or cgroup.

readonly FLEET_REGISTRY=/run/dcinstall-fleet        # slot registry: slots/<s> holds the owner dir
readonly FLEET_MAX_SLOTS=64
# shellcheck disable=SC2034 # used by updown.sh
readonly FLEET_NS_MAX_HOSTS=1021                    # /22 minus bridge, network, broadcast
# shellcheck disable=SC2034
readonly FLEET_LO_MAX_HOSTS=20000

log() { printf 'fleet: %s\n' "$*" >&2; }
die() { printf 'fleet: error: %s\n' "$*" >&2; exit 1; }

# Bounded wait: wait_for TRIES SLEEP CMD... ; returns 0 as soon as CMD succeeds, 1 after TRIES.
wait_for() {
  local tries=$1 pause=$2; shift 2
  local k
  for ((k = 0; k < tries; k++)); do
    "$@" && return 0
    sleep "$pause"
  done
  return 1
}

# ---- naming -------------------------------------------------------------------------------
ns_name()     { echo "dcf$1h$2"; }          # slot index
bridge_name() { echo "dcf$1br"; }           # slot
veth_name()   { echo "dcf$1v$2"; }          # slot index
ns_gateway()  { echo "10.211.$((4 * $1)).1"; }
ns_subnet()   { echo "10.211.$((4 * $1)).0/22"; }
lo_port()     { echo $((22000 + $1)); }
lo_subnet()   { echo "127.$((100 + $1)).0.0/16"; }

# host_addr MODE SLOT INDEX -> IPv4 address of host INDEX. host_addr_to VAR ... stores it in VAR
# instead (no subshell: loops over 10,000 hosts stay fast).
host_addr_to() {
  local m=$2 s=$3 i=$4
  if [[ $m == loopback ]]; then
    printf -v "$1" '127.%d.%d.%d' $((100 + s)) $(((i - 1) / 254)) $(((i - 1) % 254 + 1))
  else
    printf -v "$1" '10.211.%d.%d' $((4 * s + (1 + i) / 256)) $(((1 + i) % 256))
  fi
}
host_addr() { local a; host_addr_to a "$@"; echo "$a"; }

# ---- cgroup v2 ------------------------------------------------------------------------------
# The cgroup2 mount point (/sys/fs/cgroup/unified on hybrid hosts, /sys/fs/cgroup on pure v2).
cgroup2_root() {
  local root
  root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
  [[ -n $root ]] || die "no cgroup2 hierarchy mounted (needed to track, freeze and kill host processes)"
  echo "$root"
}

# cg_kill DIR: SIGKILL every process in cgroup DIR and wait (bounded) until it is empty.
cg_kill() {
  local cg=$1
  [[ -d $cg ]] || return 0
  echo 1 >"$cg/cgroup.kill"
  wait_for 100 0.05 cg_empty "$cg" || log "warning: processes left in $cg after SIGKILL"
}
# cg_empty DIR: no process in the cgroup (read, not size: pseudo-files report size 0).
cg_empty() { local pid=""; read -r pid 2>/dev/null <"$1/cgroup.procs" || true; [[ -z $pid ]]; }
# read_file FILE -> first line of FILE, or nothing if it is missing (no subprocess).
read_file() { local l=""; read -r l 2>/dev/null <"$1" || true; echo "$l"; }
cg_frozen() { grep -qx 'frozen 1' "$1/cgroup.events"; }
cg_thawed() { grep -qx 'frozen 0' "$1/cgroup.events"; }
cg_usage_usec() { awk '$1 == "usage_usec" { print $2 }' "$1/cpu.stat"; }

# ---- state dir --------------------------------------------------------------------------------
# Sets globals D (absolute state dir) and JOURNAL. The dir must not lie under a path that hosts
# overlay (/etc /opt /var), replace at each start (/run) or use as a staging mount point (/mnt):
# hosts must see it unchanged.
set_state_dir() {
  local dir=$1
  [[ $dir == /* ]] || dir="$PWD/$dir"
  dir=$(realpath -m -- "$dir")
  [[ $dir =~ ^[A-Za-z0-9_./-]+$ ]] || die "--dir must be a plain path (letters, digits, _ . / -): $dir"
  case "$dir/" in
    /etc/* | /opt/* | /var/* | /run/* | /mnt/* | /usr/* | /proc/* | /sys/* | /dev/*)
      die "--dir may not lie under /etc /opt /var /run /mnt /usr /proc /sys /dev (hosts cover them): $dir" ;;
  esac
  [[ $dir != / ]] || die "--dir may not be /"
  D=$dir
  JOURNAL=$D/journal
}

# The fleet's settings, written by `up` as shell assignments (mode slot n masters agents publics).
load_env() {
  [[ -f $D/fleet.env ]] || die "no fleet in $D (run: fleet up --dir $D)"
  # shellcheck disable=SC1091
  source "$D/fleet.env"
}

# Per-dir lock so two verbs never work on the same fleet at once (bounded wait).
lock_dir() {
  mkdir -p "$D"
  exec 8>"$D/.lock"
  flock -w 600 8 || die "another fleet command holds $D/.lock"
}

# ---- journal ----------------------------------------------------------------------------------
# One line per resource, "KIND VALUE...", appended BEFORE the resource is created so a crash
# never leaves an unrecorded resource. `down` reads it back; every removal tolerates absence.
# Kinds: slot S | cgroup DIR | nsdir DIR | mount DIR | nsfile FILE | netns NAME | veth NAME
#        | bridge NAME | pid PID STARTTIME (a fallback; cgroups are what stop processes)
journal() { printf '%s\n' "$*" >>"$JOURNAL"; }

# pid_start PID -> the process's start time in clock ticks (field 22 of /proc/PID/stat), which
# together with the PID identifies one process even after PID reuse.
pid_start() {
  local stat f
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 0
  read -ra f <<<"${stat##*) }"   # f[0] is field 3 (state)
  echo "${f[19]:-}"
}

# ---- slot registry ----------------------------------------------------------------------------
# claim_slot -> prints a slot number owned by $D. Under a global lock: reuse the slot this dir
# already owns, else take a free one, else reclaim one whose owner dir no longer records it and
# whose bridge and cgroup are gone. Also refuses subnets already routed on this machine.
claim_slot() {
  mkdir -p "$FLEET_REGISTRY/slots"
  local fd s owner
  exec {fd}>"$FLEET_REGISTRY/lock"
  flock -w 60 "$fd" || die "could not lock $FLEET_REGISTRY/lock"
  for ((s = 0; s < FLEET_MAX_SLOTS; s++)); do
    owner=$(read_file "$FLEET_REGISTRY/slots/$s")
    if [[ $owner == "$D" ]]; then echo "$s"; exec {fd}>&-; return 0; fi
  done
  local cgr
  cgr=$(cgroup2_root)
  for ((s = 0; s < FLEET_MAX_SLOTS; s++)); do
    owner=$(read_file "$FLEET_REGISTRY/slots/$s")
    if [[ -n $owner ]]; then
      grep -qx "slot $s" "$owner/journal" 2>/dev/null && continue
      [[ -e /sys/class/net/$(bridge_name "$s") || -d $cgr/dcinstall-fleet/s$s ]] && continue
    fi
    slot_routed "$s" && continue
    echo "$D" >"$FLEET_REGISTRY/slots/$s"
    echo "$s"
    exec {fd}>&-
    return 0
  done
  exec {fd}>&-
  die "all $FLEET_MAX_SLOTS fleet slots are in use (see $FLEET_REGISTRY/slots)"
}

# A slot is unusable if its namespaced subnet is already on some interface of this machine
# (someone else's network) or its loopback port is taken.
slot_routed() {
  local s=$1
  # (No `| grep -q`: under pipefail an early exit can turn a match into a failure.)
  [[ -n $(ip -4 -o addr show | awk -v p="10.211.$((4 * s))." 'index($4, p) == 1') ]] && return 0
  [[ -n $(ip -4 route show "$(ns_subnet "$s")") ]] && return 0
  [[ -n $(ss -Hltn "sport = :$(lo_port "$s")") ]] && return 0
  return 1
}

release_slot() {
  local s=$1 owner
  owner=$(read_file "$FLEET_REGISTRY/slots/$s")
  [[ $owner == "$D" ]] && rm -f "$FLEET_REGISTRY/slots/$s"
  return 0
}
