# shellcheck shell=bash
# ansible-core ad hoc: `raw true` for exec (no Python needed remotely), the `copy` module for
# copy. ANSIBLE_SSH_ARGS replaces Ansible's defaults (which would enable ControlPersist), so each
# run pays its own connections like the other tools; pipelining on, fact gathering off, Python
# interpreter fixed (no discovery round trip). Each host gets "HOST | CHANGED|SUCCESS ..." or
# "HOST | UNREACHABLE!|FAILED! ..." in the output.

ansible_available() { command -v ansible >/dev/null; }

# ansible_run HOSTS ARGS...: ansible ad hoc on every host in HOSTS with the pinned settings.
ansible_run() {
  local hosts=$1; shift
  { echo "[fleet]"; cat "$hosts"; } >"$BENCH_OUT/ansible-inventory.ini"
  mkdir -p "$BENCH_OUT/ansible-tmp"
  ANSIBLE_SSH_ARGS="-F $BENCH_SSH_CONFIG -o ControlMaster=no -o ControlPath=none" \
    ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_PIPELINING=True ANSIBLE_GATHERING=explicit \
    ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=False \
    ANSIBLE_LOCAL_TEMP="$BENCH_OUT/ansible-tmp" ANSIBLE_TIMEOUT=30 \
    ansible all -i "$BENCH_OUT/ansible-inventory.ini" -u "$BENCH_USER" "$@"
}

ansible_exec() { ansible_run "$1" -f "$2" -m raw -a true >"$3" 2>&1; }

ansible_copy() { ansible_run "$1" -f "$2" -m copy -a "src=$3 dest=$4" >"$5" 2>&1; }

ansible_ok() { grep -cE '^[^ ]+ \| (CHANGED|SUCCESS)' "$2" || true; }

bench_register ansible
