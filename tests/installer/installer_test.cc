// The Installer on fake hosts and the fake clock, recording into a real SQLite file: install,
// a re-run that touches no host, resume after a killed run, --retry-failed, the cluster check,
// a prerequisite that times out, a state store whose flush fails, 10,000 hosts, and rolling
// changes: masters one at a time, the health gate, resume after a kill, rollback.

#include "installer/installer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <string>

#include "orchestrator/state_recorder.h"
#include "test_support/fake_cluster.h"

namespace dci {
namespace {

namespace tr = transport;

// Host state per address for `stage`, as flushed to the state file.
std::map<std::string, HostState> states(StateStore& state, Stage stage) {
  std::map<std::string, HostState> out;
  for (const HostStageStatus& row : state.host_stages(std::string(stage_name(stage))).value()) {
    out[row.host.substr(0, row.host.rfind(':'))] = row.state;  // by address
  }
  return out;
}

size_t count_in(const std::map<std::string, HostState>& states, HostState wanted) {
  size_t n = 0;
  for (const auto& [host, state] : states) n += state == wanted;
  return n;
}

TEST(InstallerTest, InstallsEveryHostAndARerunTouchesNone) {
  FakeCluster cluster(3, 4);
  auto installer = cluster.open();
  const RunOutcome first = cluster.run(*installer, install_request());
  ASSERT_TRUE(first.ok) << first.error << first.state_error;
  ASSERT_EQ(first.stages.size(), 4u);
  for (Stage stage : {Stage::Preflight, Stage::Deploy, Stage::Postflight}) {
    EXPECT_EQ(count_in(states(cluster.state(), stage), HostState::Succeeded), 7u)
        << stage_name(stage);
  }
  EXPECT_EQ(cluster.hosts_that_ran(" --preflight-only ").size(), 7u);
  EXPECT_EQ(cluster.hosts_that_ran(" --health").size(), 7u);
  ASSERT_TRUE(cluster.state().last_run());
  EXPECT_EQ(cluster.state().last_run()->outcome, "succeeded");

  cluster.reset_commands();
  const size_t before = cluster.transport().commands_run();
  const RunOutcome again = cluster.run(*installer, install_request());
  ASSERT_TRUE(again.ok) << again.error;
  EXPECT_EQ(cluster.transport().commands_run(), before) << "a re-run ran commands";
  // Positive control: the same query finds the first run's steps.
  EXPECT_GT(cluster.state().steps({.host = "", .stage = "", .run_id = first.run_id}).size(), 0u);
  EXPECT_EQ(cluster.state().steps({.host = "", .stage = "", .run_id = again.run_id}).size(), 0u);
}

TEST(InstallerTest, TheClusterCheckRunsOnOneMasterAfterPostflight) {
  FakeCluster cluster(3, 2);
  auto installer = cluster.open();
  const RunOutcome outcome = cluster.run(*installer, install_request());
  ASSERT_TRUE(outcome.ok) << outcome.error;
  const std::set<std::string> checked = cluster.hosts_that_ran("--cluster-health");
  ASSERT_EQ(checked.size(), 1u);
  EXPECT_EQ(checked.begin()->rfind("10.0.0.", 0), 0u) << *checked.begin();
  ASSERT_EQ(outcome.stages.back().stage, stage_name(Stage::ClusterCheck));
  EXPECT_TRUE(outcome.stages.back().ok);
}

TEST(InstallerTest, RetryFailedRunsOnlyTheHostsThatFailed) {
  FakeCluster cluster(3, 4);
  const std::set<std::string> broken = {FakeCluster::agent(1), FakeCluster::agent(3)};
  cluster.rule("--preflight-only", failed_reply("FAILED ports: port 2379 in use\n"), broken);
  auto installer = cluster.open();
  const RunOutcome first = cluster.run(*installer, run_request("preflight", {Stage::Preflight}));
  EXPECT_FALSE(first.ok);
  const auto after_first = states(cluster.state(), Stage::Preflight);
  EXPECT_EQ(count_in(after_first, HostState::Failed), 2u);
  for (const HostStageStatus& row : cluster.state().host_stages("preflight").value()) {
    if (row.state == HostState::Failed) {
      EXPECT_EQ(row.error, "ports: port 2379 in use");
    }
  }

  cluster.clear_rules();
  cluster.reset_commands();
  const RunOutcome retry =
      cluster.run(*installer, run_request("preflight --retry-failed", {Stage::Preflight}, true));
  ASSERT_TRUE(retry.ok) << retry.error;
  EXPECT_EQ(cluster.hosts_that_ran("--preflight-only"), broken);
  EXPECT_EQ(count_in(states(cluster.state(), Stage::Preflight), HostState::Succeeded), 7u);
}

TEST(InstallerTest, AKilledRunIsInterruptedAndTheNextRunRedoesOnlyWhatIsNotDone) {
  FakeCluster cluster(3, 4);
  // Killed a while after the third agent started to install (its install hangs): the masters'
  // and the other agents' results have been flushed by then, and its "running" row.
  const std::string stuck = FakeCluster::agent(2);
  cluster.kill_at("--address '" + stuck + "' agent", 4 * StateRecorder::k_flush_interval);
  cluster.run_until_killed(cluster.open(), run_request("deploy", {Stage::Deploy}));
  ASSERT_TRUE(cluster.state().last_run());
  EXPECT_EQ(cluster.state().last_run()->outcome, "");  // unfinished: nobody recorded its end
  const auto killed = states(cluster.state(), Stage::Deploy);
  EXPECT_EQ(count_in(killed, HostState::Succeeded), 6u);
  EXPECT_EQ(killed.at(stuck), HostState::Running);

  cluster.reset_commands();
  auto installer = cluster.open();
  const RunOutcome resumed = cluster.run(*installer, run_request("deploy", {Stage::Deploy}));
  ASSERT_TRUE(resumed.ok) << resumed.error;
  // The killed run's running host is interrupted by the next run and redone; hosts that had
  // finished are not deployed again.
  EXPECT_EQ(cluster.hosts_that_ran("--bundle"), std::set<std::string>{stuck});
  EXPECT_EQ(count_in(states(cluster.state(), Stage::Deploy), HostState::Succeeded), 7u);
}

TEST(InstallerTest, APrerequisiteThatHangsTimesOutAndFailsOnlyItsHost) {
  FakeCluster cluster(1, 2, "install_prereqs: true\n",
                      DCINSTALL_SOURCE_DIR "/tests/installer/testdata/prereqs");
  tr::FakeExecReply hang;
  hang.hang = true;
  cluster.rule("--install-prereqs", hang, {FakeCluster::agent(0)});
  auto installer = cluster.open();
  const RunOutcome outcome = cluster.run(*installer, run_request("preflight", {Stage::Preflight}));
  EXPECT_FALSE(outcome.ok);
  const auto rows = cluster.state().host_stages("preflight").value();
  for (const HostStageStatus& row : rows) {
    if (row.host == FakeCluster::id(FakeCluster::agent(0))) {
      EXPECT_EQ(row.state, HostState::Failed);
      EXPECT_NE(row.error.find("command-timeout"), std::string::npos) << row.error;
    } else {
      EXPECT_EQ(row.state, HostState::Succeeded) << row.host << ": " << row.error;
    }
  }
}

TEST(InstallerTest, AFailedFlushFailsTheRunWithTheStoreError) {
  FakeCluster cluster(1, 1);
  cluster.store().fail_flushes = true;
  auto installer = cluster.open();
  const RunOutcome outcome = cluster.run(*installer, run_request("preflight", {Stage::Preflight}));
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.state_error.find("database or disk is full"), std::string::npos)
      << outcome.state_error;
}

TEST(InstallerTest, AStateThatCannotBeReadEndsEveryRunAndPlanTouchingNoHost) {
  FakeCluster cluster(3, 2);
  auto installer = cluster.open();
  ASSERT_TRUE(cluster.run(*installer, install_request()).ok);
  cluster.append_config("tiny_greeting: bonjour\n");  // the masters would switch
  ASSERT_TRUE(installer->reload_config().ok());
  cluster.store().fail_reads = true;
  cluster.reset_commands();

  for (const RunRequest& request : {install_request(), run_request("deploy", {Stage::Deploy})}) {
    const RunOutcome outcome = cluster.run(*installer, request);
    EXPECT_FALSE(outcome.ok);
    EXPECT_NE(outcome.error.find("cannot read the state store (state.db: state database: "
                                 "database disk image is malformed)"),
              std::string::npos)
        << request.command << ": " << outcome.error;
  }
  EXPECT_TRUE(cluster.hosts_that_ran("").empty()) << "a host was touched";
  EXPECT_FALSE(installer->plan(Stage::Deploy, false, false));
  EXPECT_FALSE(installer->rolling_plan(false));
  EXPECT_FALSE(installer->prune_plan());

  cluster.store().fail_reads = false;  // readable again: the run goes on from the state
  EXPECT_TRUE(cluster.run(*installer, run_request("deploy", {Stage::Deploy})).ok);
  EXPECT_EQ(cluster.hosts_that_ran("--drain").size(), 3u);
}

TEST(InstallerTest, ADeployThatChangesRunningMastersSwitchesThemOneAtATime) {
  FakeCluster cluster(3, 2);
  auto installer = cluster.open();
  ASSERT_TRUE(cluster.run(*installer, install_request()).ok);
  cluster.append_config("tiny_greeting: bonjour\n");  // a master-only parameter
  ASSERT_TRUE(installer->reload_config().ok());
  cluster.reset_commands();
  const RunOutcome changed = cluster.run(*installer, run_request("deploy", {Stage::Deploy}));
  ASSERT_TRUE(changed.ok) << changed.error;
  // The health gate of the 3 masters, one wave per master, then the deploy stage (nothing left
  // for it: the agents did not change).
  ASSERT_EQ(changed.stages.size(), 5u);
  EXPECT_EQ(changed.stages[0].counts.at(Role::Master).total, 3) << "the health gate";
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(changed.stages[i].counts.at(Role::Master).total, 1) << "wave " << i;
  }
  const std::set<std::string> masters = {FakeCluster::master(0), FakeCluster::master(1),
                                         FakeCluster::master(2)};
  EXPECT_EQ(cluster.hosts_that_ran("--drain"), masters);
  EXPECT_EQ(cluster.hosts_that_ran("--cluster-health"), masters);  // back in the quorum
  EXPECT_EQ(cluster.hosts_that_ran("--undrain"), masters);
  EXPECT_TRUE(cluster.hosts_that_ran(FakeCluster::agent(0)).empty());
  // The deploy rows say the masters run the new bundle: a second deploy has nothing to do.
  cluster.reset_commands();
  const RunOutcome again = cluster.run(*installer, run_request("deploy", {Stage::Deploy}));
  ASSERT_TRUE(again.ok) << again.error;
  EXPECT_EQ(again.stages.size(), 1u);
  EXPECT_TRUE(cluster.hosts_that_ran("").empty());
}

