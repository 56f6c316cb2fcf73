// The rolling runner on the fake transport and the fake clock: waves in order (masters one by
// one, agent batches), the master halt with rollback, the agent budget between waves, resume of
// a host a killed run left mid-switch, an unreachable agent, pause, and 10,000 agents.

#include "orchestrator/rolling_runner.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "test_support/synthetic_cluster.h"
#include "transport/fake/fake_clock.h"
#include "transport/fake/fake_transport.h"

namespace dci {
namespace {

namespace tr = transport;

RollingPlan upgrade_plan(const ClusterConfig& config) {
  RollingInputs inputs;
  inputs.config = &config;
  inputs.target_bundles = {{Role::Master, "m-new"}, {Role::Agent, "a-new"}};
  for (const auto& host : config.hosts) {
    inputs.running_bundles[host.id()] = host.role == Role::Master ? "m-old" : "a-old";
  }
  return build_rolling_plan(inputs);
}

// The steps of each wave: for every StageStarted (a wave), the hosts and steps that followed.
struct WaveLog : EventSink {
  struct Wave {
    std::string label;
    std::vector<std::pair<std::string, std::string>> steps;  // host id, step
    std::set<std::string> hosts() const {
      std::set<std::string> out;
      for (const auto& [host, step] : steps) out.insert(host);
      return out;
    }
  };
  std::vector<Wave> waves;
  void on_event(const Event& event) override {
    if (const auto* started = std::get_if<StageStarted>(&event)) {
      waves.push_back({started->phase, {}});
    } else if (const auto* step = std::get_if<HostStepStarted>(&event)) {
      waves.back().steps.push_back({step->host, step->step});
    }
  }
  std::vector<std::string> steps_of(const std::string& host) const {
    std::vector<std::string> out;
    for (const Wave& wave : waves) {
      for (const auto& [id, step] : wave.steps) {
        if (id == host) out.push_back(step);
      }
    }
    return out;
  }
};

// Each step runs "<step> <bundle>" on the host; a host listed in `fail_steps` with that step
// exits 1.
struct Harness {
  tr::asio::io_context io;
  tr::FakeClock clock;
  tr::FakeTransport transport{clock, SshSettings{}};
  WaveLog log;
  RollingRunnerOptions options;
  std::map<std::string, std::set<std::string>> fail_steps;  // address -> step names
  std::set<std::string> unreachable;                        // addresses

  RollingStep step = [](HostRun& run, const RollingHost& change,
                        UpgradeStep which) -> tr::Task<tr::Outcome<RollingStepResult>> {
    const std::string name(upgrade_step_name(which));
    tr::ExecRequest request;
    request.command = name + " " + change.to_bundle;
    auto result = co_await run.exec(name, request);
    if (!result) co_return result.error();
    co_return RollingStepResult{result->success(), result->success() ? "" : name + " check failed"};
  };

  void script(const ClusterConfig& config) {
    for (const ClusterHost& host : config.hosts) {
      tr::FakeHostBehavior behavior;
      behavior.on_exec = [this, address = host.address](const std::string& command) {
        tr::FakeExecReply reply;
        const std::string name = command.substr(0, command.find(' '));
        if (const auto it = fail_steps.find(address); it != fail_steps.end()) {
          if (it->second.count(name)) reply.exit_status = 1;
        }
        return reply;
      };
      behavior.never_answers = unreachable.count(host.address) > 0;
      transport.set_host(host.address, behavior);
    }
  }

