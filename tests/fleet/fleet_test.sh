#!/bin/bash
# shellcheck disable=SC2317,SC1091 # checks run through `check NAME FUNC`; fleet.env is generated
# Self-test of tools/fleet (the test fleet). Needs root. Brings up its own fleets in its own
# state dirs, checks isolation, reachability, fault verbs, SSH policies and a clean teardown,
# and always tears down (trap). Prints one line per check and finally "N passed, M failed";
# exits non-zero if any check failed. Checks that this machine cannot support (tc netem) are
# reported as "skip" and not counted.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FLEET=$REPO/tools/fleet/fleet
WORK=$(mktemp -d /tmp/fleet-test.XXXXXX)
D=$WORK/a    # the 5-host fleet
D2=$WORK/b   # a second, 1-host fleet (coexistence, up over a live fleet)
D3=$WORK/c   # a loopback fleet
D4=$WORK/d   # a loopback fleet with a disk per address
LOG=$WORK/test.log
MARK=fleet-test-$$
passed=0 failed=0

cleanup() {
  local d
  for d in "$D" "$D2" "$D3" "$D4"; do "$FLEET" down --dir "$d" >>"$LOG" 2>&1 || echo "warning: down $d failed (see $LOG)"; done
}
trap cleanup EXIT

# check NAME CMD...: run CMD (its output goes to the log) and print one result line.
check() {
  local name=$1; shift
  echo "### $name" >>"$LOG"
  if "$@" >>"$LOG" 2>&1; then
    echo "ok   - $name"; passed=$((passed + 1))
  else
    echo "FAIL - $name"; failed=$((failed + 1))
  fi
}
finish() {
  echo "$passed passed, $failed failed"
  ((failed == 0)) || echo "(log: $LOG)"
  trap - EXIT
  cleanup
  ((failed == 0))
  exit
}

# ---- helpers (every network wait is bounded by ConnectTimeout or timeout) ----------------------
addr() { sed -n "$2p" "$1/hosts"; }                                   # addr DIR INDEX
fssh() { local d=$1; shift; timeout 30 ssh -F "$d/ssh_config" "$@"; }  # fssh DIR [OPTS] ADDR CMD
on() { fssh "$D" "$(addr "$D" "$1")" "${@:2}"; }                      # on INDEX CMD: on fleet D
ssh_fails() { ! timeout 15 ssh -F "$D/ssh_config" -o ConnectTimeout=2 "$(addr "$D" "$1")" true; }
state_has() { [[ ,$("$FLEET" list --dir "$D" | awk -v i="$1" '$1 == i { print $5 }'), == *,$2,* ]]; }
env_of() { (source "$1/fleet.env" && echo "${!2}"); }                 # env_of DIR VAR
# alive PID [START]: PID runs (a zombie does not count), with start time START if given.
alive() {
  local stat f
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  read -ra f <<<"${stat##*) }"
  [[ ${f[0]} != Z && (-z ${2:-} || ${f[19]} == "$2") ]]
}
expect() { [[ $1 == "$2" ]] || { echo "expected '$2', got '$1'"; return 1; }; }

