#pragma once
// The one event stream of a stage run. The orchestrator emits these; sinks (the state store
// writer, the terminal printer, the HTTP event stream) consume them. The core never prints.
//
// Order per host: HostStepStarted, OutputChunk*, HostStepFinished for each step, then one
// HostFinished. A stage is StageStarted ... StageFinished. Events are delivered on the event
// loop's thread, in order; sinks must not block.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/cluster_config.h"
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
};

struct StageFinished {
  std::string stage;
  bool ok = false;
  bool cancelled = false;
  std::map<Role, StageCounts> counts;
  std::vector<HostFailure> failures;
  std::string summary;  // one line a person reads: what failed and why, or that all passed
  double seconds = 0;
};

using Event = std::variant<StageStarted, HostStepStarted, OutputChunk, HostStepFinished,
                           HostFinished, StageFinished>;

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_event(const Event& event) = 0;
};

}  // namespace dci
