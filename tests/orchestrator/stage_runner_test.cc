// StageRunner on the fake transport: phases, failure policy, budget, cancellation, scale.

#include "orchestrator/stage_runner.h"

#include <gtest/gtest.h>

#include "test_support/synthetic_cluster.h"
#include "transport/fake/fake_clock.h"
#include "transport/fake/fake_transport.h"

namespace dci {
namespace {

namespace tr = transport;

struct RecordingSink : EventSink {
  std::vector<Event> events;
  void on_event(const Event& event) override { events.push_back(event); }

  template <typename T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& event : events) {
      if (const auto* typed = std::get_if<T>(&event)) out.push_back(*typed);
    }
    return out;
  }
};

// Runs "check" on every host of the deploy plan; `fails(address)` hosts exit 1.
struct Harness {
  tr::asio::io_context io;
  tr::FakeClock clock;
  tr::FakeTransport transport{clock, SshSettings{}};
  RecordingSink sink;
  StageRunnerOptions options;
  StageFinished result;
  Stage stage = Stage::Deploy;

  void fail_hosts(const std::vector<std::string>& addresses) {
    for (const auto& address : addresses) {
      tr::FakeHostBehavior behavior;
      behavior.on_exec = [](const std::string&) {
        tr::FakeExecReply reply;
        reply.exit_status = 1;
        reply.stderr_text = "disk too small\n";
        return reply;
      };
      transport.set_host(address, behavior);
    }
  }

  void run(const ClusterConfig& config) {
    const StagePlan plan = build_plan(stage, {&config, {}, {}, false, {}, false});
    StageRunner runner(transport, clock, sink, options);
    HostProgram program = [](HostRun& run) -> tr::Task<tr::Outcome<bool>> {
      tr::ExecRequest request;
      request.command = "check";
      const std::string step = "check";
      auto result = co_await run.exec(step, request);
      if (!result) co_return result.error();
      if (!result->success()) run.fail("check failed: " + result->describe());
      co_return result->success();
    };
    tr::asio::co_spawn(
        io, [&]() -> tr::Task<void> { result = co_await runner.run(plan, 7, program); },
        [](std::exception_ptr error) {
          if (error) std::rethrow_exception(error);
        });
    clock.run(io);
  }
};

