#include "orchestrator/plan.h"

#include <gtest/gtest.h>

namespace dci {
namespace {

ClusterConfig cluster() {
  ClusterConfig config;
  auto add = [&config](Role role, const std::string& address) {
    config.hosts.push_back({role, address, 22, "root", address});
  };
  for (const char* master : {"10.0.0.1", "10.0.0.2", "10.0.0.3"}) add(Role::Master, master);
  add(Role::Agent, "10.0.1.1");
  add(Role::Agent, "10.0.1.2");
  add(Role::PublicAgent, "10.0.2.1");
  return config;
}

HostStageStatus row(const std::string& host, HostState state, const std::string& bundle) {
  return {host, "", "deploy", state, bundle, "", 1, 1};
}

TEST(PlanTest, DeployPutsMastersFirstAndAgentsTogether) {
  const ClusterConfig config = cluster();
  const StagePlan plan = build_plan(
      Stage::Deploy, {&config,
                      {{Role::Master, "m1"}, {Role::Agent, "a1"}, {Role::PublicAgent, "p1"}},
                      {},
                      false,
                      {},
                      false});
  ASSERT_EQ(plan.phases.size(), 2u);
  EXPECT_EQ(plan.phases[0].name, "masters");
  EXPECT_EQ(plan.phases[0].hosts.size(), 3u);
  EXPECT_EQ(plan.phases[1].hosts.size(), 3u);
  EXPECT_EQ(plan.phases[1].hosts[2].bundle_id, "p1");
  EXPECT_EQ(plan.hosts_with_work(), 6);
  EXPECT_EQ(plan.phases[0].hosts[0].reason, "new host");
}

TEST(PlanTest, HostsThatRunABundleAreNotDeployedAgainAndNewOrFailedOnesAre) {
  const ClusterConfig config = cluster();
  PlanInputs inputs{&config, {{Role::Master, "m2"}, {Role::Agent, "a1"}, {Role::PublicAgent, "p1"}},
                    {},      false,
                    {},      false};
  inputs.recorded = {row("10.0.0.1:22", HostState::Succeeded, "m1"),
                     row("10.0.1.1:22", HostState::Succeeded, "a1"),
                     row("10.0.1.2:22", HostState::Interrupted, "a1"),
                     row("10.0.2.1:22", HostState::Failed, "p1")};
  inputs.running = {{"10.0.0.1:22", "m1"}, {"10.0.1.1:22", "a1"}};
  const StagePlan plan = build_plan(Stage::Deploy, inputs);
  // Another bundle: a rolling change's (dcinstall upgrade), never a plain deploy's.
  EXPECT_FALSE(plan.phases[0].hosts[0].has_work);
  EXPECT_EQ(plan.phases[0].hosts[0].reason, "runs m1: changed by `dcinstall upgrade`");
  EXPECT_FALSE(plan.phases[1].hosts[0].has_work);
  EXPECT_EQ(plan.phases[1].hosts[0].reason, "already at a1");
  EXPECT_TRUE(plan.phases[1].hosts[1].has_work);
  EXPECT_EQ(plan.phases[1].hosts[1].reason, "interrupted: check and redo");
  EXPECT_EQ(plan.phases[1].hosts[2].reason, "last failed");
  EXPECT_EQ(plan.hosts_without_work(), 2);
}

TEST(PlanTest, RetryFailedKeepsOnlyFailedCancelledOrInterruptedHosts) {
  const ClusterConfig config = cluster();
  PlanInputs inputs{&config, {}, {}, true, {}, false};
  inputs.recorded = {row("10.0.0.1:22", HostState::Succeeded, ""),
                     row("10.0.1.1:22", HostState::Failed, ""),
                     row("10.0.1.2:22", HostState::Cancelled, "")};
  const StagePlan plan = build_plan(Stage::Preflight, inputs);
  ASSERT_EQ(plan.phases.size(), 1u);
  EXPECT_EQ(plan.hosts_with_work(), 2);
  EXPECT_EQ(plan.phases[0].hosts[0].reason, "not retried: succeeded");
  EXPECT_EQ(plan.phases[0].hosts[5].reason, "not retried: never ran");
}

TEST(PlanTest, PreflightSkipsHostsThatRunABundle) {
  const ClusterConfig config = cluster();
  PlanInputs inputs{&config, {{Role::Master, "m1"}, {Role::Agent, "a1"}}, {}, false, {}, false};
  inputs.running = {{"10.0.0.1:22", "m1"}, {"10.0.0.2:22", "m0"}};  // 10.0.1.1's deploy failed
  const StagePlan plan = build_plan(Stage::Preflight, inputs);
  EXPECT_FALSE(plan.phases[0].hosts[0].has_work);
  EXPECT_EQ(plan.phases[0].hosts[0].reason, "installed at m1");
  // Another bundle: its ports are its own services'; the upgrade's health gate checks it.
  EXPECT_FALSE(plan.phases[0].hosts[1].has_work);
  EXPECT_TRUE(plan.phases[0].hosts[3].has_work);
  EXPECT_EQ(plan.hosts_with_work(), 4);
}

TEST(PlanTest, SkipSucceededSkipsPostflightRowsThatPassedAtTheCurrentBundle) {
  const ClusterConfig config = cluster();
  PlanInputs inputs{&config, {{Role::Master, "m1"}, {Role::Agent, "a1"}}, {}, false, {}, false};
  inputs.recorded = {row("10.0.0.1:22", HostState::Succeeded, "m1"),
                     row("10.0.1.1:22", HostState::Succeeded, "a0")};
  EXPECT_EQ(build_plan(Stage::Postflight, inputs).hosts_with_work(), 6);  // explicit postflight
  inputs.skip_succeeded = true;
  const StagePlan plan = build_plan(Stage::Postflight, inputs);
  EXPECT_FALSE(plan.phases[0].hosts[0].has_work);
  EXPECT_EQ(plan.phases[0].hosts[0].reason, "passed at m1");
  EXPECT_TRUE(plan.phases[0].hosts[3].has_work);  // passed at an older bundle
  EXPECT_EQ(plan.hosts_with_work(), 5);
}

TEST(PlanTest, ClusterCheckRunsOnTheFirstMasterOnly) {
  const ClusterConfig config = cluster();
  const StagePlan plan =
      build_plan(Stage::ClusterCheck, {&config, {{Role::Master, "m1"}}, {}, false, {}, false});
  ASSERT_EQ(plan.phases.size(), 1u);
  EXPECT_EQ(plan.phases[0].name, "cluster");
  ASSERT_EQ(plan.phases[0].hosts.size(), 1u);
  EXPECT_EQ(plan.phases[0].hosts[0].host->address, "10.0.0.1");
  EXPECT_EQ(stage_from_name("cluster-check"), Stage::ClusterCheck);
  EXPECT_EQ(stage_from_name("nope"), std::nullopt);
}

}  // namespace
}  // namespace dci
