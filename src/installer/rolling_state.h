#pragma once
// What a rolling change starts from, read off the state: which bundle each host runs, which
// hosts a killed run left mid-change, and the steps it recorded for them (so HostUpgrade resumes
// where it stopped and never switches a host twice).
//
// Upgrade: every host with a HostBundle row changes to its role's target bundle (genconf's).
// Rollback: the hosts the last upgrade changed (outcome "upgraded" in the newest run that
// upgraded any, or in an earlier run to the same bundle of their role: a killed run and its
// resume are one upgrade) go back to the bundle they ran before; hosts a later rollback already
// took back are done, those it left failed or mid-change are planned again.
// Hosts without a row (never deployed) are the deploy stage's, not a rolling change's.

#include <map>
#include <string>
#include <vector>

#include "orchestrator/host_upgrade.h"
#include "orchestrator/membership_plan.h"
#include "orchestrator/rolling_plan.h"
#include "state/state_store.h"

namespace dci {

RollingInputs upgrade_inputs(const ClusterConfig& config, std::map<Role, std::string> targets,
                             const std::vector<HostBundle>& rows);
RollingInputs rollback_inputs(const ClusterConfig& config, const std::vector<HostBundle>& rows);

// The plan of `inputs` (both builders above leave hosts that run no bundle to the deploy stage),
// with `rollback` recorded in it.
RollingPlan plan_rolling_change(const RollingInputs& inputs, bool rollback);

// Per host of `plan` in flight: the upgrade steps its interrupted run recorded, in order (a
// host whose change ended unknown, or whose steps are gone, gets one unfinished switch: a probe).
std::map<std::string, std::vector<RecordedStep>> interrupted_steps(
    const StateStore& state, const RollingInputs& inputs, const std::vector<HostBundle>& rows);

// The quorum's members as the state records them, in state order: every master with a
// HostBundle row (deployed), except one `config` no longer lists as a master that has a prune
// row (a master a membership change removed from the quorum but could not clean keeps its row,
// and a prune row saying why; a listed master gets prune rows as the host a leave runs on).
// Each counts as alive. None until a cluster check passed once: until then master_list is the
// first install's, which forms the quorum from it. The Error is the store's (a failed read).
Result<std::vector<QuorumMember>> recorded_members(const ClusterConfig& config,
                                                   const std::vector<HostBundle>& rows,
                                                   const StateStore& state);
// The members the config wants: master_list, in config order.
std::vector<QuorumMember> wanted_members(const ClusterConfig& config);

}  // namespace dci