  RollingOutcome run(const ClusterConfig& config, const RollingPlan& plan,
                     const std::map<std::string, std::vector<RecordedStep>>& recorded = {},
                     bool pause_at_start = false) {
    script(config);
    RollingRunner runner(transport, clock, log, options);
    if (pause_at_start) runner.pause();
    long long agents = 0;
    for (const ClusterHost& host : config.hosts) agents += host.role != Role::Master;
    RollingOutcome outcome;
    tr::asio::co_spawn(
        io,
        [&]() -> tr::Task<void> { outcome = co_await runner.run(plan, agents, 1, step, recorded); },
        [](std::exception_ptr error) {
          if (error) std::rethrow_exception(error);
        });
    clock.run(io);
    return outcome;
  }
};

TEST(RollingRunnerTest, MastersOneByOneThenAgentBatchesEachHostThroughItsSteps) {
  ClusterConfig config = synthetic_cluster(3, 4);
  config.upgrade_max_unavailable = {.value = 50, .percent = true};
  const RollingPlan plan = upgrade_plan(config);
  Harness harness;
  const RollingOutcome outcome = harness.run(config, plan);
  ASSERT_TRUE(outcome.ok()) << outcome.summary;
  EXPECT_EQ(outcome.upgraded, 7);
  ASSERT_EQ(harness.log.waves.size(), 5u);
  const std::vector<size_t> sizes = {1, 1, 1, 2, 2};
  for (size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_EQ(harness.log.waves[i].hosts().size(), sizes[i]) << harness.log.waves[i].label;
  }
  EXPECT_EQ(harness.log.waves[0].label, "master 1/3");
  EXPECT_EQ(harness.log.waves[0].hosts(), std::set<std::string>{"10.0.0.1:22"});
  EXPECT_EQ(harness.log.waves[4].label, "agent batch 2/2");
  EXPECT_EQ(harness.log.steps_of("10.0.0.2:22"),
            (std::vector<std::string>{"drain", "switch", "health", "undrain"}));
  ASSERT_EQ(outcome.waves.size(), 5u);
  EXPECT_EQ(outcome.waves[0].stage, "upgrade");
}

TEST(RollingRunnerTest, AMasterThatStaysUnhealthyIsRolledBackAndHaltsTheChange) {
  ClusterConfig config = synthetic_cluster(3, 2);
  const RollingPlan plan = upgrade_plan(config);
  Harness harness;
  harness.fail_steps["10.0.0.1"] = {"health"};
  const RollingOutcome outcome = harness.run(config, plan);
  EXPECT_EQ(outcome.status, RollingStatus::Halted);
  ASSERT_EQ(outcome.failures.size(), 1u);
  EXPECT_EQ(outcome.failures[0].outcome, UpgradeOutcome::RolledBack);
  EXPECT_EQ(outcome.failures[0].host->host->id(), "10.0.0.1:22");
  EXPECT_EQ(harness.log.steps_of("10.0.0.1:22"),
            (std::vector<std::string>{"drain", "switch", "health", "rollback", "rollback-health",
                                      "undrain"}));
  EXPECT_TRUE(harness.log.steps_of("10.0.0.2:22").empty()) << "a second master was touched";
  EXPECT_EQ(harness.log.waves.size(), 1u);
  ASSERT_EQ(outcome.waves.size(), 1u);
  ASSERT_EQ(outcome.waves[0].failures.size(), 1u);
  EXPECT_NE(outcome.waves[0].failures[0].error.find("rolled-back"), std::string::npos)
      << outcome.waves[0].failures[0].error;
}

TEST(RollingRunnerTest, AgentFailuresBeyondTheBudgetStartNoNewBatch) {
  ClusterConfig config = synthetic_cluster(1, 6);
  config.upgrade_max_unavailable = {.value = 2, .percent = false};
  const RollingPlan plan = upgrade_plan(config);
  Harness harness;
  harness.options.agent_failure_budget = {.value = 1, .percent = false};
  harness.fail_steps["10.1.0.1"] = {"health"};
  harness.fail_steps["10.1.0.2"] = {"switch"};
  const RollingOutcome outcome = harness.run(config, plan);
  EXPECT_EQ(outcome.status, RollingStatus::BudgetSpent);
  EXPECT_EQ(harness.log.waves.size(), 2u);  // the master, then the first batch only
  EXPECT_TRUE(harness.log.steps_of("10.1.0.3:22").empty());
  EXPECT_EQ(outcome.failures.size(), 2u);
}

TEST(RollingRunnerTest, AHostLeftMidSwitchIsProbedNotSwitchedAgain) {
  ClusterConfig config = synthetic_cluster(1, 0);
  const RollingPlan plan = upgrade_plan(config);
  Harness harness;
  // The killed run drained the master and started its switch; the probe finds the new bundle.
  const std::map<std::string, std::vector<RecordedStep>> recorded = {
      {"10.0.0.1:22",
       {{UpgradeStep::Drain, true, true, ""}, {UpgradeStep::Switch, false, false, ""}}}};
  const RollingOutcome outcome = harness.run(config, plan, recorded);
  ASSERT_TRUE(outcome.ok()) << outcome.summary;
  EXPECT_EQ(harness.log.steps_of("10.0.0.1:22"),
            (std::vector<std::string>{"probe", "health", "undrain"}));
}

TEST(RollingRunnerTest, AnUnreachableAgentCountsAsFailedWithItsConnectError) {
  ClusterConfig config = synthetic_cluster(1, 2);
  config.ssh.retries = 0;
  const RollingPlan plan = upgrade_plan(config);
  Harness harness;
  harness.options.agent_failure_budget = {.value = 1, .percent = false};
  harness.unreachable = {"10.1.0.2"};  // in the last batch: the budget stops nothing
  const RollingOutcome outcome = harness.run(config, plan);
  ASSERT_EQ(outcome.failures.size(), 1u);
  EXPECT_EQ(outcome.failures[0].host->host->id(), "10.1.0.2:22");
  EXPECT_EQ(outcome.failures[0].outcome, UpgradeOutcome::Pending);
  EXPECT_FALSE(outcome.failures[0].error.empty());
  EXPECT_EQ(outcome.upgraded, 2);
}

TEST(RollingRunnerTest, APausedChangeStartsNoWave) {
  ClusterConfig config = synthetic_cluster(3, 2);
  const RollingPlan plan = upgrade_plan(config);
  Harness harness;
  const RollingOutcome outcome = harness.run(config, plan, {}, /*pause_at_start=*/true);
  EXPECT_EQ(outcome.status, RollingStatus::Paused);
  EXPECT_TRUE(harness.log.waves.empty());
}

TEST(RollingRunnerTest, TenThousandAgentsInTenPercentBatches) {
  ClusterConfig config = synthetic_cluster(3, 10'000);
  const RollingPlan plan = upgrade_plan(config);
  Harness harness;
  const RollingOutcome outcome = harness.run(config, plan);
  ASSERT_TRUE(outcome.ok()) << outcome.summary;
  EXPECT_EQ(outcome.upgraded, 10'003);
  ASSERT_EQ(harness.log.waves.size(), 3u + 10u);
  EXPECT_EQ(harness.log.waves[3].hosts().size(), 1000u);
}

}  // namespace
}  // namespace dci
