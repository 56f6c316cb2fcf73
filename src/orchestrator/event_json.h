#pragma once
// Events as JSON objects ({"type": "host_step_finished", ...}): one per line for `--json` and
// non-TTY output, and the payload of the HTTP event stream. Documented in docs/events.md.

#include <nlohmann/json_fwd.hpp>

#include "orchestrator/events.h"

namespace dci {

nlohmann::json to_json(const Event& event);

}  // namespace dci
