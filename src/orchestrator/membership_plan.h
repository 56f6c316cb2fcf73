#pragma once
// A master-list change as data: the quorum's members now (the masters the state records as
// installed, each alive or not), the members the config wants (master_list), and the steps
// between them, one member at a time, in an order that never leaves fewer live members than a
// majority:
//
//   1. dead members that leave the list are removed first (through a live member): a dead
//      member counts against the majority, so adding before removing it could lose the quorum;
//   2. new members are added, one at a time (each joins, starts and is healthy before the next);
//   3. (the installer's rolling change runs here: every remaining host learns the new list)
//   4. live members that leave the list are removed, one at a time.
//
// So a replacement adds the new member before it removes the old one, a grow adds one at a
// time and a shrink removes one at a time. Pure: nothing is touched; `dcinstall plan upgrade`
// prints it and the installer runs it.

#include <string>
#include <vector>

namespace dci {

struct QuorumMember {
  std::string id;       // host id, "address:port"
  std::string address;  // the member's name in the quorum
  bool alive = true;    // answered the health gate (a planned change assumes every member is)
};

enum class MemberStepKind { Add, Remove };

struct MemberStep {
  MemberStepKind kind = MemberStepKind::Add;
  QuorumMember member;                // the one that joins or leaves
  std::string via;                    // id of the live member the join or leave runs on
  bool after_change = false;          // a live removal: runs after the rolling change (step 4)
  int members_after = 0;              // voting members once the step is done
  int quorum_after = 0;               // their majority
  std::vector<QuorumMember> members;  // the members once the step is done, in order
};

struct MembershipPlan {
  std::vector<QuorumMember> before;
  std::vector<MemberStep> steps;
  // Why the change cannot be made safely (then `steps` is empty and nothing may run).
  std::string refused;

  bool changes() const { return !steps.empty(); }
  // "add 10.0.0.4 (via 10.0.0.1:22): 4 members, quorum 3", one line per step.
  std::vector<std::string> describe() const;
};

// The majority of `members` voting members (members / 2 + 1; 0 for none).
int quorum_of(int members);

// `current`: the quorum's members in state order; `target`: master_list in config order. A
// member is matched by its address (the same machine at another SSH port is the same member).
// Refused when no member is alive, when the live members are no majority now, or when no
// order keeps one (a dead member that stays in the list). An empty `current` (nothing
// installed yet) is no change: the first install forms the quorum.
MembershipPlan plan_membership(const std::vector<QuorumMember>& current,
                               const std::vector<QuorumMember>& target);

}  // namespace dci
