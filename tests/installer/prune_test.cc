// `dcinstall prune` on fake hosts, recording into a real SQLite file: the hosts that left the
// config are planned as removals (and install never touches them), prune drains, uninstalls and
// runs their leave step on a master, the state forgets them; a host that is not reachable stays
// listed while the others are pruned; a re-run is a no-op; masters are refused.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "installer/installer.h"
#include "test_support/fake_cluster.h"

namespace dci {
namespace {

const std::string k_leave_distribution = DCINSTALL_SOURCE_DIR "/tests/installer/testdata/leave";

RunRequest prune_request() {
  RunRequest request;
  request.command = "prune";
  request.kind = RunKind::Prune;
  return request;
}

std::string without(const std::string& address) {
  return "  - " + address + "\n";
}

std::set<std::string> installed_hosts(StateStore& state) {
  std::set<std::string> hosts;
  for (const HostBundle& row : state.host_bundles().value()) hosts.insert(row.host);
  return hosts;
}

// Every stage row of `host`, by stage.
std::set<std::string> stages_of(StateStore& state, const std::string& host) {
  std::set<std::string> stages;
  for (Stage stage : k_all_stages) {
    for (const HostStageStatus& row : state.host_stages(std::string(stage_name(stage))).value()) {
      if (row.host == host) stages.insert(row.stage);
    }
  }
  return stages;
}

std::string leave_of(const std::string& address) {
  return "--leave agent --leaving-address '" + address + "'";
}

class PruneTest : public ::testing::Test {
 protected:
  // 1 master, 3 agents, installed.
  PruneTest() : m_cluster(1, 3, "", k_leave_distribution) {
    m_installer = m_cluster.open();
    const RunOutcome installed = m_cluster.run(*m_installer, install_request());
    EXPECT_TRUE(installed.ok) << installed.error << installed.state_error;
    m_cluster.reset_commands();
  }

  void remove_from_config(const std::string& address) {
    m_cluster.edit_config(without(address), "");
    ASSERT_TRUE(m_installer->reload_config());
  }

  FakeCluster m_cluster;
  std::unique_ptr<Installer> m_installer;
};

TEST_F(PruneTest, AHostThatLeftTheConfigIsPlannedAsARemovalAndInstallNeverTouchesIt) {
  const std::string gone = FakeCluster::agent(2);
  remove_from_config(gone);
  auto plan = m_installer->prune_plan();
  ASSERT_TRUE(plan) << plan.error().to_string();
  ASSERT_EQ(plan->hosts.size(), 1u);
  EXPECT_EQ(plan->hosts[0].host.id(), FakeCluster::id(gone));
  EXPECT_EQ(plan->hosts[0].host.role, Role::Agent);
  EXPECT_TRUE(plan->hosts[0].has_work);
  EXPECT_EQ(plan->hosts[0].reason, k_remove_reason);
  EXPECT_FALSE(plan->hosts[0].bundle_id.empty());
  EXPECT_EQ(plan->refused, "");
  ASSERT_NE(plan->leave_on, nullptr);
  EXPECT_EQ(plan->leave_on->id(), FakeCluster::id(FakeCluster::master(0)));

  // install: nothing to do, the removed host included.
  const RunOutcome again = m_cluster.run(*m_installer, install_request());
  ASSERT_TRUE(again.ok) << again.error;
  EXPECT_EQ(m_cluster.times_ran(gone, ""), 0u) << "install touched the removed host";
  EXPECT_EQ(installed_hosts(m_cluster.state()).count(FakeCluster::id(gone)), 1u);
  auto still = m_installer->prune_plan();
  ASSERT_TRUE(still);
  EXPECT_EQ(still->hosts.size(), 1u) << "install forgot the removed host";
}

TEST_F(PruneTest, PrunesTheReachableHostsAndKeepsAnUnreachableOneListedUntilItIsBack) {
  const std::string pruned = FakeCluster::agent(1);
  const std::string cut = FakeCluster::agent(2);
  const std::string kept = FakeCluster::agent(0);
  const std::string master = FakeCluster::master(0);
  remove_from_config(pruned);
  remove_from_config(cut);
  m_cluster.set_reachable(cut, false);

  const RunOutcome first = m_cluster.run(*m_installer, prune_request());
  EXPECT_FALSE(first.ok);
  EXPECT_NE(first.stopped.find(FakeCluster::id(cut) + " (agent): " + k_not_reachable),
            std::string::npos)
      << first.stopped;
  EXPECT_EQ(first.stopped.find(FakeCluster::id(pruned)), std::string::npos) << first.stopped;
  // The reachable one: drained, then uninstalled, then its leave step on the master.
  EXPECT_EQ(m_cluster.times_ran(pruned, " --drain"), 1u);
  EXPECT_EQ(m_cluster.times_ran(pruned, " --uninstall"), 1u);
  EXPECT_EQ(m_cluster.times_ran(master, leave_of(pruned)), 1u);
  // The unreachable one leaves the cluster now (its registration), its files wait.
  EXPECT_EQ(m_cluster.times_ran(master, leave_of(cut)), 1u);
  // The master ran nothing but the leave steps (and the install.sh check); the agent nothing.
  EXPECT_EQ(m_cluster.times_ran(kept, ""), 0u);
  EXPECT_EQ(m_cluster.times_ran(master, ""), m_cluster.times_ran(master, " --leave ") + 1);

  EXPECT_EQ(installed_hosts(m_cluster.state()),
            (std::set<std::string>{FakeCluster::id(master), FakeCluster::id(kept),
                                   FakeCluster::id(cut)}));
  EXPECT_TRUE(stages_of(m_cluster.state(), FakeCluster::id(pruned)).empty())
      << "the state still has rows of the pruned host";
  auto plan = m_installer->prune_plan();
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->hosts.size(), 1u);
  EXPECT_EQ(plan->hosts[0].host.id(), FakeCluster::id(cut));
  EXPECT_EQ(plan->hosts[0].last_error.rfind(k_not_reachable, 0), 0u) << plan->hosts[0].last_error;

