#include "installer/support_bundle_steps.h"

#include <nlohmann/json.hpp>

namespace dci {
namespace {

// Every string field is redacted before it is serialised (JSON escaping would hide a secret).
nlohmann::json step_json(const StepRecord& step, const Redactor& redactor) {
  nlohmann::json json{{"run_id", step.run_id},
                      {"host", step.host},
                      {"stage", step.stage},
                      {"step", step.step},
                      {"command", redactor.redact(step.command)},
                      {"started_ms", step.started_ms},
                      {"error", redactor.redact(step.error)},
                      {"output", redactor.redact(step.output)},
                      {"output_truncated", step.output_truncated}};
  json["finished_ms"] = step.finished_ms ? nlohmann::json(*step.finished_ms) : nlohmann::json();
  json["exit_code"] = step.exit_code ? nlohmann::json(*step.exit_code) : nlohmann::json();
  return json;
}

}  // namespace

Status write_support_steps(const StateStore& state, const StepFilter& filter,
                           const Redactor& redactor, std::ostream& out) {
  Status visited = state.for_each_step(filter, [&](const StepRecord& step) {
    // Host output may be invalid or cut UTF-8: bad bytes become U+FFFD instead of throwing.
    out << step_json(step, redactor).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
        << "\n";
    return static_cast<bool>(out);
  });
  if (!visited) return visited;
  if (!out) return Error{"cannot write the steps of the support bundle"};
  return Ok{};
}

}  // namespace dci
