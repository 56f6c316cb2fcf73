#pragma once
// Runs a RollingPlan on hosts: wave after wave as the RollingEngine decides, the hosts of a wave
// in parallel through a StageRunner (so every step becomes events and state rows like any
// stage's: the rows are the upgrade stage's, and each wave is a phase named by its label), each
// host through its HostUpgrade state machine, with a HostChanged event when its change begins
// and when it ends (the state records what the host runs from them). What a step does on a host is the caller's
// (RollingStep: the installer runs install.sh modes).
//
// Resume: `recorded` holds, per host id, the upgrade steps a killed run recorded; that host's
// machine is replayed from them before it runs (a switch that may have happened becomes a probe).
// Pause: pause() lets the wave in flight end (its hosts finish their switch or rollback) and
// starts no other. A transport failure during a step ends that host's change as failed, its
// machine where it was (the next run probes it).
//
// Lifetime: transport, clock and sink outlive the runner; run() is awaited on the io_context
// thread; pause() may be called from that thread at any time.

#include <map>
#include <string>
#include <vector>

#include "orchestrator/events.h"
#include "orchestrator/host_run.h"
#include "orchestrator/host_upgrade.h"
#include "orchestrator/rolling_engine.h"
#include "orchestrator/rolling_plan.h"
#include "transport/clock.h"
#include "transport/retry_policy.h"
#include "transport/transport.h"

namespace dci {

struct RollingStepResult {
  bool ok = false;    // for a probe: the host runs change.to_bundle
  std::string error;  // when !ok: the check that failed, as a person reads it
};

// Runs `step` of `change` on the host of `run` (its steps are recorded through `run`).
using RollingStep = std::function<transport::Task<transport::Outcome<RollingStepResult>>(
    HostRun& run, const RollingHost& change, UpgradeStep step)>;

struct RollingRunnerOptions {
  size_t parallelism = 200;
  transport::RetryPolicy retry;
  FailureBudget agent_failure_budget;
};

struct RollingOutcome {
  RollingStatus status = RollingStatus::Running;
  std::vector<StageFinished> waves;        // in order
  std::vector<HostChangeResult> failures;  // hosts point into the plan
  long long upgraded = 0;
  std::string summary;  // RollingEngine::summary()
  bool ok() const { return status == RollingStatus::Completed; }
};

class RollingRunner {
 public:
  RollingRunner(transport::Transport& transport, transport::Clock& clock, EventSink& events,
                RollingRunnerOptions options)
      : m_transport(transport), m_clock(clock), m_events(events), m_options(options) {}

  // `agents_in_config`: the agents (public included) the failure budget is a share of.
  transport::Task<RollingOutcome> run(
      const RollingPlan& plan, long long agents_in_config, int64_t run_id, const RollingStep& step,
      const std::map<std::string, std::vector<RecordedStep>>& recorded = {});

  void pause();

 private:
  transport::Transport& m_transport;
  transport::Clock& m_clock;
  EventSink& m_events;
  RollingRunnerOptions m_options;
  RollingEngine* m_engine = nullptr;  // while run() goes
  bool m_pause_requested = false;
};

}  // namespace dci
