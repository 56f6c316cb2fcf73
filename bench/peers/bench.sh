#!/bin/bash
# Peer benchmark: on one fleet (tools/fleet) in one run, time parallel-SSH tools running `true`
# on every host ("exec") and copying one file to every host ("copy").
#
#   bench/peers/bench.sh --dir FLEET_DIR [--reps 5] [--fanout 64] [--size 1048576]
#                        [--tools "dcinstall pdsh clush pssh ansible"] [--ops "exec chain copy"]
#                        [--out DIR] [--tool-reps "ansible=1"]   (cap the repetitions of slow tools)
#                        [--limit N]   (only the fleet's first N hosts)
#                        [--chain-steps 10] [--dest DIR]   (see "chain" and "copy" below)
#                        [--no-warmup]   (skip the untimed warm-up exec, e.g. on a fleet just used)
#   bench/peers/bench.sh --summary OUT   (print OUT/summary.txt again from OUT/results.csv)
#
# Operations: "exec" runs `true` once per host; "chain" runs `true` STEPS times per host as STEPS
# separate commands in sequence (a preflight): a tool with NAME_chain does it its own way
# (dcinstall: STEPS channels over one connection per host), every other tool is invoked STEPS
# times (NAME_exec; a host counts as ok only if all STEPS invocations succeeded on it); "copy"
# copies a fresh random file to DEST/bench-NAME.bin on every host (DEST: --dest, default /tmp).
# If DEST is also visible on this machine and shared by every host (e.g. /dev/shm on the fleet:
# its hosts privatize only /tmp, /run, /etc, /opt, /var and the homes), every copy there is
# checked against the payload's SHA-256 and removed after each run (100 MB x 200 hosts would not
# fit in memory otherwise: all hosts then write one file).
#
# Exit status: 0; 3 if dcinstall (when benchmarked) lost a host or left a damaged copy in any run.
#
# Fairness: every tool gets the same hosts, the same fan-out (at most --fanout connections in
# flight) and the same ssh_config (written to OUT/ssh_config: pinned key exchange, cipher, MAC,
# host key algorithm, strict known_hosts, no connection sharing), and tools alternate within
# each repetition (the starting tool rotates) so drift hits all alike. One untimed warm-up exec
# per tool precedes the timed runs.
#
# Measured per run: wall time; client CPU (user+sys of the tool and every descendant it waited
# for, from bash's `times`, i.e. getrusage(RUSAGE_CHILDREN)); server CPU (usage_usec of the fleet's cgroup, which holds every sshd and
# every process started over SSH); hosts that succeeded (parsed from the tool's output).
# Output: OUT/results.csv (one row per run) and OUT/summary.txt (medians per tool and op).
#
# Adding a tool: drop bench/peers/tools/NAME.sh defining the functions below (see pdsh.sh):
#   NAME_available                      exit 0 if the tool is installed
#   NAME_exec HOSTS FANOUT LOG          run `true` on every host in file HOSTS
#   NAME_copy HOSTS FANOUT SRC DEST LOG copy local file SRC to path DEST on every host
#   NAME_ok   OP LOG                    print how many hosts succeeded (OP is exec, chain or copy)
#   NAME_chain HOSTS FANOUT STEPS LOG   optional: STEPS commands in sequence on every host
# and calling `bench_register NAME`. They may use BENCH_SSH_CONFIG (the pinned ssh_config),
# BENCH_KEY, BENCH_KNOWN_HOSTS, BENCH_USER, BENCH_PORT, BENCH_N (host count), BENCH_OUT, and
# BENCH_KEX / BENCH_CIPHER / BENCH_MAC / BENCH_HOSTKEY (the pinned algorithms, for tools that
# do not read ssh_config, e.g. libssh-based ones).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

BENCH_KEX=${BENCH_KEX:-curve25519-sha256}
BENCH_CIPHER=${BENCH_CIPHER:-aes128-gcm@openssh.com}
BENCH_MAC=${BENCH_MAC:-hmac-sha2-256-etm@openssh.com}   # unused by AEAD ciphers; pinned anyway
BENCH_HOSTKEY=${BENCH_HOSTKEY:-ssh-ed25519}
export BENCH_KEX BENCH_CIPHER BENCH_MAC BENCH_HOSTKEY

TOOLS_AVAILABLE=()
bench_register() { TOOLS_AVAILABLE+=("$1"); }

