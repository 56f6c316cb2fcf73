#pragma once
// The REST API of docs/http-api.md without the transport: requests in, responses out. Owns the
// Installer (opened when the config file exists, or once PUT creates it), the status model, the
// step log, the live event hub and the run controller. Authentication and the Origin check are
// the server's (http_server.h); everything that reaches handle() is authorized.
//
// Single-threaded: on the io_context thread. Lifetime: stop() before the io_context stops.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/event_hub.h"
#include "api/http_message.h"
#include "api/installer_parts.h"
#include "api/rolling_view.h"
#include "api/run_controller.h"
#include "api/status_model.h"
#include "api/step_log.h"
#include "installer/installer.h"
#include "transport/asio.h"
#include "util/result.h"

namespace dci::api {

class ApiService {
 public:
  ApiService(transport::Executor executor, InstallerOptions options);
  ~ApiService();

  // Opens the installer when the config file exists (an invalid config opens too). The Error is
  // for a config or state file that cannot be read.
  Status open();

  // Answers one /api/v1/ request (not /api/v1/events, which the server streams from hub()).
  transport::Task<ApiResponse> handle(const ApiRequest& request);

  EventHub& hub() { return m_hub; }
  StatusModel& model() { return m_model; }
  bool running() const { return m_runs.running(); }
  // Cancels a running run; `done` is called when no run is going any more.
  void cancel_and_then(std::function<void()> done);
  void stop();

 private:
  ApiResponse get_schema();
  ApiResponse get_config();
  ApiResponse validate_config(const ApiRequest& request);
  ApiResponse put_config(const ApiRequest& request);
  ApiResponse put_ssh_key(const ApiRequest& request);
  transport::Task<ApiResponse> start_run(const ApiRequest& request);
  ApiResponse get_status();
  ApiResponse get_hosts(const ApiRequest& request);
  // ?stage=S&limit=N: the stage's failures grouped by cause (StatusModel::failures_json).
  ApiResponse get_failures(const ApiRequest& request);
  // A run's "hosts" (ids) or "cause" (with "stage", default `first_stage`: the failed hosts
  // with that cause); empty when neither is given. The Error says what is wrong with them.
  Result<std::vector<std::string>> selected_hosts(const nlohmann::json& body,
                                                  Stage first_stage) const;
  // ?action=upgrade|rollback: the rolling change's waves (rolling_plan_json).
  ApiResponse get_plan(const ApiRequest& request);
  // The rolling change running now or last (RollingView), with the event id it is current at.
  ApiResponse get_upgrade();
  ApiResponse get_logs(const ApiRequest& request);
  ApiResponse get_support_bundle();

  // The config file's text, or nullopt when it does not exist (the Error: unreadable).
  Result<std::optional<std::string>> read_config_text() const;
  // Writes the config and makes the installer (and the model) use it.
  Status write_config(const std::string& text);
  // Re-reads the config into the installer (opening it when needed) and rebuilds the model.
  Status reload();
  // The Error is the state store's (a failed read).
  Status rebuild_model();

  transport::Executor m_executor;
  InstallerOptions m_options;
  std::unique_ptr<InstallerParts> m_parts;  // the installer and its real side effects
  Installer* m_installer = nullptr;         // m_parts' installer, once opened
  StatusModel m_model;
  StepLog m_log;
  EventHub m_hub;
  RollingView m_rolling;
  RunController m_runs;
  std::function<void()> m_when_idle;
};

}  // namespace dci::api
