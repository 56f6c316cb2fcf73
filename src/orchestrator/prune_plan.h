#pragma once
// Removed hosts as data: the hosts the state records as installed that the config no longer
// lists. `dcinstall plan install` lists them as "remove (not in the config)"; `dcinstall prune`
// decommissions them (drain, install.sh --uninstall, the distribution's leave steps on a
// remaining master), then the state forgets them. Pure: built from the config and the state's
// rows; no host is touched. `install` never prunes.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/cluster_config.h"
#include "orchestrator/plan.h"
#include "state/records.h"

namespace dci {

inline constexpr const char* k_remove_reason = "remove (not in the config)";
// What a prune says of a removed host it could not reach (the host stays listed).
inline constexpr const char* k_not_reachable =
    "not reachable: its files remain; run prune again when it is back";

struct RemovedHost {
  // From its state id ("address:port") and recorded role; the login is the config's ssh_user
  // (a per-host user of the removed entry is not kept in the state).
  ClusterHost host;
  std::string bundle_id;  // the bundle the state says it runs ("" when unknown)
  bool has_work = true;
  std::string reason;      // k_remove_reason, or why it is not pruned
  std::string last_error;  // why the last prune left it ("" when none did)
};

struct PrunePlan {
  std::vector<RemovedHost> hosts;  // by host id
  // Why prune refuses to run (then nothing is changed): a removed master, or no installed
  // master of the config to run a leave step on. "" when it may run.
  std::string refused;
  // The master that runs the leave steps: the config's first master recorded as installed
  // (points into the ClusterConfig the plan was built from; nullptr when none is).
  const ClusterHost* leave_on = nullptr;

  int hosts_with_work() const;
  // The removed hosts as one phase ("removed hosts") of a Stage::Prune plan; points into `hosts`
  // (valid while this PrunePlan is neither changed nor destroyed).
  StagePlan cleanup_plan() const;
};

struct PruneInputs {
  const ClusterConfig* config = nullptr;
  std::vector<HostBundle> bundles;      // what each host runs (the state)
  std::vector<HostStageStatus> deploy;  // the state's deploy rows
  std::vector<HostStageStatus> pruned;  // the state's prune rows
  std::set<Role> roles_with_leave;      // roles whose distribution has leave steps
};

// A host the state knows by `id` ("address:port"; the port defaults to the config's) with
// `role`, logged in as the config's ssh_user. Nothing when `id` is not such an id.
std::optional<ClusterHost> host_from_state(const std::string& id, Role role,
                                           const ClusterConfig& config);

// A host is recorded as installed when it has a HostBundle row, or a deploy row that is running,
// failed or interrupted (a deploy touched it). One whose id is not in the config is removed,
// unless its address is (the same machine at another port: listed, not pruned). A removed
// master may be pruned only once `dcinstall upgrade` took it out of the quorum (it has a prune
// row); removing every master never is.
PrunePlan plan_prune(const PruneInputs& inputs);

}  // namespace dci
