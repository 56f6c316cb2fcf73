#include "transport/remote_command.h"

#include <cstdio>

namespace dci::transport {

std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

bool wants_sudo(SudoMode mode, const std::string& user, std::optional<bool> request) {
  if (request) return *request;
  switch (mode) {
    case SudoMode::Always: return true;
    case SudoMode::Never: return false;
    case SudoMode::Auto: return user != "root";
  }
  return false;
}

std::string format_seconds(double seconds) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.3f", seconds < 0.001 ? 0.001 : seconds);
  std::string out = buffer;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

std::string exec_command_line(std::string_view command, bool sudo, double timeout_s) {
  std::string line = sudo ? "sudo -n " : "";
  line += "timeout -k " + format_seconds(k_kill_grace_s) + " " + format_seconds(timeout_s) +
          " sh -c " + shell_quote(command);
  return line;
}

std::string upload_command_line(std::string_view remote_path, unsigned mode,
                                std::string_view sha256_hex, bool sudo) {
  char mode_text[16];
  std::snprintf(mode_text, sizeof mode_text, "%04o", mode & 07777);
  // $t is a new file made by mktemp (an unpredictable name, created with O_EXCL, so a planted
  // symlink is never followed); the trap removes it on every way out except the successful
  // rename. The SHA-256 comes from openssl when the host has it (SHA-NI: 4x faster than
  // coreutils), else sha256sum.
  std::string script =
      "p=" + shell_quote(remote_path) +
      "; case $p in */*) d=${p%/*};; *) d=.;; esac; umask 077; "
      "t=$(mktemp \"$d/.${p##*/}.dcinstall-XXXXXX\") || exit 1; "
      "trap 'rm -f -- \"$t\"' EXIT; trap 'exit 1' HUP INT TERM PIPE; "
      "cat > \"$t\" || exit 1; "
      "s=$(openssl dgst -sha256 -r < \"$t\" 2>/dev/null) || s=$(sha256sum < \"$t\") || exit 1; "
      "s=${s%% *}; "
      "if [ \"$s\" != " + std::string(sha256_hex) + " ]; then "
      "echo \"dcinstall: checksum mismatch: got $s\" >&2; exit " +
      std::to_string(k_exit_checksum_mismatch) + "; fi; "
      "chmod " + mode_text + " -- \"$t\" && mv -f -- \"$t\" \"$p\" && trap - EXIT";
  return (sudo ? "sudo -n sh -c " : "sh -c ") + shell_quote(script);
}

}  // namespace dci::transport
