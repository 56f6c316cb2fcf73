#pragma once
// One host's part of a stage: the program a stage runs on a host is a coroutine that receives a
// HostRun and calls exec()/upload() step by step; each step becomes events (HostStepStarted,
// OutputChunk*, HostStepFinished), so what a stage does reads top-down and is recorded for free.
//
// Lifetime: a HostRun lives for one host's program; the EventSink and Session outlive it.
// g++ 12 destroys temporaries inside a co_await expression twice (GCC bug 101367 and kin): pass
// named locals to exec()/upload(), never temporaries.

#include <functional>
#include <string>
#include <vector>

#include "orchestrator/events.h"
#include "orchestrator/plan.h"
#include "transport/transport.h"

namespace dci {

class HostRun {
 public:
  HostRun(EventSink& events, const std::string& stage, const PlannedHost& planned,
          transport::Session& session)
      : m_events(events), m_stage(stage), m_planned(planned), m_session(session) {}

  const PlannedHost& planned() const { return m_planned; }
  const ClusterHost& host() const { return *m_planned.host; }
  transport::Session& session() { return m_session; }

  // Runs `request` as step `step`. A non-zero exit is a result (the step failed, not the
  // transport); the caller decides whether the host failed and says why with fail(). When
  // `stdout_copy` is given, it is set to the step's stdout, capped like every kept output
  // (CappedOutput: head and tail; it must outlive the call).
  transport::Task<transport::Outcome<transport::ExecResult>> exec(
      const std::string& step, const transport::ExecRequest& request,
      std::string* stdout_copy = nullptr);
  transport::Task<transport::Outcome<transport::UploadResult>> upload(
      const std::string& step, const transport::UploadRequest& request);

  // Marks the host failed with a reason a person can act on; the program then returns false.
  void fail(std::string reason) { m_failure = std::move(reason); }
  // Marks the host failed by the checks it ran: each "name: message" (install.sh's FAILED
  // lines); the reason is them joined by "; ", the cause key one "check ..." per check.
  void fail_checks(std::vector<std::string> checks);
  const std::string& failure() const { return m_failure; }
  // The cause key of failure() (failure_cause.h): its checks, or its last step and reason.
  std::string failure_cause() const;
  // The step started last ("" before the first): where a transport error happened.
  const std::string& last_step() const { return m_last_step; }

 private:
  EventSink& m_events;
  const std::string& m_stage;
  const PlannedHost& m_planned;
  transport::Session& m_session;
  std::string m_failure;
  std::vector<std::string> m_failed_checks;
  std::string m_last_step;
};

// true: the host passed; false: it failed (HostRun::failure() says why); an error: the transport
// failed (retried by the runner when transient and the program is idempotent).
using HostProgram = std::function<transport::Task<transport::Outcome<bool>>(HostRun& run)>;

}  // namespace dci
