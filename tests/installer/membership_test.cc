// Master-list changes by `dcinstall upgrade` on fake hosts, recording into a real SQLite file:
// a grow adds one member at a time (join on a member, then the new master's deploy with what
// the join printed), a shrink removes live members after the rolling change and cleans them, a
// dead master is removed first and left listed for `prune`, and an unsafe or misplaced change
// is refused before any host changes.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "installer/installer.h"
#include "test_support/fake_cluster.h"

namespace dci {
namespace {

const std::string k_distribution = DCINSTALL_SOURCE_DIR "/tests/installer/testdata/leave";

RunRequest upgrade_request() {
  RunRequest request;
  request.command = "upgrade";
  request.kind = RunKind::Upgrade;
  return request;
}

std::string line_of(const std::string& address) {
  return "  - " + address + "\n";
}

std::string join_of(const std::string& address) {
  return "--join master --joining-address '" + address + "'";
}

std::string leave_of(const std::string& address) {
  return "--leave master --leaving-address '" + address + "'";
}

std::set<std::string> installed_masters(StateStore& state) {
  std::set<std::string> hosts;
  for (const HostBundle& row : state.host_bundles().value()) {
    if (row.role == "master") hosts.insert(row.host);
  }
  return hosts;
}

// "<address> <command>" of every step `run_id` recorded, in the order they started.
std::vector<std::string> steps_in_order(StateStore& state, int64_t run_id) {
  std::vector<StepRecord> steps = state.steps({.host = "", .stage = "", .run_id = run_id});
  std::stable_sort(steps.begin(), steps.end(), [](const StepRecord& a, const StepRecord& b) {
    return a.started_ms < b.started_ms;
  });
  std::vector<std::string> lines;
  for (const StepRecord& step : steps) {
    lines.push_back(step.host.substr(0, step.host.rfind(':')) + " " + step.command);
  }
  return lines;
}

// The index of the first line of `lines` on `address` containing `contains`; -1 when none.
int first_index(const std::vector<std::string>& lines, const std::string& address,
                const std::string& contains) {
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind(address + " ", 0) == 0 && lines[i].find(contains) != std::string::npos) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

std::string dump(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

class MembershipTest : public ::testing::Test {
 protected:
  // `masters` masters and 2 agents, installed (the cluster check passed: the quorum formed).
  void install(int masters) {
    m_cluster.emplace(masters, 2, "", k_distribution);
    m_installer = m_cluster->open();
    const RunOutcome installed = m_cluster->run(*m_installer, install_request());
    ASSERT_TRUE(installed.ok) << installed.error << installed.stopped;
  }

  void edit(const std::string& from, const std::string& to) {
    m_cluster->edit_config(from, to);
    ASSERT_TRUE(m_installer->reload_config());
  }

  // Adds `address` to master_list (a fresh, reachable host).
  void add_master(const std::string& address) {
    m_cluster->set_reachable(address, true);
    edit("master_list:\n", "master_list:\n" + line_of(address));
  }

  std::optional<FakeCluster> m_cluster;
  std::unique_ptr<Installer> m_installer;
};

TEST_F(MembershipTest, AGrowAddsOneMemberAtATimeEachDeployedWithWhatItsJoinPrinted) {
  install(3);
  const std::string fourth = "10.0.0.4", fifth = "10.0.0.5";
  add_master(fourth);
  add_master(fifth);
  transport::FakeExecReply joined;
  joined.stdout_text = "member.env ETCD_INITIAL_CLUSTER_STATE=existing\n";
  m_cluster->rule(" --join master ", joined);

  auto plan = m_installer->rolling_plan(false);
  ASSERT_TRUE(plan) << plan.error().to_string();
  ASSERT_EQ(plan->membership.steps.size(), 2u) << plan->membership.refused;
  EXPECT_EQ(plan->membership.describe()[0].substr(0, 13), "add 10.0.0.5 ");  // config order
  EXPECT_NE(plan->membership.describe()[1].find("5 members, quorum 3"), std::string::npos)
      << plan->membership.describe()[1];

  const RunOutcome grown = m_cluster->run(*m_installer, upgrade_request());
  ASSERT_TRUE(grown.ok) << grown.stopped << grown.error;
  const std::vector<std::string> order = steps_in_order(m_cluster->state(), grown.run_id);
  // Each new master: its join on a member, then its own install fed the join's lines, in turn.
  const int join5 = first_index(order, FakeCluster::master(0), join_of(fifth));
  const int install5 = first_index(order, fifth, " --member-env ");
  const int join4 = first_index(order, FakeCluster::master(0), join_of(fourth));
  const int install4 = first_index(order, fourth, " --member-env ");
  ASSERT_GE(join5, 0) << dump(order);
  EXPECT_LT(join5, install5) << dump(order);
  EXPECT_LT(install5, join4) << dump(order);
  EXPECT_LT(join4, install4) << dump(order);
  // The old masters switch to the new master list after both joined, one at a time.
  const int switched = first_index(order, FakeCluster::master(1), "--bundle");
  EXPECT_GT(switched, install4) << dump(order);
  EXPECT_EQ(installed_masters(m_cluster->state()).size(), 5u);
  for (const std::string& address : {FakeCluster::master(0), FakeCluster::master(1), fourth}) {
    EXPECT_EQ(m_cluster->active_bundle(address), m_cluster->active_bundle(fifth)) << address;
  }

  // Again: the members are master_list; nothing to do.
  plan = m_installer->rolling_plan(false);
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->has_work());
}

TEST_F(MembershipTest, AShrinkRemovesLiveMembersAfterTheRollingChangeAndCleansThem) {
  install(5);
  const std::string fourth = FakeCluster::master(3), fifth = FakeCluster::master(4);
  edit(line_of(fourth), "");
  edit(line_of(fifth), "");

  const RunOutcome shrunk = m_cluster->run(*m_installer, upgrade_request());
  ASSERT_TRUE(shrunk.ok) << shrunk.stopped << shrunk.error;
  EXPECT_EQ(shrunk.pending, "");
  const std::vector<std::string> order = steps_in_order(m_cluster->state(), shrunk.run_id);
  const int switched = first_index(order, FakeCluster::master(2), "--bundle");
  const int leave4 = first_index(order, FakeCluster::master(0), leave_of(fourth));
  const int leave5 = first_index(order, FakeCluster::master(0), leave_of(fifth));
  const int uninstall4 = first_index(order, fourth, " --uninstall");
  ASSERT_GE(switched, 0) << dump(order);
  EXPECT_GT(leave4, switched) << "a live member left before the others learned the new list";
  EXPECT_LT(leave4, uninstall4) << "the host was stopped before it left the quorum";
  EXPECT_LT(uninstall4, leave5) << "two members left at once";
  EXPECT_EQ(installed_masters(m_cluster->state()),
            (std::set<std::string>{FakeCluster::id(FakeCluster::master(0)),
                                   FakeCluster::id(FakeCluster::master(1)),
                                   FakeCluster::id(FakeCluster::master(2))}));
  auto removed = m_installer->prune_plan();
  ASSERT_TRUE(removed);
  EXPECT_TRUE(removed->hosts.empty()) << "the removed masters are still recorded";
}

TEST_F(MembershipTest, ADeadMasterIsReplacedAndLeftListedForPruneUntilItIsBack) {
  install(3);
  const std::string dead = FakeCluster::master(2), spare = "10.0.0.9";
  m_cluster->set_reachable(dead, false);
  m_cluster->set_reachable(spare, true);
  edit(line_of(dead), line_of(spare));

  const RunOutcome replaced = m_cluster->run(*m_installer, upgrade_request());
  ASSERT_TRUE(replaced.ok) << replaced.stopped << replaced.error;
  const std::vector<std::string> order = steps_in_order(m_cluster->state(), replaced.run_id);
  const int leave = first_index(order, FakeCluster::master(0), leave_of(dead));
  const int join = first_index(order, FakeCluster::master(0), join_of(spare));
  ASSERT_GE(leave, 0) << dump(order);
  EXPECT_LT(leave, join) << "a dead member must leave before one is added: " << dump(order);
  EXPECT_NE(replaced.pending.find(FakeCluster::id(dead) + " (master): left the quorum; " +
                                  k_not_reachable),
            std::string::npos)
      << replaced.pending;
  auto pending = m_installer->prune_plan();
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->hosts.size(), 1u);
  EXPECT_EQ(pending->refused, "") << "a master out of the quorum may be pruned";

