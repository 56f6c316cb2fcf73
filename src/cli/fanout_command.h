#pragma once
// What `dcinstall exec` and `dcinstall copy` share: options, host selection, the SSH transport on
// one io_context, the fan-out, the printer and the exit code (0 only when every host is ok).

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/fanout_printer.h"
#include "transport/fan_out.h"

namespace dci::cli {

struct FanoutOptions {
  std::string config_path = "config.yaml";
  std::string role = "all";
  std::string hosts;
  bool group = false;
  bool json = false;
  int parallelism = 0;  // 0: ssh_parallelism from the config
  bool no_ssh_config = false;
};

// Adds -c/--role/--hosts/--group/--json/--parallelism/--no-ssh-config to `command`.
void add_fanout_options(CLI::App& command, FanoutOptions& options);

// The per-host work, given the printer (for output sinks and results).
using FanoutWork = std::function<transport::HostWork(FanoutPrinter& printer)>;

// Loads the config, selects the hosts and runs `work` on them. `retry_work`: the work is
// idempotent and is retried after transient failures. Returns the process exit code.
int run_fanout(const FanoutOptions& options, const FanoutWork& work, bool retry_work);

}  // namespace dci::cli
