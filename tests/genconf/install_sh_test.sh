#!/bin/bash
# install.sh in a temporary root, with the tiny test distribution (no network): install,
# re-install is a no-op, health, switch to a new id, checksum and usage errors, preflight-only,
# uninstall leaves nothing. Every process started is stopped by its recorded pid.
#   install_sh_test.sh <dcinstall binary> <source dir>
binary=$1
source_dir=$2
. "$source_dir/tests/genconf/test_lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dcinstall-install-sh.XXXXXX")
root="$work/root"
listener=""
cleanup() {
  for pid in $(pids_under "$root"); do record_pid "$pid"; done
  [ -n "$listener" ] && record_pid "$listener"
  kill_recorded
  rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port)
write_config() {  # $1 = extra lines
  cat >"$work/config.yaml" <<CONFIG
cluster_name: tiny-test
master_list: [127.0.0.11]
agent_list: [127.0.0.21]
public_agent_list: [127.0.0.31]
ssh_host_key_policy: accept-new
distribution: $source_dir/tests/genconf/testdata/tiny
tiny_port: $port
$1
CONFIG
}
write_config ""
"$binary" genconf -c "$work/config.yaml" -o "$work/gen1" >/dev/null || fail "genconf"
install1="$work/gen1/serve/install.sh"
bundle1=$(ls "$work"/gen1/serve/bundles/master--*.tar.zst)
id1=$(basename "$bundle1" .tar.zst); id1=${id1#master--}

# Install.
run_status status bash "$install1" --root "$root" --bundle "$bundle1" --address 127.0.0.11 master
[ "$status" -eq 0 ] || fail "install exited $status: $output"
[ "$(readlink "$root/opt/dcinstall/active")" = "$id1" ] || fail "active is not $id1"
[ "$(cat "$root/etc/dcinstall/role")" = master ] || fail "role file"
grep -q 'DCINSTALL_ADDRESS="127.0.0.11"' "$root/etc/dcinstall/host.env" || fail "host.env address"
supervisor1=$(cat "$root/var/lib/dcinstall/run/sleeper.pid")
record_pid "$supervisor1"
alive "$supervisor1" || fail "the supervisor is not running"
wait_for 10 test -s "$root/var/lib/dcinstall/sleeper.out" || fail "the service did not start"
grep -q "^master says hello (bundle $id1, address 127.0.0.11)$" "$root/var/lib/dcinstall/sleeper.out" ||
  fail "service output: $(cat "$root/var/lib/dcinstall/sleeper.out")"
child1=$(cat "$root/var/lib/dcinstall/run/sleeper.child.pid")
record_pid "$child1"
pass "install: active -> $id1, service running (supervisor $supervisor1, service $child1)"

# Secrets at rest: on the bootstrap machine the master bundle (its template renders tiny_token)
# is owner-only, the others are not; on the host the rendered file is 0600 and the bundle's
# directories are closed to other users.
mode() { stat -c %a "$1"; }
[ "$(mode "$bundle1")" = 600 ] || fail "the master bundle (with a secret) is $(mode "$bundle1"), not 600"
agent_bundle=$(ls "$work"/gen1/serve/bundles/agent--*.tar.zst)
[ "$(mode "$agent_bundle")" = 644 ] || fail "the agent bundle is $(mode "$agent_bundle"), not 644"
home1="$root/opt/dcinstall/$id1"
[ "$(mode "$home1/etc/tiny.env")" = 600 ] || fail "etc/tiny.env is $(mode "$home1/etc/tiny.env"), not 600"
[ "$(mode "$home1/checks/preflight.sh")" = 755 ] || fail "checks/preflight.sh is $(mode "$home1/checks/preflight.sh")"
for dir in "$home1" "$home1/etc" "$home1/bin" "$home1/dcinstall" "$home1/dcinstall/services"; do
  [ "$(mode "$dir")" = 750 ] || fail "$dir is $(mode "$dir"), not 750"
done
pass "secret-bearing files are 0600, bundle directories 0750, the secret bundle 0600"

# Health.
run_status status bash "$install1" --root "$root" --health
[ "$status" -eq 0 ] || fail "health exited $status: $output"
pass "health checks pass"

# Re-install: nothing to do.
run_status status bash "$install1" --root "$root" --bundle "$bundle1" master
[ "$status" -eq 0 ] || fail "re-install exited $status: $output"
grep -q "already installed; nothing to do" <<<"$output" || fail "re-install output: $output"
[ "$(cat "$root/var/lib/dcinstall/run/sleeper.pid")" = "$supervisor1" ] || fail "re-install restarted"
alive "$child1" || fail "re-install stopped the service"
pass "re-install of the same id is a no-op"

# The service is restarted by the supervisor when it dies.
kill -KILL "$child1"
child_pid_changed() {
  local now
  now=$(cat "$root/var/lib/dcinstall/run/sleeper.child.pid" 2>/dev/null) && [ -n "$now" ] &&
    [ "$now" != "$1" ] && alive "$now"
}
wait_for 10 child_pid_changed "$child1" || fail "the supervisor did not restart the service"
child1b=$(cat "$root/var/lib/dcinstall/run/sleeper.child.pid") ||
  fail "no service pid: $(cat "$root/var/lib/dcinstall/log/sleeper.log")"
record_pid "$child1b"
pass "the supervisor restarts a killed service ($child1 -> $child1b)"

# Switch to a new id.
write_config "tiny_greeting: bonjour"
"$binary" genconf -c "$work/config.yaml" -o "$work/gen2" >/dev/null || fail "genconf 2"
install2="$work/gen2/serve/install.sh"
bundle2=$(ls "$work"/gen2/serve/bundles/master--*.tar.zst)
id2=$(basename "$bundle2" .tar.zst); id2=${id2#master--}
[ "$id1" != "$id2" ] || fail "a master parameter change kept the master id"
rm -f "$root/var/lib/dcinstall/sleeper.out"
run_status status bash "$install2" --root "$root" --bundle "$bundle2" master
[ "$status" -eq 0 ] || fail "switch exited $status: $output"
[ "$(readlink "$root/opt/dcinstall/active")" = "$id2" ] || fail "active is not $id2"
wait_for 10 bash -c "! kill -0 $supervisor1 2>/dev/null && ! kill -0 $child1b 2>/dev/null" ||
  fail "the old service is still running"
supervisor2=$(cat "$root/var/lib/dcinstall/run/sleeper.pid")
record_pid "$supervisor2"
wait_for 10 test -s "$root/var/lib/dcinstall/sleeper.out" || fail "the new service did not start"
grep -q "^master says bonjour (bundle $id2," "$root/var/lib/dcinstall/sleeper.out" || fail "new service output"
grep -q 'DCINSTALL_ADDRESS="127.0.0.11"' "$root/etc/dcinstall/host.env" || fail "address not kept"
[ -d "$root/opt/dcinstall/$id1" ] || fail "the previous bundle was not kept"
record_pid "$(cat "$root/var/lib/dcinstall/run/sleeper.child.pid")"
pass "switch: active -> $id2, old service stopped, new one running, previous kept"

# The running bundle, then a rollback to the previous one and forward again.
run_status status bash "$install2" --root "$root" --running-bundle
[ "$status" -eq 0 ] && [ "$output" = "active $id2"$'\n'"previous $id1" ] ||
  fail "running-bundle exited $status: $output"
rm -f "$root/var/lib/dcinstall/sleeper.out"
run_status status bash "$install2" --root "$root" --rollback
[ "$status" -eq 0 ] || fail "rollback exited $status: $output"
grep -q "rolled back master from bundle $id2 to $id1; address 127.0.0.11" <<<"$output" ||
  fail "rollback output: $output"
[ "$(readlink "$root/opt/dcinstall/active")" = "$id1" ] || fail "active is not $id1 after rollback"
record_pid "$(cat "$root/var/lib/dcinstall/run/sleeper.pid")"
wait_for 10 test -s "$root/var/lib/dcinstall/sleeper.out" || fail "the old service did not start"
grep -q "^master says hello (bundle $id1, address 127.0.0.11)$" "$root/var/lib/dcinstall/sleeper.out" ||
  fail "rolled-back service output: $(cat "$root/var/lib/dcinstall/sleeper.out")"
record_pid "$(cat "$root/var/lib/dcinstall/run/sleeper.child.pid")"
run_status status bash "$install2" --root "$root" --health
[ "$status" -eq 0 ] || fail "health after rollback exited $status: $output"
run_status status bash "$install2" --root "$root" --running-bundle
[ "$output" = "active $id1"$'\n'"previous $id2" ] || fail "running-bundle after rollback: $output"
rm -f "$root/var/lib/dcinstall/sleeper.out"
run_status status bash "$install2" --root "$root" --rollback
[ "$status" -eq 0 ] && [ "$(readlink "$root/opt/dcinstall/active")" = "$id2" ] ||
  fail "second rollback exited $status: $output"
record_pid "$(cat "$root/var/lib/dcinstall/run/sleeper.pid")"
wait_for 10 test -s "$root/var/lib/dcinstall/sleeper.out" || fail "the new service did not restart"
record_pid "$(cat "$root/var/lib/dcinstall/run/sleeper.child.pid")"
run_status status bash "$install2" --root "$work/root-empty" --rollback
[ "$status" -eq 2 ] || fail "rollback with nothing installed exited $status, not 2: $output"
run_status status bash "$install2" --root "$work/root-empty" --running-bundle
[ "$status" -eq 1 ] || fail "running-bundle with nothing installed exited $status, not 1: $output"
run_status status bash "$install2" --root "$root" --drain
[ "$status" -eq 0 ] && grep -q "the master role has no drain checks" <<<"$output" ||
  fail "drain without steps exited $status: $output"
# An undrain step (as genconf writes the manifest's `undrain` list) that fails.
home2="$root/opt/dcinstall/$id2"
printf 'echo "undraining $DCINSTALL_ADDRESS"; exit 3\n' >"$home2/undrain-step.sh"
printf 'register\t5\tundrain-step.sh\tthe host did not register again\n' >"$home2/dcinstall/undrain.list"
run_status status bash "$install2" --root "$root" --undrain
[ "$status" -eq 1 ] &&
  grep -q "^FAILED register: the host did not register again (undraining 127.0.0.11)$" <<<"$output" ||
  fail "a failing undrain step exited $status: $output"
rm -f "$home2/undrain-step.sh" "$home2/dcinstall/undrain.list"
pass "rollback: back to $id1 with its service and health, forward to $id2 again; running-bundle; drain/undrain steps"

# Errors: wrong checksum, unknown role, missing URL.
run_status status bash "$install2" --root "$work/root-bad" --bundle "$bundle1" master
[ "$status" -eq 3 ] || fail "a bundle with the wrong checksum exited $status, not 3: $output"
grep -q "expected $id2" <<<"$output" || fail "checksum message: $output"
[ ! -e "$work/root-bad/opt/dcinstall/active" ] || fail "a failed install made a bundle active"
[ ! -e "$work/root-bad/opt/dcinstall/$id2" ] || fail "a failed install left the bundle"
run_status status bash "$install2" --root "$root" --bundle "$bundle2" nosuchrole
[ "$status" -eq 2 ] || fail "unknown role exited $status, not 2"
grep -q "unknown role 'nosuchrole'; this cluster has: master, agent, public_agent" <<<"$output" || fail "role message: $output"
run_status status bash "$install2" --root "$work/other" agent
[ "$status" -eq 2 ] || fail "no bootstrap_url and no --bundle exited $status, not 2: $output"
pass "exit codes: checksum 3, unknown role 2, nothing to fetch from 2"

# Preflight only: passes; then fails with one line per failed check.
run_status status bash "$install2" --root "$work/preflight-root" --bundle "$bundle2" --preflight-only master
[ "$status" -eq 0 ] || fail "preflight exited $status: $output"
[ ! -e "$work/preflight-root" ] || fail "preflight wrote to the root"
python3 -c "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', $port)); s.listen(); time.sleep(60)" &
listener=$!
wait_for 10 bash -c "grep -qi ':$(printf %04X "$port") .* 0A ' /proc/net/tcp" || fail "listener did not start"
write_config "tiny_fail_preflight: true"
"$binary" genconf -c "$work/config.yaml" -o "$work/gen3" >/dev/null || fail "genconf 3"
bundle3=$(ls "$work"/gen3/serve/bundles/master--*.tar.zst)
run_status status bash "$work/gen3/serve/install.sh" --root "$work/preflight-root" --bundle "$bundle3" --preflight-only master
[ "$status" -eq 1 ] || fail "failing preflight exited $status, not 1: $output"
[ "$(grep -c '^FAILED ' <<<"$output")" -eq 2 ] || fail "expected 2 FAILED lines: $output"
grep -q "^FAILED requirements-port-$port: port $port is in use" <<<"$output" || fail "port line: $output"
grep -q "^FAILED tiny-preflight: the tiny preflight check failed (tiny_fail_preflight is set)$" <<<"$output" ||
  fail "check line: $output"
kill "$listener"
wait "$listener" 2>/dev/null || true
pass "preflight-only: one line per failed check, exit 1"

# --bundle FILE from a directory another user can write: the file is swapped for another bundle
# right after install.sh hashed it. install.sh must unpack what it checked (its private copy).
cp "$bundle2" "$work/handed-over.tar.zst"
mkdir "$work/swapbin"
cat >"$work/swapbin/sha256sum" <<SWAP
#!/bin/bash
$(command -v sha256sum) "\$@"
status=\$?
cp -f "$bundle3" "$work/handed-over.tar.zst"
exit \$status
SWAP
chmod 0755 "$work/swapbin/sha256sum"
run_status status env PATH="$work/swapbin:$PATH" bash "$install2" --root "$work/preflight-root" \
  --bundle "$work/handed-over.tar.zst" --preflight-only master
[ "$status" -eq 0 ] || fail "a bundle swapped after its check was used (exit $status): $output"
cmp -s "$work/handed-over.tar.zst" "$bundle3" || fail "the swap did not happen"
pass "--bundle: the checked copy is the one used, even when the file is swapped after the check"

# Uninstall leaves nothing, and every process it started is gone, even when the active bundle's
# directory (with its service list and supervisor) was removed by hand: the recorded pids are used.
pids=$(pids_under "$root")
[ -n "$pids" ] || fail "no recorded pids before uninstall"
rm -rf "${root:?}/opt/dcinstall/$id2"
run_status status bash "$install2" --root "$root" --uninstall
[ "$status" -eq 0 ] || fail "uninstall exited $status: $output"
[ -z "$(ls -A "$root")" ] || fail "left behind: $(find "$root" | head)"
for pid in $pids $supervisor1 $supervisor2 $child1 $child1b; do
  ! alive "$pid" || fail "pid $pid still runs after uninstall"
done
run_status status bash "$install2" --root "$root" --uninstall
[ "$status" -eq 0 ] || fail "a second uninstall exited $status"
pass "uninstall: nothing left under the root, no process left"
echo "install.sh tests passed"
