# shellcheck shell=bash
# shellcheck disable=SC2034  # read by check.sh and install.sh, which source this file
# The reference distribution's prerequisites (sourced by check.sh and install.sh): for the
# prerequisite named $DCINSTALL_PREREQUISITE, the commands it provides and its Debian package.
case ${DCINSTALL_PREREQUISITE:-} in
  coreutils) commands="sleep tr" package=coreutils ;;
  grep) commands="grep" package=grep ;;
  awk) commands="awk" package=mawk ;;
  sed) commands="sed" package=sed ;;
  hostname) commands="hostname" package=hostname ;;
  *)
    echo "unknown prerequisite '${DCINSTALL_PREREQUISITE:-}' (files/prereqs/table.sh)"
    exit 2
    ;;
esac
