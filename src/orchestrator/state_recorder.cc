#include "orchestrator/state_recorder.h"

namespace dci {
namespace {

std::string step_key(const std::string& host, const std::string& step) {
  return host + "\n" + step;
}

}  // namespace

StateRecorder::StateRecorder(StateStore& store, std::vector<HostBundle> bundles,
                             const WallClock& wall_clock, const transport::Clock& clock)
    : m_store(store), m_wall_clock(wall_clock), m_clock(clock), m_last_flush(clock.now()) {
  for (HostBundle& bundle : bundles) {
    std::string host = bundle.host;
    m_bundles.emplace(std::move(host), std::move(bundle));
  }
}

void StateRecorder::record_deployed(const HostFinished& host) {
  HostBundle& row = m_bundles[host.host];
  row.host = host.host;
  row.role = std::string(role_name(host.role));
  if (!row.running.empty() && row.running != host.bundle_id) row.previous = row.running;
  row.running = host.bundle_id;
  row.updated_ms = m_wall_clock.now_ms();
  m_store.set_host_bundle(row);
}

void StateRecorder::record_change(const HostChanged& change) {
  HostBundle& row = m_bundles[change.host];
  row.host = change.host;
  row.role = std::string(role_name(change.role));
  row.change_run_id = m_run_id;
  row.change_kind = change.rollback ? "rollback" : "upgrade";
  row.change_from = change.from_bundle;
  row.change_to = change.to_bundle;
  row.change_outcome = std::string(host_change_name(change.outcome));
  row.change_error = change.error;
  row.change_step = change.step;
  switch (change.outcome) {
    case UpgradeOutcome::Upgraded:
      row.running = change.to_bundle;
      row.previous = change.from_bundle;
      break;
    case UpgradeOutcome::RolledBack:
      row.running = change.from_bundle;
      row.previous = change.to_bundle;
      break;
    case UpgradeOutcome::RollbackFailed:
      row.running.clear();  // unknown: the next change probes the host first
      break;
    case UpgradeOutcome::Failed:   // not switched: it runs what it ran
    case UpgradeOutcome::Pending:  // in flight: what it runs is known at the end
      break;
  }
  row.updated_ms = m_wall_clock.now_ms();
  m_store.set_host_bundle(row);
}

void StateRecorder::on_event(const Event& event) {
  if (const auto* started = std::get_if<StageStarted>(&event)) {
    m_run_id = started->run_id;
  } else if (const auto* step = std::get_if<HostStepStarted>(&event)) {
    StepRecord record;
    record.run_id = m_run_id;
    record.host = step->host;
    record.stage = step->stage;
    record.step = step->step;
    record.command = step->command;
    record.started_ms = m_wall_clock.now_ms();
    const int64_t started_ms = record.started_ms;
    m_open_steps[step_key(step->host, step->step)] = {std::move(record), CappedOutput()};
    HostStageStatus running{step->host,  std::string(role_name(step->role)),
                            step->stage, HostState::Running,
                            "",          "",
                            m_run_id,    started_ms};
    m_store.set_host_stage(running);
  } else if (const auto* chunk = std::get_if<OutputChunk>(&event)) {
    auto it = m_open_steps.find(step_key(chunk->host, chunk->step));
    if (it != m_open_steps.end()) it->second.output.append(chunk->data);
  } else if (const auto* finished = std::get_if<HostStepFinished>(&event)) {
    auto it = m_open_steps.find(step_key(finished->host, finished->step));
    if (it == m_open_steps.end()) return;
    StepRecord record = std::move(it->second.record);
    record.output = it->second.output.text();
    record.output_truncated = it->second.output.truncated();
    m_open_steps.erase(it);
    record.finished_ms = m_wall_clock.now_ms();
    if (finished->exit_code) record.exit_code = *finished->exit_code;
    record.error = finished->error;
    m_store.add_step(std::move(record));
  } else if (const auto* host = std::get_if<HostFinished>(&event)) {
    if (host->state == HostState::Skipped) return;
    const std::string role(role_name(host->role));
    m_store.set_host_stage({host->host, role, host->stage, host->state, host->bundle_id,
                            host->error, m_run_id, m_wall_clock.now_ms(), host->cause});
    if (host->stage == "uninstall" && host->state == HostState::Succeeded) {
      // Nothing is installed any more: the next deploy must not skip this host.
      for (const char* stage : {"preflight", "deploy", "postflight", "cluster-check"}) {
        m_store.set_host_stage(
            {host->host, role, stage, HostState::Pending, "", "uninstalled", m_run_id, m_wall_clock.now_ms()});
      }
      m_bundles.erase(host->host);
      m_store.clear_host_bundle(host->host);
    } else if (host->stage == "deploy" && host->state == HostState::Succeeded) {
      // Installed again: an earlier uninstall of this host no longer describes it.
      m_store.clear_host_stage(host->host, "uninstall");
      record_deployed(*host);
    }
  } else if (const auto* change = std::get_if<HostChanged>(&event)) {
    record_change(*change);
  } else if (std::holds_alternative<StageFinished>(event)) {
    (void)flush();  // kept in m_failure
    return;
  }
  if (m_clock.now() - m_last_flush >= k_flush_interval) (void)flush();  // kept in m_failure
}

size_t StateRecorder::buffered_output_bytes() const {
  size_t bytes = 0;
  for (const auto& [key, open] : m_open_steps) bytes += open.output.stored_bytes();
  return bytes;
}

Status StateRecorder::flush() {
  Status flushed = m_store.flush();
  m_last_flush = m_clock.now();
  if (!flushed && !m_failure) m_failure = flushed.error();
  return flushed;
}

}  // namespace dci
