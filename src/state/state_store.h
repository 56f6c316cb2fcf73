#pragma once
// The StateStore interface: where runs, host × stage status and step output are kept so that a
// killed installer resumes and `status`/`logs`/support bundles can be answered later.
//
// Writes are buffered and land in one transaction per flush(); reads see flushed data only.
// Not thread-safe: used from the event loop's thread.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "state/records.h"
#include "util/result.h"

namespace dci {

struct StepFilter {
  std::string host;   // "" = any
  std::string stage;  // "" = any
  std::optional<int64_t> run_id;
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // Starts a run. Runs left unfinished by a killed installer become "interrupted", and their
  // hosts that were "running" become "interrupted" too (to be checked and redone).
  virtual Result<int64_t> begin_run(const std::string& command) = 0;
  virtual Status finish_run(int64_t run_id, const std::string& outcome) = 0;

  virtual void set_host_stage(const HostStageStatus& status) = 0;
  // Forgets `host`'s row for `stage` (buffered, in order with set_host_stage).
  virtual void clear_host_stage(const std::string& host, const std::string& stage) = 0;
  virtual void add_step(StepRecord step) = 0;
  virtual Status flush() = 0;

  virtual std::optional<RunInfo> last_run() const = 0;
  virtual std::vector<HostStageStatus> host_stages(const std::string& stage) const = 0;
  virtual std::vector<StepRecord> steps(const StepFilter& filter) const = 0;
};

}  // namespace dci
