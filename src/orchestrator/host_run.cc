#include "orchestrator/host_run.h"

#include <chrono>

#include "orchestrator/failure_cause.h"
#include "state/capped_output.h"
#include "util/strings.h"

namespace dci {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

void HostRun::fail_checks(std::vector<std::string> checks) {
  m_failure = join(checks, "; ");
  m_failed_checks = std::move(checks);
}

std::string HostRun::failure_cause() const {
  if (!m_failed_checks.empty()) return check_failure_cause(m_failed_checks);
  return dci::failure_cause(m_last_step, m_failure);
}

transport::Task<transport::Outcome<transport::ExecResult>> HostRun::exec(
    const std::string& step, const transport::ExecRequest& request, std::string* stdout_copy) {
  const std::string host_id = host().id();
  m_last_step = step;
  m_events.on_event(HostStepStarted{m_stage, host_id, host().role, step, request.command});
  const auto start = std::chrono::steady_clock::now();
  std::string sink_error;
  CappedOutput stdout_kept;
  transport::OutputSink sink = [this, &step, &host_id, stdout_copy, &stdout_kept, &sink_error](
                                   transport::OutputStream stream, std::string_view chunk) {
    if (stdout_copy && stream == transport::OutputStream::Stdout) stdout_kept.append(chunk);
    // The sink runs inside the transport's callbacks (libssh's C code): nothing may unwind
    // through them. A sink's exception fails this step instead (see sink_error below).
    try {
      m_events.on_event(OutputChunk{m_stage, host_id, step,
                                    stream == transport::OutputStream::Stderr,
                                    std::string(chunk)});
    } catch (const std::exception& e) {
      if (sink_error.empty()) sink_error = std::string("an event sink failed: ") + e.what();
    } catch (...) {
      if (sink_error.empty()) sink_error = "an event sink failed";
    }
  };
  auto result = co_await m_session.exec(request, sink);
  if (stdout_copy) *stdout_copy = stdout_kept.text();
  if (!sink_error.empty()) {
    // A permanent, local failure of this host's step (not retried: the output would fail again).
    result = transport::TransportError{transport::ErrorCode::LocalFailure, sink_error, host_id};
  }
  HostStepFinished finished{m_stage, host_id, host().role, step, std::nullopt, "", 0, false};
  finished.seconds = seconds_since(start);
  if (result) {
    finished.exit_code = result->exit_status;
    finished.ok = result->success();
    if (!finished.ok) finished.error = result->describe();
  } else {
    finished.error = result.error().to_string();
  }
  m_events.on_event(finished);
  co_return result;
}

transport::Task<transport::Outcome<transport::UploadResult>> HostRun::upload(
    const std::string& step, const transport::UploadRequest& request) {
  const std::string host_id = host().id();
  m_last_step = step;
  m_events.on_event(
      HostStepStarted{m_stage, host_id, host().role, step, "upload " + request.remote_path});
  const auto start = std::chrono::steady_clock::now();
  auto result = co_await m_session.upload(request);
  HostStepFinished finished{m_stage, host_id, host().role, step, std::nullopt, "", 0, false};
  finished.seconds = seconds_since(start);
  finished.ok = result.ok();
  if (!result) finished.error = result.error().to_string();
  m_events.on_event(finished);
  co_return result;
}

}  // namespace dci