die() { echo "bench: error: $*" >&2; exit 1; }

# children_ms -> sets CPU_USER_MS and CPU_SYS_MS: CPU of all waited-for children of this shell so
# far (`times`, second line, e.g. "0m1.250s 0m0.310s"). Builtins only, in this shell: a subshell
# or a parsing child would distort what it measures.
children_ms() {
  local u s
  times >"$BENCH_OUT/.times"
  { read -r _; read -r u s; } <"$BENCH_OUT/.times"
  to_ms CPU_USER_MS "$u"
  to_ms CPU_SYS_MS "$s"
}
to_ms() {   # to_ms VAR "1m2.345s" sets VAR=62345
  local v=${2%s} m sec
  m=${v%%m*} sec=${v#*m}
  printf -v "$1" '%d' $((10#$m * 60000 + 10#${sec%.*} * 1000 + 10#${sec#*.}))
}
# server_usec -> sets SERVER_USEC: CPU used so far by everything in the fleet's cgroup.
server_usec() {
  local k v
  while read -r k v; do if [[ $k == usage_usec ]]; then SERVER_USEC=$v; fi; done <"$FLEET_CG/cpu.stat"
}

# run_one TOOL OP REP: one timed run; appends a CSV row and prints a progress line.
run_one() {
  local tool=$1 op=$2 rep=$3 log t0 t1 c0u c0s s0 s1 ok
  log=$BENCH_OUT/logs/$tool.$op.$rep.log
  local dest=$DEST/bench-$tool.bin k
  if [[ $op == copy ]]; then head -c "$SIZE" /dev/urandom >"$BENCH_OUT/payload.bin"; fi   # new content: no tool may skip
  children_ms; c0u=$CPU_USER_MS c0s=$CPU_SYS_MS
  server_usec; s0=$SERVER_USEC
  t0=$EPOCHREALTIME
  case $op in
    exec) "${tool}_exec" "$BENCH_OUT/hosts" "$FANOUT" "$log" || true ;;
    chain)
      if declare -F "${tool}_chain" >/dev/null; then
        "${tool}_chain" "$BENCH_OUT/hosts" "$FANOUT" "$STEPS" "$log" || true
      else
        for ((k = 1; k <= STEPS; k++)); do "${tool}_exec" "$BENCH_OUT/hosts" "$FANOUT" "$log.$k" || true; done
      fi ;;
    copy) "${tool}_copy" "$BENCH_OUT/hosts" "$FANOUT" "$BENCH_OUT/payload.bin" "$dest" "$log" || true ;;
  esac
  t1=$EPOCHREALTIME
  server_usec; s1=$SERVER_USEC
  children_ms
  if [[ $op == chain ]] && ! declare -F "${tool}_chain" >/dev/null; then
    ok=$BENCH_N
    for ((k = 1; k <= STEPS; k++)); do
      local step_ok; step_ok=$("${tool}_ok" exec "$log.$k")
      ((step_ok < ok)) && ok=$step_ok
    done
  else
    ok=$("${tool}_ok" "$op" "$log")
  fi
  if [[ $op == copy && $SHARED_DEST == yes ]]; then
    if [[ $tool == dcinstall ]] && ! cmp -s "$BENCH_OUT/payload.bin" "$dest"; then
      echo "bench: dcinstall copy: $dest differs from the payload" >&2; DCI_BAD=1
    fi
    rm -f "$dest" "$DEST"/.bench-"$tool".bin.*
  fi
  if [[ $tool == dcinstall ]] && ((ok != BENCH_N)); then
    echo "bench: dcinstall $op: only $ok/$BENCH_N hosts ok (see $log)" >&2; DCI_BAD=1
  fi
  [[ $rep == warmup ]] && return 0
  awk -v tool="$tool" -v op="$op" -v n="$BENCH_N" -v f="$FANOUT" -v rep="$rep" -v t0="$t0" -v t1="$t1" \
    -v cu=$((CPU_USER_MS - c0u)) -v cs=$((CPU_SYS_MS - c0s)) -v s0="$s0" -v s1="$s1" -v ok="$ok" 'BEGIN {
      printf "%s,%s,%d,%d,%s,%.3f,%.3f,%.3f,%.3f,%.3f,%d,%d\n", tool, op, n, f, rep, t1 - t0, cu / 1e3, cs / 1e3,
        (cu + cs) / 1e3, (s1 - s0) / 1e6, ok, n - ok }' | tee -a "$BENCH_OUT/results.csv" >&2
}

