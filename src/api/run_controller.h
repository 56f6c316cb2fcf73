#pragma once
// Starts and cancels installer runs for the API: one at a time, spawned on the io_context, their
// events fanned out to the status model, the step log and the live event hub (which also gets
// run_started / run_finished) and the rolling change's view.
//
// Lifetime: the Installer passed to start() and this controller outlive the run; the model, log
// and hub outlive the controller. Single-threaded: on the io_context thread.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/event_hub.h"
#include "api/rolling_view.h"
#include "api/status_model.h"
#include "api/step_log.h"
#include "installer/installer.h"
#include "transport/asio.h"

namespace dci::api {

// The stages of a run action ("preflight", "deploy", "postflight", "install", "uninstall",
// "upgrade", "rollback": the rolling change and the cluster check; "prune": the removal of hosts
// no longer in the config), or nullopt for an unknown action.
std::optional<std::vector<Stage>> stages_of_action(const std::string& action);

class RunController {
 public:
  RunController(transport::Executor executor, StatusModel& model, StepLog& log, EventHub& hub,
                RollingView& rolling);

  bool running() const { return m_running; }

  // Starts `request` on `installer` and waits until the run has an id (its first stage started)
  // or ended. Precondition: !running() and the installer's config is valid. The Error is what
  // ended the run before it got an id (genconf failed, ...).
  transport::Task<Result<int64_t>> start(Installer& installer, const RunRequest& request);

  // Cancels the running run (no-op when idle).
  void cancel();

  // Called once when a run has ended (after the model and hub saw its end).
  void on_finished(std::function<void()> callback) { m_on_finished = std::move(callback); }

 private:
  class FanOut final : public EventSink {
   public:
    explicit FanOut(RunController& owner) : m_owner(owner) {}
    void on_event(const Event& event) override;

   private:
    RunController& m_owner;
  };

  void run_got_id(int64_t run_id);
  void run_ended(Installer& installer, const RunOutcome& outcome);

  transport::Executor m_executor;
  StatusModel& m_model;
  StepLog& m_log;
  EventHub& m_hub;
  RollingView& m_rolling;
  FanOut m_fan_out{*this};
  Installer* m_installer = nullptr;
  bool m_running = false;
  RunInfo m_run;
  std::string m_end_error;
  bool m_ended = false;
  transport::asio::steady_timer m_started_signal;
  std::function<void()> m_on_finished;
};

}  // namespace dci::api
