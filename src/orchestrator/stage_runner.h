#pragma once
// Runs a StagePlan: phase after phase, the hosts of a phase in parallel (at most `parallelism`
// at once, transient failures retried with backoff), each host through the stage's HostProgram;
// every transition goes to the EventSink. No I/O of its own: hosts are reached through the
// Transport and time is the Clock's, so it runs on the fake transport in unit tests.
//
// Failure policy: every master must pass, else the stage fails and later phases do not start;
// agents (public included) may fail up to the failure budget. An unreachable host is a failed
// host, never an abort.
//
// Lifetime: transport, clock and sink outlive the runner; run() is awaited on the io_context
// thread; cancel() may be called from that thread at any time (e.g. from a signal handler's
// posted callback).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/cluster_config.h"
#include "orchestrator/events.h"
#include "orchestrator/host_run.h"
#include "orchestrator/plan.h"
#include "transport/clock.h"
#include "transport/retry_policy.h"
#include "transport/transport.h"

namespace dci {

// How a host's failure begins when it could not be reached (HostFailure::error, HostFinished).
inline constexpr std::string_view k_unreachable_prefix = "unreachable: ";

struct StageRunnerOptions {
  size_t parallelism = 200;
  transport::RetryPolicy retry;
  FailureBudget agent_failure_budget;
  bool idempotent = true;  // the program may be run again after a transient failure
};

class StageRunner {
 public:
  StageRunner(transport::Transport& transport, transport::Clock& clock, EventSink& events,
              StageRunnerOptions options)
      : m_transport(transport), m_clock(clock), m_events(events), m_options(options) {}

  transport::Task<StageFinished> run(const StagePlan& plan, int64_t run_id,
                                     const HostProgram& program);

  // Stops starting hosts; those not yet started end as cancelled. Running hosts finish.
  void cancel() { m_cancelled = true; }
  bool cancelled() const { return m_cancelled; }

 private:
  transport::Task<void> run_phase(const std::string& stage, const PlanPhase& phase,
                                  const HostProgram& program, StageFinished& result);
  void finish_host(const std::string& stage, const PlannedHost& planned, HostState state,
                   const std::string& error, const std::string& cause, StageFinished& result);

  transport::Transport& m_transport;
  transport::Clock& m_clock;
  EventSink& m_events;
  StageRunnerOptions m_options;
  bool m_cancelled = false;
};

}  // namespace dci
