#include "api/step_log.h"
#include "util/wall_clock.h"

#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

namespace dci::api {
namespace {

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
    m_steps.push_back({std::move(record), CappedOutput()});
  } else if (const auto* chunk = std::get_if<OutputChunk>(&event)) {
    // The open step is the latest one of this host and step name.
    for (auto it = m_steps.rbegin(); it != m_steps.rend(); ++it) {
      const StepRecord& step = it->record;
      if (step.host != chunk->host || step.step != chunk->step || step.finished_ms) continue;
      it->output.append(chunk->data);
      break;
    }
  } else if (const auto* done = std::get_if<HostStepFinished>(&event)) {
    for (auto it = m_steps.rbegin(); it != m_steps.rend(); ++it) {
      StepRecord& step = it->record;
      if (step.host != done->host || step.step != done->step || step.finished_ms) continue;
      step.finished_ms = now_ms();
      if (done->exit_code) step.exit_code = *done->exit_code;
      step.error = done->error;
      step.output = it->output.text();
      step.output_truncated = it->output.truncated();
      it->output = CappedOutput();
      break;
    }
  } else if (const auto* stage = std::get_if<StageFinished>(&event)) {
    // The state recorder flushes at StageFinished: the store has these steps now.
    std::erase_if(m_steps, [&](const Entry& entry) { return entry.record.stage == stage->stage; });
  }
}

size_t StepLog::buffered_output_bytes() const {
  size_t bytes = 0;
  for (const Entry& entry : m_steps)
    bytes += entry.record.output.size() + entry.output.stored_bytes();
  return bytes;
}

StepRecord StepLog::current(const Entry& entry) const {
  StepRecord step = entry.record;
  if (!step.finished_ms) {
    step.output = entry.output.text();
    step.output_truncated = entry.output.truncated();
  }
  return step;
}

nlohmann::json StepLog::steps_json(const StateStore* store, StepFilter filter,
                                   const RunSelection& runs) const {
  if (!runs.all_runs && !runs.run_id) {
    int64_t latest = store ? store->latest_step_run(filter).value_or(0) : 0;
    for (const Entry& entry : m_steps) {
      if (matches(entry.record, filter)) latest = std::max(latest, entry.record.run_id);
    }
    filter.run_id = latest;  // run ids start at 1: 0 matches nothing
  } else {
    filter.run_id = runs.all_runs ? std::nullopt : runs.run_id;
  }
  std::vector<StepRecord> unflushed;
  for (const Entry& entry : m_steps) {
    if (!matches(entry.record, filter)) continue;
    const StepRecord& step = entry.record;
    const StepFilter same{step.host, step.stage, step.run_id, step.step};
    if (entry.record.finished_ms && store && store->count_steps(same) > 0) continue;
    unflushed.push_back(current(entry));
  }
  const size_t in_store = store ? static_cast<size_t>(store->count_steps(filter)) : 0;
  const size_t limit = filter.limit.value_or(SIZE_MAX);
  nlohmann::json steps = nlohmann::json::array();
  if (store && filter.offset < in_store) {
    (void)store->for_each_step(filter, [&](const StepRecord& step) {
      steps.push_back(step_json(step));
      return true;
    });  // a failed read shows fewer steps; the store logs nothing here
  }
  const size_t skip = filter.offset > in_store ? filter.offset - in_store : 0;
  for (size_t i = skip; i < unflushed.size() && steps.size() < limit; ++i) {
    steps.push_back(step_json(unflushed[i]));
  }
  return {
      {"steps", steps},
      {"run_id", filter.run_id && *filter.run_id > 0 ? nlohmann::json(*filter.run_id) : nullptr},
      {"offset", filter.offset},
      {"total", in_store + unflushed.size()}};
}

}  // namespace dci::api
