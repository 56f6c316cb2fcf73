#pragma once
// A rolling change as data: which hosts change (the bundle they run differs from their target)
// and in which waves. Masters go one host per wave (a quorum never loses two members to the
// change), then agents, then public agents, in batches of `upgrade_max_unavailable` of that
// role's hosts. Pure: built from the config, the target bundles and what the state says each
// host runs; no host is touched. `dcinstall plan upgrade` prints it, the upgrade runner executes
// it, and `dcinstall rollback` builds one whose targets are the previous bundles.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/cluster_config.h"
#include "orchestrator/membership_plan.h"

namespace dci {

struct RollingHost {
  const ClusterHost* host = nullptr;  // points into the ClusterConfig the plan was built from
  std::string from_bundle;            // the bundle it runs now ("" when nothing is recorded)
  std::string to_bundle;              // the bundle it runs after the change
  std::string reason;                 // why it changes (or, for unchanged hosts, why not)
};

// One wave changes its hosts together; the next wave starts only when this one is over.
struct RollingWave {
  int index = 0;  // 0-based, in plan order
  Role role = Role::Master;
  std::string label;  // "master 2/3", "agent batch 1/4", "public_agent batch 1/1"
  std::vector<RollingHost> hosts;
};

struct RollingPlan {
  bool rollback = false;  // `dcinstall rollback`: each host goes back to the bundle it kept
  std::vector<RollingWave> waves;
  std::vector<RollingHost> unchanged;  // hosts already at their target (or without one)
  // An upgrade's master-list change (the installer fills it in): its steps before the waves,
  // and its live removals after them.
  MembershipPlan membership;

  long long hosts_changing() const;
  // Whether the change has anything to do (hosts change or members join or leave) or refuses.
  bool has_work() const {
    return hosts_changing() > 0 || membership.changes() || !membership.refused.empty();
  }
};

struct RollingInputs {
  const ClusterConfig* config = nullptr;
  std::map<Role, std::string> target_bundles;          // per role, from genconf
  std::map<std::string, std::string> host_targets;     // host id -> target; overrides the role's
  std::map<std::string, std::string> running_bundles;  // host id -> bundle it runs (state)
  std::map<Role, std::string> change_reasons;          // per role: which parameter or version
  std::set<std::string> in_flight;                     // host ids a killed run left mid-change:
                                                       // always planned, to be checked
  bool installed_only = false;  // hosts with no running bundle are unchanged (deploy's)
};

// Hosts keep config order inside a role. A host with no target, or whose running bundle is its
// target (and not in flight), is unchanged. A host in flight is planned first within its role
// (a master mid-change is settled before any other master is touched).
RollingPlan build_rolling_plan(const RollingInputs& inputs);

}  // namespace dci