TEST(StageRunnerTest, RunsMastersThenAgentsAndEmitsEveryStep) {
  Harness harness;
  harness.run(synthetic_cluster(3, 4));
  EXPECT_TRUE(harness.result.ok) << harness.result.summary;
  EXPECT_EQ(harness.result.summary, "all 7 hosts passed");
  const auto started = harness.sink.all<StageStarted>();
  ASSERT_EQ(started.size(), 2u);
  EXPECT_EQ(started[0].phase, "masters");
  EXPECT_EQ(started[1].phase, "agents");
  const auto finished = harness.sink.all<HostFinished>();
  ASSERT_EQ(finished.size(), 7u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(finished[i].role, Role::Master);
  EXPECT_EQ(harness.sink.all<HostStepFinished>().size(), 7u);
  EXPECT_EQ(harness.sink.all<StageFinished>().size(), 1u);
}

TEST(StageRunnerTest, AFailedMasterStopsTheStageBeforeAgents) {
  Harness harness;
  harness.fail_hosts({"10.0.0.2"});
  harness.run(synthetic_cluster(3, 4));
  EXPECT_FALSE(harness.result.ok);
  EXPECT_EQ(harness.result.counts[Role::Master].failed, 1);
  EXPECT_EQ(harness.result.counts[Role::Agent].cancelled, 4);
  EXPECT_EQ(harness.transport.connect_attempts("10.1.0.1"), 0);
  ASSERT_EQ(harness.result.failures.size(), 1u);
  EXPECT_EQ(harness.result.failures[0].host, "10.0.0.2:22");
  EXPECT_EQ(harness.result.failures[0].error, "check failed: exit 1");
  EXPECT_NE(harness.result.summary.find("1 master failed (every master must succeed)"),
            std::string::npos);
}

TEST(StageRunnerTest, AgentFailuresWithinTheBudgetPassAndBeyondItFail) {
  Harness within;
  within.options.agent_failure_budget = {1, false};
  within.fail_hosts({"10.1.0.3"});
  within.run(synthetic_cluster(1, 4));
  EXPECT_TRUE(within.result.ok);
  EXPECT_NE(within.result.summary.find("passed with 1 failed agent (within the budget of 1)"),
            std::string::npos);

  Harness beyond;
  beyond.options.agent_failure_budget = {1, false};
  beyond.fail_hosts({"10.1.0.3", "10.1.0.4"});
  beyond.run(synthetic_cluster(1, 4));
  EXPECT_FALSE(beyond.result.ok);
  EXPECT_NE(beyond.result.summary.find("2 agents failed, over the failure budget of 1"),
            std::string::npos);
}

TEST(StageRunnerTest, UnreachableHostIsAFailedHostNotAnAbort) {
  Harness harness;
  tr::FakeHostBehavior dead;
  dead.never_answers = true;
  harness.transport.set_host("10.1.0.2", dead);
  harness.options.agent_failure_budget = {0, false};
  harness.options.retry.retries = 1;
  harness.run(synthetic_cluster(1, 3));
  EXPECT_FALSE(harness.result.ok);
  EXPECT_EQ(harness.result.counts[Role::Agent].succeeded, 2);
  ASSERT_EQ(harness.result.failures.size(), 1u);
  EXPECT_EQ(harness.result.failures[0].error.rfind("unreachable: ", 0), 0u)
      << harness.result.failures[0].error;
  EXPECT_EQ(harness.transport.connect_attempts("10.1.0.2"), 2);
}

TEST(StageRunnerTest, ThePassedClusterCheckSpeaksOfTheClusterNotOfItsOneHost) {
  Harness harness;
  harness.stage = Stage::ClusterCheck;
  harness.run(synthetic_cluster(3, 6));
  EXPECT_EQ(harness.result.summary,
            "the cluster check passed: every master in one quorum, every agent registered");
}

TEST(StageRunnerTest, FailuresAreGroupedByCauseInTheSummaryEvent) {
  Harness harness;
  tr::FakeHostBehavior dead;
  dead.never_answers = true;
  harness.transport.set_host("10.1.0.2", dead);
  harness.fail_hosts({"10.1.0.3", "10.1.0.4", "10.1.0.5"});
  harness.options.agent_failure_budget = {0, false};
  harness.options.retry.retries = 0;
  harness.run(synthetic_cluster(1, 6));
  const StageFinished& result = harness.result;
  ASSERT_EQ(result.causes.size(), 2u) << result.summary;
  EXPECT_EQ(result.causes[0].cause, "check: check failed: exit 1");
  EXPECT_EQ(result.causes[0].count, 3);
  EXPECT_EQ(result.causes[1].count, 1);
  EXPECT_EQ(result.causes[1].cause.rfind("unreachable: ", 0), 0u) << result.causes[1].cause;
  ASSERT_EQ(result.causes[1].examples.size(), 1u);
  EXPECT_EQ(result.causes[1].examples[0].rfind("10.1.0.2:", 0), 0u);
  // The summary lists causes, not hosts.
  EXPECT_NE(result.summary.find("\n  3 hosts: check: check failed: exit 1"), std::string::npos)
      << result.summary;
  EXPECT_EQ(result.summary.find("10.1.0.3"), std::string::npos) << result.summary;
  // Every failed host's HostFinished carries its cause.
  int with_cause = 0;
  for (const HostFinished& host : harness.sink.all<HostFinished>()) {
    if (host.state == HostState::Failed) with_cause += host.cause.empty() ? 0 : 1;
  }
  EXPECT_EQ(with_cause, 4);
}

TEST(StageRunnerTest, HostsWithoutWorkAreSkippedWithTheirReason) {
  Harness harness;
  const ClusterConfig config = synthetic_cluster(1, 2);
  PlanInputs inputs{&config, {{Role::Master, "m"}, {Role::Agent, "a"}}, {}, false, {}, false};
  inputs.recorded = {{"10.1.0.1:22", "agent", "deploy", HostState::Succeeded, "a", "", 1, 1}};
  inputs.running = {{"10.1.0.1:22", "a"}};
  const StagePlan plan = build_plan(Stage::Deploy, inputs);
  StageRunner runner(harness.transport, harness.clock, harness.sink, harness.options);
  HostProgram program = [](HostRun&) -> tr::Task<tr::Outcome<bool>> { co_return true; };
  tr::asio::co_spawn(
      harness.io,
      [&]() -> tr::Task<void> { harness.result = co_await runner.run(plan, 1, program); },
      tr::asio::detached);
  harness.clock.run(harness.io);
  EXPECT_TRUE(harness.result.ok);
  EXPECT_EQ(harness.result.counts[Role::Agent].skipped, 1);
  EXPECT_EQ(harness.result.summary, "all 2 hosts passed, 1 already done");
  EXPECT_EQ(harness.transport.connect_attempts("10.1.0.1"), 0);
}

TEST(StageRunnerTest, CancelStopsStartingHostsAndReportsTheRestCancelled) {
  Harness harness;
  harness.options.parallelism = 1;
  const ClusterConfig config = synthetic_cluster(1, 4);
  const StagePlan plan = build_plan(Stage::Deploy, {&config, {}, {}, false, {}, false});
  StageRunner runner(harness.transport, harness.clock, harness.sink, harness.options);
  int ran = 0;
  HostProgram program = [&](HostRun&) -> tr::Task<tr::Outcome<bool>> {
    if (++ran == 2) runner.cancel();  // Ctrl-C while the first agent runs
    co_return true;
  };
  tr::asio::co_spawn(
      harness.io,
      [&]() -> tr::Task<void> { harness.result = co_await runner.run(plan, 1, program); },
      tr::asio::detached);
  harness.clock.run(harness.io);
  EXPECT_EQ(ran, 2);
  EXPECT_TRUE(harness.result.cancelled);
  EXPECT_FALSE(harness.result.ok);
  EXPECT_EQ(harness.result.counts[Role::Agent].succeeded, 1);
  EXPECT_EQ(harness.result.counts[Role::Agent].cancelled, 3);
  EXPECT_EQ(harness.result.summary.rfind("cancelled; ", 0), 0u) << harness.result.summary;
}

TEST(StageRunnerTest, TenThousandHostsFinishWithBoundedConcurrency) {
  Harness harness;
  harness.options.parallelism = 200;
  harness.run(synthetic_cluster(3, 10000));
  EXPECT_TRUE(harness.result.ok);
  EXPECT_EQ(harness.result.counts[Role::Agent].succeeded, 10000);
  EXPECT_LE(harness.transport.peak_open_sessions(), 200u);
}

}  // namespace
}  // namespace dci
