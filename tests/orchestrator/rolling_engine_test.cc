// The rolling engine on fake hosts: plan order and batching, per-host steps, rollback, the
// master halt, the agent failure budget, pause, resume from recorded steps, and scale.

#include "orchestrator/rolling_engine.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "test_support/synthetic_cluster.h"

namespace dci {
namespace {

// Every host runs the "old" bundle of its role; the targets are the "new" ones.
RollingInputs upgrade_inputs(const ClusterConfig& config) {
  RollingInputs inputs;
  inputs.config = &config;
  inputs.target_bundles = {
      {Role::Master, "m-new"}, {Role::Agent, "a-new"}, {Role::PublicAgent, "p-new"}};
  for (const auto& host : config.hosts) {
    inputs.running_bundles[host.id()] = host.role == Role::Master  ? "m-old"
                                        : host.role == Role::Agent ? "a-old"
                                                                   : "p-old";
  }
  return inputs;
}

// Fake hosts: what each step does on a host, and what runs where.
struct FakeHosts {
  std::set<std::string> broken_new_bundle;  // health fails on the new bundle
  std::set<std::string> broken_rollback;    // rollback fails
  std::map<std::string, std::string> running;
  std::map<std::string, int> switches;  // switch or rollback steps run per host
  std::vector<std::string> log;         // "host step" in order
  int masters_down = 0;
  int max_masters_down = 0;
  std::map<Role, int> down;
  std::map<Role, int> max_down;

  bool run(const RollingHost& change, UpgradeStep step) {
    const std::string id = change.host->id();
    const Role role = change.host->role;
    log.push_back(id + " " + std::string(upgrade_step_name(step)));
    switch (step) {
      case UpgradeStep::Drain:
        max_down[role] = std::max(max_down[role], ++down[role]);
        return true;
      case UpgradeStep::Probe:
        return running[id] == change.to_bundle;
      case UpgradeStep::Switch:
        ++switches[id];
        running[id] = change.to_bundle;
        return true;
      case UpgradeStep::Health:
        return broken_new_bundle.count(id) == 0;
      case UpgradeStep::Rollback:
        ++switches[id];
        if (broken_rollback.count(id)) return false;
        running[id] = change.from_bundle;
        return true;
      case UpgradeStep::RollbackHealth:
        return true;
      case UpgradeStep::Undrain:
        --down[role];
        return true;
    }
    return false;
  }

