#include "orchestrator/membership_plan.h"

#include <algorithm>
#include <set>

namespace dci {
namespace {

int alive_count(const std::vector<QuorumMember>& members) {
  return static_cast<int>(
      std::count_if(members.begin(), members.end(), [](const QuorumMember& m) { return m.alive; }));
}

bool has_address(const std::vector<QuorumMember>& members, const std::string& address) {
  return std::any_of(members.begin(), members.end(),
                     [&](const QuorumMember& m) { return m.address == address; });
}

std::string addresses(const std::vector<const QuorumMember*>& members) {
  std::string text;
  for (const QuorumMember* member : members) text += (text.empty() ? "" : ", ") + member->address;
  return text;
}

// The live member a step runs through: one that stays in the list if any, never `leaving`.
std::string via_of(const std::vector<QuorumMember>& members,
                   const std::vector<QuorumMember>& target, const std::string& leaving) {
  const QuorumMember* fallback = nullptr;
  for (const QuorumMember& member : members) {
    if (!member.alive || member.address == leaving) continue;
    if (has_address(target, member.address)) return member.id;
    if (!fallback) fallback = &member;
  }
  return fallback ? fallback->id : "";
}

}  // namespace

int quorum_of(int members) {
  return members <= 0 ? 0 : members / 2 + 1;
}

std::vector<std::string> MembershipPlan::describe() const {
  std::vector<std::string> lines;
  for (const MemberStep& step : steps) {
    std::string line = step.kind == MemberStepKind::Add ? "add " : "remove ";
    line += step.member.address;
    if (step.kind == MemberStepKind::Remove && !step.member.alive) line += " (not reachable)";
    line += " via " + step.via + ": " + std::to_string(step.members_after) + " member" +
            (step.members_after == 1 ? "" : "s") + ", quorum " + std::to_string(step.quorum_after);
    if (step.after_change) line += " (after the rolling change)";
    lines.push_back(std::move(line));
  }
  return lines;
}

MembershipPlan plan_membership(const std::vector<QuorumMember>& current,
                               const std::vector<QuorumMember>& target) {
  MembershipPlan plan;
  plan.before = current;
  if (current.empty()) return plan;

  std::vector<const QuorumMember*> dead_kept;
  for (const QuorumMember& member : current) {
    if (!member.alive && has_address(target, member.address)) dead_kept.push_back(&member);
  }
  const int alive = alive_count(current);
  const int size = static_cast<int>(current.size());
  if (alive == 0) {
    plan.refused = "no member of the quorum answers (" + std::to_string(size) +
                   " members, none alive): its membership cannot be changed";
    return plan;
  }
  if (alive < quorum_of(size)) {
    plan.refused = "the quorum is lost: " + std::to_string(alive) + " of " + std::to_string(size) +
                   " members alive, and a membership change needs a majority of them";
    return plan;
  }
  if (!dead_kept.empty()) {
    plan.refused = "master_list keeps " + addresses(dead_kept) +
                   ", which does not answer: bring it back, or replace it in master_list";
    return plan;
  }

  std::vector<QuorumMember> members = current;
  auto add_step = [&](MemberStepKind kind, const QuorumMember& member, bool after_change) {
    MemberStep step;
    step.kind = kind;
    step.member = member;
    step.after_change = after_change;
    step.via = via_of(members, target, kind == MemberStepKind::Remove ? member.address : "");
    if (kind == MemberStepKind::Add) {
      members.push_back(member);
      members.back().alive = true;
    } else {
      std::erase_if(members, [&](const QuorumMember& m) { return m.address == member.address; });
    }
    step.members_after = static_cast<int>(members.size());
    step.quorum_after = quorum_of(step.members_after);
    step.members = members;
    plan.steps.push_back(std::move(step));
  };

  for (const QuorumMember& member : current) {
    if (!member.alive) add_step(MemberStepKind::Remove, member, false);
  }
  for (const QuorumMember& member : target) {
    if (has_address(current, member.address)) continue;
    // An added member counts against the majority until it has started. etcd takes a cluster
    // of one through two members (writes wait for the second); else the live members must be
    // a majority of the grown cluster.
    const int grown = static_cast<int>(members.size()) + 1;
    if (members.size() > 1 && alive_count(members) < quorum_of(grown)) {
      plan.refused = "adding " + member.address + " would leave " +
                     std::to_string(alive_count(members)) + " live members of " +
                     std::to_string(grown) + ", no majority";
      plan.steps.clear();
      return plan;
    }
    add_step(MemberStepKind::Add, member, false);
  }
  for (const QuorumMember& member : current) {
    if (member.alive && !has_address(target, member.address))
      add_step(MemberStepKind::Remove, member, true);
  }
  return plan;
}

}  // namespace dci
