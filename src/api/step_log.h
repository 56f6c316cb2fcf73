#pragma once
// The steps of the current run that the state store may not hold yet (running steps, and
// finished ones until their stage is flushed), so GET /api/v1/logs shows output as it arrives.
// Each step's output is capped at k_max_output bytes (output_truncated says so).
// Single-threaded: on the io_context thread.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "orchestrator/events.h"
#include "state/state_store.h"

namespace dci::api {

class StepLog final : public EventSink {
 public:
  static constexpr size_t k_max_output = 256 * 1024;

  void on_event(const Event& event) override;

  // {"steps": [...]}: the store's steps for `filter` merged with the in-memory ones (an
  // in-memory step replaces the store's copy of the same run, host, stage and step), by start.
  nlohmann::json steps_json(const StateStore* store, const StepFilter& filter) const;

  void clear() { m_steps.clear(); }

 private:
  int64_t m_run_id = 0;
  std::vector<StepRecord> m_steps;  // this run's steps of stages that have not finished
};

nlohmann::json step_json(const StepRecord& step);

}  // namespace dci::api
