#include "orchestrator/rolling_runner.h"

#include <limits>

#include "orchestrator/stage_runner.h"

namespace dci {

transport::Task<RollingOutcome> RollingRunner::run(
    const RollingPlan& plan, long long agents_in_config, int64_t run_id, const RollingStep& step,
    const std::map<std::string, std::vector<RecordedStep>>& recorded) {
  RollingEngine engine(plan, m_options.agent_failure_budget, agents_in_config);
  m_engine = &engine;
  if (m_pause_requested) engine.pause();
  RollingOutcome outcome;
  // Within a wave every host runs to its end: the engine applies the budget between waves.
  StageRunnerOptions wave_options;
  wave_options.parallelism = m_options.parallelism;
  wave_options.retry = m_options.retry;
  wave_options.agent_failure_budget = {std::numeric_limits<long long>::max() / 100, false};
  wave_options.idempotent = false;  // a step may have switched the host: never rerun blindly

  while (const RollingWave* wave = engine.next_wave()) {
    StagePlan wave_plan;
    wave_plan.stage = Stage::Upgrade;
    wave_plan.label = wave->label;
    PlanPhase phase{wave->label, {}};
    std::map<std::string, const RollingHost*> changes;
    for (const RollingHost& change : wave->hosts) {
      phase.hosts.push_back({change.host, true, change.to_bundle, change.reason});
      changes[change.host->id()] = &change;
    }
    wave_plan.phases.push_back(std::move(phase));

    std::map<std::string, HostChangeResult> results;
    HostProgram program = [&](HostRun& run) -> transport::Task<transport::Outcome<bool>> {
      const std::string id = run.host().id();
      const RollingHost& change = *changes.at(id);
      HostUpgrade machine;
      if (const auto it = recorded.find(id); it != recorded.end()) machine.replay(it->second);
      HostChangeResult& result = results[id];
      result = {&change, UpgradeOutcome::Pending, ""};
      const std::string stage(stage_name(Stage::Upgrade));
      HostChanged changed{stage,        id, change.host->role, change.from_bundle,
                          change.to_bundle, UpgradeOutcome::Pending, "", plan.rollback, ""};
      m_events.on_event(changed);
      while (!machine.done()) {
        const UpgradeStep current = machine.current();
        changed.step = std::string(upgrade_step_name(current));
        m_events.on_event(changed);
        auto stepped = co_await step(run, change, current);
        if (!stepped) {
          // Where the machine stopped is unknown to the host: it stays in flight (changing).
          result.error = std::string(upgrade_step_name(current)) + ": " + stepped.error().message;
          co_return stepped.error();
        }
        machine.advance(stepped->ok, stepped->error);
      }
      result.outcome = machine.outcome();
      result.error = machine.error();
      changed.outcome = machine.outcome();
      changed.error = machine.error();
      changed.step.clear();
      m_events.on_event(changed);
      if (machine.outcome() == UpgradeOutcome::Upgraded) co_return true;
      run.fail(std::string(upgrade_outcome_name(machine.outcome())) +
               (machine.error().empty() ? "" : ": " + machine.error()));
      co_return false;
    };
    StageRunner runner(m_transport, m_clock, m_events, wave_options);
    outcome.waves.push_back(co_await runner.run(wave_plan, run_id, program));

    std::vector<HostChangeResult> finished;
    for (const RollingHost& change : wave->hosts) {
      if (const auto it = results.find(change.host->id()); it != results.end()) {
        finished.push_back(it->second);
        continue;
      }
      // Never started (unreachable): pending, which the engine counts as failed.
      HostChangeResult never{&change, UpgradeOutcome::Pending, "not reached"};
      for (const HostFailure& failure : outcome.waves.back().failures) {
        if (failure.host == change.host->id()) never.error = failure.error;
      }
      finished.push_back(never);
    }
    engine.finish_wave(*wave, finished);
  }
  m_engine = nullptr;
  outcome.status = engine.status();
  outcome.failures = engine.failures();
  outcome.upgraded = engine.upgraded();
  outcome.summary = engine.summary();
  co_return outcome;
}

void RollingRunner::pause() {
  m_pause_requested = true;
  if (m_engine) m_engine->pause();
}

}  // namespace dci
