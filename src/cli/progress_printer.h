#pragma once
// The terminal sink of the event stream. On a TTY: one live bar per role for the running stage
// (done/failed/running/total, elapsed, ETA), the last output line of a few running hosts, and each
// failure printed once, above the bars, as it happens. Otherwise (or with --json): one JSON event
// per line (output chunks included), for machines and logs.

#include <chrono>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/events.h"

namespace dci::cli {

class ProgressPrinter final : public EventSink {
 public:
  enum class Mode { Bars, JsonLines };
  using Clock = std::chrono::steady_clock;
  using Now = std::function<Clock::time_point()>;

  // `now` is the clock of elapsed times, ETAs and redraw pacing (tests pass a fake one).
  ProgressPrinter(std::ostream& out, Mode mode, Now now = Clock::now)
      : m_out(out), m_mode(mode), m_now(std::move(now)) {}

  void on_event(const Event& event) override;
  // Redraws the bars if due (call a few times a second so elapsed/ETA move while hosts are quiet).
  void tick();

  static Mode mode_for(bool json_requested, int fd);  // JsonLines unless fd is a TTY
  Mode mode() const { return m_mode; }
  // How the cause listing after a failed stage says to list a cause's hosts (cause_summary.h);
  // default "dcinstall status".
  void set_status_command(std::string command) { m_status_command = std::move(command); }

  // The bars as text, for tests and the final frame: "master  [####----]  2/4 ...".
  std::string render_bars(Clock::time_point now) const;

 private:
  struct RoleProgress {
    int total = 0;
    int succeeded = 0;
    int failed = 0;
    int running = 0;
    int skipped = 0;
  };
  struct RunningHost {
    Role role = Role::Agent;
    std::string step;
    std::string last_line;
  };

  void apply(const Event& event);
  void redraw(bool force);
  void print_above(const std::string& line);

  std::ostream& m_out;
  Mode m_mode;
  Now m_now;
  std::string m_stage;
  std::string m_phase;
  Clock::time_point m_stage_start{};
  std::map<Role, RoleProgress> m_roles;
  std::map<std::string, RunningHost> m_running;  // by host id
  std::string m_status_command = "dcinstall status";
  int m_drawn_lines = 0;
  Clock::time_point m_last_draw{};
};

}  // namespace dci::cli