TEST(InstallerTest, AMasterWhoseNewBundleStaysUnhealthyIsRolledBackAndTheChangeHalts) {
  FakeCluster cluster(3, 2);
  auto installer = cluster.open();
  ASSERT_TRUE(cluster.run(*installer, install_request()).ok);
  cluster.append_config("tiny_greeting: bonjour\n");
  ASSERT_TRUE(installer->reload_config().ok());
  cluster.reset_commands();
  // The first master never becomes healthy after its switch (the polled health; the health
  // gate's one check passes, and its rollback, like every command, succeeds).
  cluster.rule("--health; do", failed_reply("FAILED sleeper: not running\n"),
               {FakeCluster::master(0)});
  const std::string old_bundle = cluster.active_bundle(FakeCluster::master(0));
  const RunOutcome changed = cluster.run(*installer, run_request("deploy", {Stage::Deploy}));
  EXPECT_FALSE(changed.ok);
  EXPECT_TRUE(changed.error.empty()) << changed.error;  // hosts failed: not a run that never began
  EXPECT_NE(changed.stopped.find("halted: master 10.0.0.1:22"), std::string::npos)
      << changed.stopped;
  EXPECT_NE(changed.stopped.find("run `dcinstall upgrade` again"), std::string::npos)
      << changed.stopped;
  EXPECT_EQ(cluster.hosts_that_ran("--rollback"), std::set<std::string>{FakeCluster::master(0)});
  EXPECT_TRUE(cluster.hosts_that_ran("--drain").count(FakeCluster::master(0)));
  EXPECT_FALSE(cluster.hosts_that_ran("--drain").count(FakeCluster::master(1)));
  ASSERT_EQ(changed.stages.size(), 2u);  // the health gate, the first master's wave
  ASSERT_EQ(changed.stages[1].failures.size(), 1u);
  EXPECT_NE(changed.stages[1].failures[0].error.find("sleeper: not running"), std::string::npos)
      << changed.stages[1].failures[0].error;
  EXPECT_EQ(cluster.active_bundle(FakeCluster::master(0)), old_bundle);

  // One rule: the master changes again only by a rolling change (masters one at a time), never
  // by the plain deploy that follows it.
  cluster.clear_rules();
  cluster.reset_commands();
  const RunOutcome again = cluster.run(*installer, run_request("deploy", {Stage::Deploy}));
  ASSERT_TRUE(again.ok) << again.stopped;
  ASSERT_EQ(again.stages.size(), 5u);  // the gate, 3 master waves, the deploy stage
  const StageCounts& plain = again.stages[4].counts.at(Role::Master);
  EXPECT_EQ(plain.skipped, plain.total) << "a master in the plain deploy";
  // Its rollback's health failed too (the rule), so what it runs was unknown: probed first
  // (not gated), then switched once.
  EXPECT_EQ(again.stages[0].counts.at(Role::Master).total, 2) << "the gate skips it";
  EXPECT_EQ(cluster.times_ran(FakeCluster::master(0), "--running-bundle"), 1u);
  EXPECT_EQ(cluster.times_ran(FakeCluster::master(0), " --bundle "), 1u);
  EXPECT_NE(cluster.active_bundle(FakeCluster::master(0)), old_bundle);
}

