#!/bin/bash
# dcinstall install.sh: installs this cluster's bundle for one role on this host. Written by
# `dcinstall genconf` into genconf/serve/; contract in docs/bundle-format.md, "install.sh".
#
#   install.sh [options] <role>                   install <role>'s bundle, or switch to it
#   install.sh [options] --preflight-only <role>  run <role>'s preflight checks; install nothing
#   install.sh [options] --install-prereqs <role> install what <role>'s prerequisites lack (root)
#   install.sh [options] --health                 run the installed role's health checks
#   install.sh [options] --cluster-health         run the cluster-wide checks (on a master); stdin:
#                                                 one "<role> <address>" line per host
#   install.sh [options] --uninstall              stop the services, remove all install.sh made
#   install.sh [options] --rollback               switch back to the bundle active before this one
#   install.sh [options] --running-bundle         print "active <id>" and "previous <id>" lines
#   install.sh [options] --drain | --undrain      run the installed role's drain/undrain steps
#   install.sh [options] --join ROLE --joining-address ADDR
#   install.sh [options] --leave ROLE --leaving-address ADDR
#                                                 on a master: run the steps that add the ROLE
#                                                 host ADDR to the cluster, or remove it
#
# Options:
#   --root DIR      install under DIR instead of / (default: $DCINSTALL_ROOT, else /)
#   --bundle FILE   use this bundle file (pushed over SSH) instead of fetching it
#   --url URL       fetch <URL>/bundles/<file> (default: the config's bootstrap_url)
#   --address ADDR  this host's address in the cluster (default: detected)
#   --init MODE     auto (systemd when PID 1 is systemd and --root is /), systemd, supervisor
#   --member-env    install: read NAME=VALUE lines (a join's output) on stdin into
#                   etc/dcinstall/member.env, which the role's services load
#
# Exit status: 0 done, nothing to do, or every check passed; 1 a check failed (a missing
# prerequisite, a leave step too; --running-bundle: nothing installed); 2 usage error; 3 the
# bundle could not be fetched or failed verification; 4 installing (a prerequisite too), rolling
# back (no previous bundle kept) or uninstalling failed.
set -uo pipefail
umask 022

# The cluster's values (genconf writes them in place of the marker line below):
#   DCI_CLUSTER_NAME, DCI_CLUSTER_ID, DCI_BOOTSTRAP_URL (may be empty), DCI_MASTERS (addresses,
#   space-separated), DCI_BUNDLES (one "<role> <file> <sha256>" line per role).
# @DCINSTALL_GENERATED@

die() {
  local code=$1
  shift
  echo "install.sh: $*" >&2
  exit "$code"
}
log() { echo "install.sh: $*"; }

usage() {
  sed -n '2,29s/^# \{0,1\}//p' "$0" 2>/dev/null ||
    echo "usage: install.sh [--root DIR] [--bundle FILE] [--url URL] [--address ADDR] <role>"
}