  // Nothing more to change; once the dead host is back, prune cleans it.
  auto plan = m_installer->rolling_plan(false);
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->membership.changes()) << plan->membership.describe()[0];
  m_cluster->set_reachable(dead, true);
  const RunOutcome pruned = m_cluster->run(*m_installer, [] {
    RunRequest request;
    request.command = "prune";
    request.kind = RunKind::Prune;
    return request;
  }());
  EXPECT_TRUE(pruned.ok) << pruned.stopped;
  EXPECT_EQ(m_cluster->times_ran(dead, " --uninstall"), 1u);
  EXPECT_EQ(installed_masters(m_cluster->state()).count(FakeCluster::id(dead)), 0u);
}

TEST_F(MembershipTest, AMasterALeaveRanOnStaysAMemberOfTheQuorum) {
  install(3);
  edit(line_of(FakeCluster::agent(1)), "");
  const RunOutcome pruned = m_cluster->run(*m_installer, [] {
    RunRequest request;
    request.command = "prune";
    request.kind = RunKind::Prune;
    return request;
  }());
  ASSERT_TRUE(pruned.ok) << pruned.stopped;
  ASSERT_EQ(m_cluster->hosts_that_ran(" --leave agent").size(), 1u) << "the leave ran on a master";

  // The master the agent's leave ran on has a prune row; it is still a member, so a grow joins
  // only the new masters.
  add_master("10.0.0.8");
  add_master("10.0.0.9");
  const RunOutcome grown = m_cluster->run(*m_installer, upgrade_request());
  EXPECT_TRUE(grown.ok) << grown.stopped << grown.error;
  EXPECT_EQ(m_cluster->hosts_that_ran(join_of(FakeCluster::master(0))).size(), 0u)
      << "a member was joined again";
  EXPECT_EQ(m_cluster->hosts_that_ran(join_of("10.0.0.9")).size(), 1u);
}

