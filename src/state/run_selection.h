#pragma once
// Which runs' steps `dcinstall logs`, GET /api/v1/logs and the support bundle show: by default
// the latest run that recorded a matching step, or one run, or every run.

#include <cstdint>
#include <optional>

#include "state/state_store.h"

namespace dci {

struct RunSelection {
  std::optional<int64_t> run_id;  // this run; unset: the latest run with a matching step
  bool all_runs = false;          // every run (run_id ignored)
};

// `filter` with its run_id set from `selection` on `state` (when no step matches, a run id
// that matches none).
StepFilter select_runs(const StateStore& state, const RunSelection& selection,
                       StepFilter filter = {});

}  // namespace dci