# Sets the globals below from the command line.
parse_command_line() {
  mode=install role="" root="${DCINSTALL_ROOT:-/}" bundle_file="" url="$DCI_BOOTSTRAP_URL"
  address="" init=auto member_address="" member_env=""
  while [ $# -gt 0 ]; do
    case $1 in
      --root | --bundle | --url | --address | --init | --leaving-address | --joining-address)
        [ $# -ge 2 ] || die 2 "$1 needs a value"
        case $1 in
          --root) root=$2 ;;
          --bundle) bundle_file=$2 ;;
          --url) url=$2 ;;
          --address) address=$2 ;;
          --init) init=$2 ;;
          --leaving-address | --joining-address) member_address=$2 ;;
        esac
        shift 2
        ;;
      --root=*) root=${1#*=}; shift ;;
      --bundle=*) bundle_file=${1#*=}; shift ;;
      --url=*) url=${1#*=}; shift ;;
      --address=*) address=${1#*=}; shift ;;
      --init=*) init=${1#*=}; shift ;;
      --preflight-only) mode=preflight; shift ;;
      --install-prereqs) mode=prereqs; shift ;;
      --health) mode=health; shift ;;
      --cluster-health) mode=cluster-health; shift ;;
      --uninstall) mode=uninstall; shift ;;
      --rollback) mode=rollback; shift ;;
      --running-bundle) mode=running-bundle; shift ;;
      --drain) mode=drain; shift ;;
      --undrain) mode=undrain; shift ;;
      --join) mode=join; shift ;;
      --leave) mode=leave; shift ;;
      --member-env) member_env=1; shift ;;
      -h | --help) usage; exit 0 ;;
      -*) die 2 "unknown option '$1' (see --help)" ;;
      *)
        [ -z "$role" ] || die 2 "one role only, got '$role' and '$1'"
        role=$1
        shift
        ;;
    esac
  done

  case $root in /*) ;; *) die 2 "--root must be an absolute path, got '$root'" ;; esac
  case $root in *[\"\\\$\`]* | *$'\n'*) die 2 "--root may not contain quotes, \\, \$ or \`" ;; esac
  case $init in auto | systemd | supervisor) ;; *) die 2 "--init must be auto, systemd or supervisor" ;; esac
  case $address in *[!A-Za-z0-9.:-]*) die 2 "--address '$address' is not an address" ;; esac
  case $member_address in *[!A-Za-z0-9.:-]*) die 2 "--$mode address '$member_address' is not an address" ;; esac
  url=${url%/}

  R=${root%/}  # "" for /
  OPT="$R/opt/dcinstall"
  ETC="$R/etc/dcinstall"
  DATA="$R/var/lib/dcinstall"
  ACTIVE="$OPT/active"
  export DCINSTALL_DATA="$DATA"
}

bundle_field() { awk -v role="$1" -v field="$2" '$1 == role { print $field }' <<<"$DCI_BUNDLES"; }
roles() { awk '{ printf "%s%s", sep, $1; sep = ", " }' <<<"$DCI_BUNDLES"; }

require_role() {
  [ -n "$role" ] || die 2 "give a role: $(roles)"
  [ -n "$(bundle_field "$role" 2)" ] || die 2 "unknown role '$role'; this cluster has: $(roles)"
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    openssl dgst -sha256 -r "$1" | cut -d' ' -f1
  fi
}

# Prints the path of a verified copy of $role's bundle in $1, a directory only this user can
# write (the copy checked is the copy unpacked: no one can swap it in between).
obtain_bundle() {
  local dir=$1 file sha path actual
  file=$(bundle_field "$role" 2)
  sha=$(bundle_field "$role" 3)
  path="$dir/$file"
  if [ -n "$bundle_file" ]; then
    [ -f "$bundle_file" ] || die 3 "bundle file '$bundle_file' does not exist"
    cp -- "$bundle_file" "$path" || die 3 "cannot copy the bundle file '$bundle_file' to $dir"
  else
    [ -n "$url" ] || die 2 "the config has no bootstrap_url: pass --url URL or --bundle FILE"
    if command -v curl >/dev/null 2>&1; then
      curl -fsSL --retry 3 --retry-delay 1 -o "$path" "$url/bundles/$file" >&2 ||
        die 3 "cannot fetch $url/bundles/$file"
    elif command -v wget >/dev/null 2>&1; then
      wget -q -O "$path" "$url/bundles/$file" || die 3 "cannot fetch $url/bundles/$file"
    else
      die 3 "neither curl nor wget is installed to fetch $url/bundles/$file"
    fi
  fi
  actual=$(sha256_of "$path")
  [ "$actual" = "$sha" ] || die 3 "${bundle_file:-$url/bundles/$file} has SHA-256 $actual; expected $sha ($file)"
  echo "$path"
}

unpack() {
  local archive=$1 dir=$2
  case $(bundle_field "$role" 2) in
    *.tar.zst) zstd -q -d -c -- "$archive" | tar -x -f - -C "$dir" ;;
    *.tar.gz) gzip -d -c -- "$archive" | tar -x -f - -C "$dir" ;;
    *) tar -x -f "$archive" -C "$dir" ;;
  esac
}

# The address this host has in the cluster: --address, else the one recorded at install, else
# (masters) the master_list address this host holds, (agents) the source address towards the
# first master, else the first address of `hostname -I`.
resolve_address() {
  local saved local_addresses master first
  if [ -n "$address" ]; then echo "$address"; return; fi
  saved=$(sed -n 's/^DCINSTALL_ADDRESS="\(.*\)"$/\1/p' "$ETC/host.env" 2>/dev/null)
  if [ -n "$saved" ]; then echo "$saved"; return; fi
  local_addresses=$(ip -o addr show 2>/dev/null | awk '{ split($4, a, "/"); print a[1] }')
  if [ "$role" = master ]; then
    for master in $DCI_MASTERS; do
      if grep -qxF "$master" <<<"$local_addresses"; then echo "$master"; return; fi
    done
    die 4 "this host holds none of the master addresses ($DCI_MASTERS); pass --address"
  fi
  first=${DCI_MASTERS%% *}
  ip -o route get "$first" 2>/dev/null | sed -n 's/.* src \([^ ]*\).*/\1/p' | grep . && return
  hostname -I 2>/dev/null | awk '{ print $1 }' | grep . && return
  die 4 "cannot tell this host's address; pass --address"
}

