#pragma once
// `dcinstall upgrade`, `dcinstall rollback`, and their plans (`plan upgrade`, `--dry-run`).

#include "cli/installer_options.h"

namespace dci::cli {

// Prints what `upgrade` (or `rollback`) would change, wave by wave; runs nothing. Exit code 0,
// or 2 for a config error.
int print_rolling_plan(const InstallerCommandOptions& options, bool rollback);

}  // namespace dci::cli