// The config change of these tests: a master-only parameter, so only the masters change.
void change_the_masters(FakeCluster& cluster, Installer& installer) {
  cluster.append_config("tiny_greeting: bonjour\n");
  ASSERT_TRUE(installer.reload_config().ok());
  cluster.reset_commands();
}

RunRequest rolling_request(RunKind kind) {
  RunRequest request;
  request.command = kind == RunKind::Rollback ? "rollback" : "upgrade";
  request.kind = kind;
  return request;
}

TEST(InstallerTest, AnUpgradeRefusesToStartWhenAMasterIsUnhealthyAndChangesNothing) {
  FakeCluster cluster(3, 2);
  auto installer = cluster.open();
  ASSERT_TRUE(cluster.run(*installer, install_request()).ok);
  change_the_masters(cluster, *installer);
  const std::string before = cluster.active_bundle(FakeCluster::master(1));
  cluster.rule("--health", failed_reply("FAILED etcd: not answering\n"), {FakeCluster::master(1)});
  const RunOutcome refused = cluster.run(*installer, rolling_request(RunKind::Upgrade));
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.stopped.find("upgrade refused"), std::string::npos) << refused.stopped;
  EXPECT_NE(refused.stopped.find(FakeCluster::id(FakeCluster::master(1)) + ": etcd: not answering"),
            std::string::npos)
      << refused.stopped;
  EXPECT_TRUE(cluster.hosts_that_ran("--drain").empty());
  EXPECT_TRUE(cluster.hosts_that_ran(" --bundle ").empty());
  EXPECT_EQ(cluster.active_bundle(FakeCluster::master(1)), before);
  ASSERT_EQ(refused.stages.size(), 1u);  // the gate only: no wave, no cluster check
  // Positive control: the same masters upgrade once healthy.
  cluster.clear_rules();
  const RunOutcome upgraded = cluster.run(*installer, rolling_request(RunKind::Upgrade));
  ASSERT_TRUE(upgraded.ok) << upgraded.stopped;
  EXPECT_EQ(cluster.hosts_that_ran("--drain").size(), 3u);
}

