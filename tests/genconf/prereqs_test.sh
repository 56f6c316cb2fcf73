#!/bin/bash
# install.sh's prerequisites in a temporary root, with tests/installer/testdata/prereqs (no
# network, no package installed): preflight-only fails naming the missing prerequisite;
# --install-prereqs installs it and preflight passes; a second --install-prereqs installs
# nothing; a failing install is reported with its last output line, exit 4; a role without
# prerequisites says so. Then the reference distribution's prerequisite scripts on a PATH
# without `hostname` and with a fake apt-get (nothing real is installed): preflight names it,
# --install-prereqs calls `apt-get install -y --no-install-recommends hostname` (after one
# `apt-get update` when the package is not found), a second run calls apt-get no more.
#   prereqs_test.sh <dcinstall binary> <source dir>
binary=$1
source_dir=$2
. "$source_dir/tests/genconf/test_lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dcinstall-prereqs.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# genconf DIR DISTRIBUTION [extra config lines]: the distribution's serve tree in $work/DIR.
genconf() {
  cat >"$work/$1.yaml" <<CONFIG
cluster_name: prereqs-test
master_list: [127.0.0.11]
agent_list: [127.0.0.21]
public_agent_list: []
ssh_host_key_policy: accept-new
distribution: $2
${3:-}
CONFIG
  "$binary" genconf -c "$work/$1.yaml" -o "$work/$1" >/dev/null || fail "genconf $1 ($2)"
}
prereqs="$source_dir/tests/installer/testdata/prereqs"
genconf good "$prereqs"
script="$work/good/serve/install.sh"
bundle=$(ls "$work"/good/serve/bundles/agent--*.tar.zst)
root="$work/root"
tar -x --zstd -O -f "$bundle" dcinstall/prerequisites.list >"$work/list" ||
  fail "the bundle has no dcinstall/prerequisites.list"
