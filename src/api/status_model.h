#pragma once
// What GET /api/v1/status and /api/v1/hosts answer: every host's state in every stage, kept in
// memory so a page of 50,000 hosts is a scan, not a query. Built from the config's hosts and the
// state store's rows (reset()), then kept current by the event stream (on_event()).
//
// Stages preflight, deploy, postflight and uninstall hold every host of the config (pending until
// a run reaches it); other stages (cluster-check) only the hosts that appear in them.
// Single-threaded: used on the io_context thread, like the event stream.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/cluster_config.h"
#include "orchestrator/events.h"
#include "state/state_store.h"

namespace dci::api {

// GET /api/v1/hosts parameters. Empty strings match everything.
struct HostQuery {
  std::string stage;  // "" = the stage that ran last (preflight before any run)
  std::string role;   // "master", "agent", "public_agent"
  std::string state;  // one state name or several, comma-separated
  std::string text;   // case-insensitive substring of the host, its step, last line or error
  size_t offset = 0;
  size_t limit = 100;
  std::string cause{};  // only failed hosts with exactly this cause key (failure_cause.h)
};

class StatusModel final : public EventSink {
 public:
  StatusModel();

  // Forgets everything and loads `config`'s hosts (nullptr: no config yet) with the rows `store`
  // recorded for them (nullptr: none). The Error is the store's (a failed read): the hosts are
  // loaded, the rows of the stages from the one that failed on are not.
  Status reset(const ClusterConfig* config, const StateStore* store);

  void on_event(const Event& event) override;

  // The run shown by status: set by whoever starts runs.
  void set_run(std::optional<RunInfo> run, bool running);

  // {"running", "run", "cluster", "stages"} (the caller adds "event_id").
  nlohmann::json status_json() const;
  // {"total", "hosts": [...]}: matching hosts, failed first, then by host (numbers in addresses
  // compared as numbers). Unknown stage: total 0.
  nlohmann::json hosts_json(const HostQuery& query) const;

  // GET /api/v1/failures: {"stage", "total", "causes": [{cause, count, hosts}]}: the stage's
  // failed (and interrupted) hosts grouped by cause, largest first, up to 3 example hosts each;
  // at most `limit` causes ("more_causes" counts the rest). Stage "" as in hosts_json.
  nlohmann::json failures_json(const std::string& stage, size_t limit) const;
  // The hosts of `stage` that failed with `cause` (for a retry of one cause).
  std::vector<std::string> hosts_with_cause(const std::string& stage,
                                            const std::string& cause) const;

  // The coalesced live event of one host: {"type": "host", "stage", "host", "role", "state",
  // "step", "last_line", "error", "bundle_id"}; null when the host is not in the stage.
  nlohmann::json host_event_json(const std::string& stage, const std::string& host) const;

  // The names of every known stage, in display order.
  static const std::vector<std::string>& stage_names();

 private:
  struct HostIdentity {
    std::string id;  // "address:port"
    std::string address;
    Role role = Role::Agent;
  };
  struct HostCell {
    bool present = false;
    HostState state = HostState::Pending;
    std::optional<HostState> before_run;  // the state before this stage run reset it
    std::string before_error;             // and its error and cause
    std::string before_cause;
    std::string step;
    std::string last_line;
    std::string error;
    std::string cause;  // failed hosts: the cause key
    std::string bundle_id;
    int64_t updated_ms = 0;
  };
  struct StageView {
    std::string state = "not_started";
    std::string phase;
    std::string summary;
    double seconds = 0;
    bool all_hosts = true;
    int64_t run_id = 0;  // the run that last started this stage
    std::chrono::steady_clock::time_point started;
    std::vector<HostCell> cells;  // parallel to m_hosts
  };

  StageView& stage(const std::string& name);
  // The stage hosts_json and failures_json answer for `name` ("" = the last one run).
  std::string stage_or_last(const std::string& name) const;
  HostCell* cell(const std::string& stage_name, const std::string& host);
  void start_stage(const StageStarted& started);
  void finish_host(const HostFinished& finished);
  void finish_stage(const StageFinished& finished);
  static std::string derived_state(const StageView& view);

  std::string m_cluster_name;
  std::vector<HostIdentity> m_hosts;
  std::unordered_map<std::string, size_t> m_index;  // host id -> index in m_hosts
  std::vector<size_t> m_order;                      // m_hosts indices sorted by host
  std::map<std::string, StageView> m_stages;
  std::string m_last_stage;
  std::optional<RunInfo> m_run;
  bool m_running = false;
};

}  // namespace dci::api
