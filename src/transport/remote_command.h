#pragma once
// The shell command lines the transport sends, in one place so they can be read and tested:
// sudo wrapping, the on-host timeout, and the upload script (temp file, SHA-256 check, rename).

#include <optional>
#include <string>
#include <string_view>

#include "config/cluster_config.h"

namespace dci::transport {

// `text` single-quoted for sh.
std::string shell_quote(std::string_view text);

// Whether a command for `user` runs under sudo: the request's choice, else the config's mode
// (auto = when the user is not root).
bool wants_sudo(SudoMode mode, const std::string& user, std::optional<bool> request);

// Exit statuses of the wrappers below.
constexpr int k_exit_timeout = 124;            // coreutils timeout: the command timed out
constexpr int k_exit_timeout_killed = 137;     // ... and needed SIGKILL
constexpr int k_exit_not_found = 127;          // the shell could not find the command
constexpr int k_exit_checksum_mismatch = 97;   // upload script: the bytes arrived damaged
constexpr double k_kill_grace_s = 5;           // TERM, then KILL this much later

// `command` as sent to the login shell: run by sh under `timeout` so it is killed on the host
// (TERM, then KILL after k_kill_grace_s; its whole process group) when `timeout_s` passes even
// if the connection is gone, under `sudo -n` when `sudo`.
std::string exec_command_line(std::string_view command, bool sudo, double timeout_s);

// The upload script: stdin goes to a new temp file beside `remote_path` (made by mktemp: a name
// no one can predict, never a file or symlink that was already there; mode 0600 while written),
// which is removed unless its SHA-256 equals `sha256_hex`; then chmod `mode` and rename into
// place. A failed or interrupted upload leaves no file at `remote_path` and no temp file
// (unless the shell itself is killed with SIGKILL: then `.NAME.dcinstall-*` may remain).
std::string upload_command_line(std::string_view remote_path, unsigned mode,
                                std::string_view sha256_hex, bool sudo);

// "600", "0.5": seconds as the timeout(1) command takes them.
std::string format_seconds(double seconds);

}  // namespace dci::transport
