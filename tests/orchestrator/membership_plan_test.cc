#include "orchestrator/membership_plan.h"

#include <gtest/gtest.h>

#include <set>

namespace dci {
namespace {

QuorumMember member(int n, bool alive = true) {
  const std::string address = "10.0.0." + std::to_string(n);
  return {address + ":22", address, alive};
}

// Members numbered [first, first + count).
std::vector<QuorumMember> members(int first, int count) {
  std::vector<QuorumMember> out;
  for (int n = first; n < first + count; ++n) out.push_back(member(n));
  return out;
}

std::set<std::string> addresses(const std::vector<QuorumMember>& list) {
  std::set<std::string> out;
  for (const QuorumMember& m : list) out.insert(m.address);
  return out;
}

// Replays `plan` from `current` and checks, step by step, what the planner promises: the live
// members are a majority before and after every step (an added member counted as not started
// while it joins; a cluster of one excepted, as etcd does), each step runs through a live member
// other than the one leaving, and the end is `target`.
void expect_safe(const std::vector<QuorumMember>& current, const std::vector<QuorumMember>& target,
                 const MembershipPlan& plan) {
  ASSERT_TRUE(plan.refused.empty()) << plan.refused;
  std::vector<QuorumMember> now = current;
  auto alive = [&now] {
    int count = 0;
    for (const QuorumMember& m : now) count += m.alive ? 1 : 0;
    return count;
  };
  bool removed_live = false;
  for (const MemberStep& step : plan.steps) {
    SCOPED_TRACE(step.member.address);
    ASSERT_FALSE(step.via.empty());
    EXPECT_NE(step.via, step.member.id);
    bool via_alive = false;
    for (const QuorumMember& m : now) via_alive = via_alive || (m.id == step.via && m.alive);
    EXPECT_TRUE(via_alive);
    if (step.kind == MemberStepKind::Add) {
      EXPECT_FALSE(removed_live) << "an add after a live removal";
      const int grown = static_cast<int>(now.size()) + 1;
      if (now.size() > 1) {
        EXPECT_GE(alive(), quorum_of(grown));
      }
      now.push_back(step.member);
    } else {
      removed_live = removed_live || step.member.alive;
      std::erase_if(now, [&](const QuorumMember& m) { return m.address == step.member.address; });
      EXPECT_GE(alive(), quorum_of(static_cast<int>(now.size())));
    }
    EXPECT_EQ(step.members_after, static_cast<int>(now.size()));
    EXPECT_EQ(step.quorum_after, quorum_of(step.members_after));
    EXPECT_EQ(addresses(step.members), addresses(now));
  }
  EXPECT_EQ(addresses(now), addresses(target));
}

TEST(MembershipPlanTest, QuorumIsAMajority) {
  EXPECT_EQ(quorum_of(0), 0);
  EXPECT_EQ(quorum_of(1), 1);
  EXPECT_EQ(quorum_of(2), 2);
  EXPECT_EQ(quorum_of(3), 2);
  EXPECT_EQ(quorum_of(4), 3);
  EXPECT_EQ(quorum_of(5), 3);
}

TEST(MembershipPlanTest, NothingInstalledOrNothingChangedHasNoSteps) {
  EXPECT_FALSE(plan_membership({}, members(1, 3)).changes());
  const MembershipPlan same = plan_membership(members(1, 3), members(1, 3));
  EXPECT_TRUE(same.refused.empty());
  EXPECT_FALSE(same.changes());
}

// Every 1/3/5/7/9 -> 1/3/5/7/9 change, keeping as many members as possible, half of them, or
// none (every member replaced).
TEST(MembershipPlanTest, EverySizeChangeKeepsAMajority) {
  for (int from : {1, 3, 5, 7, 9}) {
    for (int to : {1, 3, 5, 7, 9}) {
      for (int kept : {std::min(from, to), std::min(from, to) / 2, 0}) {
        SCOPED_TRACE(std::to_string(from) + " -> " + std::to_string(to) + " keeping " +
                     std::to_string(kept));
        const std::vector<QuorumMember> current = members(1, from);
        std::vector<QuorumMember> target = members(1, kept);
        for (const QuorumMember& m : members(100, to - kept)) target.push_back(m);
        const MembershipPlan plan = plan_membership(current, target);
        expect_safe(current, target, plan);
        EXPECT_EQ(plan.steps.size(), static_cast<size_t>((to - kept) + (from - kept)));
      }
    }
  }
}

TEST(MembershipPlanTest, GrowAddsOneAtATimeAndShrinkRemovesOneAtATime) {
  const MembershipPlan grow = plan_membership(members(1, 3), members(1, 5));
  ASSERT_EQ(grow.steps.size(), 2u);
  EXPECT_EQ(grow.describe()[0], "add 10.0.0.4 via 10.0.0.1:22: 4 members, quorum 3");
  EXPECT_EQ(grow.describe()[1], "add 10.0.0.5 via 10.0.0.1:22: 5 members, quorum 3");

  const MembershipPlan shrink = plan_membership(members(1, 5), members(1, 3));
  ASSERT_EQ(shrink.steps.size(), 2u);
  EXPECT_EQ(shrink.describe()[0],
            "remove 10.0.0.4 via 10.0.0.1:22: 4 members, quorum 3 (after the rolling change)");
  EXPECT_EQ(shrink.steps[1].members_after, 3);
}

TEST(MembershipPlanTest, ReplaceAddsTheNewMemberBeforeRemovingTheOld) {
  std::vector<QuorumMember> target = members(1, 2);
  target.push_back(member(9));
  const MembershipPlan plan = plan_membership(members(1, 3), target);
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_EQ(plan.steps[0].kind, MemberStepKind::Add);
  EXPECT_EQ(plan.steps[0].member.address, "10.0.0.9");
  EXPECT_EQ(plan.steps[1].kind, MemberStepKind::Remove);
  EXPECT_EQ(plan.steps[1].member.address, "10.0.0.3");
  EXPECT_TRUE(plan.steps[1].after_change);
}

TEST(MembershipPlanTest, ADeadMemberLeavesBeforeItsReplacementJoins) {
  std::vector<QuorumMember> current = members(1, 3);
  current[2].alive = false;
  std::vector<QuorumMember> target = members(1, 2);
  target.push_back(member(9));
  const MembershipPlan plan = plan_membership(current, target);
  expect_safe(current, target, plan);
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_EQ(plan.steps[0].kind, MemberStepKind::Remove);
  EXPECT_FALSE(plan.steps[0].member.alive);
  EXPECT_FALSE(plan.steps[0].after_change);
  EXPECT_EQ(plan.describe()[0],
            "remove 10.0.0.3 (not reachable) via 10.0.0.1:22: 2 members, quorum 2");
  EXPECT_EQ(plan.steps[1].kind, MemberStepKind::Add);
}

TEST(MembershipPlanTest, DeadMembersInEverySizeAreRemovedFirst) {
  for (int from : {3, 5, 7, 9}) {
    const int dead = (from - 1) / 2;  // the most a majority survives
    std::vector<QuorumMember> current = members(1, from);
    for (int n = 0; n < dead; ++n) current[from - 1 - n].alive = false;
    std::vector<QuorumMember> target = members(1, from - dead);
    for (const QuorumMember& m : members(100, dead)) target.push_back(m);
    SCOPED_TRACE(std::to_string(from) + " with " + std::to_string(dead) + " dead");
    expect_safe(current, target, plan_membership(current, target));
  }
}

TEST(MembershipPlanTest, RefusesWithoutALiveMajority) {
  std::vector<QuorumMember> current = members(1, 3);
  current[1].alive = false;
  current[2].alive = false;
  const MembershipPlan lost = plan_membership(current, members(1, 1));
  EXPECT_FALSE(lost.changes());
  EXPECT_EQ(lost.refused,
            "the quorum is lost: 1 of 3 members alive, and a membership change needs a majority "
            "of them");

  for (QuorumMember& m : current) m.alive = false;
  EXPECT_NE(plan_membership(current, members(5, 3)).refused.find("none alive"), std::string::npos);
}

TEST(MembershipPlanTest, RefusesToKeepADeadMember) {
  std::vector<QuorumMember> current = members(1, 3);
  current[0].alive = false;
  const MembershipPlan plan = plan_membership(current, members(1, 5));
  EXPECT_FALSE(plan.changes());
  EXPECT_EQ(plan.refused,
            "master_list keeps 10.0.0.1, which does not answer: bring it back, or replace it in "
            "master_list");
}

TEST(MembershipPlanTest, AMemberAtAnotherPortIsTheSameMember) {
  std::vector<QuorumMember> target = members(1, 3);
  target[0].id = "10.0.0.1:2222";
  EXPECT_FALSE(plan_membership(members(1, 3), target).changes());
}

}  // namespace
}  // namespace dci
