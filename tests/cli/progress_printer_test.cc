// ProgressPrinter driven by synthetic events and a fake clock: what a terminal shows (the bars
// per role, running hosts, failures, the summary), that it redraws in place instead of adding a
// line per event, and the JSON-lines mode.

#include "cli/progress_printer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace dci::cli {
namespace {

using Clock = ProgressPrinter::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The terminal a printer writes to, reduced to what the printer uses: text, "\n", and the
// "cursor up" (ESC[1A) / "erase line" (ESC[2K) pair it redraws with. The screen never scrolls
// away, so `lines()` is everything still visible or in the scrollback.
class Terminal {
 public:
  void feed(const std::string& bytes) {
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (bytes.compare(i, 4, "\x1b[1A") == 0) {
        if (m_row > 0) --m_row;
        ++m_cursor_ups;
        i += 3;
      } else if (bytes.compare(i, 4, "\x1b[2K") == 0) {
        row().clear();
        i += 3;
      } else if (bytes[i] == '\n') {
        ++m_row;
        row();
      } else {
        row() += bytes[i];
      }
    }
  }
  // Lines up to the cursor (the cursor rests on an empty line after a newline).
  std::vector<std::string> lines() const {
    return {m_rows.begin(), m_rows.begin() + static_cast<long>(std::min(m_row, m_rows.size()))};
  }
  std::string text() const {
    std::string out;
    for (const std::string& line : lines()) out += line + "\n";
    return out;
  }
  int cursor_ups() const { return m_cursor_ups; }

 private:
  std::string& row() {
    if (m_rows.size() <= m_row) m_rows.resize(m_row + 1);
    return m_rows[m_row];
  }
  std::vector<std::string> m_rows;
  size_t m_row = 0;
  int m_cursor_ups = 0;
};

class ProgressPrinterTest : public ::testing::Test {
 protected:
  ProgressPrinterTest() : m_printer(m_out, ProgressPrinter::Mode::Bars, [this] { return m_now; }) {}

  // Feeds one event and returns what the terminal shows afterwards.
  std::string send(const Event& event) {
    m_printer.on_event(event);
    return flush();
  }
  std::string flush() {
    m_terminal.feed(m_out.str());
    m_out.str("");
    return m_terminal.text();
  }
  void advance(Clock::duration by) { m_now += by; }

  static StageStarted started(const std::string& stage, std::map<Role, int> hosts,
                              const std::string& phase = "") {
    return StageStarted{stage, 1, std::move(hosts), phase};
  }
  static HostStepStarted step(const std::string& host, Role role, const std::string& name) {
    return HostStepStarted{"deploy", host, role, name, "bash install.sh"};
  }
  static HostFinished finished(const std::string& host, Role role, HostState state,
                               const std::string& error = "") {
    return HostFinished{"deploy", host, role, state, error, ""};
  }

  Clock::time_point m_now = Clock::time_point{} + seconds(1000);
  std::ostringstream m_out;
  ProgressPrinter m_printer;
  Terminal m_terminal;
};

// The bar line of `role` in `screen` (which must outlive the match): "  <role> [###---]
// done/total ok N failed N running N [ETA mm:ss]"; groups 1 bar, 2 done, 3 total, 4 ok, 5 failed,
// 6 running, 7 ETA.
std::smatch bar_of(const std::string& screen, const std::string& role) {
  std::smatch match;
  const std::regex bar("\\n  " + role +
                       " +\\[([#-]+)\\] +([0-9]+)/([0-9]+) +ok ([0-9]+) +failed ([0-9]+) +running "
                       "([0-9]+) *(ETA [0-9:]+)?\\n");
  std::regex_search(screen, match, bar);
  return match;
}

TEST_F(ProgressPrinterTest, DrawsOneBarPerRoleWithItsTotal) {
  const std::string screen = send(started("deploy", {{Role::Master, 3}, {Role::Agent, 40}}));
  EXPECT_EQ(screen.rfind("deploy  00:00\n", 0), 0u) << screen;
  const auto master = bar_of(screen, "master");
  ASSERT_FALSE(master.empty()) << screen;
  EXPECT_EQ(master[2], "0");
  EXPECT_EQ(master[3], "3");
  EXPECT_EQ(master[1].str(), std::string(28, '-'));
  const auto agent = bar_of(screen, "agent");
  ASSERT_FALSE(agent.empty()) << screen;
  EXPECT_EQ(agent[3], "40");
  EXPECT_TRUE(bar_of(screen, "public_agent").empty()) << "a role without hosts has no bar";
}