use_systemd() {
  case $init in systemd) return 0 ;; supervisor) return 1 ;; esac
  [ -z "$R" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

write_host_env() {
  local id=$1 host=$2 url_host=$2
  case $host in *:*) url_host="[$host]" ;; esac
  cat >"$ETC/host.env.tmp" <<EOF
DCINSTALL_ROOT="$root"
DCINSTALL_HOME="$OPT/$id"
DCINSTALL_DATA="$DATA"
DCINSTALL_ETC="$ETC"
DCINSTALL_ADDRESS="$host"
DCINSTALL_URL_HOST="$url_host"
DCINSTALL_ROLE="$role"
DCINSTALL_BUNDLE_ID="$id"
DCINSTALL_CLUSTER_ID="$DCI_CLUSTER_ID"
EOF
  mv -f "$ETC/host.env.tmp" "$ETC/host.env"
}

# --member-env: the NAME=VALUE lines on stdin (what a join printed for this host) into
# $ETC/member.env (0600: it may name the cluster's members), loaded by the role's services.
write_member_env() {
  local line name value lines=""
  while IFS= read -r line; do
    name=${line%%=*} value=${line#*=}
    if [[ $line != *=* || ! $name =~ ^[A-Z_][A-Z0-9_]*$ || $value == *\'* ]]; then
      log "member env: ignored '$line'"
      continue
    fi
    lines+="$name='$value'"$'\n'
  done
  (umask 077 && printf '%s' "$lines" >"$ETC/member.env.tmp") && mv -f "$ETC/member.env.tmp" "$ETC/member.env"
}

load_host_env() {
  set -a
  # shellcheck disable=SC1091
  . "$ETC/host.env"
  set +a
}

start_services() {
  local home=$1 name restart delay unit
  load_host_env
  while IFS=$'\t' read -r name restart delay; do
    [ -n "$name" ] || continue
    if use_systemd; then
      unit="/etc/systemd/system/dcinstall-$name.service"
      cat >"$unit" <<EOF
[Unit]
Description=dcinstall service $name ($role of cluster $DCI_CLUSTER_NAME)
Wants=network-online.target
After=network-online.target

[Service]
EnvironmentFile=$ETC/host.env
ExecStart=$ACTIVE/dcinstall/services/$name.run
Restart=$([ "$restart" = never ] && echo no || echo "$restart")
RestartSec=$delay
KillMode=control-group
TimeoutStopSec=20

[Install]
WantedBy=multi-user.target
EOF
      echo "$unit" >>"$ETC/units"
      { systemctl daemon-reload && systemctl enable "dcinstall-$name.service" >/dev/null 2>&1 &&
        systemctl restart "dcinstall-$name.service"; } 9>&- || return 1
      log "started $name (systemd unit dcinstall-$name.service)"
    else
      # A supervisor of the same name left by a bundle that is gone would keep the old service.
      if "$home/dcinstall/supervise" status "$name"; then
        "$home/dcinstall/supervise" stop "$name" >/dev/null
      fi
      # 9>&-: the supervisor must not inherit (and so hold) the install lock.
      "$home/dcinstall/supervise" start "$name" "$home/dcinstall/services/$name.run" \
        "$restart" "$delay" 9>&- || return 1
    fi
  done <"$home/dcinstall/services.list"
}

# Stops the services of the bundle in $1, last started first.
stop_services() {
  local home=$1 name
  [ -f "$home/dcinstall/services.list" ] || return 0
  while IFS=$'\t' read -r name _; do
    [ -n "$name" ] || continue
    if [ -f "$ETC/units" ] && grep -qxF "/etc/systemd/system/dcinstall-$name.service" "$ETC/units"; then
      systemctl disable --now "dcinstall-$name.service" >/dev/null 2>&1
      rm -f "/etc/systemd/system/dcinstall-$name.service"
      systemctl daemon-reload
      log "stopped $name (systemd)"
    else
      "$home/dcinstall/supervise" stop "$name" >/dev/null
      log "stopped $name"
    fi
  done < <(tac "$home/dcinstall/services.list")
}

take_lock() {
  mkdir -p "$OPT" || die 4 "cannot create $OPT"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$OPT/.lock"
    flock -w 600 9 || die 4 "another install.sh holds $OPT/.lock"
  fi
}

do_install() {
  local id file previous home host tmp archive status
  require_role
  id=$(bundle_field "$role" 3)
  file=$(bundle_field "$role" 2)
  take_lock
  if [ "$(readlink "$ACTIVE" 2>/dev/null)" = "$id" ] && [ -f "$OPT/$id/dcinstall/bundle.info" ] &&
    [ "$(cat "$ETC/role" 2>/dev/null)" = "$role" ]; then
    log "$role bundle $id is already installed; nothing to do"
    return 0
  fi
  mkdir -p "$ETC" "$DATA/run" "$DATA/log" || die 4 "cannot create $ETC and $DATA"
  home="$OPT/$id"
  if [ ! -f "$home/dcinstall/bundle.info" ]; then
    # The download and the unpacked tree are private until they are complete; the bundle
    # directory is 0750 (its files may hold secrets: docs/bundle-format.md).
    tmp="$OPT/.$id.partial"
    rm -rf "$tmp" "$home"
    mkdir -m 0700 "$tmp" && mkdir -m 0750 "$tmp/unpacked" || die 4 "cannot create $tmp"
    archive=$(obtain_bundle "$tmp") || { status=$?; rm -rf "$tmp"; exit "$status"; }
    if ! unpack "$archive" "$tmp/unpacked"; then
      rm -rf "$tmp"
      die 4 "cannot unpack $file"
    fi
    if ! grep -qx "role=$role" "$tmp/unpacked/dcinstall/bundle.info" 2>/dev/null; then
      rm -rf "$tmp"
      die 4 "$file is not a $role bundle"
    fi
    mv "$tmp/unpacked" "$home" && rm -rf "$tmp" || die 4 "cannot move the bundle to $home"
  fi
  host=$(resolve_address) || exit $?
  [ -z "$member_env" ] || write_member_env || die 4 "cannot write $ETC/member.env"
  previous=$(readlink "$ACTIVE" 2>/dev/null)
  activate "$id" "$host" "$previous"
  # Keep the active bundle and the one before it (for --rollback); remove older ones.
  for dir in "$OPT"/*/; do
    dir=${dir%/}
    case ${dir##*/} in "$id" | "$previous" | active) ;; *) rm -rf "$dir" ;; esac
  done
  log "installed $role bundle $id${previous:+ (was $previous)}; address $host"
}

