#pragma once
// The StateStore interface: where runs, host × stage status and step output are kept so that a
// killed installer resumes and `status`/`logs`/support bundles can be answered later.
//
// Writes are buffered and land in one transaction per flush(); reads see flushed data only.
// Not thread-safe: used from the event loop's thread.

#include <cstdint>
#include <functional>
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
  std::string step{};             // "" = any
  int64_t after_id = 0;           // only rows with a larger id (a cursor for following)
  size_t offset = 0;              // rows skipped (paging)
  std::optional<size_t> limit{};  // at most this many rows
};

// What prune_runs_before() removed.
struct PruneSummary {
  std::vector<int64_t> runs;  // the run ids removed, oldest first
  int64_t steps = 0;          // step rows removed with them
  int64_t output_bytes = 0;   // their output
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
  // Writes `host`'s whole HostBundle row / forgets it (buffered, in order with the rest).
  virtual void set_host_bundle(const HostBundle& bundle) = 0;
  virtual void clear_host_bundle(const std::string& host) = 0;
  // Keeps what bundle `bundle_id` was rendered from (an opaque text; buffered).
  virtual void set_bundle_inputs(const std::string& bundle_id, const std::string& inputs) = 0;
  // Stores the step as given: its writer caps the output (CappedOutput, while it arrives).
  virtual void add_step(StepRecord step) = 0;
  virtual Status flush() = 0;

  virtual std::optional<RunInfo> last_run() const = 0;
  // The reads plans are made from fail with the store's Error (locked past its busy timeout,
  // corrupt): no caller plans from rows it could not read.
  virtual Result<std::vector<HostStageStatus>> host_stages(const std::string& stage) const = 0;
  // Every HostBundle row, by host.
  virtual Result<std::vector<HostBundle>> host_bundles() const = 0;
  // What set_bundle_inputs() kept for `bundle_id`, "" when nothing.
  virtual Result<std::string> bundle_inputs(const std::string& bundle_id) const = 0;
  // Visits the steps of `filter` in row order, one row in memory at a time; `visit` returns
  // false to stop. The Error is the store's (a failed query).
  using StepVisitor = std::function<bool(const StepRecord& step)>;
  virtual Status for_each_step(const StepFilter& filter, const StepVisitor& visit) const = 0;
  // How many steps match `filter` (its offset and limit ignored).
  virtual int64_t count_steps(const StepFilter& filter) const = 0;
  // The newest run with a step matching `filter` (its run_id ignored), if any.
  virtual std::optional<int64_t> latest_step_run(const StepFilter& filter) const = 0;
  // Deletes the runs before `run_id` and their steps (host × stage rows stay: they describe the
  // hosts as they are). A run still going is never removed.
  virtual Result<PruneSummary> prune_runs_before(int64_t run_id) = 0;

  // The steps of `filter` in one vector: for small, filtered reads (tests, one host's stage).
  std::vector<StepRecord> steps(const StepFilter& filter) const {
    std::vector<StepRecord> out;
    (void)for_each_step(filter, [&](const StepRecord& step) {
      out.push_back(step);
      return true;
    });
    return out;
  }
};

}  // namespace dci
