#include "orchestrator/rolling_engine.h"

namespace dci {

std::string_view rolling_status_name(RollingStatus status) {
  switch (status) {
    case RollingStatus::Running:
      return "running";
    case RollingStatus::Completed:
      return "completed";
    case RollingStatus::Halted:
      return "halted";
    case RollingStatus::BudgetSpent:
      return "budget-spent";
    case RollingStatus::Paused:
      return "paused";
  }
  return "?";
}

RollingEngine::RollingEngine(const RollingPlan& plan, FailureBudget agent_failure_budget,
                             long long agents_in_config)
    : m_plan(plan), m_agents_allowed(agent_failure_budget.allowed(agents_in_config)) {}

RollingStatus RollingEngine::status() const {
  if (m_master_failed) return RollingStatus::Halted;
  if (m_agents_failed > m_agents_allowed ||
      (m_agents_failed > 0 && m_agents_failed >= m_agents_allowed &&
       m_next < m_plan.waves.size())) {
    return RollingStatus::BudgetSpent;
  }
  if (m_in_wave) return RollingStatus::Running;
  if (m_next >= m_plan.waves.size()) return RollingStatus::Completed;
  return m_paused ? RollingStatus::Paused : RollingStatus::Running;
}

const RollingWave* RollingEngine::next_wave() {
  if (m_in_wave || status() != RollingStatus::Running || m_next >= m_plan.waves.size()) {
    return nullptr;
  }
  m_in_wave = true;
  return &m_plan.waves[m_next];
}

void RollingEngine::finish_wave(const RollingWave& wave,
                                const std::vector<HostChangeResult>& results) {
  m_in_wave = false;
  ++m_next;
  for (const HostChangeResult& result : results) {
    if (result.outcome == UpgradeOutcome::Upgraded) {
      ++m_upgraded;
      continue;
    }
    m_failures.push_back(result);
    if (wave.role == Role::Master) {
      m_master_failed = true;
    } else {
      ++m_agents_failed;
    }
  }
}

std::string RollingEngine::summary() const {
  const long long total = m_plan.hosts_changing();
  std::string text = std::to_string(m_upgraded) + " of " + std::to_string(total) +
                     " hosts changed in " + std::to_string(m_next) + " of " +
                     std::to_string(m_plan.waves.size()) + " waves";
  const RollingStatus now = status();
  if (now == RollingStatus::Halted) {
    for (const auto& failure : m_failures) {
      if (failure.host->host->role != Role::Master) continue;
      text += "; halted: master " + failure.host->host->id() + " " +
              std::string(upgrade_outcome_name(failure.outcome)) + " (" + failure.error + ")";
      break;
    }
    text += "; the other masters were not touched. Fix it, then run `dcinstall upgrade` again";
  } else if (now == RollingStatus::BudgetSpent) {
    text += "; stopped: " + std::to_string(m_agents_failed) +
            " agents failed, the failure budget is " + std::to_string(m_agents_allowed) +
            ". Run `dcinstall upgrade` again to resume";
  } else if (now == RollingStatus::Paused) {
    text += "; paused. Run `dcinstall upgrade` again to resume";
  } else if (!m_failures.empty()) {
    text += "; " + std::to_string(m_failures.size()) + " agents failed (within the budget of " +
            std::to_string(m_agents_allowed) + ")";
  }
  return text;
}

}  // namespace dci
