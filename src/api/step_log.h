#pragma once
// The steps of the current run that the state store may not hold yet (running steps, and
// finished ones until their stage is flushed), so GET /api/v1/logs shows output as it arrives.
// Each step's output is capped while it arrives by CappedOutput, as in the store, so a step reads
// the same here and after the flush.
// Single-threaded: on the io_context thread.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "orchestrator/events.h"
#include "state/capped_output.h"
#include "state/run_selection.h"
#include "state/state_store.h"

namespace dci::api {

class StepLog final : public EventSink {
 public:
  void on_event(const Event& event) override;

  // {"steps": [...], "run_id", "offset", "total"}: one page (filter.offset, filter.limit) of the
  // steps of `filter` in `runs` (default: the latest run with a matching step, here or in the
  // store): the store's rows in order, then this log's steps not in the store yet (running, or
  // finished and not flushed). The store is read one page at a time.
  nlohmann::json steps_json(const StateStore* store, StepFilter filter,
                            const RunSelection& runs = {}) const;

  void clear() { m_steps.clear(); }

  // Output bytes held for this run's unflushed steps.
  size_t buffered_output_bytes() const;

 private:
  struct Entry {
    StepRecord record;    // output is set when the step finishes
    CappedOutput output;  // while it runs
  };
  StepRecord current(const Entry& entry) const;

  int64_t m_run_id = 0;
  std::vector<Entry> m_steps;  // this run's steps of stages that have not finished
};

nlohmann::json step_json(const StepRecord& step);

}  // namespace dci::api