[ "$(cut -f1,2,4 "$work/list" | tr '\t' ' ')" = "shell 30 300
test-marker 30 20" ] || fail "prerequisites.list: $(cat "$work/list")"
pass "the bundle lists the prerequisites with their timeouts"

# Preflight only: the marker is missing.
run_status status bash "$script" --root "$root" --bundle "$bundle" --address 127.0.0.21 --preflight-only agent
[ "$status" -eq 1 ] || fail "preflight with a missing prerequisite exited $status, not 1: $output"
[ "$(grep -c '^FAILED ' <<<"$output")" -eq 1 ] || fail "expected 1 FAILED line: $output"
grep -qx "FAILED test-marker: the test marker is not installed (run with --install-prereqs to install it)" <<<"$output" ||
  fail "preflight line: $output"
[ ! -e "$root" ] || fail "preflight wrote to the root: $(find "$root")"
pass "preflight-only: a missing prerequisite fails with its message, exit 1, nothing written"

# Install it.
run_status status bash "$script" --root "$root" --bundle "$bundle" --address 127.0.0.21 --install-prereqs agent
[ "$status" -eq 0 ] || fail "--install-prereqs exited $status: $output"
grep -qx "prerequisite shell: present" <<<"$output" || fail "shell line: $output"
grep -qx "prerequisite test-marker: installed" <<<"$output" || fail "marker line: $output"
grep -qx "install.sh: prerequisites of agent: 1 installed, 1 present, 0 failed" <<<"$output" ||
  fail "summary: $output"
[ -f "$root/opt/dcinstall/.prereq-marker" ] || fail "no marker after the install"
[ "$(wc -l <"$root/opt/dcinstall/.prereq-installs")" -eq 1 ] || fail "the install ran $(wc -l <"$root/opt/dcinstall/.prereq-installs") times"
grep -qx "install on 127.0.0.21" "$root/opt/dcinstall/.prereq-installs" || fail "the install did not get DCINSTALL_ADDRESS"
pass "--install-prereqs: installs the missing one, leaves the present one (exit 0)"

run_status status bash "$script" --root "$root" --bundle "$bundle" --address 127.0.0.21 --preflight-only agent
[ "$status" -eq 0 ] || fail "preflight after the install exited $status: $output"
grep -q "all 2 checks passed" <<<"$output" || fail "preflight summary: $output"
pass "preflight-only passes once the prerequisite is installed"

# Idempotent: a second run installs nothing.
run_status status bash "$script" --root "$root" --bundle "$bundle" --address 127.0.0.21 --install-prereqs agent
[ "$status" -eq 0 ] || fail "a second --install-prereqs exited $status: $output"
grep -qx "prerequisite test-marker: present" <<<"$output" || fail "second run marker line: $output"
! grep -q "installed$" <<<"$output" || fail "the second run installed something: $output"
grep -qx "install.sh: prerequisites of agent: 0 installed, 2 present, 0 failed" <<<"$output" ||
  fail "second summary: $output"
[ "$(wc -l <"$root/opt/dcinstall/.prereq-installs")" -eq 1 ] || fail "the second run ran the install again"
pass "a second --install-prereqs installs nothing"

# A failing install: reported with the install's last output line, exit 4; the check still fails.
genconf broken "$prereqs" "prereqs_broken: true"
broken_bundle=$(ls "$work"/broken/serve/bundles/master--*.tar.zst)
root2="$work/root2"
run_status status bash "$work/broken/serve/install.sh" --root "$root2" --bundle "$broken_bundle" --address 127.0.0.11 --install-prereqs master
[ "$status" -eq 4 ] || fail "a failing install exited $status, not 4: $output"
grep -qx "FAILED test-marker: the test marker is not installed (its install exited 100: E: Unable to locate package dcinstall-test-marker)" <<<"$output" ||
  fail "failed install line: $output"
grep -qx "  | Reading package lists..." <<<"$output" || fail "the install's output is not shown: $output"
grep -qx "install.sh: prerequisites of master: 0 installed, 1 present, 1 failed" <<<"$output" ||
  fail "failed summary: $output"
run_status status bash "$work/broken/serve/install.sh" --root "$root2" --bundle "$broken_bundle" --address 127.0.0.11 --preflight-only master
[ "$status" -eq 1 ] || fail "preflight after a failed install exited $status, not 1"
pass "a failing install: its last output line, exit 4; preflight still fails"

# A role without prerequisites (the tiny distribution): nothing to do, exit 0; no list in the bundle.
genconf tiny "$source_dir/tests/genconf/testdata/tiny"
tiny_bundle=$(ls "$work"/tiny/serve/bundles/master--*.tar.zst)
tar -t --zstd -f "$tiny_bundle" >"$work/tiny.files" || fail "cannot list $tiny_bundle"
! grep -q prerequisites.list "$work/tiny.files" || fail "a bundle without prerequisites has the list"
run_status status bash "$work/tiny/serve/install.sh" --root "$work/root3" --bundle "$tiny_bundle" --install-prereqs master
[ "$status" -eq 0 ] || fail "--install-prereqs without prerequisites exited $status: $output"
grep -qx "install.sh: the master role has no prerequisites" <<<"$output" || fail "no-prerequisites line: $output"
pass "a role without prerequisites: no list in the bundle, nothing to do"

# The reference distribution: a PATH of every command but hostname and apt-get, and a fake
# apt-get that logs its arguments, cannot find a package before `update`, and "installs"
# hostname as a stub in that PATH.
fakebin="$work/fakebin"
mkdir -p "$fakebin"
# One `ln` per directory (a name already linked from an earlier directory is kept, as in PATH).
for dir in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
  [ -d "$dir" ] && [ ! -L "$dir" ] || continue
  set -- "$dir"/*
  [ -e "$1" ] || continue
  ln -s "$@" "$fakebin"/ 2>/dev/null || true
done
rm -f "$fakebin/hostname" "$fakebin/apt-get"
cat >"$fakebin/apt-get" <<FAKE
#!/bin/bash
echo "\$*" >>"$work/apt-get.log"
case \$1 in
  update) touch "$work/apt-updated"; echo "Reading package lists... Done" ;;
  install)
    [ -f "$work/apt-updated" ] || { echo "E: Unable to locate package \${*: -1}"; exit 100; }
    [ "\${*: -1}" = hostname ] || { echo "E: the test only installs hostname"; exit 100; }
    printf '#!/bin/bash\necho fake-host\n' >"$fakebin/hostname" && chmod 0755 "$fakebin/hostname"
    echo "Setting up hostname (fake) ..."
    ;;
esac
FAKE
chmod 0755 "$fakebin/apt-get"
PATH="$fakebin" command -v hostname >/dev/null && fail "the fake PATH still has hostname"
genconf reference reference
ref_script="$work/reference/serve/install.sh"
ref_bundle=$(ls "$work"/reference/serve/bundles/agent--*.tar.zst)
run_status status env PATH="$fakebin" bash "$ref_script" --root "$work/root4" --bundle "$ref_bundle" --address 127.0.0.21 --preflight-only agent
[ "$status" -eq 1 ] || fail "reference preflight without hostname exited $status, not 1: $output"
grep -qx "FAILED hostname: hostname is not installed; the agent registers with it (run with --install-prereqs to install it)" <<<"$output" ||
  fail "reference preflight: $output"
[ "$(grep -c '^FAILED ' <<<"$output")" -eq 1 ] || fail "reference preflight: more than hostname failed: $output"
run_status status env PATH="$fakebin" bash "$ref_script" --root "$work/root4" --bundle "$ref_bundle" --address 127.0.0.21 --install-prereqs agent
[ "$status" -eq 0 ] || fail "reference --install-prereqs exited $status: $output"
grep -qx "prerequisite hostname: installed" <<<"$output" || fail "reference install: $output"
grep -qx "prerequisite coreutils: present" <<<"$output" && grep -qx "prerequisite sed: present" <<<"$output" ||
  fail "reference install, present ones: $output"
[ "$(cat "$work/apt-get.log")" = "install -y -q --no-install-recommends hostname
update -q
install -y -q --no-install-recommends hostname" ] || fail "apt-get calls: $(cat "$work/apt-get.log")"
run_status status env PATH="$fakebin" bash "$ref_script" --root "$work/root4" --bundle "$ref_bundle" --address 127.0.0.21 --install-prereqs agent
[ "$status" -eq 0 ] && grep -qx "install.sh: prerequisites of agent: 0 installed, 3 present, 0 failed" <<<"$output" ||
  fail "reference second run: $output"
[ "$(wc -l <"$work/apt-get.log")" -eq 3 ] || fail "the second run called apt-get"
run_status status env PATH="$fakebin" bash "$ref_script" --root "$work/root4" --bundle "$ref_bundle" --address 127.0.0.21 --preflight-only agent
[ "$status" -eq 0 ] || fail "reference preflight after the install exited $status: $output"
pass "reference prerequisites: hostname missing, apt-get install (after update), then present; a re-run calls apt-get no more"
echo "prerequisite tests passed"