TEST_F(ProgressPrinterTest, CountsDoneFailedAndRunningHosts) {
  send(started("deploy", {{Role::Agent, 4}}));
  for (const char* host : {"a1", "a2", "a3", "a4"}) send(step(host, Role::Agent, "install"));
  send(finished("a1", Role::Agent, HostState::Succeeded));
  send(finished("a2", Role::Agent, HostState::Skipped));
  advance(seconds(10));
  const std::string screen = send(finished("a3", Role::Agent, HostState::Failed, "exit 4"));
  const auto agent = bar_of(screen, "agent");
  ASSERT_FALSE(agent.empty()) << screen;
  EXPECT_EQ(agent[2], "3") << "done = succeeded + skipped + failed";
  EXPECT_EQ(agent[3], "4");
  EXPECT_EQ(agent[4], "2") << "skipped hosts count as ok";
  EXPECT_EQ(agent[5], "1");
  EXPECT_EQ(agent[6], "1");
  EXPECT_EQ(agent[1].str(), std::string(21, '#') + std::string(7, '-')) << "3/4 of 28";
  // 3 of 4 done in 10 s: one more takes about 10 / 3 s.
  EXPECT_EQ(agent[7], "ETA 00:03");
  EXPECT_NE(screen.find("deploy  00:10\n"), std::string::npos) << screen;
}

TEST_F(ProgressPrinterTest, ShowsTheLastOutputLineOfAFewRunningHosts) {
  send(started("deploy", {{Role::Agent, 6}}));
  for (int i = 1; i <= 6; ++i) send(step("h" + std::to_string(i), Role::Agent, "install"));
  advance(seconds(1));
  send(OutputChunk{"deploy", "h2", "install", false, "unpacking\nstarting agent\n"});
  advance(seconds(1));
  m_printer.tick();
  const std::string after_tick = flush();
  EXPECT_NE(after_tick.find("\n    h2 install: starting agent\n"), std::string::npos) << after_tick;
  EXPECT_NE(after_tick.find("\n    h1 install\n"), std::string::npos) << after_tick;
  const size_t shown = static_cast<size_t>(std::count(after_tick.begin(), after_tick.end(), '\n') -
                                           2);  // minus header and bar
  EXPECT_EQ(shown, 4u) << "at most 4 running hosts are listed\n" << after_tick;
  EXPECT_EQ(after_tick.find("unpacking"), std::string::npos) << "only the last line";

  // The next step of h2 starts without the previous step's line.
  send(step("h2", Role::Agent, "wait for quorum"));
  advance(seconds(1));
  m_printer.tick();
  const std::string next_step = flush();
  EXPECT_NE(next_step.find("\n    h2 wait for quorum\n"), std::string::npos) << next_step;
  EXPECT_EQ(next_step.find("starting agent"), std::string::npos) << next_step;
}

TEST_F(ProgressPrinterTest, PrintsEachFailureOnceAboveTheBars) {
  send(started("preflight", {{Role::Master, 1}, {Role::Agent, 2}}));
  send(step("m1", Role::Master, "checks"));
  send(finished("m1", Role::Master, HostState::Failed, "FAILED disk: needs 256 MB"));
  for (int i = 0; i < 20; ++i) {
    advance(milliseconds(300));
    m_printer.tick();
  }
  flush();
  const std::vector<std::string> lines = m_terminal.lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.front(), "✘ m1 (master): FAILED disk: needs 256 MB");
  EXPECT_EQ(std::count(lines.begin(), lines.end(), lines.front()), 1);
  EXPECT_EQ(lines[1].rfind("preflight  00:06", 0), 0u) << "the bars follow the failure";
}

TEST_F(ProgressPrinterTest, RedrawsInPlaceInsteadOfALinePerEvent) {
  constexpr int k_hosts = 500;
  send(started("deploy", {{Role::Agent, k_hosts}}));
  int events = 1;
  for (int i = 0; i < k_hosts; ++i) {
    const std::string host = "agent-" + std::to_string(i);
    send(step(host, Role::Agent, "install"));
    send(OutputChunk{"deploy", host, "install", false, "line of " + host + "\n"});
    advance(milliseconds(150));  // every event may redraw
    send(finished(host, Role::Agent, HostState::Succeeded));
    events += 3;
  }
  StageFinished done;
  done.stage = "deploy";
  done.ok = true;
  done.summary = "500 succeeded";
  const std::string screen = send(done);
  ++events;
  const std::vector<std::string> lines = m_terminal.lines();
  EXPECT_EQ(lines.size(), 3u) << "header, one bar, the summary, after " << events << " events\n"
                              << screen;
  // Each host's end redrew the two-line frame (header, bar) over the previous one.
  EXPECT_GE(m_terminal.cursor_ups(), 2 * k_hosts);
  const auto agent = bar_of(screen, "agent");
  ASSERT_FALSE(agent.empty()) << screen;
  EXPECT_EQ(agent[2], "500");
  EXPECT_EQ(agent[6], "0");
  EXPECT_EQ(lines.back(), "✔ deploy: 500 succeeded");
}