  // Runs the whole change: the hosts of a wave step by step, interleaved (as in parallel).
  void drive(RollingEngine& engine, bool pause_after_first = false) {
    while (const RollingWave* wave = engine.next_wave()) {
      std::vector<HostUpgrade> hosts(wave->hosts.size());
      bool busy = true;
      while (busy) {
        busy = false;
        for (size_t i = 0; i < hosts.size(); ++i) {
          if (hosts[i].done()) continue;
          busy = true;
          const bool ok = run(wave->hosts[i], hosts[i].current());
          hosts[i].advance(ok, ok ? "" : "check failed");
        }
      }
      std::vector<HostChangeResult> results;
      for (size_t i = 0; i < hosts.size(); ++i) {
        results.push_back({&wave->hosts[i], hosts[i].outcome(), hosts[i].error()});
      }
      engine.finish_wave(*wave, results);
      if (pause_after_first) engine.pause();
    }
  }
};

TEST(RollingPlanTest, MastersOneByOneThenAgentAndPublicBatchesOfTheirRole) {
  ClusterConfig config = synthetic_cluster(3, 20, 4);
  config.upgrade_max_unavailable = {.value = 25, .percent = true};
  const RollingPlan plan = build_rolling_plan(upgrade_inputs(config));
  ASSERT_EQ(plan.waves.size(), 3u + 4u + 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(plan.waves[i].role, Role::Master);
    ASSERT_EQ(plan.waves[i].hosts.size(), 1u);
    EXPECT_EQ(plan.waves[i].hosts[0].host->address, "10.0.0." + std::to_string(i + 1));
  }
  EXPECT_EQ(plan.waves[1].label, "master 2/3");
  EXPECT_EQ(plan.waves[3].role, Role::Agent);
  EXPECT_EQ(plan.waves[3].hosts.size(), 5u);
  EXPECT_EQ(plan.waves[3].label, "agent batch 1/4");
  EXPECT_EQ(plan.waves[7].role, Role::PublicAgent);
  EXPECT_EQ(plan.waves[7].hosts.size(), 1u);  // 25 % of 4
  EXPECT_EQ(plan.waves[10].label, "public_agent batch 4/4");
  EXPECT_EQ(plan.hosts_changing(), 27);
  EXPECT_EQ(plan.waves[0].hosts[0].from_bundle, "m-old");
  EXPECT_EQ(plan.waves[0].hosts[0].to_bundle, "m-new");
  for (size_t i = 0; i < plan.waves.size(); ++i) EXPECT_EQ(plan.waves[i].index, int(i));
}

TEST(RollingPlanTest, HostsAtTheTargetAreUnchangedAndTheReasonSaysWhy) {
  ClusterConfig config = synthetic_cluster(3, 2);
  RollingInputs inputs = upgrade_inputs(config);
  inputs.running_bundles["10.0.0.2:22"] = "m-new";
  inputs.change_reasons[Role::Master] = "etcd_heartbeat_interval_ms: 100 -> 150";
  const RollingPlan plan = build_rolling_plan(inputs);
  ASSERT_EQ(plan.waves.size(), 4u);  // two masters, two agent batches (10 % of 2 is 1)
  EXPECT_EQ(plan.waves[0].hosts[0].reason, "etcd_heartbeat_interval_ms: 100 -> 150");
  EXPECT_EQ(plan.waves[1].hosts[0].host->address, "10.0.0.3");
  EXPECT_EQ(plan.waves[2].hosts.size(), 1u);
  ASSERT_EQ(plan.unchanged.size(), 1u);
  EXPECT_EQ(plan.unchanged[0].reason, "already at m-new");
  EXPECT_EQ(plan.waves[2].hosts[0].reason, "bundle changed");
}

TEST(RollingPlanTest, CountBatchSizeAndAgentWavesSplitTheRest) {
  ClusterConfig config = synthetic_cluster(1, 7);
  config.upgrade_max_unavailable = {.value = 3, .percent = false};
  const RollingPlan plan = build_rolling_plan(upgrade_inputs(config));
  ASSERT_EQ(plan.waves.size(), 1u + 3u);
  EXPECT_EQ(plan.waves[1].hosts.size(), 3u);
  EXPECT_EQ(plan.waves[3].hosts.size(), 1u);
}

TEST(RollingPlanTest, HostTargetsOverrideTheRoleAndHostsWithoutATargetStay) {
  // A rollback: only the last change's hosts go back, each to its own previous bundle.
  ClusterConfig config = synthetic_cluster(3, 1);
  RollingInputs inputs;
  inputs.config = &config;
  inputs.running_bundles = {{"10.0.0.1:22", "m-new"}, {"10.0.0.2:22", "m-new"}};
  inputs.host_targets = {{"10.0.0.1:22", "m-old"}, {"10.0.0.2:22", "m-old"}};
  const RollingPlan plan = build_rolling_plan(inputs);
  ASSERT_EQ(plan.waves.size(), 2u);
  EXPECT_EQ(plan.waves[0].hosts[0].to_bundle, "m-old");
  EXPECT_EQ(plan.unchanged.size(), 2u);
  EXPECT_EQ(plan.unchanged[0].reason, "no target bundle");
}

TEST(RollingPlanTest, AHostLeftInFlightGoesFirstInItsRoleEvenAtTheTarget) {
  ClusterConfig config = synthetic_cluster(3, 0);
  RollingInputs inputs = upgrade_inputs(config);
  inputs.running_bundles["10.0.0.3:22"] = "m-new";
  inputs.in_flight = {"10.0.0.3:22"};
  const RollingPlan plan = build_rolling_plan(inputs);
  ASSERT_EQ(plan.waves.size(), 3u);
  EXPECT_EQ(plan.waves[0].hosts[0].host->address, "10.0.0.3");
  EXPECT_NE(plan.waves[0].hosts[0].reason.find("interrupted"), std::string::npos);
}

TEST(HostUpgradeTest, HealthyPathDrainsSwitchesGatesAndUndrains) {
  HostUpgrade host;
  std::vector<std::string> steps;
  while (!host.done()) {
    steps.emplace_back(upgrade_step_name(host.current()));
    host.advance(true);
  }
  EXPECT_EQ(steps, (std::vector<std::string>{"drain", "switch", "health", "undrain"}));
  EXPECT_EQ(host.outcome(), UpgradeOutcome::Upgraded);
  EXPECT_TRUE(host.switched());
}

TEST(HostUpgradeTest, FailedHealthRollsBackChecksAgainAndUndrains) {
  HostUpgrade host;
  host.advance(true);  // drain
  host.advance(true);  // switch
  host.advance(false, "etcd endpoint health: unhealthy");
  EXPECT_EQ(host.current(), UpgradeStep::Rollback);
  host.advance(true);
  EXPECT_EQ(host.current(), UpgradeStep::RollbackHealth);
  host.advance(true);
  EXPECT_EQ(host.current(), UpgradeStep::Undrain);
  host.advance(true);
  EXPECT_EQ(host.outcome(), UpgradeOutcome::RolledBack);
  EXPECT_EQ(host.error(), "health: etcd endpoint health: unhealthy");
}

TEST(HostUpgradeTest, FailedRollbackEndsAtOnceNamingBothFailures) {
  HostUpgrade host;
  host.advance(true);
  host.advance(false, "exit 1");  // switch
  host.advance(false, "no previous bundle");
  EXPECT_TRUE(host.done());
  EXPECT_EQ(host.outcome(), UpgradeOutcome::RollbackFailed);
  EXPECT_EQ(host.error(), "switch: exit 1; then rollback: no previous bundle");
}

TEST(HostUpgradeTest, FailedDrainNeverSwitches) {
  HostUpgrade host;
  host.advance(false, "etcdctl move-leader: timeout");
  EXPECT_EQ(host.current(), UpgradeStep::Undrain);
  host.advance(true);
  EXPECT_EQ(host.outcome(), UpgradeOutcome::Failed);
  EXPECT_FALSE(host.switched());
}

TEST(HostUpgradeTest, ReplayOfASwitchThatNeverEndedProbesInsteadOfSwitchingAgain) {
  HostUpgrade host;
  host.replay({{UpgradeStep::Drain, true, true, ""}, {UpgradeStep::Switch, false, false, ""}});
  EXPECT_EQ(host.current(), UpgradeStep::Probe);
  host.advance(true);  // the host runs the target: the switch happened
  EXPECT_EQ(host.current(), UpgradeStep::Health);

  HostUpgrade not_switched;
  not_switched.replay(
      {{UpgradeStep::Drain, true, true, ""}, {UpgradeStep::Switch, false, false, ""}});
  not_switched.advance(false);
  EXPECT_EQ(not_switched.current(), UpgradeStep::Switch);
}

TEST(HostUpgradeTest, ReplayContinuesAfterTheLastFinishedStepAndKeepsTheFailurePath) {
  HostUpgrade host;
  host.replay({{UpgradeStep::Drain, true, true, ""},
               {UpgradeStep::Switch, true, true, ""},
               {UpgradeStep::Health, true, false, "timeout"},
               {UpgradeStep::Rollback, false, false, ""}});
  EXPECT_EQ(host.current(), UpgradeStep::Rollback);
  host.advance(true);
  host.advance(true);
  host.advance(true);
  EXPECT_EQ(host.outcome(), UpgradeOutcome::RolledBack);
  EXPECT_EQ(host.error(), "health: timeout");

  HostUpgrade finished;
  finished.replay({{UpgradeStep::Drain, true, true, ""},
                   {UpgradeStep::Switch, true, true, ""},
                   {UpgradeStep::Health, true, true, ""},
                   {UpgradeStep::Undrain, true, true, ""}});
  EXPECT_TRUE(finished.done());
  EXPECT_EQ(finished.outcome(), UpgradeOutcome::Upgraded);

  HostUpgrade foreign;
  foreign.replay({{UpgradeStep::Health, true, true, ""}});
  EXPECT_EQ(foreign.current(), UpgradeStep::Probe);
}

TEST(HostUpgradeTest, NamesRoundTrip) {
  for (auto step :
       {UpgradeStep::Probe, UpgradeStep::Drain, UpgradeStep::Switch, UpgradeStep::Health,
        UpgradeStep::Undrain, UpgradeStep::Rollback, UpgradeStep::RollbackHealth}) {
    EXPECT_EQ(upgrade_step_from_name(upgrade_step_name(step)), step);
  }
  for (auto outcome :
       {UpgradeOutcome::Pending, UpgradeOutcome::Upgraded, UpgradeOutcome::RolledBack,
        UpgradeOutcome::RollbackFailed, UpgradeOutcome::Failed}) {
    EXPECT_EQ(upgrade_outcome_from_name(upgrade_outcome_name(outcome)), outcome);
  }
  EXPECT_FALSE(upgrade_step_from_name("restart").has_value());
}

TEST(RollingEngineTest, NeverTwoMastersDownAndAgentsAtMostOneBatch) {
  ClusterConfig config = synthetic_cluster(5, 40, 3);
  config.upgrade_max_unavailable = {.value = 10, .percent = true};
  const RollingPlan plan = build_rolling_plan(upgrade_inputs(config));
  RollingEngine engine(plan, config.agent_failure_budget, 43);
  FakeHosts fake;
  fake.drive(engine);
  EXPECT_EQ(engine.status(), RollingStatus::Completed);
  EXPECT_EQ(engine.upgraded(), 48);
  EXPECT_EQ(fake.max_down[Role::Master], 1);
  EXPECT_EQ(fake.max_down[Role::Agent], 4);
  EXPECT_EQ(fake.max_down[Role::PublicAgent], 1);
  // Every master finished (undrained) before the next one drained.
  std::vector<std::string> master_log;
  for (const auto& line : fake.log) {
    if (line.rfind("10.0.0.", 0) == 0) master_log.push_back(line);
  }
  ASSERT_EQ(master_log.size(), 20u);
  EXPECT_EQ(master_log[3], "10.0.0.1:22 undrain");
  EXPECT_EQ(master_log[4], "10.0.0.2:22 drain");
  EXPECT_EQ(fake.log[20].substr(0, 5), "10.1.");  // agents only after the last master
  for (const auto& [host, count] : fake.switches) EXPECT_EQ(count, 1) << host;
}

TEST(RollingEngineTest, AMasterThatFailsIsRolledBackAndHaltsWithTheOthersUntouched) {
  ClusterConfig config = synthetic_cluster(3, 4);
  const RollingPlan plan = build_rolling_plan(upgrade_inputs(config));
  RollingEngine engine(plan, {.value = 100, .percent = true}, 4);
  FakeHosts fake;
  fake.broken_new_bundle = {"10.0.0.1:22"};
  fake.drive(engine);
  EXPECT_EQ(engine.status(), RollingStatus::Halted);
  EXPECT_FALSE(engine.ok());
  EXPECT_EQ(fake.running["10.0.0.1:22"], "m-old");
  EXPECT_EQ(fake.switches.count("10.0.0.2:22"), 0u);
  EXPECT_EQ(fake.switches.count("10.0.0.3:22"), 0u);
  EXPECT_EQ(fake.switches.size(), 1u);  // no agent touched either
  ASSERT_EQ(engine.failures().size(), 1u);
  EXPECT_EQ(engine.failures()[0].outcome, UpgradeOutcome::RolledBack);
  EXPECT_NE(engine.summary().find("halted: master 10.0.0.1:22 rolled-back (health: check failed)"),
            std::string::npos)
      << engine.summary();
  EXPECT_EQ(engine.next_wave(), nullptr);
}

TEST(RollingEngineTest, AgentFailuresWithinTheBudgetLetTheChangeComplete) {
  ClusterConfig config = synthetic_cluster(1, 10);
  config.upgrade_max_unavailable = {.value = 5, .percent = false};
  const RollingPlan plan = build_rolling_plan(upgrade_inputs(config));
  RollingEngine engine(plan, {.value = 2, .percent = false}, 10);
  FakeHosts fake;
  fake.broken_new_bundle = {"10.1.0.9:22"};  // in the last batch
  fake.drive(engine);
  EXPECT_EQ(engine.status(), RollingStatus::Completed);
  EXPECT_EQ(engine.upgraded(), 10);
  EXPECT_EQ(fake.running["10.1.0.9:22"], "a-old");
  EXPECT_NE(engine.summary().find("1 agents failed (within the budget of 2)"), std::string::npos);
}

TEST(RollingEngineTest, OnceTheBudgetIsSpentNoNewBatchStarts) {
  ClusterConfig config = synthetic_cluster(1, 12);
  config.upgrade_max_unavailable = {.value = 3, .percent = false};
  const RollingPlan plan = build_rolling_plan(upgrade_inputs(config));
  RollingEngine engine(plan, {.value = 2, .percent = false}, 12);
  FakeHosts fake;
  fake.broken_new_bundle = {"10.1.0.1:22", "10.1.0.5:22"};  // batches 1 and 2
  fake.broken_rollback = {"10.1.0.5:22"};
  fake.drive(engine);
  EXPECT_EQ(engine.status(), RollingStatus::BudgetSpent);
  EXPECT_EQ(engine.waves_done(), 3);  // the master, then two batches of agents
  EXPECT_EQ(fake.switches.count("10.1.0.7:22"), 0u);
  EXPECT_EQ(fake.running["10.1.0.5:22"], "a-new");  // its rollback failed
  ASSERT_EQ(engine.failures().size(), 2u);
  EXPECT_EQ(engine.failures()[1].outcome, UpgradeOutcome::RollbackFailed);
  EXPECT_NE(engine.summary().find("the failure budget is 2"), std::string::npos);
}

TEST(RollingEngineTest, ZeroBudgetStopsAtTheFirstFailedAgent) {
  ClusterConfig config = synthetic_cluster(1, 4);
  config.upgrade_max_unavailable = {.value = 1, .percent = false};
  const RollingPlan plan = build_rolling_plan(upgrade_inputs(config));
  RollingEngine engine(plan, {.value = 0, .percent = false}, 4);
  FakeHosts fake;
  fake.broken_new_bundle = {"10.1.0.4:22"};  // the last one: over the budget, not completed
  fake.drive(engine);
  EXPECT_EQ(engine.status(), RollingStatus::BudgetSpent);
}

TEST(RollingEngineTest, PauseLetsTheWaveInFlightEndAndResumeSkipsWhatChanged) {
  ClusterConfig config = synthetic_cluster(3, 2);
  const RollingPlan plan = build_rolling_plan(upgrade_inputs(config));
  RollingEngine engine(plan, config.agent_failure_budget, 2);
  FakeHosts fake;
  fake.drive(engine, /*pause_after_first=*/true);
  EXPECT_EQ(engine.status(), RollingStatus::Paused);
  EXPECT_EQ(engine.waves_done(), 1);
  EXPECT_EQ(fake.log.back(), "10.0.0.1:22 undrain");  // the master in flight finished
  EXPECT_NE(engine.summary().find("paused"), std::string::npos);

  // The next run plans from what the hosts run now.
  RollingInputs again = upgrade_inputs(config);
  for (const auto& [host, bundle] : fake.running) again.running_bundles[host] = bundle;
  const RollingPlan rest = build_rolling_plan(again);
  EXPECT_EQ(rest.hosts_changing(), 4);
  RollingEngine resumed(rest, config.agent_failure_budget, 2);
  fake.drive(resumed);
  EXPECT_EQ(resumed.status(), RollingStatus::Completed);
  for (const auto& [host, count] : fake.switches) EXPECT_EQ(count, 1) << host;
}

TEST(RollingEngineTest, AKilledRunResumesTheMasterMidSwitchWithoutSwitchingItTwice) {
  ClusterConfig config = synthetic_cluster(3, 0);
  FakeHosts fake;
  fake.running = {{"10.0.0.1:22", "m-new"}, {"10.0.0.2:22", "m-new"}, {"10.0.0.3:22", "m-old"}};
  fake.switches = {{"10.0.0.1:22", 1}, {"10.0.0.2:22", 1}};
  // Recorded: master 1 upgraded; master 2 killed after its switch began (it did switch).
  std::map<std::string, std::vector<RecordedStep>> recorded = {
      {"10.0.0.2:22",
       {{UpgradeStep::Drain, true, true, ""}, {UpgradeStep::Switch, false, false, ""}}}};
  RollingInputs inputs = upgrade_inputs(config);
  inputs.running_bundles = {{"10.0.0.1:22", "m-new"},
                            {"10.0.0.2:22", "m-old"},
                            {"10.0.0.3:22", "m-old"}};  // state: 2's switch never recorded
  inputs.in_flight = {"10.0.0.2:22"};
  const RollingPlan plan = build_rolling_plan(inputs);
  ASSERT_EQ(plan.waves.size(), 2u);
  EXPECT_EQ(plan.waves[0].hosts[0].host->address, "10.0.0.2");
  RollingEngine engine(plan, config.agent_failure_budget, 0);
  while (const RollingWave* wave = engine.next_wave()) {
    const RollingHost& change = wave->hosts[0];
    HostUpgrade host;
    host.replay(recorded[change.host->id()]);
    while (!host.done()) host.advance(fake.run(change, host.current()));
    engine.finish_wave(*wave, {{&change, host.outcome(), host.error()}});
  }
  EXPECT_EQ(engine.status(), RollingStatus::Completed);
  EXPECT_EQ(fake.switches["10.0.0.2:22"], 1);
  EXPECT_EQ(fake.switches["10.0.0.3:22"], 1);
  EXPECT_EQ(fake.log.front(), "10.0.0.2:22 probe");
}

TEST(RollingEngineTest, TenThousandAgentsInTenPercentBatches) {
  ClusterConfig config = synthetic_cluster(3, 10000);
  config.upgrade_max_unavailable = {.value = 10, .percent = true};
  const RollingPlan plan = build_rolling_plan(upgrade_inputs(config));
  ASSERT_EQ(plan.waves.size(), 3u + 10u);
  for (size_t i = 3; i < plan.waves.size(); ++i) EXPECT_EQ(plan.waves[i].hosts.size(), 1000u);
  RollingEngine engine(plan, {.value = 1, .percent = true}, 10000);  // 100 may fail
  FakeHosts fake;
  for (int i = 0; i < 25; ++i) {
    fake.broken_new_bundle.insert("10.1." + std::to_string(i) + ".7:22");
    fake.broken_new_bundle.insert("10.1." + std::to_string(i) + ".8:22");
  }
  fake.drive(engine);
  EXPECT_EQ(engine.status(), RollingStatus::Completed);
  EXPECT_EQ(engine.upgraded(), 3 + 10000 - 50);
  EXPECT_EQ(fake.max_down[Role::Agent], 1000);
  EXPECT_EQ(fake.max_down[Role::Master], 1);
  EXPECT_EQ(engine.failures().size(), 50u);
}

}  // namespace
}  // namespace dci