# Medians per (tool, op) from results.csv.
summarize() {
  {
    printf '%-9s %-5s %6s %6s %4s %10s %12s %12s %10s\n' tool op hosts fanout reps wall_s client_cpu_s server_cpu_s ok_min
    local tool op
    for op in "${OPS[@]}"; do
      for tool in "${TOOLS[@]}"; do
        awk -F, -v t="$tool" -v o="$op" '
          function median(a, k,   i, j, x) { for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
            return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
          $1 == t && $2 == o { k++; w[k] = $6; c[k] = $9; s[k] = $10; if (k == 1 || $11 < okmin) okmin = $11; n = $3; f = $4 }
          END { if (k) printf "%-9s %-5s %6d %6d %4d %10.2f %12.2f %12.2f %6d/%d\n", t, o, n, f, k, median(w, k), median(c, k), median(s, k), okmin, n }' \
          "$BENCH_OUT/results.csv"
      done
      # dcinstall's medians over the best peer's (lowest median of the other tools).
      awk -F, -v o="$op" '
        function median(a, k,   i, j, x) { for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
          return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
        NR > 1 && $2 == o { n[$1]++; w[$1, n[$1]] = $6; c[$1, n[$1]] = $9 }
        END {
          if (!("dcinstall" in n)) exit
          for (t in n) { k = n[t]; delete a; for (i = 1; i <= k; i++) a[i] = w[t, i]; mw[t] = median(a, k)
                         delete a; for (i = 1; i <= k; i++) a[i] = c[t, i]; mc[t] = median(a, k) }
          for (t in n) if (t != "dcinstall") {
            if (bw == "" || mw[t] < bw) { bw = mw[t]; bwt = t }
            if (bc == "" || mc[t] < bc) { bc = mc[t]; bct = t } }
          if (bw != "") printf "%-9s %-5s wall %.2fx of %s, client CPU %.2fx of %s\n", "dcinstall", o,
            (bw > 0 ? mw["dcinstall"] / bw : 0), bwt, (bc > 0 ? mc["dcinstall"] / bc : 0), bct }' "$BENCH_OUT/results.csv"
    done
  } | tee "$BENCH_OUT/summary.txt"
}

main() {
  local dir="" reps=5 out="" tools="pdsh clush pssh ansible" ops="exec copy" caps="" limit=0 warmup=yes
  FANOUT=64 SIZE=1048576 STEPS=10 DEST=/tmp DCI_BAD=0
  while (($#)); do
    case $1 in
      --summary)
        BENCH_OUT=$2
        read -ra TOOLS <<<"$(cut -d, -f1 "$BENCH_OUT/results.csv" | tail -n +2 | awk '!seen[$0]++' | paste -sd' ')"
        read -ra OPS <<<"$(cut -d, -f2 "$BENCH_OUT/results.csv" | tail -n +2 | awk '!seen[$0]++' | paste -sd' ')"
        summarize; return 0 ;;
      --dir) dir=$2; shift 2 ;;
      --reps) reps=$2; shift 2 ;;
      --fanout) FANOUT=$2; shift 2 ;;
      --size) SIZE=$2; shift 2 ;;
      --tools) tools=$2; shift 2 ;;
      --ops) ops=$2; shift 2 ;;
      --out) out=$2; shift 2 ;;
      --tool-reps) caps=$2; shift 2 ;;
      --limit) limit=$2; shift 2 ;;
      --no-warmup) warmup=no; shift ;;
      --chain-steps) STEPS=$2; shift 2 ;;
      --dest) DEST=${2%/}; shift 2 ;;
      *) die "unknown option $1 (see the header of $0)" ;;
    esac
  done
  [[ -n $dir && -f $dir/fleet.env && -f $dir/hosts ]] || die "--dir must name a running fleet (tools/fleet/fleet up --dir D)"
  ((EUID == 0)) || die "must run as root (reads the fleet's cgroup and key)"
  dir=$(cd "$dir" && pwd)
  FLEET_CG=$(source "$dir/fleet.env"; echo "$CG")
  [[ -r $FLEET_CG/cpu.stat ]] || die "fleet cgroup $FLEET_CG has no cpu.stat"
  BENCH_N=$(wc -l <"$dir/hosts")
  ((limit > 0 && limit < BENCH_N)) && BENCH_N=$limit
  BENCH_OUT=${out:-$PWD/bench-peers-$(date +%Y%m%d-%H%M%S)-n$BENCH_N}
  mkdir -p "$BENCH_OUT/logs"
  BENCH_OUT=$(cd "$BENCH_OUT" && pwd)
  BENCH_KEY=$dir/id_ed25519
  BENCH_KNOWN_HOSTS=$dir/known_hosts
  BENCH_USER=root
  BENCH_PORT=$(sed -n 's/^ssh_port: //p' "$dir/config-fragment.yaml")
  BENCH_SSH_CONFIG=$BENCH_OUT/ssh_config
  export BENCH_N BENCH_OUT BENCH_KEY BENCH_KNOWN_HOSTS BENCH_USER BENCH_PORT BENCH_SSH_CONFIG
  head -n "$BENCH_N" "$dir/hosts" >"$BENCH_OUT/hosts"
  # DEST is shared when every host writes to this machine's own DEST (checked on the first host).
  SHARED_DEST=no
  if [[ -d $DEST && $DEST != /tmp ]]; then
    local probe=$DEST/.bench-probe-$$
    : >"$probe"
    if ssh -F "$dir/ssh_config" "$(head -n1 "$BENCH_OUT/hosts")" test -e "$probe" 2>/dev/null; then SHARED_DEST=yes; fi
    rm -f "$probe"
  fi
  cat >"$BENCH_SSH_CONFIG" <<EOF
