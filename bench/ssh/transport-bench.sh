#!/bin/bash
# dcinstall's SSH transport against Debian's pdsh, clush, parallel-ssh and ansible on a loopback
# fleet: ONE sshd reached through N addresses 127.1.x.y, all inside a private network namespace
# (unshare --net: only `lo` exists, so no traffic can leave this machine).
#
#   bench/ssh/transport-bench.sh [--build DIR] [--sizes "50 200 1000"] [--fanout F]
#                                [--peers "pdsh clush pssh ansible"] [--chain-hosts N]
#                                [--copy-hosts N --copy-mb MB] [--memory-hosts N] [--only P1,P1b,P2,MEM]
#
# P1   `true` on N hosts, fan-out F: wall s, client CPU s (user+sys of the tool and its children),
#      sshd CPU s (the sshd master's reaped children).
# P1b  10 commands in sequence per host: dcinstall over one connection (exec --repeat 10) vs each
#      peer run 10 times.
# P2   copy an MB-sized file to N hosts (all "hosts" are this machine: one remote path per tool).
# MEM  peak RSS of dcinstall with N hosts connected at once (sleep 5 on each) minus 1 host's.
# Prints a table; exits 1 if dcinstall lost a host or printed a wrong result, 2 on usage errors.
set -euo pipefail

BUILD=build; SIZES="50 200"; FANOUT=200; PEERS="pdsh clush pssh ansible"
CHAIN_HOSTS=200; COPY_HOSTS=20; COPY_MB=100; MEMORY_HOSTS=1000; ONLY="P1,P1b,P2,MEM"
while (($#)); do
  case $1 in
    --build) BUILD=$2; shift 2 ;;
    --sizes) SIZES=$2; shift 2 ;;
    --fanout) FANOUT=$2; shift 2 ;;
    --peers) PEERS=$2; shift 2 ;;
    --chain-hosts) CHAIN_HOSTS=$2; shift 2 ;;
    --copy-hosts) COPY_HOSTS=$2; shift 2 ;;
    --copy-mb) COPY_MB=$2; shift 2 ;;
    --memory-hosts) MEMORY_HOSTS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    *) sed -n '2,17s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
  esac
done
DCI=$(readlink -f "$BUILD/dcinstall")
[[ -x $DCI ]] || { echo "transport-bench: no $BUILD/dcinstall; build first" >&2; exit 2; }

if [[ -z ${DCI_BENCH_IN_NETNS:-} ]]; then
  exec unshare --net env DCI_BENCH_IN_NETNS=1 bash "$0" --build "$BUILD" --sizes "$SIZES" \
    --fanout "$FANOUT" --peers "$PEERS" --chain-hosts "$CHAIN_HOSTS" --copy-hosts "$COPY_HOSTS" \
    --copy-mb "$COPY_MB" --memory-hosts "$MEMORY_HOSTS" --only "$ONLY"
fi
ip link set lo up

W=$(mktemp -d /tmp/dci-bench-XXXXXX)
SSHD_PID=
cleanup() { [[ -n $SSHD_PID ]] && kill "$SSHD_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
mkdir -p "$W/home" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$W/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$W/id_ed25519"
cp "$W/id_ed25519.pub" "$W/authorized_keys"
read -r KT KEY _ <"$W/host_key.pub"
echo "127.* $KT $KEY" >"$W/known_hosts"
cat >"$W/sshd_config" <<CFG
Port 22
ListenAddress 0.0.0.0
HostKey $W/host_key
AuthorizedKeysFile $W/authorized_keys
PidFile $W/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
MaxStartups 10000:30:20000
MaxSessions 1000
LogLevel QUIET
SetEnv HOME=$W/home
CFG
/usr/sbin/sshd -D -f "$W/sshd_config" & SSHD_PID=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/22) 2>/dev/null && break; sleep 0.05; done
cat >"$W/ssh_config" <<CFG
Host *
  User root
  IdentityFile $W/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $W/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  LogLevel ERROR
CFG

hosts_file() {  # N -> file with N addresses 127.1.x.y
  local n=$1 f="$W/hosts.$1" i
  [[ -f $f ]] || for ((i = 0; i < n; i++)); do echo "127.1.$((i / 250)).$((i % 250 + 1))"; done >"$f"
  echo "$f"
}
config_for() {  # N -> a dcinstall config for those hosts
  local n=$1 f="$W/config.$1.yaml" hosts
  hosts=$(hosts_file "$n")
  {
    echo "cluster_name: bench"
    echo "master_list: [$(head -n1 "$hosts")]"
    echo "agent_list: [$(tail -n +2 "$hosts" | paste -sd, -)]"
    echo "ssh_key_path: $W/id_ed25519"
    echo "ssh_known_hosts_path: $W/known_hosts"
    echo "ssh_parallelism: $FANOUT"
    echo "retries: 0"
  } >"$f"
  echo "$f"
}
sshd_cpu() { awk '{ printf "%.2f", ($14 + $15 + $16 + $17) / 100 }' "/proc/$SSHD_PID/stat"; }

