#include "api/step_log.h"
#include "util/wall_clock.h"

#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

namespace dci::api {
namespace {

bool same_step(const StepRecord& a, const StepRecord& b) {
  return a.run_id == b.run_id && a.host == b.host && a.stage == b.stage && a.step == b.step;
}

bool matches(const StepRecord& step, const StepFilter& filter) {
  return (filter.host.empty() || step.host == filter.host) &&
         (filter.stage.empty() || step.stage == filter.stage) &&
         (!filter.run_id || step.run_id == *filter.run_id);
}

}  // namespace

nlohmann::json step_json(const StepRecord& step) {
  return {{"run_id", step.run_id},
          {"host", step.host},
          {"stage", step.stage},
          {"step", step.step},
          {"command", step.command},
          {"started_ms", step.started_ms},
          {"finished_ms", step.finished_ms ? nlohmann::json(*step.finished_ms) : nullptr},
          {"exit_code", step.exit_code ? nlohmann::json(*step.exit_code) : nullptr},
          {"error", step.error},
          {"output", step.output},
          {"output_truncated", step.output_truncated}};
}

void StepLog::on_event(const Event& event) {
  if (const auto* started = std::get_if<StageStarted>(&event)) {
    m_run_id = started->run_id;
  } else if (const auto* step = std::get_if<HostStepStarted>(&event)) {
    StepRecord record;
    record.run_id = m_run_id;
    record.host = step->host;
    record.stage = step->stage;
    record.step = step->step;
    record.command = step->command;
    record.started_ms = now_ms();
    m_steps.push_back(std::move(record));
  } else if (const auto* chunk = std::get_if<OutputChunk>(&event)) {
    // The open step is the latest one of this host and step name.
    for (auto it = m_steps.rbegin(); it != m_steps.rend(); ++it) {
      if (it->host != chunk->host || it->step != chunk->step || it->finished_ms) continue;
      const size_t room = k_max_output > it->output.size() ? k_max_output - it->output.size() : 0;
      if (chunk->data.size() > room) it->output_truncated = true;
      it->output.append(chunk->data, 0, std::min(room, chunk->data.size()));
      break;
    }
  } else if (const auto* done = std::get_if<HostStepFinished>(&event)) {
    for (auto it = m_steps.rbegin(); it != m_steps.rend(); ++it) {
      if (it->host != done->host || it->step != done->step || it->finished_ms) continue;
      it->finished_ms = now_ms();
      if (done->exit_code) it->exit_code = *done->exit_code;
      it->error = done->error;
      break;
    }
  } else if (const auto* stage = std::get_if<StageFinished>(&event)) {
    // The state recorder flushes at StageFinished: the store has these steps now.
    std::erase_if(m_steps, [&](const StepRecord& step) { return step.stage == stage->stage; });
  }
}

nlohmann::json StepLog::steps_json(const StateStore* store, const StepFilter& filter) const {
  std::vector<const StepRecord*> mine;
  for (const StepRecord& step : m_steps) {
    if (matches(step, filter)) mine.push_back(&step);
  }
  std::vector<StepRecord> stored;
  if (store) stored = store->steps(filter);
  nlohmann::json steps = nlohmann::json::array();
  for (const StepRecord& step : stored) {
    const bool replaced = std::any_of(mine.begin(), mine.end(),
                                      [&](const StepRecord* own) { return same_step(*own, step); });
    if (!replaced) steps.push_back(step_json(step));
  }
  for (const StepRecord* step : mine) steps.push_back(step_json(*step));
  return {{"steps", steps}};
}

}  // namespace dci::api