# ---- checks --------------------------------------------------------------------------------------
up5() { "$FLEET" up --hosts 5 --masters 3 --agents 1 --public-agents 1 --dir "$D"; }
hosts_distinct() { expect "$(sort -u "$D/hosts" | wc -l)" 5; }
key_mode() { expect "$(stat -c %a "$D/id_ed25519")" 600; }
fragment_ok() {
  local y=$D/config-fragment.yaml
  grep -qx "ssh_host_key_policy: strict" "$y" && grep -qx "ssh_known_hosts_path: $D/known_hosts" "$y" &&
    grep -qx "ssh_key_path: $D/id_ed25519" "$y" && grep -qx "ssh_user: root" "$y" &&
    expect "$(awk '/^master_list:/ { m = 1; next } /^[a-z]/ { m = 0 } m' "$y" | wc -l)" 3 &&
    ! grep -q cluster_name "$y"
}
known_hosts_ok() { expect "$(grep -c ' ssh-ed25519 ' "$D/known_hosts")" 5; }
list_ok() { diff <("$FLEET" list --dir "$D" | awk '{ print $2 }') "$D/hosts"; }
identity() {   # identity INDEX: hostname dcf<slot>h<i>, eth0 holds the listed address
  local out
  out=$(on "$1" "hostname; ip -4 -o addr show dev eth0") || return 1
  expect "$(head -n1 <<<"$out")" "dcf${SLOT}h$1" && grep -q " $(addr "$D" "$1")/22 " <<<"$out"
}
PATHS="/opt/dcinstall /etc/dcinstall /var/lib/dcinstall /etc/systemd/system"
private_paths() {
  on 1 "mkdir -p $PATHS && for p in $PATHS; do echo 1 >\$p/$MARK; done" &&
    on 2 "for p in $PATHS; do ! test -e \$p/$MARK || exit 1; done" &&
    for p in $PATHS; do [[ ! -e $p/$MARK ]] || return 1; done
}
own_opt() {
  local i
  for i in 1 2 3 4 5; do on "$i" "mkdir -p /opt/dcinstall && hostname >/opt/dcinstall/who" || return 1; done
  for i in 1 2 3 4 5; do expect "$(on "$i" cat /opt/dcinstall/who)" "dcf${SLOT}h$i" || return 1; done
}
# A TCP server on host 1, started over SSH (bounded: serves 20 connections, lives <= 120 s).
SERVER='import socket, os
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7777)); s.listen(8)
for _ in range(20):
    c, _a = s.accept(); c.sendall(b"hello-from-" + os.uname().nodename.encode() + b"\n"); c.close()'
start_server() { on 1 "setsid timeout 120 python3 -c '$SERVER' </dev/null >/dev/null 2>&1 & sleep 1"; }
tcp_read() { timeout 5 bash -c "exec 3<>/dev/tcp/$1/7777 && head -n1 <&3"; }   # here
tcp_from() { on "$1" "timeout 5 bash -c 'exec 3<>/dev/tcp/$2/7777 && head -n1 <&3'"; }
host2_reaches_host1() { expect "$(tcp_from 2 "$(addr "$D" 1)")" "hello-from-dcf${SLOT}h1"; }
host2_own_ports() { ! tcp_from 2 127.0.0.1; }
bootstrap_reaches() { expect "$(tcp_read "$(addr "$D" 1)")" "hello-from-dcf${SLOT}h1"; }

cut3() { "$FLEET" cut 3 --dir "$D" && ssh_fails 3 && state_has 3 cut; }
heal3() { "$FLEET" heal "$(addr "$D" 3)" --dir "$D" && on 3 true; }
stop3() {
  local sleeper
  sleeper=$(on 3 "echo kept >/var/lib/$MARK; touch /run/$MARK; setsid sleep 600 </dev/null >/dev/null 2>&1 & echo \$!") &&
    alive "$sleeper" && "$FLEET" stop 3 --dir "$D" && ssh_fails 3 && state_has 3 stopped &&
    [[ -z $(cat "$CG/h3/cgroup.procs") ]] && ! alive "$sleeper"
}
start3() { "$FLEET" start 3 --dir "$D" && expect "$(on 3 "cat /var/lib/$MARK; ls /run/$MARK 2>/dev/null")" kept; }
freeze4() { "$FLEET" freeze 4 --dir "$D" && ssh_fails 4 && state_has 4 frozen; }
thaw4() { "$FLEET" thaw 4 --dir "$D" && on 4 true; }
slow5() {   # a TCP connect to host 5 takes at least the added 100 ms
  local t0=$EPOCHREALTIME
  timeout 5 bash -c "exec 3<>/dev/tcp/$(addr "$D" 5)/22" &&
    awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a >= 0.1) }'
}

