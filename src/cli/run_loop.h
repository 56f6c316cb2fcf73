#pragma once
// One installer run from the terminal: live progress (bars on a TTY, JSON lines with --json),
// Ctrl-C once to stop starting hosts (a rolling change lets its hosts in flight finish), twice to
// leave at once; then the outcome's messages on stderr and the exit code of every stage command.

#include "api/installer_parts.h"
#include "installer/installer.h"

namespace dci::cli {

// Runs `request` on `installer` (whose executor is `io`'s) until it ends. Returns the exit code:
// 0 ok, 1 hosts failed or the change stopped, 2 the run could not start, 130 cancelled.
// `action` names the command in the hint printed after a failed stage.
int run_with_progress(transport::asio::io_context& io, Installer& installer,
                      const RunRequest& request, bool json, std::string_view action);

// Asks "`question` [y/N]" on the terminal. Without a terminal on stdin, prints "dcinstall:
// `refusal`; pass --yes to confirm" and answers no. With `yes`, answers yes without asking.
bool confirmed(const std::string& question, const std::string& refusal, bool yes);

}  // namespace dci::cli