TEST(InstallerTest, AnUpgradeKilledMidSwitchResumesWithoutSwitchingThatMasterTwice) {
  FakeCluster cluster(3, 2);
  auto installer = cluster.open();
  ASSERT_TRUE(cluster.run(*installer, install_request()).ok);
  change_the_masters(cluster, *installer);
  // The second master's switch hangs (it did switch); the run dies a while later.
  const std::string second = FakeCluster::master(1);
  cluster.kill_at("--address '" + second + "' master", 4 * StateRecorder::k_flush_interval);
  cluster.run_until_killed(std::move(installer), rolling_request(RunKind::Upgrade));
  const std::string target = cluster.active_bundle(FakeCluster::master(0));
  EXPECT_EQ(cluster.active_bundle(second), target);
  EXPECT_NE(cluster.active_bundle(FakeCluster::master(2)), target);

  cluster.reset_commands();
  installer = cluster.open();
  const RunOutcome resumed = cluster.run(*installer, rolling_request(RunKind::Upgrade));
  ASSERT_TRUE(resumed.ok) << resumed.stopped;
  EXPECT_EQ(cluster.times_ran(second, " --bundle "), 0u) << "switched twice";
  EXPECT_EQ(cluster.times_ran(second, "--running-bundle"), 1u);  // probed instead
  EXPECT_EQ(cluster.times_ran(FakeCluster::master(0), "--drain"), 0u);  // done before the kill
  EXPECT_EQ(cluster.times_ran(FakeCluster::master(2), " --bundle "), 1u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(cluster.active_bundle(FakeCluster::master(i)), target);
  // The killed run and its resume are one upgrade: a rollback takes back all three masters,
  // also the one only the killed run switched.
  auto back = installer->rolling_plan(true);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->hosts_changing(), 3);
}