ops_sudo() { expect "$(fssh "$D" -l ops "$(addr "$D" 2)" "id -un; sudo -n true && echo sudo-ok")" $'ops\nsudo-ok'; }
strict_ssh() {   # strict_ssh KNOWN_HOSTS: plain ssh, no fleet ssh_config
  timeout 30 ssh -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$1" -o BatchMode=yes \
    -o IdentitiesOnly=yes -i "$D/id_ed25519" "root@$(addr "$D" 1)" true
}
strict_rejects() { : >"$WORK/empty_known_hosts"; ! strict_ssh "$WORK/empty_known_hosts"; }
clean_rc() { expect "$(on 1 "echo \${PYENV_ROOT:-none}; ls -A ~ | grep -c rc\$")" $'none\n0'; }
concurrent50() {
  local _ i p ok=0 pids=()
  for _ in $(seq 10); do for i in 1 2 3 4 5; do on "$i" true & pids+=($!); done; done
  for p in "${pids[@]}"; do wait "$p" && ok=$((ok + 1)); done
  expect "$ok" 50
}
exec_ns() { expect "$("$FLEET" exec 2 hostname --dir "$D")" "dcf${SLOT}h2"; }

second_fleet() {
  "$FLEET" up --hosts 1 --dir "$D2" && ((SLOT != $(env_of "$D2" slot))) &&
    fssh "$D2" "$(addr "$D2" 1)" true && on 1 true
}
up_over_live() { "$FLEET" up --hosts 1 --dir "$D2" && expect "$(grep -c '^netns ' "$D2/journal")" 1 && fssh "$D2" "$(addr "$D2" 1)" true; }
down_second() { "$FLEET" down --dir "$D2" && on 1 true; }
loopback() {
  local port
  "$FLEET" up --loopback 20 --dir "$D3" && expect "$(wc -l <"$D3/hosts")" 20 &&
    port=$(sed -n 's/^ssh_port: //p' "$D3/config-fragment.yaml") &&
    [[ $(ss -Hltn "sport = :$port") == *"%lo:$port"* ]] &&
    expect "$(fssh "$D3" "$(addr "$D3" 17)" "echo \$SSH_CONNECTION" | cut -d' ' -f3)" "$(addr "$D3" 17)"
}
# Each address of a --disk-per-address loopback fleet has its own /etc, /opt and /var (kept across
# sessions, on the fleet's tmpfs); /tmp stays shared.
disk_per_address() {
  local a1 a2
  "$FLEET" up --loopback 3 --disk-per-address --dir "$D4" && a1=$(addr "$D4" 1) && a2=$(addr "$D4" 2) &&
    fssh "$D4" "$a1" "mkdir -p /opt/dcinstall /etc/dcinstall && echo $a1 >/opt/dcinstall/who && echo $a1 >/etc/dcinstall/who && echo shared >/tmp/$MARK" &&
    expect "$(fssh "$D4" "$a1" cat /opt/dcinstall/who /etc/dcinstall/who)" "$a1"$'\n'"$a1" &&
    fssh "$D4" "$a2" "test ! -e /opt/dcinstall && test ! -e /etc/dcinstall && cat /tmp/$MARK" &&
    expect "$(cat "$D4/host/h1/disks/$a1/opt/upper/dcinstall/who")" "$a1" &&
    [[ ! -e /opt/dcinstall/who ]] &&
    expect "$(echo in | fssh "$D4" "$a2" 'cat; exit 3'; echo "status $?")" $'in\nstatus 3'
}
nothing_left() {   # every resource the journal of fleet D recorded is gone
  local kind v1 v2 bad=0 left
  while read -r kind v1 v2; do
    case $kind in
      netns) [[ ! -e /run/netns/$v1 ]] || { echo "netns $v1 left"; bad=1; } ;;
      veth | bridge) [[ ! -e /sys/class/net/$v1 ]] || { echo "link $v1 left"; bad=1; } ;;
      cgroup) [[ ! -d $v1 ]] || { echo "cgroup $v1 left"; bad=1; } ;;
      pid) ! alive "$v1" "$v2" || { echo "process $v1 left"; bad=1; } ;;
    esac
  done <"$WORK/journal.a"
  left=$(grep -l -F "$WORK/" /proc/[0-9]*/mountinfo 2>/dev/null)
  [[ -z $left ]] || { echo "mounts under $WORK left in: $left"; bad=1; }
  ((bad == 0))
}
second_down() { [[ $("$FLEET" down --dir "$D" 2>&1) == *"nothing to do"* ]]; }

