#pragma once
// Events as JSON objects ({"type": "host_step_finished", ...}): one per line for `--json` and
// non-TTY output, and the payload of the HTTP event stream. Documented in docs/events.md.

#include <nlohmann/json_fwd.hpp>

#include "orchestrator/events.h"
#include "orchestrator/prune_plan.h"
#include "orchestrator/rolling_plan.h"

namespace dci {

nlohmann::json to_json(const Event& event);

// Failure groups: [{cause, count, hosts: [up to 3 example hosts]}], largest first, as the
// stage_finished event, `status --json`, the API and the support bundle give them.
nlohmann::json failure_groups_json(const std::vector<FailureGroup>& groups);

// A host's HostBundle row (what it runs, its last rolling change), as `status --json`, the
// support bundle and the API give it.
nlohmann::json host_bundle_json(const HostBundle& row);

// A rolling plan: {kind, hosts_changing, waves: [{label, role, hosts: [{host, role, from_bundle,
// to_bundle, reason}]}], unchanged: [...]}, as `plan upgrade --json` and the API give it.
nlohmann::json rolling_plan_json(const RollingPlan& plan);

// The hosts to remove: {stage: "prune", hosts_with_work, hosts_without_work, refused, leave_on,
// phases: [{name: "removed hosts", hosts: [{host, role, has_work, bundle_id, reason, action:
// "remove", last_error}]}]}, the shape of a stage of `plan install --json` (which ends with it
// when there are any), `plan prune --json` and the API's GET /api/v1/plan?action=prune.
nlohmann::json prune_plan_json(const PrunePlan& plan);

}  // namespace dci
