#!/bin/bash
# A state.db that opens but cannot be read (a table gone, as a damaged file loses one): every
# command that needs it exits 2 naming the file and SQLite's error, and no run touches a host
# (the config's hosts are loopback addresses with nothing listening).
#   damaged_state_cli_test.sh DCINSTALL
set -u
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() {  # check NAME EXPECTED_EXIT COMMAND...
  local name=$1 want=$2
  shift 2
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name: exit $got, want $want"; cat "$work/out" "$work/err"
  fi
}
expect_in() {  # expect_in NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then
    passed=$((passed + 1)); echo "ok   $1"
  else
    failed=$((failed + 1)); echo "FAIL $1: '$3' not in $2:"; cat "$2"
  fi
}

mkdir -p "$work/home/.ssh" && : >"$work/home/.ssh/known_hosts"
export HOME=$work/home
unset SSH_AUTH_SOCK
printf 'cluster_name: damaged\nmaster_list: [127.0.0.1:1]\nagent_list: [127.0.0.2:1]\nssh_user: root\n' \
  >"$work/config.yaml"
state=$work/w/state.db

check "plan deploy on a new work dir" 0 "$bin" plan deploy -c "$work/config.yaml" --work-dir "$work/w"
[ -f "$state" ] || { echo "FAIL no $state"; exit 1; }
python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('DROP TABLE host_stages'); c.commit()" "$state"

check "status exits 2" 2 "$bin" status --work-dir "$work/w"
expect_in "status names the file and the error" "$work/err" "$state: state database: no such table: host_stages"
check "status --json exits 2" 2 "$bin" status --json --work-dir "$work/w"
check "plan deploy exits 2" 2 "$bin" plan deploy -c "$work/config.yaml" --work-dir "$work/w"
expect_in "plan names the file" "$work/err" "$state"
check "deploy exits 2" 2 "$bin" deploy -c "$work/config.yaml" --work-dir "$work/w"
expect_in "deploy names the file and the error" "$work/err" "$state: state database: no such table: host_stages"
steps=$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM steps').fetchone()[0])" "$state")
[ "$steps" = 0 ] && { passed=$((passed + 1)); echo "ok   no step was run"; } ||
  { failed=$((failed + 1)); echo "FAIL $steps steps were recorded"; }

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
