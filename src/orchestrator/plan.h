#pragma once
// A plan: for one stage, which hosts get work, in which phase, and why the others do not. It is
// data, computed from the config, the bundle ids of this genconf and the recorded state, without
// touching any host; `dcinstall plan` prints it and the stages execute it.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/cluster_config.h"
#include "state/records.h"

namespace dci {

// ClusterCheck runs after postflight, on one master: every master in one quorum, every agent
// registered with its role.
// Upgrade: a rolling change (its health gate and waves); Prune: the removal of hosts no longer in
// the config (prune_plan.h); the others are install's stages.
enum class Stage { Preflight, Deploy, Postflight, ClusterCheck, Uninstall, Upgrade, Prune };
// "preflight", "deploy", "postflight", "cluster-check", "uninstall", "upgrade", "prune"
std::string_view stage_name(Stage stage);
// Every stage, in the order the status and the GUI show them.
inline constexpr Stage k_all_stages[] = {Stage::Preflight,    Stage::Deploy,  Stage::Postflight,
                                         Stage::ClusterCheck, Stage::Upgrade, Stage::Uninstall,
                                         Stage::Prune};
std::optional<Stage> stage_from_name(std::string_view name);

struct PlannedHost {
  const ClusterHost* host = nullptr;  // points into the ClusterConfig the plan was built from
  bool has_work = true;
  std::string bundle_id;  // deploy: the bundle this host gets (or already runs)
  std::string reason;     // why: "new host", "bundle changed from X", "already at X", ...
};

// Hosts of one phase run in parallel (bounded by ssh_parallelism); phases run in order, and a
// phase starts only when the one before it succeeded.
struct PlanPhase {
  std::string name;  // "masters", "agents", or "all"
  std::vector<PlannedHost> hosts;
};

struct StagePlan {
  Stage stage = Stage::Deploy;
  std::vector<PlanPhase> phases;
  // Reported as the phase of a one-phase plan (a rolling change's wave, e.g. "master 2/3");
  // a plan of several phases reports each phase's name.
  std::string label;

  int hosts_with_work() const;
  int hosts_without_work() const;
};

struct PlanInputs {
  const ClusterConfig* config = nullptr;
  std::map<Role, std::string> bundle_ids;  // from genconf
  std::vector<HostStageStatus> recorded;   // the state store's rows for this stage
  bool retry_failed_only = false;          // --retry-failed: only hosts that failed
  std::map<std::string, std::string> running;  // host id -> the bundle it runs (HostBundle)
  bool skip_succeeded = false;             // postflight, cluster-check: skip what passed at the
                                           // current bundle (a re-run of `install`)
};

// Every planned host carries its role's bundle id. Deploy: masters phase, then agents phase
// (agents and public agents together); a host that runs a bundle (`running`) has no work: at its
// bundle nothing is to do, at another one it changes by a rolling change (Stage::Upgrade), never
// by a plain deploy. Preflight: a host that runs a bundle has no work (its checks are for hosts
// about to be installed). Postflight and cluster-check with skip_succeeded: a host
// whose row succeeded at the same bundle id has no work.
// Preflight, postflight and uninstall: one phase of every host, except that --retry-failed
// keeps only hosts whose recorded state is failed, cancelled or interrupted.
// ClusterCheck: one phase ("cluster") with the first master.
StagePlan build_plan(Stage stage, const PlanInputs& inputs);

}  // namespace dci