ROWS=()
LOST=0
# measure LABEL TOOL N EXPECT CMD...: runs CMD, records wall/CPU/RSS; EXPECT = lines of output.
measure() {
  local label=$1 tool=$2 n=$3 expect=$4; shift 4
  local before after out rc
  before=$(sshd_cpu)
  set +e
  /usr/bin/time -f "%e %U %S %M" -o "$W/time" "$@" >"$W/out" 2>"$W/err"; rc=$?
  set -e
  after=$(sshd_cpu)
  read -r wall user sys rss <"$W/time"
  out=$(grep -c . "$W/out" || true)
  local ok=yes
  if [[ $tool == dcinstall ]]; then
    grep -q "^$n ok, 0 failed, 0 unreachable" "$W/err" || { ok=NO; LOST=1; tail -3 "$W/err" >&2; }
    ((rc == 0)) || { ok=NO; LOST=1; }
  elif [[ $expect != - ]] && ((out < expect)); then
    ok="no($out/$expect)"
  fi
  ROWS+=("$(printf '%-5s %-10s %6s %8s %9s %9s %9s  %s' "$label" "$tool" "$n" "$wall" \
    "$(echo "$user + $sys" | bc)" "$(echo "$after - $before" | bc)" "$rss" "$ok")")
  echo "${ROWS[-1]}" >&2
}

export PDSH_SSH_ARGS="-F $W/ssh_config -l%u %h" PDSH_RCMD_TYPE=ssh
export ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_SSH_ARGS="-F $W/ssh_config" ANSIBLE_STDOUT_CALLBACK=oneline
export ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_LOCAL_TEMP=$W/ansible ANSIBLE_FORKS=$FANOUT
peer_exec() {  # TOOL HOSTS F CMD
  local tool=$1 hosts=$2 f=$3 cmd=$4
  case $tool in
    pdsh) pdsh -f "$f" -w "^$hosts" "$cmd" ;;
    clush) clush -f "$f" -o "-F $W/ssh_config" --hostfile "$hosts" "$cmd" ;;
    pssh) parallel-ssh -p "$f" -x "-F $W/ssh_config" -h "$hosts" -i "$cmd" ;;
    ansible) ansible all -i "$(paste -sd, "$hosts")," -u root -f "$f" -m raw -a "$cmd" ;;
  esac
}
peer_copy() {  # TOOL HOSTS F LOCAL REMOTE
  local tool=$1 hosts=$2 f=$3 src=$4 dst=$5
  case $tool in
    pdsh) pdcp -f "$f" -w "^$hosts" "$src" "$dst" ;;
    clush) clush -f "$f" -o "-F $W/ssh_config" --hostfile "$hosts" --copy "$src" --dest "$dst" ;;
    pssh) parallel-scp -p "$f" -x "-F $W/ssh_config" -h "$hosts" "$src" "$dst" ;;
    ansible) ansible all -i "$(paste -sd, "$hosts")," -u root -f "$f" -m copy -a "src=$src dest=$dst" ;;
  esac
}
export -f peer_exec peer_copy
export W

has() { [[ ,$ONLY, == *,$1,* ]]; }
if has P1; then
  for n in $SIZES; do
    hosts=$(hosts_file "$n"); config=$(config_for "$n"); f=$((n < FANOUT ? n : FANOUT))
    measure P1 dcinstall "$n" - "$DCI" exec --no-ssh-config -c "$config" --parallelism "$f" -- true
    for p in $PEERS; do
      measure P1 "$p" "$n" - bash -c "peer_exec $p $hosts $f true"
    done
  done
fi
if has P1b; then
  n=$CHAIN_HOSTS; hosts=$(hosts_file "$n"); config=$(config_for "$n"); f=$((n < FANOUT ? n : FANOUT))
  measure P1b dcinstall "$n" - "$DCI" exec --no-ssh-config -c "$config" --parallelism "$f" --repeat 10 -- true
  for p in $PEERS; do
    measure P1b "$p" "$n" - bash -c "for i in 1 2 3 4 5 6 7 8 9 10; do peer_exec $p $hosts $f true || exit 1; done"
  done
fi
if has P2; then
  n=$COPY_HOSTS; hosts=$(hosts_file "$n"); config=$(config_for "$n"); f=$((n < FANOUT ? n : FANOUT))
  head -c $((COPY_MB * 1024 * 1024)) /dev/urandom >"$W/payload"
  sum=$(sha256sum <"$W/payload" | cut -d' ' -f1)
  measure P2 dcinstall "$n" - "$DCI" copy --no-ssh-config -c "$config" --parallelism "$f" "$W/payload" "$W/copy-dci"
  [[ $(sha256sum <"$W/copy-dci" | cut -d' ' -f1) == "$sum" ]] || { echo "P2: dcinstall copy is damaged" >&2; LOST=1; }
  for p in $PEERS; do
    measure P2 "$p" "$n" - bash -c "peer_copy $p $hosts $f $W/payload $W/copy-$p"
  done
fi
if has MEM; then
  n=$MEMORY_HOSTS; config=$(config_for "$n")
  measure MEM1 dcinstall 1 - "$DCI" exec --no-ssh-config -c "$config" --hosts 127.1.0.1 -- true
  base=$(awk '{print $4}' "$W/time")
  measure MEM dcinstall "$n" - "$DCI" exec --no-ssh-config -c "$config" --parallelism "$n" -- sleep 5
  peak=$(awk '{print $4}' "$W/time")
  echo "MEM: dcinstall peak RSS $peak KB with $n hosts connected, $base KB with 1: $(( (peak - base) / n )) KB per host" >&2
  ROWS+=("MEM   per-host RSS above 1-host baseline: $(( (peak - base) / n )) KB")
fi

printf '%-5s %-10s %6s %8s %9s %9s %9s  %s\n' bench tool hosts wall_s client_cpu sshd_cpu rss_kb ok
printf '%s\n' "${ROWS[@]}"
exit $LOST
