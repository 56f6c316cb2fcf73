# shellcheck shell=bash
# clush (Debian package clustershell). -o passes the pinned ssh_config to ssh and to scp (copy).
# Failures are reported as "clush: HOST: ..." lines.

clush_available() { command -v clush >/dev/null; }

clush_exec() {
  clush -f "$2" --hostfile "$1" -o "-F $BENCH_SSH_CONFIG" true >"$3" 2>&1
}

clush_copy() {
  clush -f "$2" --hostfile "$1" -o "-F $BENCH_SSH_CONFIG" --copy "$3" --dest "$4" >"$5" 2>&1
}

clush_ok() {
  local failed
  failed=$({ grep -oE '^clush: [^:/ ]+:' "$2" || true; } | sort -u | wc -l)
  echo $((BENCH_N - failed))
}

bench_register clush
