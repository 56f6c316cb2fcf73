#include "state/run_selection.h"

namespace dci {

StepFilter select_runs(const StateStore& state, const RunSelection& selection, StepFilter filter) {
  if (selection.all_runs) {
    filter.run_id.reset();
  } else if (selection.run_id) {
    filter.run_id = selection.run_id;
  } else {
    filter.run_id = state.latest_step_run(filter).value_or(0);  // run ids start at 1
  }
  return filter;
}

}  // namespace dci