TEST_F(MembershipTest, ALostQuorumIsRefusedBeforeAnyHostChanges) {
  install(3);
  m_cluster->set_reachable(FakeCluster::master(1), false);
  m_cluster->set_reachable(FakeCluster::master(2), false);
  add_master("10.0.0.8");
  add_master("10.0.0.9");
  edit(line_of(FakeCluster::master(1)), "");
  edit(line_of(FakeCluster::master(2)), "");
  m_cluster->reset_commands();

  const RunOutcome refused = m_cluster->run(*m_installer, upgrade_request());
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.stopped.find("upgrade refused: the quorum is lost"), std::string::npos)
      << refused.stopped;
  EXPECT_NE(refused.stopped.find("nothing was changed"), std::string::npos) << refused.stopped;
  EXPECT_EQ(m_cluster->hosts_that_ran(" --join ").size(), 0u);
  EXPECT_EQ(m_cluster->hosts_that_ran(" --leave ").size(), 0u);
  EXPECT_EQ(m_cluster->hosts_that_ran("--bundle").size(), 0u) << "a host was switched";
}

TEST_F(MembershipTest, InstallRefusesAMasterListChangeAndTouchesNoHost) {
  install(3);
  add_master("10.0.0.4");
  add_master("10.0.0.5");
  m_cluster->reset_commands();
  const RunOutcome refused = m_cluster->run(*m_installer, run_request("deploy", {Stage::Deploy}));
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.stopped.find("master_list changed (add 10.0.0.5"), std::string::npos)
      << refused.stopped << refused.error;
  EXPECT_NE(refused.stopped.find("`dcinstall upgrade` makes the change"), std::string::npos)
      << refused.stopped;
  EXPECT_EQ(m_cluster->hosts_that_ran("").size(), 0u) << "a refused deploy ran commands";
}

}  // namespace
}  // namespace dci
