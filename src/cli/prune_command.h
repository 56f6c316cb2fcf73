#pragma once
// `dcinstall prune` and how the plans show the hosts it removes (`plan install`, `plan prune`).

#include <ostream>

#include "cli/installer_options.h"
#include "orchestrator/prune_plan.h"

namespace dci::cli {

// "remove: 2 hosts not in the config (dcinstall prune)" and one line per host, in the layout of
// `plan install`; nothing when the plan has no host.
void print_removed_hosts(const PrunePlan& plan, std::ostream& out);

// `plan prune`, `prune --dry-run`: the hosts prune would remove (or why it refuses); runs
// nothing. Exit code 0, 1 when prune would refuse, 2 for a config error.
int print_prune_plan(const InstallerCommandOptions& options);

}  // namespace dci::cli
