// The install.sh calls of a rolling change (rolling_step_program) run by the RollingRunner on
// fake hosts: what each step runs, the quorum check after a master's switch, and a rollback when
// the new bundle stays unhealthy.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "installer/stage_programs.h"
#include "orchestrator/rolling_runner.h"
#include "transport/fake/fake_clock.h"
#include "transport/fake/fake_transport.h"

namespace dci {
namespace {

namespace tr = transport;

struct NoEvents : EventSink {
  void on_event(const Event&) override {}
};

struct Hosts {
  ClusterConfig config;
  tr::asio::io_context io;
  tr::FakeClock clock;
  tr::FakeTransport transport{clock, SshSettings{}};
  std::map<std::string, std::vector<std::string>> commands;  // address -> commands, in order
  std::map<std::string, std::string> stdin_of_quorum;        // address -> --cluster-health input
  std::set<std::string> unhealthy_after_switch;              // addresses
  StageFiles files;
  StageSettings settings;

  Hosts(int masters, int agents) {
    for (int i = 0; i < masters; ++i) {
      config.hosts.push_back({Role::Master, "10.0.0." + std::to_string(i + 1), 22, "root", ""});
    }
    for (int i = 0; i < agents; ++i) {
      config.hosts.push_back({Role::Agent, "10.1.0." + std::to_string(i + 1), 22, "root", ""});
    }
    files.install_script = tr::UploadSource::from_bytes("#!/bin/bash\n");
    for (Role role : {Role::Master, Role::Agent}) {
      files.bundles[role] = tr::UploadSource::from_bytes(std::string(role_name(role)) + " new");
      files.bundle_file_names[role] = std::string(role_name(role)) + "--new.tar.zst";
    }
    settings.upgrade_host_timeout_s = 30;
    settings.quorum_hosts = "master 10.0.0.1\nmaster 10.0.0.2\nmaster 10.0.0.3";
    for (const ClusterHost& host : config.hosts) {
      tr::FakeHostBehavior behavior;
      behavior.on_exec = [this, address = host.address](const std::string& command) {
        commands[address].push_back(command);
        tr::FakeExecReply reply;
        const bool switched = std::any_of(
            commands[address].begin(), commands[address].end(),
            [](const std::string& c) { return c.find(" --bundle ") != std::string::npos; });
        const bool rolled_back = std::any_of(
            commands[address].begin(), commands[address].end(),
            [](const std::string& c) { return c.find(" --rollback") != std::string::npos; });
        if (command.find("--health") != std::string::npos && switched && !rolled_back &&
            unhealthy_after_switch.count(address)) {
          reply.exit_status = 1;
          // The health step polls: one exec prints the failed check once per attempt.
          reply.stdout_text = "FAILED etcd-member: not healthy\nFAILED etcd-member: not healthy\n";
        }
        return reply;
      };
      transport.set_host(host.address, behavior);
    }
  }

  RollingOutcome upgrade() {
    RollingInputs inputs;
    inputs.config = &config;
    inputs.target_bundles = {{Role::Master, "m-new"}, {Role::Agent, "a-new"}};
    for (const ClusterHost& host : config.hosts) inputs.running_bundles[host.id()] = "old";
    const RollingPlan plan = build_rolling_plan(inputs);
    NoEvents events;
    RollingRunner runner(transport, clock, events, {});
    const RollingStep step = rolling_step_program(files, settings);
    RollingOutcome outcome;
    tr::asio::co_spawn(
        io, [&]() -> tr::Task<void> { outcome = co_await runner.run(plan, 2, 1, step); },
        [](std::exception_ptr error) {
          if (error) std::rethrow_exception(error);
        });
    clock.run(io);
    return outcome;
  }

  // The install.sh modes a host ran, in order ("install" for the switch to a bundle).
  std::vector<std::string> modes(const std::string& address) const {
    std::vector<std::string> out;
    for (const std::string& command : commands.at(address)) {
      for (const char* mode : {"--drain", "--undrain", "--rollback", "--running-bundle",
                               "--cluster-health", "--health", " --bundle "}) {
        if (command.find(mode) == std::string::npos) continue;
        out.push_back(std::string(mode) == " --bundle " ? "install" : mode);
        break;
      }
    }
    return out;
  }
};

TEST(RollingStepsTest, AMasterIsDrainedSwitchedCheckedInTheQuorumAndUndrained) {
  Hosts hosts(3, 1);
  const RollingOutcome outcome = hosts.upgrade();
  ASSERT_TRUE(outcome.ok()) << outcome.summary;
  EXPECT_EQ(hosts.modes("10.0.0.2"), (std::vector<std::string>{"--drain", "install", "--health",
                                                               "--cluster-health", "--undrain"}));
  // An agent has no quorum check.
  EXPECT_EQ(hosts.modes("10.1.0.1"),
            (std::vector<std::string>{"--drain", "install", "--health", "--undrain"}));
  // The switch installs the role's new bundle file.
  bool switched_to_new = false;
  for (const std::string& command : hosts.commands.at("10.0.0.1")) {
    switched_to_new |=
        command.find("master--new.tar.zst' --address '10.0.0.1' master") != std::string::npos;
  }
  EXPECT_TRUE(switched_to_new);
}

TEST(RollingStepsTest, ANewBundleThatStaysUnhealthyIsRolledBackAndCheckedAgain) {
  Hosts hosts(3, 1);
  hosts.unhealthy_after_switch = {"10.0.0.1"};
  const RollingOutcome outcome = hosts.upgrade();
  EXPECT_EQ(outcome.status, RollingStatus::Halted);
  EXPECT_EQ(hosts.modes("10.0.0.1"),
            (std::vector<std::string>{"--drain", "install", "--health", "--rollback", "--health",
                                      "--cluster-health", "--undrain"}));
  ASSERT_EQ(outcome.failures.size(), 1u);
  EXPECT_EQ(outcome.failures[0].outcome, UpgradeOutcome::RolledBack);
  // The step once and the check once, however often the poll saw it fail.
  EXPECT_EQ(outcome.failures[0].error, "health: etcd-member: not healthy");
  EXPECT_EQ(hosts.commands.count("10.0.0.2"), 0u) << "a second master was touched";
}

}  // namespace
}  // namespace dci