TEST(InstallerTest, RollbackTakesTheLastUpgradesHostsBackOneMasterAtATime) {
  FakeCluster cluster(3, 2);
  auto installer = cluster.open();
  ASSERT_TRUE(cluster.run(*installer, install_request()).ok);
  const std::string installed = cluster.active_bundle(FakeCluster::master(0));
  change_the_masters(cluster, *installer);
  ASSERT_TRUE(cluster.run(*installer, rolling_request(RunKind::Upgrade)).ok);
  auto plan = installer->rolling_plan(true);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->hosts_changing(), 3);
  for (const RollingWave& wave : plan->waves) {
    ASSERT_EQ(wave.hosts.size(), 1u);
    EXPECT_EQ(wave.hosts[0].to_bundle, installed);
  }

  cluster.reset_commands();
  const RunOutcome back = cluster.run(*installer, rolling_request(RunKind::Rollback));
  ASSERT_TRUE(back.ok) << back.stopped;
  for (int i = 0; i < 3; ++i) {
    const std::string master = FakeCluster::master(i);
    EXPECT_EQ(cluster.times_ran(master, "--rollback"), 1u) << master;
    EXPECT_EQ(cluster.times_ran(master, " --bundle "), 0u) << master;  // nothing pushed
    EXPECT_EQ(cluster.active_bundle(master), installed) << master;
  }
  EXPECT_EQ(cluster.times_ran(FakeCluster::agent(0), ""), 0u);  // not in the upgrade
  // Done: nothing left to roll back; the config's bundles are an upgrade away again.
  EXPECT_EQ(installer->rolling_plan(true)->hosts_changing(), 0);
  EXPECT_EQ(installer->rolling_plan(false)->hosts_changing(), 3);
}

TEST(InstallerTest, InstallsTenThousandHosts) {
  FakeCluster cluster(3, 10'000 - 3);
  auto installer = cluster.open();
  const RunOutcome outcome = cluster.run(*installer, install_request());
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(count_in(states(cluster.state(), Stage::Postflight), HostState::Succeeded), 10'000u);
  EXPECT_EQ(cluster.hosts_that_ran(" --bundle ").size(), 10'000u);
}

}  // namespace
}  // namespace dci
