#include "orchestrator/state_recorder.h"

#include <gtest/gtest.h>

#include "state/sqlite_state_store.h"
#include "test_support/temp_dir.h"

namespace dci {
namespace {

const SystemWallClock k_wall;
const transport::SteadyClock k_clock;

TEST(StateRecorderTest, RecordsStepsWithOutputAndHostRowsButNotSkippedHosts) {
  TempDir dir("recorder");
  auto store = SqliteStateStore::open((dir.path() / "state.db").string());
  ASSERT_TRUE(store);
  const int64_t run = *store->begin_run("deploy");
  StateRecorder recorder(*store, store->host_bundles().value(), k_wall, k_clock);
  store->set_host_stage({"10.0.0.2:22", "agent", "deploy", HostState::Succeeded, "b1", "", 0, 1});
  ASSERT_TRUE(store->flush());

  recorder.on_event(StageStarted{"deploy", run, {{Role::Master, 1}}, ""});
  recorder.on_event(HostStepStarted{"deploy", "10.0.0.1:22", Role::Master, "install", "sh x"});
  recorder.on_event(OutputChunk{"deploy", "10.0.0.1:22", "install", false, "hello "});
  recorder.on_event(OutputChunk{"deploy", "10.0.0.1:22", "install", true, "world\n"});
  recorder.on_event(
      HostStepFinished{"deploy", "10.0.0.1:22", Role::Master, "install", 3, "exit 3", 0.5, false});
  recorder.on_event(HostFinished{"deploy", "10.0.0.1:22", Role::Master, HostState::Failed,
                                 "install failed", "b2"});
  recorder.on_event(HostFinished{"deploy", "10.0.0.2:22", Role::Agent, HostState::Skipped,
                                 "already at b1", "b1"});
  recorder.on_event(StageFinished{"deploy", false, false, {}, {}, "1 master failed", 1.0});

  const auto steps = store->steps({"10.0.0.1:22", "deploy", run});
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].output, "hello world\n");
  EXPECT_EQ(steps[0].exit_code, 3);
  EXPECT_EQ(steps[0].command, "sh x");
  const auto hosts = store->host_stages("deploy").value();
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].state, HostState::Failed);
  EXPECT_EQ(hosts[0].error, "install failed");
  EXPECT_EQ(hosts[0].bundle_id, "b2");
  EXPECT_EQ(hosts[1].state, HostState::Succeeded);  // the skip did not overwrite it
  EXPECT_EQ(hosts[1].bundle_id, "b1");
}

TEST(StateRecorderTest, UninstallResetsTheInstallRowsAndADeployForgetsTheUninstall) {
  TempDir dir("recorder-lifecycle");
  auto store = SqliteStateStore::open((dir.path() / "state.db").string());
  ASSERT_TRUE(store);
  StateRecorder recorder(*store, store->host_bundles().value(), k_wall, k_clock);
  const std::string a = "10.0.0.1:22", b = "10.0.0.2:22";
  const int64_t uninstall = *store->begin_run("uninstall");
  recorder.on_event(StageStarted{"uninstall", uninstall, {{Role::Agent, 2}}, ""});
  for (const std::string& host : {a, b}) {
    recorder.on_event(HostFinished{"uninstall", host, Role::Agent, HostState::Succeeded, "", ""});
  }
  recorder.on_event(StageFinished{"uninstall", true, false, {}, {}, "", 1.0});
  ASSERT_EQ(store->host_stages("uninstall").value().size(), 2u);
  ASSERT_EQ(store->host_stages("deploy").value().size(), 2u);
  for (const HostStageStatus& row : store->host_stages("deploy").value()) {
    EXPECT_EQ(row.state, HostState::Pending);
    EXPECT_EQ(row.error, "uninstalled");
  }

  const int64_t deploy = *store->begin_run("deploy");
  StateRecorder again(*store, store->host_bundles().value(), k_wall, k_clock);
  again.on_event(StageStarted{"deploy", deploy, {{Role::Agent, 2}}, ""});
  again.on_event(HostFinished{"deploy", a, Role::Agent, HostState::Succeeded, "", "b1"});
  again.on_event(HostFinished{"deploy", b, Role::Agent, HostState::Failed, "install failed", "b1"});
  again.on_event(StageFinished{"deploy", false, false, {}, {}, "1 agent failed", 1.0});
  const auto uninstalled = store->host_stages("uninstall").value();
  ASSERT_EQ(uninstalled.size(), 1u);  // b's deploy failed: it may still be as uninstalled
  EXPECT_EQ(uninstalled[0].host, b);
}

TEST(StateRecorderTest, KeepsWhatEachHostRunsThroughDeploysChangesAndUninstall) {
  TempDir dir("recorder-bundles");
  auto store = SqliteStateStore::open((dir.path() / "state.db").string());
  ASSERT_TRUE(store);
  const std::string a = "10.0.0.1:22", b = "10.0.0.2:22", c = "10.0.0.3:22";
  const int64_t deploy = *store->begin_run("deploy");
  {
    StateRecorder recorder(*store, store->host_bundles().value(), k_wall, k_clock);
    recorder.on_event(StageStarted{"deploy", deploy, {{Role::Master, 3}}, ""});
    for (const std::string& host : {a, b, c}) {
      recorder.on_event(HostFinished{"deploy", host, Role::Master, HostState::Succeeded, "", "b1"});
    }
    ASSERT_TRUE(recorder.flush());
  }
  const int64_t upgrade = *store->begin_run("upgrade");
  // Given what the first one wrote.
  StateRecorder recorder(*store, store->host_bundles().value(), k_wall, k_clock);
  recorder.on_event(StageStarted{"upgrade", upgrade, {{Role::Master, 1}}, "master 1/3"});
  auto change = [&](const std::string& host, UpgradeOutcome outcome, std::string step = "") {
    recorder.on_event(
        HostChanged{"upgrade", host, Role::Master, "b1", "b2", outcome, "", false, step});
  };
  change(a, UpgradeOutcome::Upgraded);
  change(b, UpgradeOutcome::RolledBack);
  change(c, UpgradeOutcome::Pending, "switch");  // the run dies here
  ASSERT_TRUE(recorder.flush());
  std::map<std::string, HostBundle> rows;
  for (HostBundle& row : store->host_bundles().value()) rows[row.host] = row;
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[a].running, "b2");
  EXPECT_EQ(rows[a].previous, "b1");
  EXPECT_EQ(rows[a].change_outcome, "upgraded");
  EXPECT_EQ(rows[a].change_run_id, upgrade);
  EXPECT_EQ(rows[b].running, "b1");
  EXPECT_EQ(rows[b].previous, "b2");  // what install.sh kept for --rollback
  EXPECT_EQ(rows[c].running, "b1");   // unknown until the change ends: in flight
  EXPECT_TRUE(rows[c].in_flight());
  EXPECT_EQ(rows[c].change_step, "switch");
  EXPECT_FALSE(rows[a].in_flight());

  recorder.on_event(HostFinished{"uninstall", a, Role::Master, HostState::Succeeded, "", ""});
  ASSERT_TRUE(recorder.flush());
  EXPECT_EQ(store->host_bundles().value().size(), 2u);  // nothing runs on `a` any more
}

}  // namespace
}  // namespace dci
