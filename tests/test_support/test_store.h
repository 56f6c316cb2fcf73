#pragma once
// A StateStore decorator for tests of the installer. Writes are held until flush(), as
// SqliteStateStore holds them, so a simulated kill loses exactly the unflushed ones; flushes
// that have writes fail on demand (a full disk). Reads go to the inner store (flushed data only).

#include <functional>
#include <vector>

#include "state/state_store.h"

namespace dci {

class TestStore final : public StateStore {
 public:
  // `inner` outlives this store.
  explicit TestStore(StateStore& inner) : m_inner(inner) {}

  // From now on, every flush with something to write fails with "database or disk is full".
  bool fail_flushes = false;
  // From now on, the reads plans are made from fail with "database disk image is malformed".
  bool fail_reads = false;

  // The process died: what is not flushed is lost, and nothing more is written until revive().
  void kill();
  void revive() { m_dead = false; }

  Result<int64_t> begin_run(const std::string& command) override;
  Status finish_run(int64_t run_id, const std::string& outcome) override;
  void set_host_stage(const HostStageStatus& status) override;
  void clear_host_stage(const std::string& host, const std::string& stage) override;
  void set_host_bundle(const HostBundle& bundle) override;
  void clear_host_bundle(const std::string& host) override;
  void set_bundle_inputs(const std::string& bundle_id, const std::string& inputs) override;
  void add_step(StepRecord step) override;
  Status flush() override;
  std::optional<RunInfo> last_run() const override { return m_inner.last_run(); }
  Result<std::vector<HostStageStatus>> host_stages(const std::string& stage) const override {
    if (fail_reads) return k_read_error;
    return m_inner.host_stages(stage);
  }
  Result<std::vector<HostBundle>> host_bundles() const override {
    if (fail_reads) return k_read_error;
    return m_inner.host_bundles();
  }
  Result<std::string> bundle_inputs(const std::string& bundle_id) const override {
    if (fail_reads) return k_read_error;
    return m_inner.bundle_inputs(bundle_id);
  }
  Status for_each_step(const StepFilter& filter, const StepVisitor& visit) const override {
    return m_inner.for_each_step(filter, visit);
  }
  int64_t count_steps(const StepFilter& filter) const override {
    return m_inner.count_steps(filter);
  }
  std::optional<int64_t> latest_step_run(const StepFilter& filter) const override {
    return m_inner.latest_step_run(filter);
  }
  Result<PruneSummary> prune_runs_before(int64_t run_id) override {
    return m_inner.prune_runs_before(run_id);
  }

 private:
  inline static const Error k_read_error{"state database: database disk image is malformed",
                                         "state.db"};
  void hold(std::function<void(StateStore&)> write);

  StateStore& m_inner;
  std::vector<std::function<void(StateStore&)>> m_pending;
  bool m_dead = false;
};

}  // namespace dci
