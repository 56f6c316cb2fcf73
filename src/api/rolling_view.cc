#include "api/rolling_view.h"

#include <nlohmann/json.hpp>

#include "orchestrator/plan.h"

namespace dci::api {
namespace {

const std::string k_upgrade_stage(stage_name(Stage::Upgrade));
// The phase of the health gate, which runs before the first wave (installer.cc).
const std::string k_health_gate = "health gate";

bool ends_failed(const std::string& state) {
  return state == "rolled-back" || state == "rollback-failed" || state == "failed";
}

}  // namespace

void RollingView::reset(int64_t run_id, bool rollback) {
  m_known = true;
  m_expected = false;
  m_running = true;
  m_run_id = run_id;
  m_rollback = rollback;
  m_state = "running";
  m_phase.clear();
  m_current.reset();
  m_summary.clear();
  m_waves.clear();
  m_where.clear();
}

void RollingView::expect(const RollingPlan& plan) {
  reset(0, plan.rollback);
  m_expected = true;
  for (const RollingWave& wave : plan.waves) {
    WaveView view{wave.label, std::string(role_name(wave.role)), "waiting", {}};
    for (const RollingHost& change : wave.hosts) {
      m_where[change.host->id()] = {m_waves.size(), view.hosts.size()};
      HostView host;
      host.host = change.host->id();
      host.role = role_name(change.host->role);
      host.from_bundle = change.from_bundle;
      host.to_bundle = change.to_bundle;
      host.reason = change.reason;
      view.hosts.push_back(std::move(host));
    }
    m_waves.push_back(std::move(view));
  }
}

void RollingView::start_wave(const StageStarted& started) {
  if (!m_known || (m_run_id != started.run_id && !m_expected)) {
    reset(started.run_id, false);  // a rolling change of deploy/install: waves from the events
  }
  m_expected = false;
  m_run_id = started.run_id;
  m_phase = started.phase;
  m_current.reset();
  if (started.phase == k_health_gate) return;
  for (size_t i = 0; i < m_waves.size(); ++i) {
    if (m_waves[i].label == started.phase && m_waves[i].state == "waiting") {
      m_current = i;
      break;
    }
  }
  if (!m_current) {
    std::string role = "agent";
    if (!started.hosts_per_role.empty()) role = role_name(started.hosts_per_role.begin()->first);
    m_waves.push_back({started.phase, role, "waiting", {}});
    m_current = m_waves.size() - 1;
  }
  m_waves[*m_current].state = "running";
}

void RollingView::finish_wave(const StageFinished& finished) {
  if (!m_current) {
    m_phase.clear();
    return;
  }
  WaveView& wave = m_waves[*m_current];
  bool failed = !finished.ok;
  for (HostView& host : wave.hosts) {
    if (host.state == "waiting" || host.state == "changing") {
      // Never reached (unreachable) or its change ended without an outcome (transport failure).
      host.state = "failed";
      host.step.clear();
      for (const HostFailure& failure : finished.failures) {
        if (failure.host == host.host && host.error.empty()) host.error = failure.error;
      }
    }
    failed = failed || host.state != "upgraded";
  }
  wave.state = failed ? "failed" : "succeeded";
  m_current.reset();
  m_phase.clear();
}

void RollingView::change_host(const HostChanged& changed) {
  if (!m_known) reset(0, changed.rollback);
  m_rollback = changed.rollback;
  auto it = m_where.find(changed.host);
  if (it == m_where.end()) {
    // Not in the plan (or no plan): it belongs to the wave running now.
    if (!m_current) {
      m_waves.push_back({m_phase, std::string(role_name(changed.role)), "running", {}});
      m_current = m_waves.size() - 1;
    }
    WaveView& wave = m_waves[*m_current];
    it = m_where.emplace(changed.host, std::make_pair(*m_current, wave.hosts.size())).first;
    HostView host;
    host.host = changed.host;
    host.role = role_name(changed.role);
    wave.hosts.push_back(std::move(host));
  }
  HostView& host = m_waves[it->second.first].hosts[it->second.second];
  host.from_bundle = changed.from_bundle;
  host.to_bundle = changed.to_bundle;
  host.state = std::string(host_change_name(changed.outcome));
  host.step = changed.step;
  host.error = changed.error;
}

void RollingView::on_event(const Event& event) {
  if (const auto* started = std::get_if<StageStarted>(&event)) {
    if (started->stage == k_upgrade_stage) start_wave(*started);
  } else if (const auto* finished = std::get_if<StageFinished>(&event)) {
    if (finished->stage == k_upgrade_stage && m_known) finish_wave(*finished);
  } else if (const auto* changed = std::get_if<HostChanged>(&event)) {
    change_host(*changed);
  }
}

void RollingView::finish(int64_t run_id, bool ok, bool cancelled, const std::string& stopped) {
  if (!m_known || (!m_expected && m_run_id != run_id)) return;
  if (m_expected) m_run_id = run_id;  // ended before its rolling change began
  m_expected = false;
  m_running = false;
  m_current.reset();
  m_phase.clear();
  for (WaveView& wave : m_waves) {
    if (wave.state == "running") wave.state = "failed";
  }
  m_state = ok ? "completed" : cancelled ? "paused" : "stopped";
  m_summary = stopped;
}

nlohmann::json RollingView::json() const {
  nlohmann::json waves = nlohmann::json::array();
  long long total = 0;
  long long done = 0;
  long long failed = 0;
  for (size_t i = 0; i < m_waves.size(); ++i) {
    const WaveView& wave = m_waves[i];
    nlohmann::json hosts = nlohmann::json::array();
    for (const HostView& host : wave.hosts) {
      ++total;
      done += host.state == "upgraded";
      failed += ends_failed(host.state);
      hosts.push_back({{"host", host.host},
                       {"role", host.role},
                       {"from_bundle", host.from_bundle},
                       {"to_bundle", host.to_bundle},
                       {"reason", host.reason},
                       {"state", host.state},
                       {"step", host.step},
                       {"error", host.error}});
    }
    waves.push_back({{"index", i},
                     {"label", wave.label},
                     {"role", wave.role},
                     {"state", wave.state},
                     {"hosts", hosts}});
  }
  return {{"known", m_known},
          {"running", m_running},
          {"run_id", m_run_id != 0 ? nlohmann::json(m_run_id) : nlohmann::json()},
          {"kind", m_rollback ? "rollback" : "upgrade"},
          {"state", m_known ? m_state : ""},
          {"phase", m_phase},
          {"wave", m_current ? nlohmann::json(*m_current) : nlohmann::json()},
          {"summary", m_summary},
          {"hosts_total", total},
          {"hosts_done", done},
          {"hosts_failed", failed},
          {"waves", waves}};
}

}  // namespace dci::api
