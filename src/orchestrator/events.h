#pragma once
// The one event stream of a stage run. The orchestrator emits these; sinks (the state store
// writer, the terminal printer, the HTTP event stream) consume them. The core never prints.
//
// Order per host: HostStepStarted, OutputChunk*, HostStepFinished for each step, then one
// HostFinished (a rolling change's hosts: HostChanged when the change begins and ends, before
// HostFinished). A stage is StageStarted ... StageFinished. Events are delivered on the event
// loop's thread, in order; sinks must not block.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/cluster_config.h"
#include "orchestrator/failure_cause.h"
#include "orchestrator/host_upgrade.h"
#include "state/records.h"

namespace dci {

struct StageStarted {
  std::string stage;
  int64_t run_id = 0;
  std::map<Role, int> hosts_per_role;  // hosts that have work in this stage
  std::string phase;                   // e.g. "masters", "agents"; "" when the stage has one
};

struct HostStepStarted {
  std::string stage;
  std::string host;
  Role role = Role::Agent;
  std::string step;
  std::string command;
};

struct OutputChunk {
  std::string stage;
  std::string host;
  std::string step;
  bool is_stderr = false;
  std::string data;
};

struct HostStepFinished {
  std::string stage;
  std::string host;
  Role role = Role::Agent;
  std::string step;
  std::optional<int> exit_code;
  std::string error;  // transport/timeout error or failed check message; "" on success
  double seconds = 0;
  bool ok = false;
};

struct HostFinished {
  std::string stage;
  std::string host;
  Role role = Role::Agent;
  HostState state = HostState::Succeeded;
  std::string error;      // the reason, for failed hosts (for skipped ones: why)
  std::string bundle_id;  // deploy: the bundle the host got or already runs
  std::string cause{};    // failed hosts: the cause key of `error` (failure_cause.h), else ""
};

// A host's rolling change began, is about to run a step (outcome Pending: "changing", `step`
// the step), or ended, as the HostUpgrade machine left it. Emitted by the RollingRunner, before
// the host's HostFinished; the state keeps the step in flight so a killed run's resume knows a
// switch or rollback may have happened.
struct HostChanged {
  std::string stage;
  std::string host;
  Role role = Role::Agent;
  std::string from_bundle;
  std::string to_bundle;
  UpgradeOutcome outcome = UpgradeOutcome::Pending;
  std::string error;      // the step and check that failed, "" otherwise
  bool rollback = false;  // a change of `dcinstall rollback` (else of an upgrade)
  std::string step;       // while Pending: the step starting now ("" before the first)
};

struct StageCounts {
  int total = 0;
  int succeeded = 0;
  int failed = 0;
  int skipped = 0;
  int cancelled = 0;
};

struct HostFailure {
  std::string host;
  Role role = Role::Agent;
  std::string error;
  std::string cause{};  // failure_cause.h
};

struct StageFinished {
  std::string stage;
  bool ok = false;
  bool cancelled = false;
  std::map<Role, StageCounts> counts;
  std::vector<HostFailure> failures;
  std::string summary;  // one line a person reads: what failed and why, or that all passed
  double seconds = 0;
  std::vector<FailureGroup> causes{};  // `failures` grouped by cause, largest first
};

using Event = std::variant<StageStarted, HostStepStarted, OutputChunk, HostStepFinished,
                           HostFinished, HostChanged, StageFinished>;

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_event(const Event& event) = 0;
};

}  // namespace dci