# Makes bundle $1 (unpacked under $OPT, of $role) the active one on address $2: stops the
# services of the active bundle $3 (if any), switches, records $3 as the previous bundle (what
# --rollback goes back to) and starts the services of $1.
activate() {
  local id=$1 host=$2 previous=$3
  if [ -n "$previous" ] && [ -d "$OPT/$previous" ]; then stop_services "$OPT/$previous"; fi
  write_host_env "$id" "$host" || die 4 "cannot write $ETC/host.env"
  echo "$role" >"$ETC/role.tmp" && mv -f "$ETC/role.tmp" "$ETC/role" || die 4 "cannot write $ETC/role"
  if [ -n "$previous" ] && [ "$previous" != "$id" ]; then
    echo "$previous" >"$ETC/previous.tmp" && mv -f "$ETC/previous.tmp" "$ETC/previous" ||
      die 4 "cannot write $ETC/previous"
  fi
  ln -sfn "$id" "$OPT/.active.tmp" && mv -Tf "$OPT/.active.tmp" "$ACTIVE" ||
    die 4 "cannot switch $ACTIVE to $id"
  start_services "$OPT/$id" || die 4 "cannot start the services of $role bundle $id"
}

# Switches back to the bundle that was active before the current one (kept by do_install);
# running it again switches forward again.
do_rollback() {
  local id previous host
  [ -z "$role" ] || die 2 "--rollback takes no role (it keeps the installed one)"
  take_lock
  id=$(readlink "$ACTIVE" 2>/dev/null)
  [ -n "$id" ] && [ -f "$ETC/host.env" ] || die 2 "nothing is installed under $root"
  previous=$(cat "$ETC/previous" 2>/dev/null)
  [ -n "$previous" ] && [ -f "$OPT/$previous/dcinstall/bundle.info" ] ||
    die 4 "no previous bundle is kept under $OPT to roll back to"
  role=$(cat "$ETC/role")
  grep -qx "role=$role" "$OPT/$previous/dcinstall/bundle.info" ||
    die 4 "the previous bundle $previous is not a $role bundle"
  load_host_env
  host=$DCINSTALL_ADDRESS
  activate "$previous" "$host" "$id"
  log "rolled back $role from bundle $id to $previous; address $host"
}

