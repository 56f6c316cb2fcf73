#include "orchestrator/host_upgrade.h"

#include <array>
#include <utility>

namespace dci {
namespace {

constexpr std::array<std::pair<UpgradeStep, std::string_view>, 7> k_step_names{{
    {UpgradeStep::Probe, "probe"},
    {UpgradeStep::Drain, "drain"},
    {UpgradeStep::Switch, "switch"},
    {UpgradeStep::Health, "health"},
    {UpgradeStep::Undrain, "undrain"},
    {UpgradeStep::Rollback, "rollback"},
    {UpgradeStep::RollbackHealth, "rollback-health"},
}};

constexpr std::array<std::pair<UpgradeOutcome, std::string_view>, 5> k_outcome_names{{
    {UpgradeOutcome::Pending, "pending"},
    {UpgradeOutcome::Upgraded, "upgraded"},
    {UpgradeOutcome::RolledBack, "rolled-back"},
    {UpgradeOutcome::RollbackFailed, "rollback-failed"},
    {UpgradeOutcome::Failed, "failed"},
}};

}  // namespace

std::string_view upgrade_step_name(UpgradeStep step) {
  for (const auto& [value, name] : k_step_names) {
    if (value == step) return name;
  }
  return "?";
}

std::optional<UpgradeStep> upgrade_step_from_name(std::string_view name) {
  for (const auto& [value, text] : k_step_names) {
    if (text == name) return value;
  }
  return std::nullopt;
}

std::string_view upgrade_outcome_name(UpgradeOutcome outcome) {
  for (const auto& [value, name] : k_outcome_names) {
    if (value == outcome) return name;
  }
  return "?";
}

std::optional<UpgradeOutcome> upgrade_outcome_from_name(std::string_view name) {
  for (const auto& [value, text] : k_outcome_names) {
    if (text == name) return value;
  }
  return std::nullopt;
}

std::string_view host_change_name(UpgradeOutcome outcome) {
  return outcome == UpgradeOutcome::Pending ? "changing" : upgrade_outcome_name(outcome);
}

void HostUpgrade::fail(const std::string& error) {
  if (m_error.empty()) m_error = error.empty() ? "step failed" : error;
  m_failed = true;
}

void HostUpgrade::advance(bool ok, const std::string& error) {
  if (done()) return;
  switch (m_step) {
    case UpgradeStep::Probe:
      m_step = ok ? UpgradeStep::Health : UpgradeStep::Switch;
      m_switched = m_switched || ok;
      return;
    case UpgradeStep::Drain:
      if (ok) {
        m_step = UpgradeStep::Switch;
      } else {
        fail("drain: " + error);
        m_step = UpgradeStep::Undrain;
      }
      return;
    case UpgradeStep::Switch:
      m_switched = true;
      if (ok) {
        m_step = UpgradeStep::Health;
      } else {
        fail("switch: " + error);
        m_step = UpgradeStep::Rollback;
      }
      return;
    case UpgradeStep::Health:
      if (ok) {
        m_step = UpgradeStep::Undrain;
      } else {
        fail("health: " + error);
        m_step = UpgradeStep::Rollback;
      }
      return;
    case UpgradeStep::Rollback:
    case UpgradeStep::RollbackHealth:
      if (!ok) {
        const std::string what = std::string(upgrade_step_name(m_step)) + ": " + error;
        m_error = m_error.empty() ? what : m_error + "; then " + what;
        m_failed = true;
        m_outcome = UpgradeOutcome::RollbackFailed;
        return;
      }
      if (m_step == UpgradeStep::Rollback) {
        m_step = UpgradeStep::RollbackHealth;
      } else {
        m_rolled_back = true;
        m_step = UpgradeStep::Undrain;
      }
      return;
    case UpgradeStep::Undrain:
      if (!ok && !m_failed) fail("undrain: " + error);
      m_outcome = m_rolled_back ? UpgradeOutcome::RolledBack
                  : m_failed    ? UpgradeOutcome::Failed
                                : UpgradeOutcome::Upgraded;
      return;
  }
}

void HostUpgrade::replay(const std::vector<RecordedStep>& steps) {
  *this = HostUpgrade();
  for (const RecordedStep& recorded : steps) {
    if (done()) return;
    const bool follows = recorded.step == m_step ||
                         (m_step == UpgradeStep::Probe && recorded.step == UpgradeStep::Switch);
    if (!follows) {
      // Not a path this machine takes: settle the host from what it runs.
      m_step = UpgradeStep::Probe;
      return;
    }
    if (!recorded.finished) {
      m_step = recorded.step == UpgradeStep::Switch ? UpgradeStep::Probe : recorded.step;
      return;
    }
    m_step = recorded.step;
    advance(recorded.ok, recorded.error);
  }
}

}  // namespace dci
