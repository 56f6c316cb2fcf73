#pragma once
// StateStore on one SQLite file (WAL). The format is versioned: docs/state-format.md.

#include <cstddef>
#include <string>
#include <vector>

#include "state/sqlite_database.h"
#include "state/state_store.h"

namespace dci {

class SqliteStateStore final : public StateStore {
 public:
  static constexpr int k_schema_version = 3;
  // Buffered records beyond which add/set flush by themselves.
  static constexpr size_t k_auto_flush_records = 5000;

  // Opens or creates the file and migrates it to k_schema_version. Fails on a file written by a
  // newer dcinstall.
  static Result<SqliteStateStore> open(const std::string& path);

  ~SqliteStateStore() override;
  SqliteStateStore(SqliteStateStore&&) = default;
  SqliteStateStore& operator=(SqliteStateStore&&) = default;

  Result<int64_t> begin_run(const std::string& command) override;
  Status finish_run(int64_t run_id, const std::string& outcome) override;
  void set_host_stage(const HostStageStatus& status) override;
  void clear_host_stage(const std::string& host, const std::string& stage) override;
  void set_host_bundle(const HostBundle& bundle) override;
  void clear_host_bundle(const std::string& host) override;
  void set_bundle_inputs(const std::string& bundle_id, const std::string& inputs) override;
  void add_step(StepRecord step) override;
  Status flush() override;

  std::optional<RunInfo> last_run() const override;
  Result<std::vector<HostStageStatus>> host_stages(const std::string& stage) const override;
  Result<std::vector<HostBundle>> host_bundles() const override;
  Result<std::string> bundle_inputs(const std::string& bundle_id) const override;
  Status for_each_step(const StepFilter& filter, const StepVisitor& visit) const override;
  int64_t count_steps(const StepFilter& filter) const override;
  std::optional<int64_t> latest_step_run(const StepFilter& filter) const override;
  Result<PruneSummary> prune_runs_before(int64_t run_id) override;

 private:
  explicit SqliteStateStore(SqliteDatabase db) : m_db(std::move(db)) {}
  Status migrate();

  // mutable: SQLite reads need a non-const handle; reads change no state of the store.
  mutable SqliteDatabase m_db;
  struct PendingHostRow {
    HostStageStatus row;
    bool clear = false;  // delete the (host, stage) row instead of writing it
  };
  std::vector<PendingHostRow> m_pending_hosts;
  struct PendingBundleRow {
    HostBundle row;
    bool clear = false;  // delete the host's row instead of writing it
  };
  std::vector<PendingBundleRow> m_pending_bundles;
  std::vector<std::pair<std::string, std::string>> m_pending_inputs;  // bundle id, inputs
  size_t pending_records() const {
    return m_pending_hosts.size() + m_pending_steps.size() + m_pending_bundles.size() +
           m_pending_inputs.size();
  }
  std::vector<StepRecord> m_pending_steps;
  // Flushes once k_auto_flush_records are pending. A failed flush keeps them pending: the next
  // flush() tries again and returns the error to the caller that asked.
  void flush_when_full();
};

}  // namespace dci