# Pinned client settings shared by every benchmarked tool (bench/peers/bench.sh).
Host *
  User $BENCH_USER
  Port $BENCH_PORT
  IdentityFile $BENCH_KEY
  IdentitiesOnly yes
  UserKnownHostsFile $BENCH_KNOWN_HOSTS
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  CheckHostIP no
  UpdateHostKeys no
  HostKeyAlgorithms $BENCH_HOSTKEY
  KexAlgorithms $BENCH_KEX
  Ciphers $BENCH_CIPHER
  MACs $BENCH_MAC
  Compression no
  BatchMode yes
  ConnectTimeout 30
  ControlMaster no
  ControlPath none
  ForwardAgent no
  ForwardX11 no
  AddressFamily inet
  LogLevel ERROR
EOF

  local f
  for f in "$HERE"/tools/*.sh; do
    # shellcheck disable=SC1090
    source "$f"
  done
  read -ra TOOLS <<<"$tools"
  read -ra OPS <<<"$ops"
  local t kept=()
  for t in "${TOOLS[@]}"; do
    [[ " ${TOOLS_AVAILABLE[*]} " == *" $t "* ]] || die "no tool $t (have: ${TOOLS_AVAILABLE[*]})"
    if "${t}_available"; then kept+=("$t"); else echo "bench: skipping $t (not installed)" >&2; fi
  done
  TOOLS=("${kept[@]}")
  ((${#TOOLS[@]})) || die "no tool to run"

  echo "tool,op,hosts,fanout,rep,wall_s,client_user_s,client_sys_s,client_cpu_s,server_cpu_s,ok,failed" >"$BENCH_OUT/results.csv"
  echo "bench: $BENCH_N hosts, fan-out $FANOUT, $reps reps, tools: ${TOOLS[*]}, ops: ${OPS[*]}, out: $BENCH_OUT" >&2
  if [[ $warmup == yes ]]; then for t in "${TOOLS[@]}"; do run_one "$t" exec warmup; done; fi
  local -A cap=()
  local c
  for c in $caps; do cap[${c%%=*}]=${c#*=}; done
  local rep op k nt=${#TOOLS[@]}
  for ((rep = 1; rep <= reps; rep++)); do
    for op in "${OPS[@]}"; do
      for ((k = 0; k < nt; k++)); do
        t=${TOOLS[(rep - 1 + k) % nt]}
        if ((rep <= ${cap[$t]:-reps})); then run_one "$t" "$op" "$rep"; fi
      done
    done
  done
  summarize
  if ((DCI_BAD)); then echo "bench: FAILED: dcinstall lost a host or damaged a copy (see above)" >&2; exit 3; fi
}

main "$@"