  // Back: the second prune cleans it and the state forgets it.
  m_cluster.set_reachable(cut, true);
  m_cluster.reset_commands();
  const RunOutcome second = m_cluster.run(*m_installer, prune_request());
  EXPECT_TRUE(second.ok) << second.stopped << second.error;
  EXPECT_EQ(m_cluster.times_ran(cut, " --uninstall"), 1u);
  EXPECT_EQ(m_cluster.times_ran(pruned, ""), 0u) << "the pruned host was touched again";
  EXPECT_TRUE(stages_of(m_cluster.state(), FakeCluster::id(cut)).empty());
  EXPECT_EQ(installed_hosts(m_cluster.state()).count(FakeCluster::id(cut)), 0u);
  plan = m_installer->prune_plan();
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->hosts.empty());

  // Again: nothing to do, no command, no step.
  const size_t before = m_cluster.transport().commands_run();
  const RunOutcome third = m_cluster.run(*m_installer, prune_request());
  EXPECT_TRUE(third.ok) << third.stopped;
  EXPECT_EQ(m_cluster.transport().commands_run(), before);
  EXPECT_EQ(m_cluster.state().steps({.host = "", .stage = "", .run_id = third.run_id}).size(), 0u);
  // Positive control: the same query finds the second prune's steps.
  EXPECT_GT(m_cluster.state().steps({.host = "", .stage = "", .run_id = second.run_id}).size(), 0u);
}

TEST_F(PruneTest, AFailedLeaveStepKeepsTheHostListed) {
  const std::string gone = FakeCluster::agent(0);
  remove_from_config(gone);
  m_cluster.rule(" --leave ", failed_reply("FAILED deregister: etcd said no\n"));
  const RunOutcome first = m_cluster.run(*m_installer, prune_request());
  EXPECT_FALSE(first.ok);
  EXPECT_NE(
      first.stopped.find("its leave steps failed on " + FakeCluster::id(FakeCluster::master(0))),
      std::string::npos)
      << first.stopped;
  EXPECT_NE(first.stopped.find("etcd said no"), std::string::npos) << first.stopped;
  auto plan = m_installer->prune_plan();
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->hosts.size(), 1u);

  m_cluster.clear_rules();
  const RunOutcome second = m_cluster.run(*m_installer, prune_request());
  EXPECT_TRUE(second.ok) << second.stopped;
  plan = m_installer->prune_plan();
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->hosts.empty());
}

TEST(PruneRefusalTest, MasterRemovalIsRefusedAndNothingChanges) {
  FakeCluster cluster(3, 1, "", k_leave_distribution);
  auto installer = cluster.open();
  ASSERT_TRUE(cluster.run(*installer, install_request()).ok);
  cluster.edit_config(without(FakeCluster::master(2)), "");
  cluster.edit_config(without(FakeCluster::master(1)), "");
  cluster.edit_config(without(FakeCluster::agent(0)), "");
  ASSERT_TRUE(installer->reload_config());
  auto plan = installer->prune_plan();
  ASSERT_TRUE(plan) << plan.error().to_string();
  EXPECT_EQ(plan->hosts.size(), 3u);
  EXPECT_NE(plan->refused.find("are still members of the quorum; run `dcinstall upgrade`"),
            std::string::npos)
      << plan->refused;

  const size_t before = cluster.transport().commands_run();
  const RunOutcome refused = cluster.run(*installer, prune_request());
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.stopped, plan->refused);
  EXPECT_EQ(cluster.transport().commands_run(), before) << "a refused prune ran commands";
  EXPECT_EQ(installed_hosts(cluster.state()).size(), 4u);
}

TEST(PruneRefusalTest, RemovingEveryMasterIsRefused) {
  FakeCluster cluster(1, 1, "", k_leave_distribution);
  auto installer = cluster.open();
  ASSERT_TRUE(cluster.run(*installer, install_request()).ok);
  cluster.edit_config(without(FakeCluster::master(0)), without("10.0.0.9"));
  ASSERT_TRUE(installer->reload_config());
  auto plan = installer->prune_plan();
  ASSERT_TRUE(plan) << plan.error().to_string();
  EXPECT_NE(plan->refused.find("it would remove every master"), std::string::npos) << plan->refused;
  const RunOutcome refused = cluster.run(*installer, prune_request());
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.stopped, plan->refused);
}

}  // namespace
}  // namespace dci
