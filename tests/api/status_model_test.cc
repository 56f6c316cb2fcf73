#include "api/status_model.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace dci::api {
namespace {

ClusterConfig cluster_of(int masters, int agents) {
  ClusterConfig config;
  config.cluster_name = "test";
  for (int i = 0; i < masters; ++i) {
    config.hosts.push_back({Role::Master, "10.0.0." + std::to_string(i + 1), 22, "root", ""});
  }
  for (int i = 0; i < agents; ++i) {
    config.hosts.push_back({Role::Agent, "10.0.1." + std::to_string(i + 1), 22, "root", ""});
  }
  return config;
}

HostFinished finished(const std::string& stage, const std::string& host, Role role, HostState state,
                      const std::string& error = "") {
  return HostFinished{stage, host, role, state, error, ""};
}

TEST(StatusModelTest, ListsEveryHostAsPendingBeforeAnyRun) {
  StatusModel model;
  const ClusterConfig config = cluster_of(3, 12);
  ASSERT_TRUE(model.reset(&config, nullptr).ok());
  const nlohmann::json status = model.status_json();
  EXPECT_EQ(status["stages"]["deploy"]["state"], "not_started");
  EXPECT_EQ(status["stages"]["deploy"]["roles"]["agent"]["total"], 12);
  EXPECT_EQ(status["stages"]["deploy"]["roles"]["agent"]["pending"], 12);
  EXPECT_EQ(status["stages"]["cluster-check"]["roles"]["master"]["total"], 0);
  EXPECT_EQ(status["cluster"]["masters"].size(), 3u);
}

TEST(StatusModelTest, GroupsFailuresByCauseAndFiltersHostsByOne) {
  StatusModel model;
  const ClusterConfig config = cluster_of(1, 12);
  ASSERT_TRUE(model.reset(&config, nullptr).ok());
  model.on_event(StageStarted{"preflight", 1, {}, ""});
  for (int i = 1; i <= 5; ++i) {
    HostFinished host = finished("preflight", "10.0.1." + std::to_string(i) + ":22", Role::Agent,
                                 HostState::Failed, "port");
    host.cause = i <= 4 ? "check ports: port 2379 in use" : "unreachable: connect timeout";
    model.on_event(host);
  }
  const nlohmann::json failures = model.failures_json("preflight", 100);
  EXPECT_EQ(failures["total"], 5);
  ASSERT_EQ(failures["causes"].size(), 2u);
  EXPECT_EQ(failures["causes"][0]["cause"], "check ports: port 2379 in use");
  EXPECT_EQ(failures["causes"][0]["count"], 4);
  EXPECT_EQ(failures["causes"][0]["hosts"].size(), 3u);
  EXPECT_EQ(failures["causes"][1]["hosts"][0], "10.0.1.5:22");
  EXPECT_EQ(model.failures_json("preflight", 1)["more_causes"], 1);
  HostQuery query;
  query.stage = "preflight";
  query.cause = "unreachable: connect timeout";
  const nlohmann::json page = model.hosts_json(query);
  EXPECT_EQ(page["total"], 1);
  EXPECT_EQ(page["hosts"][0]["host"], "10.0.1.5:22");
  EXPECT_EQ(model.hosts_with_cause("preflight", "check ports: port 2379 in use").size(), 4u);
  // A retry of one cause: the other cause's host is skipped and stays failed with its cause.
  StageFinished first_run;
  first_run.stage = "preflight";
  model.on_event(first_run);
  model.on_event(StageStarted{"preflight", 2, {}, ""});
  model.on_event(
      finished("preflight", "10.0.1.5:22", Role::Agent, HostState::Skipped, "not selected"));
  for (int i = 1; i <= 4; ++i) {
    model.on_event(finished("preflight", "10.0.1." + std::to_string(i) + ":22", Role::Agent,
                            HostState::Succeeded));
  }
  const nlohmann::json after = model.failures_json("preflight", 100);
  EXPECT_EQ(after["total"], 1);
  EXPECT_EQ(after["causes"][0]["cause"], "unreachable: connect timeout");
}

TEST(StatusModelTest, SortsFailedHostsFirstThenAddressesWithNumbersAsNumbers) {
  StatusModel model;
  const ClusterConfig config = cluster_of(1, 12);
  ASSERT_TRUE(model.reset(&config, nullptr).ok());
  model.on_event(StageStarted{"preflight", 1, {{Role::Agent, 12}}, ""});
  model.on_event(finished("preflight", "10.0.1.11:22", Role::Agent, HostState::Failed, "boom"));
  const nlohmann::json page = model.hosts_json({"preflight", "", "", "", 0, 4});
  EXPECT_EQ(page["total"], 13);
  ASSERT_EQ(page["hosts"].size(), 4u);
  EXPECT_EQ(page["hosts"][0]["host"], "10.0.1.11:22");
  EXPECT_EQ(page["hosts"][0]["error"], "boom");
  EXPECT_EQ(page["hosts"][1]["host"], "10.0.0.1:22");
  EXPECT_EQ(page["hosts"][2]["host"], "10.0.1.1:22");
  EXPECT_EQ(page["hosts"][3]["host"], "10.0.1.2:22");
}

TEST(StatusModelTest, FiltersByRoleStateAndText) {
  StatusModel model;
  const ClusterConfig config = cluster_of(3, 20);
  ASSERT_TRUE(model.reset(&config, nullptr).ok());
  model.on_event(StageStarted{"preflight", 1, {}, ""});
  model.on_event(HostStepStarted{"preflight", "10.0.1.5:22", Role::Agent, "check-ports", "x"});
  model.on_event(
      OutputChunk{"preflight", "10.0.1.5:22", "check-ports", false, "a\nPort 2379 busy\n"});
  EXPECT_EQ(model.hosts_json({"preflight", "master", "", "", 0, 100})["total"], 3);
  EXPECT_EQ(model.hosts_json({"preflight", "", "running", "", 0, 100})["total"], 1);
  EXPECT_EQ(model.hosts_json({"preflight", "", "running,pending", "", 0, 100})["total"], 23);
  const nlohmann::json found = model.hosts_json({"preflight", "", "", "PORT 2379", 0, 100});
  ASSERT_EQ(found["total"], 1);
  EXPECT_EQ(found["hosts"][0]["last_line"], "Port 2379 busy");
  EXPECT_EQ(found["hosts"][0]["step"], "check-ports");
  EXPECT_EQ(model.hosts_json({"preflight", "", "bogus", "", 0, 100})["total"], 0);
  EXPECT_EQ(model.hosts_json({"no-stage", "", "", "", 0, 100})["total"], 0);
}

TEST(StatusModelTest, SkippedHostKeepsAnEarlierSuccessAndStageStatesFollowEvents) {
  StatusModel model;
  const ClusterConfig config = cluster_of(1, 1);
  ASSERT_TRUE(model.reset(&config, nullptr).ok());
  model.on_event(StageStarted{"deploy", 1, {}, "masters"});
  EXPECT_EQ(model.status_json()["stages"]["deploy"]["state"], "running");
  EXPECT_EQ(model.status_json()["stages"]["deploy"]["phase"], "masters");
  model.on_event(finished("deploy", "10.0.0.1:22", Role::Master, HostState::Succeeded));
  model.on_event(finished("deploy", "10.0.1.1:22", Role::Agent, HostState::Succeeded));
  StageFinished done;
  done.stage = "deploy";
  done.ok = true;
  done.summary = "all 2 hosts passed";
  model.on_event(done);
  EXPECT_EQ(model.status_json()["stages"]["deploy"]["state"], "succeeded");

  model.on_event(StageStarted{"deploy", 2, {}, "masters"});
  EXPECT_EQ(model.status_json()["stages"]["deploy"]["roles"]["master"]["pending"], 1);
  model.on_event(
      finished("deploy", "10.0.0.1:22", Role::Master, HostState::Skipped, "already at X"));
  const nlohmann::json status = model.status_json();
  EXPECT_EQ(status["stages"]["deploy"]["roles"]["master"]["succeeded"], 1);
  EXPECT_EQ(status["stages"]["deploy"]["roles"]["master"]["skipped"], 0);
}

TEST(StatusModelTest, ARollingChangesNextWaveKeepsTheEarlierWavesHosts) {
  StatusModel model;
  const ClusterConfig config = cluster_of(2, 0);
  ASSERT_TRUE(model.reset(&config, nullptr).ok());
  StageFinished wave_finished;
  wave_finished.stage = "upgrade";
  wave_finished.ok = true;
  model.on_event(StageStarted{"upgrade", 7, {{Role::Master, 1}}, "master 1 of 2"});
  model.on_event(finished("upgrade", "10.0.0.1:22", Role::Master, HostState::Succeeded));
  model.on_event(wave_finished);
  model.on_event(StageStarted{"upgrade", 7, {{Role::Master, 1}}, "master 2 of 2"});
  model.on_event(HostStepStarted{"upgrade", "10.0.0.2:22", Role::Master, "switch", "x"});
  nlohmann::json masters = model.status_json()["stages"]["upgrade"]["roles"]["master"];
  EXPECT_EQ(masters["succeeded"], 1) << masters;
  EXPECT_EQ(masters["running"], 1) << masters;
  // The next run starts the stage afresh.
  model.on_event(wave_finished);
  model.on_event(StageStarted{"upgrade", 8, {{Role::Master, 2}}, "master 1 of 2"});
  masters = model.status_json()["stages"]["upgrade"]["roles"]["master"];
  EXPECT_EQ(masters["pending"], 2) << masters;
}

TEST(StatusModelTest, HostEventCarriesTheLatestState) {
  StatusModel model;
  const ClusterConfig config = cluster_of(1, 0);
  ASSERT_TRUE(model.reset(&config, nullptr).ok());
  model.on_event(StageStarted{"preflight", 1, {}, ""});
  model.on_event(HostStepStarted{"preflight", "10.0.0.1:22", Role::Master, "os", "uname"});
  const nlohmann::json event = model.host_event_json("preflight", "10.0.0.1:22");
  EXPECT_EQ(event["type"], "host");
  EXPECT_EQ(event["state"], "running");
  EXPECT_EQ(event["step"], "os");
  EXPECT_TRUE(model.host_event_json("preflight", "10.9.9.9:22").is_null());
  EXPECT_TRUE(model.host_event_json("cluster-check", "10.0.0.1:22").is_null());
}

}  // namespace
}  // namespace dci::api
