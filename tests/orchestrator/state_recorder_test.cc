#include "orchestrator/state_recorder.h"

#include <gtest/gtest.h>

#include "state/sqlite_state_store.h"
#include "test_support/temp_dir.h"

namespace dci {
namespace {

TEST(StateRecorderTest, RecordsStepsWithOutputAndHostRowsButNotSkippedHosts) {
  TempDir dir("recorder");
  auto store = SqliteStateStore::open((dir.path() / "state.db").string());
  ASSERT_TRUE(store);
  const int64_t run = *store->begin_run("deploy");
  StateRecorder recorder(*store);
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
  const auto hosts = store->host_stages("deploy");
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].state, HostState::Failed);
  EXPECT_EQ(hosts[0].error, "install failed");
  EXPECT_EQ(hosts[0].bundle_id, "b2");
  EXPECT_EQ(hosts[1].state, HostState::Succeeded);  // the skip did not overwrite it
  EXPECT_EQ(hosts[1].bundle_id, "b1");
}

}  // namespace
}  // namespace dci