# ---- run -------------------------------------------------------------------------------------------
if ((EUID != 0)); then echo "FAIL - fleet self-test needs root"; echo "0 passed, 1 failed"; exit 1; fi

check "up --hosts 5 --masters 3 --agents 1 --public-agents 1" up5
[[ -f $D/fleet.env ]] || finish
SLOT=$(env_of "$D" slot)
CG=$(env_of "$D" CG)
cp "$D/journal" "$WORK/journal.a"

check "hosts file lists 5 distinct addresses" hosts_distinct
check "client key has mode 0600" key_mode
check "config fragment: roles, key, known_hosts, strict policy" fragment_ok
check "known_hosts holds the 5 hosts' ed25519 keys" known_hosts_ok
check "list: one line per host with its address" list_ok
for i in 1 2 3 4 5; do check "host $i: own hostname and address" identity "$i"; done
check "install paths are private: written on host 1, absent on host 2 and here" private_paths
check "each host has its own /opt/dcinstall" own_opt
check "TCP server started on host 1 over SSH" start_server
check "host 2 reaches host 1's server" host2_reaches_host1
check "host 2 has its own ports (its localhost:7777 is closed)" host2_own_ports
check "the bootstrap side reaches host 1's server" bootstrap_reaches

check "cut 3: ssh to host 3 times out" cut3
check "heal 3: ssh to host 3 works again" heal3
check "stop 3: host 3 refuses ssh, its processes are gone" stop3
check "start 3: ssh works, disk survived, /run is fresh" start3
check "freeze 4: ssh to host 4 times out" freeze4
check "thaw 4: ssh to host 4 works again" thaw4
"$FLEET" slow 5 100 --dir "$D" >>"$LOG" 2>&1
case $? in
  3) echo "skip - slow: no tc netem in this kernel" ;;
  0) check "slow 5 100: round trips to host 5 take >= 100 ms" slow5
     check "slow 5 0: delay removed" "$FLEET" slow 5 0 --dir "$D" ;;
  *) check "slow 5 100" false ;;
esac

check "ops logs in with the key and has passwordless sudo" ops_sudo
check "strict known_hosts works without the fleet ssh_config" strict_ssh "$D/known_hosts"
check "strict known_hosts rejects a host missing from it" strict_rejects
check "sessions do not read shell rc files (clean homes)" clean_rc
check "50 concurrent sessions (10 per host) all succeed" concurrent50
check "fleet exec runs in the host's namespaces" exec_ns

check "a second fleet comes up beside the first (own slot, subnet, bridge)" second_fleet
check "up over a live fleet cleans its leftovers first" up_over_live
check "down of the second fleet leaves the first running" down_second
check "loopback fleet: 20 addresses, one sshd bound to lo only, dialled address seen" loopback
check "loopback fleet: down" "$FLEET" down --dir "$D3"
check "loopback --disk-per-address: /etc, /opt, /var per address, kept across sessions" disk_per_address
check "loopback --disk-per-address: down" "$FLEET" down --dir "$D4"

check "down" "$FLEET" down --dir "$D"
check "down left no namespace, link, mount, cgroup or process behind" nothing_left
check "a second down is a no-op" second_down

finish
