#pragma once
// The wave policy of a rolling change, without I/O: which wave runs next, and when the change
// stops. The runner asks next_wave(), runs every host of it through a HostUpgrade, and reports
// each host's outcome with finish_wave().
//
// Policy: a master that does not end upgraded halts the change at once (no later wave starts;
// status Halted). Agents and public agents that fail count against the agent failure budget
// (allowed of the agents in the config); once as many failed as the budget allows (and at
// least one did), no new wave starts (status BudgetSpent). pause() lets the wave in flight end
// and starts no other (status Paused). A change whose waves all ran with at most the budget of
// agent failures is Completed.
//
// Lifetime: the plan outlives the engine (waves are returned by pointer into it).

#include <string>
#include <vector>

#include "config/cluster_config.h"
#include "orchestrator/host_upgrade.h"
#include "orchestrator/rolling_plan.h"

namespace dci {

enum class RollingStatus { Running, Completed, Halted, BudgetSpent, Paused };
// "running", "completed", "halted", "budget-spent", "paused"
std::string_view rolling_status_name(RollingStatus status);

struct HostChangeResult {
  const RollingHost* host = nullptr;  // into the plan
  UpgradeOutcome outcome = UpgradeOutcome::Pending;
  std::string error;  // the step and check that failed
};

class RollingEngine {
 public:
  RollingEngine(const RollingPlan& plan, FailureBudget agent_failure_budget,
                long long agents_in_config);

  // The next wave to run, or nullptr once the change is over (see status()). Precondition: the
  // wave returned before was finished.
  const RollingWave* next_wave();
  // Every host of `wave` with its outcome (Pending counts as failed: it never finished).
  void finish_wave(const RollingWave& wave, const std::vector<HostChangeResult>& results);
  void pause() { m_paused = true; }

  RollingStatus status() const;
  bool ok() const { return status() == RollingStatus::Completed; }
  const std::vector<HostChangeResult>& failures() const { return m_failures; }
  long long upgraded() const { return m_upgraded; }
  long long agents_allowed() const { return m_agents_allowed; }
  long long waves_done() const { return m_next; }
  // One line a person reads: what happened and, when stopped early, how to go on.
  std::string summary() const;

 private:
  const RollingPlan& m_plan;
  long long m_agents_allowed = 0;
  size_t m_next = 0;
  bool m_in_wave = false;
  bool m_paused = false;
  bool m_master_failed = false;
  long long m_agents_failed = 0;
  long long m_upgraded = 0;
  std::vector<HostChangeResult> m_failures;
};

}  // namespace dci
