#!/bin/bash
# The `dcinstall validate` contract on the real binary: exit codes 0/1/2 and the --json shape.
set -u
bin=$1
src=$2
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

check "example config is valid" 0 "$bin" validate -c "$src/examples/config.yaml"
expect_in "valid summary names the cluster" "$work/out" "valid: cluster"

printf 'cluster_name: demo\nmaster_list: [10.0.0.1, 10.0.0.2]\nmaster_lst: x\n' >"$work/bad.yaml"
check "invalid config exits 1" 1 "$bin" validate -c "$work/bad.yaml"
expect_in "error names file, line, column and key" "$work/out" \
  "$work/bad.yaml:2:14: master_list: 2 masters given; quorum needs an odd count: 1, 3, 5, 7 or 9"
expect_in "unknown key suggestion" "$work/out" "did you mean 'master_list'?"

check "invalid config --json exits 1" 1 "$bin" validate -c "$work/bad.yaml" --json
python3 - "$work/out" <<'PY' && { passed=$((passed + 1)); echo "ok   json shape"; } || { failed=$((failed + 1)); echo "FAIL json shape"; }
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["valid"] is False
assert len(doc["errors"]) == 2
for e in doc["errors"]:
    assert set(e) == {"file", "line", "column", "key", "message"}, e
assert doc["errors"][0]["line"] == 2 and doc["errors"][0]["key"] == "master_list"
PY

check "missing file exits 2" 2 "$bin" validate -c "$work/missing.yaml"
expect_in "missing file message" "$work/err" "$work/missing.yaml: cannot open: No such file or directory"
check "directory instead of file exits 2" 2 "$bin" validate -c "$work"
check "unknown flag exits 2" 2 "$bin" validate --no-such-flag
check "--help exits 0" 0 "$bin" validate --help
expect_in "help lists exit codes" "$work/out" "Exit status"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
