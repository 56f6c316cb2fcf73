#include "api/run_controller.h"

#include <exception>

#include <nlohmann/json.hpp>

#include "util/wall_clock.h"

namespace dci::api {

std::optional<std::vector<Stage>> stages_of_action(const std::string& action) {
  if (action == "preflight") return std::vector<Stage>{Stage::Preflight};
  if (action == "deploy") return std::vector<Stage>{Stage::Deploy};
  if (action == "postflight") return std::vector<Stage>{Stage::Postflight, Stage::ClusterCheck};
  if (action == "install") {
    return std::vector<Stage>{Stage::Preflight, Stage::Deploy, Stage::Postflight,
                              Stage::ClusterCheck};
  }
  if (action == "uninstall") return std::vector<Stage>{Stage::Uninstall};
  if (action == "prune") return std::vector<Stage>{Stage::Prune};
  if (action == "upgrade" || action == "rollback") {
    return std::vector<Stage>{Stage::Upgrade, Stage::ClusterCheck};
  }
  return std::nullopt;
}

RunController::RunController(transport::Executor executor, StatusModel& model, StepLog& log,
                             EventHub& hub, RollingView& rolling)
    : m_executor(executor),
      m_model(model),
      m_log(log),
      m_hub(hub),
      m_rolling(rolling),
      m_started_signal(executor) {}

void RunController::FanOut::on_event(const Event& event) {
  m_owner.m_model.on_event(event);
  m_owner.m_log.on_event(event);
  m_owner.m_rolling.on_event(event);
  m_owner.m_hub.on_event(event);
  if (const auto* started = std::get_if<StageStarted>(&event)) {
    if (m_owner.m_run.id == 0 && started->run_id != 0) m_owner.run_got_id(started->run_id);
  }
}

transport::Task<Result<int64_t>> RunController::start(Installer& installer,
                                                      const RunRequest& request) {
  m_installer = &installer;
  m_running = true;
  m_ended = false;
  m_end_error.clear();
  m_run = RunInfo{};
  m_run.command = request.command;
  m_run.started_ms = now_ms();
  m_model.set_run(m_run, true);
  m_log.clear();

  RunRequest copy = request;
  transport::asio::co_spawn(m_executor, installer.run(std::move(copy), m_fan_out),
                            [this, &installer](std::exception_ptr error, RunOutcome outcome) {
                              if (error) {
                                outcome = RunOutcome{};
                                try {
                                  std::rethrow_exception(error);
                                } catch (const std::exception& e) {
                                  outcome.error = std::string("internal error: ") + e.what();
                                } catch (...) {
                                  outcome.error = "internal error";
                                }
                              }
                              run_ended(installer, outcome);
                            });

  while (m_run.id == 0 && !m_ended) {
    m_started_signal.expires_at(transport::TimePoint::max());
    boost::system::error_code ignored;
    auto token = transport::asio::redirect_error(transport::asio::use_awaitable, ignored);
    co_await m_started_signal.async_wait(token);
  }
  if (m_run.id != 0) co_return m_run.id;
  co_return Error(m_end_error.empty() ? "the run ended before it started" : m_end_error);
}

void RunController::run_got_id(int64_t run_id) {
  m_run.id = run_id;
  m_model.set_run(m_run, true);
  m_hub.publish({{"type", "run_started"},
                 {"run_id", run_id},
                 {"command", m_run.command},
                 {"started_ms", m_run.started_ms}});
  m_started_signal.cancel();
}

void RunController::run_ended(Installer& installer, const RunOutcome& outcome) {
  if (m_run.id == 0 && outcome.run_id != 0) run_got_id(outcome.run_id);
  m_running = false;
  m_ended = true;
  m_end_error = outcome.error.empty() ? outcome.state_error : outcome.error;
  m_run.finished_ms = now_ms();
  m_run.outcome = outcome.ok ? "succeeded" : outcome.cancelled ? "cancelled" : "failed";
  if (const auto recorded = installer.state().last_run(); recorded && recorded->id == m_run.id) {
    m_run = *recorded;
  }
  m_model.set_run(m_run.id != 0 ? std::optional<RunInfo>(m_run) : std::nullopt, false);
  m_rolling.finish(m_run.id, outcome.ok, outcome.cancelled,
                   outcome.stopped.empty() ? m_end_error : outcome.stopped);
  m_hub.publish({{"type", "run_finished"},
                 {"run_id", m_run.id},
                 {"outcome", m_run.outcome},
                 {"ok", outcome.ok},
                 {"cancelled", outcome.cancelled},
                 {"stopped", outcome.stopped},
                 {"pending", outcome.pending},
                 {"error", m_end_error}});
  m_started_signal.cancel();
  m_installer = nullptr;
  if (m_on_finished) m_on_finished();
}

void RunController::cancel() {
  if (m_running && m_installer) m_installer->cancel();
}

}  // namespace dci::api
