#pragma once
// What every installer command (install, preflight, deploy, postflight, uninstall, plan, status,
// logs, support-bundle) takes: the config and the work dir; and how it opens the Installer.

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "api/installer_parts.h"
#include "installer/installer.h"

namespace dci::cli {

struct InstallerCommandOptions {
  std::string config_path = "config.yaml";
  std::string work_dir = "genconf";
  bool json = false;
  bool no_ssh_config = false;
  int parallelism = 0;
};

// -c/--config, --work-dir, --json; with `ssh`: --parallelism and --no-ssh-config too.
void add_installer_options(CLI::App& command, InstallerCommandOptions& options, bool ssh);

// The composition root of the installer commands: opens the Installer on the real parts (SSH,
// <work-dir>/state.db, the real clocks), printing why not on stderr. With `require_valid`, an
// invalid config is printed (every error, as `dcinstall validate` does) and refused.
std::unique_ptr<api::InstallerParts> open_installer(transport::Executor executor,
                                          const InstallerCommandOptions& options,
                                          bool require_valid);

}  // namespace dci::cli