do_running_bundle() {
  local id
  id=$(readlink "$ACTIVE" 2>/dev/null)
  [ -n "$id" ] || die 1 "nothing is installed under $root"
  echo "active $id"
  echo "previous $(cat "$ETC/previous" 2>/dev/null)"
}

do_uninstall() {
  local id pid pidfile tries leftovers alive
  take_lock
  id=$(readlink "$ACTIVE" 2>/dev/null)
  if [ -n "$id" ] && [ -d "$OPT/$id" ]; then stop_services "$OPT/$id"; fi
  # Processes still recorded (an interrupted install, a bundle directory removed by hand): stop
  # them by their recorded pids, but only those that carry this install's environment.
  leftovers=()
  for pidfile in "$DATA"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile" 2>/dev/null)
    case $pid in '' | *[!0-9]*) continue ;; esac
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "DCINSTALL_DATA=$DATA"; then
      kill -TERM "$pid" 2>/dev/null && leftovers+=("$pid")
    fi
  done
  for ((tries = 0; tries < 50 && ${#leftovers[@]} > 0; tries++)); do
    alive=()
    for pid in "${leftovers[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
    leftovers=("${alive[@]}")
    [ ${#leftovers[@]} -eq 0 ] || sleep 0.1
  done
  for pid in "${leftovers[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  if [ -f "$ETC/units" ]; then
    while read -r unit; do
      systemctl disable --now "${unit##*/}" >/dev/null 2>&1
      rm -f "$unit"
    done <"$ETC/units"
    systemctl daemon-reload 2>/dev/null
  fi
  rm -rf "$OPT" "$ETC" "$DATA" || die 4 "cannot remove $OPT, $ETC and $DATA"
  if [ -n "$R" ]; then
    rmdir "$R/opt" "$R/etc" "$R/var/lib" "$R/var" 2>/dev/null
  fi
  log "uninstalled${id:+ bundle $id}"
}

# Runs the checks listed in $1 (name, timeout, path, message; tab-separated) from the bundle in
# $2, with stdin from $3. Prints one line per failed check; returns the number that failed.
failed=0
total=0
report_passed=""  # set: a passed step prints "done <name>: <its last line>" (drain, undrain)
report_env=""     # set: a passed step prints its NAME=VALUE lines as "member.env ..." (join)
run_checks() {
  local list=$1 home=$2 input=$3 name timeout run message output status detail
  [ -f "$list" ] || return 0
  while IFS=$'\t' read -r name timeout run message; do
    [ -n "$name" ] || continue
    total=$((total + 1))
    # --foreground: the check stays in our process group, so a timeout of the whole command
    # (command_timeout_s) kills the check and what it started too.
    output=$(cd "$home" && timeout --foreground "$timeout" bash "$home/$run" <"$input" 2>&1)
    status=$?
    if [ "$status" -ne 0 ]; then
      failed=$((failed + 1))
      detail=$(tail -n 1 <<<"$output")
      [ "$status" -eq 124 ] && detail="timed out after ${timeout}s"
      echo "FAILED $name: $message${detail:+ ($detail)}"
    elif [ -n "$report_passed" ]; then
      detail=$(tail -n 1 <<<"$output")
      echo "done $name${detail:+: $detail}"
    fi
    if [ "$status" -eq 0 ] && [ -n "$report_env" ]; then
      grep -E '^[A-Z_][A-Z0-9_]*=' <<<"$output" | sed 's/^/member.env /'
    fi
  done <"$list"
}

port_in_use() {
  local hex
  hex=$(printf '%04X' "$1")
  awk -v port="$hex" 'FNR > 1 && $4 == "0A" { split($2, a, ":"); if (a[2] == port) found = 1 }
                      END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

check_requirements() {
  local file=$1 what value have dir
  [ -f "$file" ] || return 0
  while read -r what value; do
    [ -n "$what" ] || continue
    total=$((total + 1))
    case $what in
      cpus)
        have=$(nproc 2>/dev/null || echo 0)
        [ "$have" -ge "$value" ] ||
          { failed=$((failed + 1)); echo "FAILED requirements-cpus: needs $value CPUs, this host has $have"; }
        ;;
      memory_mb)
        have=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
        [ "$have" -ge "$value" ] ||
          { failed=$((failed + 1)); echo "FAILED requirements-memory: needs $value MB of RAM, this host has $have MB"; }
        ;;
      disk_mb)
        dir=$DATA
        while [ ! -d "$dir" ]; do dir=$(dirname "$dir"); done
        have=$(df -Pm "$dir" | awk 'NR == 2 { print $4 }')
        [ "$have" -ge "$value" ] ||
          { failed=$((failed + 1)); echo "FAILED requirements-disk: needs $value MB free under $dir, $have MB are free"; }
        ;;
      port)
        if port_in_use "$value"; then
          failed=$((failed + 1))
          echo "FAILED requirements-port-$value: port $value is in use; the $role role needs it free"
        fi
        ;;
    esac
  done <"$file"
}

# A temporary file or directory removed when the script exits.
scratch=""
trap '[ -z "$scratch" ] || rm -rf "$scratch"' EXIT

# Unpacks a verified copy of $role's bundle into a temporary directory (removed at exit), sets
# $home to it and exports the environment checks run with.
unpack_to_scratch() {
  local tmp archive
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/dcinstall-$mode.XXXXXX") || die 4 "cannot create a temporary directory"
  scratch=$tmp
  archive=$(obtain_bundle "$tmp") || exit $?
  mkdir "$tmp/bundle" && unpack "$archive" "$tmp/bundle" || die 4 "cannot unpack the $role bundle"
  home="$tmp/bundle"
  export DCINSTALL_ROOT="$root" DCINSTALL_HOME="$home" DCINSTALL_DATA="$DATA"
  export DCINSTALL_ETC="$ETC" DCINSTALL_ROLE="$role" DCINSTALL_ADDRESS="$address"
}

# Runs the bundle script $2 (bash, from $home, stdin /dev/null) for at most $1 seconds. Sets
# $output to what it printed (stdout and stderr) and $detail to its last non-empty line, or to
# "timed out after Ns"; returns its exit status (124: timed out).
run_script() {
  local timeout=$1 path=$2 status
  # --foreground: see run_checks. 9>&-: what it starts (a package's daemon) must not hold the
  # install lock.
  output=$(cd "$home" && timeout --foreground "$timeout" bash "$home/$path" </dev/null 9>&- 2>&1)
  status=$?
  detail=$(awk 'NF { last = $0 } END { print last }' <<<"$output")
  [ "$status" -eq 124 ] && detail="timed out after ${timeout}s"
  return "$status"
}

# Preflight: every prerequisite's check (prerequisites.list: name, check timeout, check path,
# install timeout, install path, message; tab-separated). A missing one is a failed check.
# Checks and installs run with DCINSTALL_PREREQUISITE=<name> (one script may serve several).
check_prerequisites() {
  local list="$home/dcinstall/prerequisites.list" name check_timeout check message status
  [ -f "$list" ] || return 0
  while IFS=$'\t' read -r name check_timeout check _ _ message; do
    [ -n "$name" ] || continue
    total=$((total + 1))
    export DCINSTALL_PREREQUISITE="$name"
    run_script "$check_timeout" "$check"
    status=$?
    [ "$status" -eq 0 ] && continue
    failed=$((failed + 1))
    if [ "$status" -eq 124 ]; then
      echo "FAILED $name: $message (its check $detail)"
    else
      echo "FAILED $name: $message (run with --install-prereqs to install it)"
    fi
  done <"$list"
}

# --install-prereqs: for each prerequisite in order, check; when missing, install, then check
# again. One line each: "prerequisite <name>: present" or "... installed", else (after the last
# lines the install printed, indented) "FAILED <name>: <message> (<why>)". Exits 4 when any failed.
do_install_prereqs() {
  local list name check_timeout check install_timeout install message status
  local present=0 installed=0 not_root=""
  require_role
  take_lock
  unpack_to_scratch
  list="$home/dcinstall/prerequisites.list"
  if [ ! -s "$list" ]; then
    log "the $role role has no prerequisites"
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || not_root="; install.sh is not running as root"
  while IFS=$'\t' read -r name check_timeout check install_timeout install message; do
    [ -n "$name" ] || continue
    total=$((total + 1))
    export DCINSTALL_PREREQUISITE="$name"
    if run_script "$check_timeout" "$check"; then
      present=$((present + 1))
      echo "prerequisite $name: present"
      continue
    fi
    run_script "$install_timeout" "$install"
    status=$?
    if [ "$status" -ne 0 ]; then
      failed=$((failed + 1))
      tail -n 10 <<<"$output" | sed 's/^/  | /'
      if [ "$status" -eq 124 ]; then
        echo "FAILED $name: $message (its install $detail$not_root)"
      else
        echo "FAILED $name: $message (its install exited $status${detail:+: $detail}$not_root)"
      fi
      continue
    fi
    if run_script "$check_timeout" "$check"; then
      installed=$((installed + 1))
      echo "prerequisite $name: installed"
    else
      failed=$((failed + 1))
      echo "FAILED $name: $message (installed, but its check still fails${detail:+: $detail})"
    fi
  done <"$list"
  log "prerequisites of $role: $installed installed, $present present, $failed failed"
  [ "$failed" -eq 0 ] || exit 4
}

do_preflight() {
  require_role
  unpack_to_scratch
  check_prerequisites
  check_requirements "$home/dcinstall/requirements"
  run_checks "$home/dcinstall/preflight.list" "$home" /dev/null
  if [ "$failed" -eq 0 ]; then
    log "preflight of $role: all $total checks passed"
    return 0
  fi
  log "preflight of $role: $failed of $total checks failed"
  return 1
}

do_health() {
  local list=$1 id home input=/dev/null tmp=""
  id=$(readlink "$ACTIVE" 2>/dev/null)
  [ -n "$id" ] && [ -f "$ETC/host.env" ] || die 2 "nothing is installed under $root"
  home="$OPT/$id"
  role=$(cat "$ETC/role")
  load_host_env
  if [ "$list" = cluster-health.list ]; then
    tmp=$(mktemp "${TMPDIR:-/tmp}/dcinstall-hosts.XXXXXX") || die 4 "cannot create a temporary file"
    scratch=$tmp
    cat >"$tmp"
    input=$tmp
  fi
  if [ ! -s "$home/dcinstall/$list" ]; then
    log "the $role role has no ${list%.list} checks"
    return 0
  fi
  run_checks "$home/dcinstall/$list" "$home" "$input"
  if [ "$failed" -eq 0 ]; then
    log "${list%.list} of $role: all $total checks passed"
    return 0
  fi
  log "${list%.list} of $role: $failed of $total checks failed"
  return 1
}

# --join/--leave ROLE: the active (master) bundle's steps that add the host --joining-address of
# ROLE to the cluster or remove the host --leaving-address. A passed join step prints its
# NAME=VALUE lines as "member.env NAME=VALUE" (for the joining host's --member-env).
do_membership() {
  local id home list which
  which=LEAVING
  [ "$mode" = join ] && which=JOINING
  case $role in master | agent | public_agent) ;; *) die 2 "--$mode takes a role: master, agent or public_agent" ;; esac
  [ -n "$member_address" ] || die 2 "--$mode needs --${which,,}-address ADDR"
  id=$(readlink "$ACTIVE" 2>/dev/null)
  [ -n "$id" ] && [ -f "$ETC/host.env" ] || die 2 "nothing is installed under $root"
  home="$OPT/$id"
  list="$home/dcinstall/$mode-$role.list"
  load_host_env
  if [ ! -s "$list" ]; then
    log "this bundle has no $mode steps for the $role role"
    return 0
  fi
  export "DCINSTALL_${which}_ADDRESS=$member_address" "DCINSTALL_${which}_ROLE=$role"
  [ "$mode" = join ] && report_env=1
  run_checks "$list" "$home" /dev/null
  if [ "$failed" -eq 0 ]; then
    log "$mode of $role $member_address: all $total steps passed"
    return 0
  fi
  log "$mode of $role $member_address: $failed of $total steps failed"
  return 1
}

# The whole script is read before anything runs (so a partial download runs nothing; check its
# SHA-256 before running it: docs/bundle-format.md, "Pull install").
main() {
  parse_command_line "$@"
  case $mode in
    install) do_install ;;
    uninstall) [ -z "$role" ] || die 2 "--uninstall takes no role"; do_uninstall ;;
    preflight) do_preflight ;;
    prereqs) do_install_prereqs ;;
    health) do_health health.list ;;
    cluster-health) do_health cluster-health.list ;;
    rollback) do_rollback ;;
    running-bundle) do_running_bundle ;;
    drain | undrain)
      [ -z "$role" ] || die 2 "--$mode takes no role"
      report_passed=1
      do_health "$mode.list"
      ;;
    join | leave) do_membership ;;
  esac
}

main "$@"
