#include "cli/installer_options.h"

#include <iostream>

namespace dci::cli {

void add_installer_options(CLI::App& command, InstallerCommandOptions& options, bool ssh) {
  command.add_option("-c,--config", options.config_path, "Config file")->capture_default_str();
  command
      .add_option("--work-dir", options.work_dir,
                  "Where genconf's output and the state file (state.db) live")
      ->capture_default_str();
  command.add_flag("--json", options.json, "Machine-readable output (one JSON event per line)");
  if (!ssh) return;
  command.add_option("--parallelism", options.parallelism,
                     "Hosts connecting or working at once (default: ssh_parallelism)");
  command.add_flag("--no-ssh-config", options.no_ssh_config,
                   "Ignore ~/.ssh/config and /etc/ssh/ssh_config");
}

std::unique_ptr<api::InstallerParts> open_installer(transport::Executor executor,
                                          const InstallerCommandOptions& options,
                                          bool require_valid) {
  InstallerOptions installer_options;
  installer_options.config_path = options.config_path;
  installer_options.work_dir = options.work_dir;
  installer_options.use_ssh_config = !options.no_ssh_config;
  installer_options.parallelism = options.parallelism;
  installer_options.warn = [](const std::string& line) {
    std::cerr << "dcinstall: warning: " << line << "\n";
  };
  auto parts = api::InstallerParts::open(std::move(executor), installer_options);
  if (!parts) {
    std::cerr << "dcinstall: " << parts.error().to_string() << "\n";
    return nullptr;
  }
  const ValidationResult& result = (*parts)->installer().config().result;
  if (require_valid && !result.valid()) {
    for (const auto& error : result.errors) std::cerr << error.to_string() << "\n";
    std::cerr << "dcinstall: " << options.config_path << " is invalid; nothing was done\n";
    return nullptr;
  }
  return std::move(*parts);
}

}  // namespace dci::cli
