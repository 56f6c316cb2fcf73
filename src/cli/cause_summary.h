#pragma once
// Failures by cause as the terminal shows them, after a stage (run_loop.h) and in
// `dcinstall status`: one numbered entry per cause, largest first, with its count, up to three
// example hosts and the command that lists all of its hosts.
//
//   preflight: 3 hosts failed, 2 causes:
//     1) 2 hosts: check requirements-port-7070: port 7070 is in use; ...
//        10.0.0.3:22, 10.0.0.4:22; all: dcinstall status --stage preflight --cause 1
//     2) 1 host: unreachable: connect timeout
//        10.0.0.5:22; all: dcinstall status --stage preflight --cause 2

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/failure_cause.h"

namespace dci::cli {

inline constexpr size_t k_causes_shown = 10;

// The text above (terminal-safe), "" when `groups` is empty. `status_command` is how the
// command begins ("dcinstall status", with --work-dir when it is not the default). At most
// `shown` causes; the rest are counted on one line.
std::string cause_summary(std::string_view stage, const std::vector<FailureGroup>& groups,
                          std::string_view status_command, size_t shown = k_causes_shown);

// "dcinstall status", with " --work-dir DIR" unless `work_dir` is the default ("genconf").
std::string status_command_for(std::string_view work_dir);

}  // namespace dci::cli
