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
