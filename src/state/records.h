#pragma once
// What the state store keeps: runs, each host's status per stage, and every step with its output.
// Times are milliseconds since the Unix epoch.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dci {

enum class HostState { Pending, Running, Succeeded, Failed, Skipped, Cancelled, Interrupted };
std::string_view host_state_name(HostState state);  // "pending", "running", ...
std::optional<HostState> host_state_from_name(std::string_view name);

struct RunInfo {
  int64_t id = 0;
  std::string command;  // e.g. "install", "deploy --retry-failed"
  int64_t started_ms = 0;
  std::optional<int64_t> finished_ms;
  std::string outcome;  // "" while running; "succeeded", "failed", "cancelled", "interrupted"
};

// The latest status of one host in one stage (a later run overwrites an earlier one).
struct HostStageStatus {
  std::string host;  // ClusterHost::id()
  std::string role;
  std::string stage;
  HostState state = HostState::Pending;
  std::string bundle_id;  // deploy: the bundle the host runs (or is being given)
  std::string error;      // why it failed, "" otherwise
  int64_t run_id = 0;
  int64_t updated_ms = 0;
  // Failed hosts: the cause key of `error` (orchestrator/failure_cause.h); "" otherwise, and in
  // rows a schema-2 file had (readers derive it from `error` then).
  std::string cause{};
};

// What one host runs (recorded once a deploy or a rolling change ends), and its last rolling
// change. A host without a row has nothing installed by dcinstall: it is deploy's to install.
struct HostBundle {
  std::string host;  // ClusterHost::id()
  std::string role;
  std::string running;   // the bundle it runs; "" when unknown (a rollback failed)
  std::string previous;  // the bundle install.sh keeps for --rollback ("" when none)
  // Its last rolling change: from which bundle to which, in which run, and how it ended:
  // "changing" while in flight (a killed run leaves it so), else an UpgradeOutcome name
  // ("upgraded", "rolled-back", "rollback-failed", "failed"); "" when it never changed.
  int64_t change_run_id = 0;
  std::string change_kind;  // "upgrade" or "rollback" (`dcinstall rollback`)
  std::string change_from;
  std::string change_to;
  std::string change_outcome;
  std::string change_error;
  std::string change_step;  // while "changing": the step that was starting (upgrade_step_name)
  int64_t updated_ms = 0;

  // The change did not end: the host must be checked before anything else touches it.
  bool in_flight() const { return change_outcome == "changing" || running.empty(); }
};

struct StepRecord {
  int64_t run_id = 0;
  std::string host;
  std::string stage;
  std::string step;
  std::string command;
  int64_t started_ms = 0;
  std::optional<int64_t> finished_ms;
  std::optional<int64_t> exit_code;
  std::string error;
  std::string output;  // stdout and stderr as they interleaved, capped (CappedOutput)
  bool output_truncated = false;
  int64_t id = 0;  // the store's row id (0 until stored); rows are read in id order
};

}  // namespace dci
