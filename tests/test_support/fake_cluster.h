#pragma once
// An Installer on fake hosts, for tests and benchmarks: a config of `masters` at 10.0.0.x and
// `agents` at 10.1.y.z in a temporary directory, a FakeTransport and a FakeClock (every timeout
// and backoff is virtual), a real SQLite state file behind a TestStore, and a record of every
// command each host ran. Every command succeeds unless a rule says otherwise.
//
//   FakeCluster cluster(3, 100);
//   cluster.rule("--preflight-only", failure("FAILED ports: port 2379 in use\n"), {agent(4)});
//   auto installer = cluster.open();
//   RunOutcome outcome = cluster.run(*installer, install_request());
//
// Single-threaded. Installers from open() must be destroyed before the cluster.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "installer/installer.h"
#include "state/sqlite_state_store.h"
#include "test_support/temp_dir.h"
#include "test_support/test_store.h"
#include "transport/fake/fake_clock.h"
#include "transport/fake/fake_transport.h"

namespace dci {

// A run request for `stages`, recorded as `command`.
RunRequest run_request(std::string command, std::vector<Stage> stages, bool retry_failed = false);
// What `dcinstall install` asks for: every stage, hosts that passed at their bundle skipped.
RunRequest install_request();
// A command that exits 1 after printing `output`.
transport::FakeExecReply failed_reply(std::string output);

class FakeCluster {
 public:
  // `distribution`: its directory (default: the tiny test distribution, small bundles);
  // `extra_config` is appended to the config.
  FakeCluster(int masters, int agents, std::string extra_config = "",
              std::string distribution = DCINSTALL_SOURCE_DIR "/tests/genconf/testdata/tiny");
  ~FakeCluster();

  static std::string master(int i) { return "10.0.0." + std::to_string(i + 1); }
  static std::string agent(int i) {
    return "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
  }
  // The name a host's rows have in the state ("address:port").
  static std::string id(const std::string& address) { return address + ":22"; }

  // Each host models the bundles install.sh keeps: an install that succeeds (a hung one too:
  // the host switched, the installer never heard) makes its bundle the active one and the one
  // before it the previous; --rollback swaps them; --running-bundle prints them.
  // The bundle `address` runs ("" when none).
  std::string active_bundle(const std::string& address) const;

  // Commands containing `contains` get `reply` (on `hosts`, or on every host when empty); the
  // last matching rule wins.
  void rule(std::string contains, transport::FakeExecReply reply, std::set<std::string> hosts = {});
  void clear_rules() { m_rules.clear(); }

  // Appends `lines` to the config file (then Installer::reload_config()).
  void append_config(const std::string& lines);
  // Replaces the first `from` of the config file by `to` (throws when there is none), e.g.
  // edit_config("  - " + agent(2) + "\n", "") takes an agent out of the config.
  void edit_config(const std::string& from, const std::string& to);
  // An unreachable host never answers a connection (until made reachable again).
  void set_reachable(const std::string& address, bool reachable);

  // An installer on this cluster (throws when the config does not load).
  std::unique_ptr<Installer> open();
  // Runs `request` to its end (virtual time); throws when it does not end.
  RunOutcome run(Installer& installer, RunRequest request);

  // run_until_killed() stops the loop `after` (virtual time) the first host starts a command
  // containing `contains` (that command hangs): a killed installer, whose run's coroutines are
  // destroyed with the loop's work and whose unflushed writes are lost. Throws when the run
  // ends before.
  void kill_at(std::string contains, transport::Duration after);
  void run_until_killed(std::unique_ptr<Installer> installer, RunRequest request);

  // Addresses of the hosts that ran a command containing `contains` since reset_commands().
  std::set<std::string> hosts_that_ran(const std::string& contains) const;
  // How many commands containing `contains` ran on `address` since reset_commands().
  size_t times_ran(const std::string& address, const std::string& contains) const;
  void reset_commands() { m_commands.clear(); }

  // The state as flushed, and the store the installer writes to.
  StateStore& state() { return *m_state; }
  TestStore& store() { return *m_store; }
  transport::FakeTransport& transport() { return m_transport; }

 private:
  struct Rule {
    std::string contains;
    transport::FakeExecReply reply;
    std::set<std::string> hosts;
  };
  void script(const std::string& address);
  transport::FakeExecReply answer(const std::string& address, const std::string& command);
  // install.sh's bundle keeping on `address` for `command` that ends (or hangs) with `reply`.
  void keep_bundles(const std::string& address, const std::string& command,
                    transport::FakeExecReply& reply);
  struct KeptBundles {
    std::string active;
    std::string previous;
  };
  std::map<std::string, KeptBundles> m_kept;

  TempDir m_dir;
  std::optional<transport::asio::io_context> m_io;  // replaced after a simulated kill
  transport::FakeClock m_clock;
  std::unique_ptr<WallClock> m_wall_clock;
  transport::FakeTransport m_transport;
  std::optional<SqliteStateStore> m_state;
  std::optional<TestStore> m_store;
  std::unique_ptr<EventSink> m_sink;
  std::vector<Rule> m_rules;
  std::map<std::string, std::vector<std::string>> m_commands;
  std::string m_kill_at;
  transport::Duration m_kill_after{};
  transport::TimePoint m_kill_time{};
  bool m_killed = false;
};

}  // namespace dci
