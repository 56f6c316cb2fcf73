#pragma once
// The support bundle's steps.jsonl: one JSON object per recorded step, streamed from the state
// store row by row (memory: one step at a time), every string field redacted before it is
// serialised, bad UTF-8 replaced.

#include <ostream>

#include "installer/redactor.h"
#include "state/state_store.h"
#include "util/result.h"

namespace dci {

// Writes the selected steps as JSON lines to `out`. The Error is the store's or the stream's.
Status write_support_steps(const StateStore& state, const StepFilter& filter,
                           const Redactor& redactor, std::ostream& out);

}  // namespace dci
