#include "orchestrator/stage_runner.h"

#include <chrono>

#include "transport/fan_out.h"

namespace dci {
namespace {

transport::HostTarget target_of(const ClusterHost& host) {
  return {host.address, host.port, host.user, true, true};
}

bool is_agent(Role role) {
  return role != Role::Master;
}

constexpr size_t k_summary_causes = 5;

std::string plural(int count, const std::string& word) {
  return std::to_string(count) + " " + word + (count == 1 ? "" : "s");
}

// Not inlined into the coroutine: g++ 12 then misreports Asio's frame allocator
// (-Wmismatched-new-delete).
[[gnu::noinline]] std::vector<FailureGroup> group_causes(const std::vector<HostFailure>& failures) {
  FailureGrouper grouper;
  for (const HostFailure& failure : failures) grouper.add(failure.host, failure.cause);
  return grouper.groups();
}

// The one line a person reads at the end of a stage.
std::string summarize(const StageFinished& result, long long agents_allowed) {
  int masters_failed = 0;
  int agents_failed = 0;
  int total = 0;
  int skipped = 0;
  for (const auto& [role, counts] : result.counts) {
    total += counts.total;
    skipped += counts.skipped;
    (role == Role::Master ? masters_failed : agents_failed) += counts.failed;
  }
  std::string text;
  if (result.cancelled) text = "cancelled; ";
  if (masters_failed > 0) {
    text += plural(masters_failed, "master") + " failed (every master must succeed)";
  } else if (agents_failed > agents_allowed) {
    text += plural(agents_failed, "agent") + " failed, over the failure budget of " +
            std::to_string(agents_allowed);
  } else if (agents_failed > 0) {
    text += "passed with " + plural(agents_failed, "failed agent") + " (within the budget of " +
            std::to_string(agents_allowed) + ")";
  } else if (!result.cancelled && result.stage == "cluster-check" && total - skipped > 0) {
    // It runs on one master but checks the whole cluster: its one host is not the count.
    text += "the cluster check passed: every master in one quorum, every agent registered";
  } else if (!result.cancelled) {
    text += "all " + plural(total - skipped, "host") + " passed";
    if (skipped > 0) text += ", " + std::to_string(skipped) + " already done";
  }
  // Causes, not hosts: at 10,000 hosts a person reads a few lines, not every failed host.
  size_t shown = 0;
  for (const FailureGroup& group : result.causes) {
    if (shown++ == k_summary_causes) {
      text += "\n  ... and " +
              plural(static_cast<int>(result.causes.size() - k_summary_causes), "more cause");
      break;
    }
    text += "\n  " + plural(group.count, "host") + ": " + group.cause;
  }
  return text;
}

}  // namespace

void StageRunner::finish_host(const std::string& stage, const PlannedHost& planned, HostState state,
                              const std::string& error, const std::string& cause,
                              StageFinished& result) {
  const ClusterHost& host = *planned.host;
  StageCounts& counts = result.counts[host.role];
  switch (state) {
    case HostState::Succeeded:
      ++counts.succeeded;
      break;
    case HostState::Skipped:
      ++counts.skipped;
      break;
    case HostState::Cancelled:
      ++counts.cancelled;
      break;
    default:
      ++counts.failed;
      result.failures.push_back({host.id(), host.role, error, cause});
  }
  m_events.on_event(
      HostFinished{stage, host.id(), host.role, state, error, planned.bundle_id,
                   state == HostState::Failed || state == HostState::Interrupted ? cause : ""});
}

transport::Task<void> StageRunner::run_phase(const std::string& stage, const PlanPhase& phase,
                                             const HostProgram& program, StageFinished& result) {
  std::vector<const PlannedHost*> work;
  std::vector<transport::HostTarget> targets;
  for (const PlannedHost& planned : phase.hosts) {
    if (planned.has_work) {
      work.push_back(&planned);
      targets.push_back(target_of(*planned.host));
    } else {
      finish_host(stage, planned, HostState::Skipped, planned.reason, "", result);
    }
  }
  if (work.empty()) co_return;

  std::vector<std::string> failures(work.size());
  std::vector<std::string> causes(work.size());
  std::vector<std::string> last_steps(work.size());
  std::vector<bool> cancelled(work.size(), false);
  transport::HostWork host_work = [&](transport::Session& session,
                                      size_t index) -> transport::Task<transport::Outcome<bool>> {
    if (m_cancelled) {
      cancelled[index] = true;
      co_return false;
    }
    HostRun run(m_events, stage, *work[index], session);
    auto outcome = co_await program(run);
    last_steps[index] = run.last_step();
    if (outcome && !*outcome) {
      failures[index] = run.failure();
      causes[index] = run.failure_cause();
    }
    co_return outcome;
  };
  transport::HostDone done = [&](size_t index, const transport::HostReport& report) {
    HostState state = HostState::Succeeded;
    std::string error;
    std::string cause;
    if (cancelled[index]) {
      state = HostState::Cancelled;
      error = "cancelled before it started";
    } else if (report.status != transport::HostStatus::Ok) {
      state = HostState::Failed;
      error = report.error ? report.error->to_string()
                           : (failures[index].empty() ? "failed" : failures[index]);
      if (report.status == transport::HostStatus::Unreachable) {
        error = std::string(k_unreachable_prefix) + error;
      }
      cause = report.error || causes[index].empty() ? failure_cause(last_steps[index], error)
                                                    : causes[index];
    }
    finish_host(stage, *work[index], state, error, cause, result);
  };
  transport::FanOutOptions options;
  options.parallelism = m_options.parallelism;
  options.retry = m_options.retry;
  options.retry_work = m_options.idempotent;
  transport::FanOut fan_out(m_transport, m_clock, options);
  co_await fan_out.run(targets, host_work, done);
}

transport::Task<StageFinished> StageRunner::run(const StagePlan& plan, int64_t run_id,
                                                const HostProgram& program) {
  const std::string stage(stage_name(plan.stage));
  const auto start = m_clock.now();
  StageFinished result;
  result.stage = stage;
  for (const PlanPhase& phase : plan.phases) {
    for (const PlannedHost& planned : phase.hosts) ++result.counts[planned.host->role].total;
  }
  long long agents = 0;
  for (const auto& [role, counts] : result.counts) agents += is_agent(role) ? counts.total : 0;
  const long long agents_allowed = m_options.agent_failure_budget.allowed(agents);

  for (const PlanPhase& phase : plan.phases) {
    StageStarted started{stage, run_id, {}, plan.phases.size() > 1 ? phase.name : plan.label};
    for (const PlannedHost& planned : phase.hosts) ++started.hosts_per_role[planned.host->role];
    m_events.on_event(started);
    const bool masters_failed =
        result.counts.count(Role::Master) && result.counts[Role::Master].failed > 0;
    if (masters_failed || m_cancelled) {
      const std::string reason =
          masters_failed ? "not started: a master failed" : "cancelled before it started";
      for (const PlannedHost& planned : phase.hosts) {
        finish_host(stage, planned, HostState::Cancelled, reason, "", result);
      }
      continue;
    }
    co_await run_phase(stage, phase, program, result);
  }

  int masters_failed = 0;
  int agents_failed = 0;
  for (const auto& [role, counts] : result.counts) {
    (is_agent(role) ? agents_failed : masters_failed) += counts.failed;
  }
  result.cancelled = m_cancelled;
  result.ok = !m_cancelled && masters_failed == 0 && agents_failed <= agents_allowed;
  result.causes = group_causes(result.failures);
  result.summary = summarize(result, agents_allowed);
  result.seconds = transport::to_seconds(m_clock.now() - start);
  m_events.on_event(result);
  co_return result;
}

}  // namespace dci
