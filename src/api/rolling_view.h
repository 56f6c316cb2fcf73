#pragma once
// What GET /api/v1/upgrade answers: the rolling change (an upgrade or a rollback) this server
// runs now or ran last, as the GUI's Upgrade screen draws it: its waves in order (masters one per
// wave, then agent batches), every host of each with its progress (waiting, changing with the
// step it is at, upgraded, rolled back, failed) and the check that failed, the wave running now,
// and how the change ended (completed, paused, stopped with the summary that says why).
//
// expect() seeds it with the plan right before an `upgrade`/`rollback` run starts, so the waves
// still to come are known; the event stream keeps it current (the upgrade stage's StageStarted
// and StageFinished per wave, whose phase is the wave's label, and HostChanged per host); finish()
// records the run's end. A rolling change that `deploy`/`install` starts on its own (no plan)
// gets its waves from the events as they start. Kept in memory: after a restart of `dcinstall
// web` it is empty until the next rolling change (the plan of what is left is GET /plan).
//
// Single-threaded: on the io_context thread, like the event stream.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "orchestrator/events.h"
#include "orchestrator/rolling_plan.h"

namespace dci::api {

class RollingView final : public EventSink {
 public:
  // The next run's rolling change will be `plan` (its waves, still waiting).
  void expect(const RollingPlan& plan);

  void on_event(const Event& event) override;

  // The run `run_id` ended. `stopped`: why a rolling change stopped early (RunOutcome::stopped),
  // else the run's error. No-op when the view is about another run.
  void finish(int64_t run_id, bool ok, bool cancelled, const std::string& stopped);

  // {"known", "running", "run_id", "kind", "state", "phase", "wave", "summary", "hosts_total",
  //  "hosts_done", "hosts_failed", "waves": [{"index", "label", "role", "state", "hosts": [{"host",
  //  "role", "from_bundle", "to_bundle", "reason", "state", "step", "error"}]}]}
  nlohmann::json json() const;

 private:
  struct HostView {
    std::string host;
    std::string role;
    std::string from_bundle;
    std::string to_bundle;
    std::string reason;
    std::string state =
        "waiting";      // waiting, changing, upgraded, rolled-back, rollback-failed, failed
    std::string step;   // while changing: the step running now
    std::string error;  // the step and check that failed
  };
  struct WaveView {
    std::string label;
    std::string role;
    std::string state = "waiting";  // waiting, running, succeeded, failed
    std::vector<HostView> hosts;
  };

  void reset(int64_t run_id, bool rollback);
  void start_wave(const StageStarted& started);
  void finish_wave(const StageFinished& finished);
  void change_host(const HostChanged& changed);

  bool m_known = false;     // a rolling change was seen (or is expected)
  bool m_expected = false;  // seeded by expect(), its run not started yet
  bool m_running = false;
  int64_t m_run_id = 0;
  bool m_rollback = false;
  std::string m_state;  // running, completed, paused, stopped
  std::string m_phase;  // the label running now ("health gate", "master 2/3", ...), or ""
  std::optional<size_t> m_current;  // index into m_waves of the wave running now
  std::string m_summary;
  std::vector<WaveView> m_waves;
  std::map<std::string, std::pair<size_t, size_t>> m_where;  // host -> (wave, index in wave)
};

}  // namespace dci::api
