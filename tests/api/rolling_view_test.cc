#include "api/rolling_view.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace dci::api {
namespace {

// 3 masters and 2 agents; the plan: each master its own wave, then one batch of both agents.
struct Fixture {
  ClusterConfig config;
  RollingPlan plan;

  Fixture() {
    for (int i = 1; i <= 3; ++i)
      config.hosts.push_back({Role::Master, "10.0.0." + std::to_string(i), 22, "root", ""});
    for (int i = 1; i <= 2; ++i)
      config.hosts.push_back({Role::Agent, "10.0.1." + std::to_string(i), 22, "root", ""});
    for (int i = 0; i < 3; ++i) {
      plan.waves.push_back(
          {i,
           Role::Master,
           "master " + std::to_string(i + 1) + "/3",
           {{&config.hosts[i], "old-m", "new-m", "etcd_heartbeat_interval_ms 100 -> 150"}}});
    }
    plan.waves.push_back({3,
                          Role::Agent,
                          "agent batch 1/1",
                          {{&config.hosts[3], "old-a", "new-a", "version"},
                           {&config.hosts[4], "old-a", "new-a", "version"}}});
  }
};

HostChanged changed(const std::string& host, Role role, UpgradeOutcome outcome,
                    const std::string& step = "", const std::string& error = "") {
  return HostChanged{"upgrade", host, role, "old", "new", outcome, error, false, step};
}

StageFinished wave_done(bool ok) {
  StageFinished finished;
  finished.stage = "upgrade";
  finished.ok = ok;
  return finished;
}

TEST(RollingViewTest, IsUnknownBeforeAnyRollingChange) {
  const RollingView view;
  const nlohmann::json json = view.json();
  EXPECT_FALSE(json["known"]);
  EXPECT_FALSE(json["running"]);
  EXPECT_TRUE(json["waves"].empty());
  EXPECT_TRUE(json["run_id"].is_null());
}

TEST(RollingViewTest, TheExpectedPlanWaitsThenFollowsTheWavesAndHosts) {
  Fixture fixture;
  RollingView view;
  view.expect(fixture.plan);
  nlohmann::json json = view.json();
  EXPECT_TRUE(json["known"]);
  EXPECT_TRUE(json["running"]);
  ASSERT_EQ(json["waves"].size(), 4u);
  EXPECT_EQ(json["waves"][0]["label"], "master 1/3");
  EXPECT_EQ(json["waves"][0]["state"], "waiting");
  EXPECT_EQ(json["waves"][0]["hosts"][0]["reason"], "etcd_heartbeat_interval_ms 100 -> 150");
  EXPECT_EQ(json["waves"][3]["hosts"].size(), 2u);
  EXPECT_EQ(json["hosts_total"], 5);

  view.on_event(StageStarted{"upgrade", 7, {{Role::Master, 3}}, "health gate"});
  json = view.json();
  EXPECT_EQ(json["run_id"], 7);
  EXPECT_EQ(json["phase"], "health gate");
  EXPECT_TRUE(json["wave"].is_null());
  view.on_event(wave_done(true));

  view.on_event(StageStarted{"upgrade", 7, {{Role::Master, 1}}, "master 1/3"});
  view.on_event(changed("10.0.0.1:22", Role::Master, UpgradeOutcome::Pending));
  view.on_event(changed("10.0.0.1:22", Role::Master, UpgradeOutcome::Pending, "switch"));
  json = view.json();
  EXPECT_EQ(json["phase"], "master 1/3");
  EXPECT_EQ(json["wave"], 0);
  EXPECT_EQ(json["waves"][0]["state"], "running");
  EXPECT_EQ(json["waves"][0]["hosts"][0]["state"], "changing");
  EXPECT_EQ(json["waves"][0]["hosts"][0]["step"], "switch");
  EXPECT_EQ(json["waves"][0]["hosts"][0]["reason"], "etcd_heartbeat_interval_ms 100 -> 150");
  EXPECT_EQ(json["waves"][1]["state"], "waiting");

  view.on_event(changed("10.0.0.1:22", Role::Master, UpgradeOutcome::Upgraded));
  view.on_event(wave_done(true));
  json = view.json();
  EXPECT_EQ(json["waves"][0]["state"], "succeeded");
  EXPECT_EQ(json["waves"][0]["hosts"][0]["state"], "upgraded");
  EXPECT_EQ(json["waves"][0]["hosts"][0]["step"], "");
  EXPECT_EQ(json["hosts_done"], 1);
  EXPECT_TRUE(json["wave"].is_null());

  // Paused after the wave in flight: the rest stay waiting.
  view.finish(7, false, true, "");
  json = view.json();
  EXPECT_FALSE(json["running"]);
  EXPECT_EQ(json["state"], "paused");
  EXPECT_EQ(json["waves"][1]["state"], "waiting");
  EXPECT_EQ(json["waves"][1]["hosts"][0]["state"], "waiting");
}

TEST(RollingViewTest, AMasterRolledBackHaltsWithItsCheckAndTheSummary) {
  Fixture fixture;
  RollingView view;
  view.expect(fixture.plan);
  view.on_event(StageStarted{"upgrade", 3, {{Role::Master, 1}}, "master 1/3"});
  view.on_event(changed("10.0.0.1:22", Role::Master, UpgradeOutcome::Pending, "rollback",
                        "health: test-broken: broken on purpose"));
  view.on_event(changed("10.0.0.1:22", Role::Master, UpgradeOutcome::RolledBack, "",
                        "health: test-broken: broken on purpose"));
  view.on_event(wave_done(false));
  view.finish(3, false, false, "upgrade: halted: master 10.0.0.1:22 was rolled back");
  const nlohmann::json json = view.json();
  EXPECT_EQ(json["state"], "stopped");
  EXPECT_EQ(json["summary"], "upgrade: halted: master 10.0.0.1:22 was rolled back");
  EXPECT_EQ(json["waves"][0]["state"], "failed");
  EXPECT_EQ(json["waves"][0]["hosts"][0]["state"], "rolled-back");
  EXPECT_EQ(json["waves"][0]["hosts"][0]["error"], "health: test-broken: broken on purpose");
  EXPECT_EQ(json["hosts_failed"], 1);
  EXPECT_EQ(json["waves"][1]["hosts"][0]["state"], "waiting");
}

TEST(RollingViewTest, AnotherRunsEndDoesNotTouchIt) {
  Fixture fixture;
  RollingView view;
  view.expect(fixture.plan);
  view.on_event(StageStarted{"upgrade", 3, {{Role::Master, 1}}, "health gate"});
  view.finish(3, true, false, "");
  view.finish(4, false, false, "deploy failed");  // a later deploy without a rolling change
  const nlohmann::json json = view.json();
  EXPECT_EQ(json["state"], "completed");
  EXPECT_EQ(json["run_id"], 3);
}

TEST(RollingViewTest, ADeploysRollingChangeBuildsItsWavesFromTheEvents) {
  RollingView view;
  view.on_event(
      StageStarted{"deploy", 9, {{Role::Master, 1}}, "masters"});  // not the upgrade stage
  EXPECT_FALSE(view.json()["known"]);
  view.on_event(StageStarted{"upgrade", 9, {{Role::Agent, 2}}, "agent batch 1/1"});
  view.on_event(changed("10.0.1.1:22", Role::Agent, UpgradeOutcome::Upgraded));
  view.on_event(changed("10.0.1.2:22", Role::Agent, UpgradeOutcome::Pending, "health"));
  StageFinished finished = wave_done(false);
  finished.failures.push_back({"10.0.1.2:22", Role::Agent, "connection lost"});
  view.on_event(finished);
  const nlohmann::json json = view.json();
  EXPECT_EQ(json["run_id"], 9);
  ASSERT_EQ(json["waves"].size(), 1u);
  EXPECT_EQ(json["waves"][0]["label"], "agent batch 1/1");
  EXPECT_EQ(json["waves"][0]["role"], "agent");
  EXPECT_EQ(json["waves"][0]["state"], "failed");
  EXPECT_EQ(json["waves"][0]["hosts"][1]["state"], "failed");
  EXPECT_EQ(json["waves"][0]["hosts"][1]["error"], "connection lost");
}

}  // namespace
}  // namespace dci::api
