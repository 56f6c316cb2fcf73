#!/bin/bash
# Pull install, the "advanced install" path: genconf/serve/ served by a plain static HTTP server
# (python3 -m http.server on 127.0.0.1), then on the "host" (a throwaway root directory), the
# verify-then-run form of docs/bundle-format.md:
#   curl -fsSL -o install.sh <bootstrap_url>/install.sh
#   echo "<sha256 from genconf>  install.sh" | sha256sum -c && bash install.sh <role>
# with the reference distribution: preflight, install (address detected), re-run is a no-op,
# a changed install.sh or bundle is refused, uninstall leaves nothing. Processes stopped by
# recorded pid.
#   pull_install_test.sh <dcinstall binary> <source dir>
binary=$1
source_dir=$2
. "$source_dir/tests/genconf/test_lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dcinstall-pull.XXXXXX")
root="$work/host"
server=""
cleanup() {
  for pid in $(pids_under "$root"); do record_pid "$pid"; done
  [ -n "$server" ] && record_pid "$server"
  kill_recorded
  rm -rf "$work"
}
trap cleanup EXIT

http_port=$(free_port)
url="http://127.0.0.1:$http_port"
# No etcd listens on these ports: the agent keeps retrying, on loopback only.
cat >"$work/config.yaml" <<CONFIG
cluster_name: pull-test
master_list: [127.0.0.1]
agent_list: [127.0.0.1:2222]
ssh_host_key_policy: accept-new
bootstrap_url: $url
etcd_client_port: $(free_port)
etcd_peer_port: $(free_port)
CONFIG
"$binary" genconf -c "$work/config.yaml" -o "$work/genconf" --json >"$work/genconf.json" 2>/dev/null ||
  fail "genconf"
sha=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["install_sh_sha256"])' "$work/genconf.json")
[ "$sha" = "$(sha256sum <"$work/genconf/serve/install.sh" | cut -d' ' -f1)" ] ||
  fail "genconf's install_sh_sha256 $sha is not the SHA-256 of serve/install.sh"
python3 -m http.server --bind 127.0.0.1 --directory "$work/genconf/serve" "$http_port" \
  >"$work/http.log" 2>&1 &
server=$!
wait_for 15 curl -fsS -o /dev/null "$url/install.sh" || fail "the HTTP server did not come up"
pass "genconf/serve/ served at $url (pid $server)"

mkdir "$work/download"
pull() {
  (cd "$work/download" && rm -f install.sh && curl -fsSL -o install.sh "$url/install.sh" &&
    echo "$sha  install.sh" | sha256sum -c >/dev/null && bash install.sh "$@")
}

run_status status pull --preflight-only agent --root "$root"
[ "$status" -eq 0 ] || fail "preflight over HTTP exited $status: $output"
# 6: three requirements (CPUs, RAM, disk) and three prerequisites (coreutils, sed, hostname).
grep -q "preflight of agent: all 6 checks passed" <<<"$output" || fail "preflight output: $output"
[ ! -e "$root" ] || fail "preflight wrote to the root"
pass "download, sha256sum -c, install.sh --preflight-only agent: $output"

export DCINSTALL_ROOT="$root"
run_status status pull agent
[ "$status" -eq 0 ] || fail "pull install exited $status: $output"
for pid in $(pids_under "$root"); do record_pid "$pid"; done
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bundles"]["agent"]["id"])' "$work/genconf/serve/cluster.json")
[ "$(readlink "$root/opt/dcinstall/active")" = "$id" ] || fail "active is not the agent bundle $id"
grep -q 'DCINSTALL_ADDRESS="127.0.0.1"' "$root/etc/dcinstall/host.env" || fail "address: $(cat "$root/etc/dcinstall/host.env")"
grep -q "GET /bundles/agent--$id.tar.zst" "$work/http.log" || fail "the bundle was not fetched over HTTP"
wait_for 15 grep -q "no master answered" "$root/var/lib/dcinstall/log/agent.log" || fail "the agent service is not running"
pass "download, sha256sum -c, install.sh agent (root from DCINSTALL_ROOT): bundle $id fetched, verified, unpacked, agent running"

run_status status pull agent
[ "$status" -eq 0 ] || fail "second pull install exited $status"
grep -q "already installed; nothing to do" <<<"$output" || fail "second pull: $output"
pass "running it again is a no-op"

# An install.sh changed on the server (or on the way) is never run.
cp "$work/genconf/serve/install.sh" "$work/install.orig"
printf 'touch %q\n' "$work/changed-script-ran" >>"$work/genconf/serve/install.sh"
run_status status pull agent --root "$work/other-host"
[ "$status" -ne 0 ] || fail "a changed install.sh passed the check: $output"
[ ! -e "$work/changed-script-ran" ] && [ ! -e "$work/other-host" ] || fail "a changed install.sh ran"
cp "$work/install.orig" "$work/genconf/serve/install.sh"
pass "a changed install.sh fails sha256sum -c and does not run"

# A bundle changed on the server is refused (checksum), and nothing changes on the host.
cp "$work/genconf/serve/bundles/agent--$id.tar.zst" "$work/agent.orig"
printf 'tampered' >>"$work/genconf/serve/bundles/agent--$id.tar.zst"
run_status status pull agent --root "$work/other-host"
[ "$status" -eq 3 ] || fail "a tampered bundle exited $status, not 3: $output"
grep -q "expected $id" <<<"$output" || fail "tampered message: $output"
cp "$work/agent.orig" "$work/genconf/serve/bundles/agent--$id.tar.zst"
pass "a tampered bundle is refused with exit 3"

pids=$(pids_under "$root")
run_status status pull --uninstall
[ "$status" -eq 0 ] || fail "uninstall exited $status: $output"
[ -z "$(ls -A "$root")" ] || fail "uninstall left $(ls -A "$root")"
for pid in $pids; do ! alive "$pid" || fail "pid $pid still runs after uninstall"; done
pass "install.sh --uninstall leaves nothing"
echo "pull install tests passed"