TEST_F(ProgressPrinterTest, KeepsEachFinishedStageAndItsSummary) {
  send(started("preflight", {{Role::Master, 1}}));
  send(finished("m1", Role::Master, HostState::Succeeded));
  StageFinished first;
  first.stage = "preflight";
  first.ok = true;
  first.summary = "1 succeeded";
  send(first);
  advance(seconds(2));
  send(started("deploy", {{Role::Master, 1}}, "masters"));
  send(step("m1", Role::Master, "install"));
  send(finished("m1", Role::Master, HostState::Failed, "install.sh failed"));
  StageFinished second;
  second.stage = "deploy";
  second.summary = "1 failed";
  const std::string screen = send(second);
  const std::vector<std::string> lines = m_terminal.lines();
  ASSERT_EQ(lines.size(), 7u) << screen;
  EXPECT_EQ(lines[0], "preflight  00:00");
  EXPECT_EQ(lines[2], "✔ preflight: 1 succeeded");
  EXPECT_EQ(lines[3], "✘ m1 (master): install.sh failed");
  EXPECT_EQ(lines[4], "deploy (masters)  00:00") << "a new stage restarts its clock";
  EXPECT_EQ(lines[6], "✘ deploy: 1 failed");
}

TEST_F(ProgressPrinterTest, AFailedStageEndsWithItsCausesNotItsHosts) {
  send(started("preflight", {{Role::Agent, 3}}));
  StageFinished done;
  done.stage = "preflight";
  done.summary = "3 agents failed, over the failure budget of 0\n  2 hosts: check a: b";
  done.causes = {{"check a: b", 2, {"a1", "a2"}}, {"unreachable: connect timeout", 1, {"a3"}}};
  const std::string screen = send(done);
  const std::vector<std::string> lines = m_terminal.lines();
  ASSERT_GE(lines.size(), 6u) << screen;
  const size_t at = lines.size() - 6;
  EXPECT_EQ(lines[at], "✘ preflight: 3 agents failed, over the failure budget of 0")
      << "the summary's first line; its cause lines come with their hosts below";
  EXPECT_EQ(lines[at + 1], "preflight: 3 hosts failed, 2 causes:");
  EXPECT_EQ(lines[at + 2], "  1) 2 hosts: check a: b");
  EXPECT_EQ(lines[at + 3], "     a1, a2; all: dcinstall status --stage preflight --cause 1");
  EXPECT_EQ(lines[at + 5], "     a3; all: dcinstall status --stage preflight --cause 2");
}

TEST_F(ProgressPrinterTest, AgentsPhaseAddsItsRolesToTheSameStage) {
  send(started("deploy", {{Role::Master, 3}}, "masters"));
  for (const char* host : {"m1", "m2", "m3"})
    send(finished(host, Role::Master, HostState::Succeeded));
  advance(seconds(5));
  const std::string screen =
      send(started("deploy", {{Role::Agent, 4}, {Role::PublicAgent, 1}}, "agents"));
  EXPECT_NE(screen.find("deploy (agents)  00:05\n"), std::string::npos) << screen;
  EXPECT_EQ(bar_of(screen, "master")[2], "3");
  EXPECT_EQ(bar_of(screen, "agent")[3], "4");
  EXPECT_EQ(bar_of(screen, "public_agent")[3], "1");
}

TEST(ProgressPrinterJsonTest, PrintsOneJsonEventPerLineWithoutEscapes) {
  std::ostringstream out;
  ProgressPrinter printer(out, ProgressPrinter::Mode::JsonLines);
  printer.on_event(StageStarted{"preflight", 7, {{Role::Master, 1}}, ""});
  printer.on_event(HostStepStarted{"preflight", "m1:22", Role::Master, "checks", "true"});
  printer.on_event(OutputChunk{"preflight", "m1:22", "checks", false, "two\nlines\n"});
  printer.on_event(HostFinished{"preflight", "m1:22", Role::Master, HostState::Succeeded, "", ""});
  printer.tick();  // nothing to redraw in this mode
  StageFinished done;
  done.stage = "preflight";
  done.ok = true;
  printer.on_event(done);
  const std::string text = out.str();
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  std::vector<std::string> types;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const auto event = nlohmann::json::parse(line);  // throws (fails the test) if not JSON
    types.push_back(event.at("type").get<std::string>());
  }
  EXPECT_EQ(types, (std::vector<std::string>{"stage_started", "host_step_started", "output",
                                             "host_finished", "stage_finished"}));
}

}  // namespace
}  // namespace dci::cli
