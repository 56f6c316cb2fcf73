# shellcheck shell=bash
# pdsh / pdcp (Debian package pdsh) with the ssh rcmd module. PDSH_SSH_ARGS replaces pdsh's
# default ssh arguments, so the pinned ssh_config is the only client configuration in play.
# pdcp needs pdcp on the remote side too (the fleet's hosts share /usr with this machine).
# Failures are reported as "pdsh@NODE: HOST: ..." / "pdcp@NODE: HOST: ..." lines.

pdsh_available() { command -v pdsh >/dev/null && command -v pdcp >/dev/null; }

pdsh_exec() {
  PDSH_SSH_ARGS="-F $BENCH_SSH_CONFIG %h" pdsh -R ssh -f "$2" -w "^$1" true >"$3" 2>&1
}

pdsh_copy() {
  PDSH_SSH_ARGS="-F $BENCH_SSH_CONFIG %h" pdcp -R ssh -f "$2" -w "^$1" "$3" "$4" >"$5" 2>&1
}

pdsh_ok() {
  local failed
  failed=$({ grep -oE '^(pdsh|pdcp)@[^:]*: [^:]+:' "$2" || true; } | cut -d' ' -f2 | sort -u | wc -l)
  echo $((BENCH_N - failed))
}

bench_register pdsh
