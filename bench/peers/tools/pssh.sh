# shellcheck shell=bash
# parallel-ssh / parallel-scp (Debian package pssh). -x passes the pinned ssh_config through;
# -t 0 disables pssh's own 60 s timeout (ssh's ConnectTimeout still bounds connects).
# Each host gets a "[k] TIME [SUCCESS] HOST" or "[FAILURE]" line.

pssh_available() { command -v parallel-ssh >/dev/null && command -v parallel-scp >/dev/null; }

pssh_exec() {
  parallel-ssh -h "$1" -p "$2" -t 0 -x "-F $BENCH_SSH_CONFIG" true >"$3" 2>&1
}

pssh_copy() {
  parallel-scp -h "$1" -p "$2" -t 0 -x "-F $BENCH_SSH_CONFIG" "$3" "$4" >"$5" 2>&1
}

pssh_ok() { grep -c ' \[SUCCESS\] ' "$2" || true; }

bench_register pssh
