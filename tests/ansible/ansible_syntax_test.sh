#!/bin/bash
# serve/ansible/ of a genconf run is valid for ansible-core: `ansible-playbook --syntax-check` of
# site.yml and uninstall.yml, `ansible-lint` (Debian's, `make deps`) finds nothing, and the
# inventory has the config's groups and logins.
#   ansible_syntax_test.sh DCINSTALL SOURCE_DIR
set -uo pipefail
binary=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/dcinstall-ansible-syntax.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export ANSIBLE_LOCAL_TEMP=$work/ansible-local ANSIBLE_NOCOLOR=1

cat >"$work/config.yaml" <<'CONFIG'
cluster_name: syntax
master_list: [10.0.0.1, 10.0.0.2, 10.0.0.3]
agent_list: [10.0.0.11, "ops@10.0.0.11:2222"]
public_agent_list: [10.0.0.21]
ssh_host_key_policy: accept-new
bootstrap_url: http://10.0.0.100:8080
CONFIG
"$binary" genconf -c "$work/config.yaml" -o "$work/genconf" >"$work/genconf.out" 2>&1 ||
  fail "genconf: $(cat "$work/genconf.out")"
dir=$work/genconf/serve/ansible
for playbook in site.yml uninstall.yml; do
  ansible-playbook -i "$dir/inventory.ini" "$dir/$playbook" --syntax-check >"$work/check.out" 2>&1 ||
    fail "$playbook: $(cat "$work/check.out")"
  echo "ok: ansible-playbook --syntax-check $playbook"
done
command -v ansible-lint >/dev/null || fail "ansible-lint is not installed (make deps)"
(cd "$dir" && HOME=$work ansible-lint --offline --nocolor site.yml uninstall.yml) >"$work/lint.out" 2>&1 ||
  fail "ansible-lint: $(cat "$work/lint.out")"
echo "ok: ansible-lint site.yml uninstall.yml"
# What Ansible reads from the inventory: groups, aliases, logins, sudo.
ansible-inventory -i "$dir/inventory.ini" --playbook-dir "$dir" --list >"$work/inventory.json" 2>&1 ||
  fail "ansible-inventory: $(cat "$work/inventory.json")"
python3 - "$work/inventory.json" <<'PY' || exit 1
import json, sys
inv = json.load(open(sys.argv[1]))
groups = {g: sorted(inv.get(g, {}).get("hosts", [])) for g in ("master", "agent", "public_agent")}
assert groups == {"master": ["10.0.0.1", "10.0.0.2", "10.0.0.3"],
                  "agent": ["10.0.0.11-22", "10.0.0.11-2222"],
                  "public_agent": ["10.0.0.21"]}, groups
hv = inv["_meta"]["hostvars"]
ops = hv["10.0.0.11-2222"]
assert (ops["ansible_host"], ops["ansible_port"], ops["ansible_user"]) == ("10.0.0.11", 2222, "ops"), ops
assert ops["ansible_become"] in (True, "true"), ops
assert "ansible_become" not in hv["10.0.0.1"], hv["10.0.0.1"]
assert hv["10.0.0.1"]["dcinstall_role"] == "master" and hv["10.0.0.21"]["dcinstall_role"] == "public_agent"
assert "StrictHostKeyChecking=accept-new" in hv["10.0.0.1"]["ansible_ssh_common_args"]
print("ok: the inventory has the config's groups, logins and sudo")
PY
echo "ansible syntax tests passed"
