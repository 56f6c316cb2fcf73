#include "orchestrator/plan.h"

#include <unordered_map>

namespace dci {
namespace {

bool needs_retry(HostState state) {
  return state == HostState::Failed || state == HostState::Cancelled ||
         state == HostState::Interrupted || state == HostState::Running;
}

using RowsByHost = std::unordered_map<std::string, const HostStageStatus*>;

RowsByHost by_host(const std::vector<HostStageStatus>& rows) {
  RowsByHost map;
  map.reserve(rows.size());
  for (const auto& row : rows) map.emplace(row.host, &row);
  return map;
}

bool succeeded_at(const HostStageStatus* row, const std::string& bundle_id) {
  return row && row->state == HostState::Succeeded && !bundle_id.empty() &&
         row->bundle_id == bundle_id;
}

PlannedHost plan_host(Stage stage, const ClusterHost& host, const PlanInputs& inputs,
                      const HostStageStatus* recorded) {
  PlannedHost planned{&host, true, "", ""};
  const auto bundle = inputs.bundle_ids.find(host.role);
  planned.bundle_id = bundle == inputs.bundle_ids.end() ? "" : bundle->second;
  const auto running = inputs.running.find(host.id());
  if ((stage == Stage::Preflight || stage == Stage::Deploy) && running != inputs.running.end()) {
    planned.has_work = false;
    if (running->second == planned.bundle_id) {
      planned.reason = (stage == Stage::Deploy ? "already at " : "installed at ") +
                       planned.bundle_id.substr(0, 12);
    } else {
      planned.reason = "runs " + running->second.substr(0, 12) + ": changed by `dcinstall upgrade`";
    }
    return planned;
  }
  if (stage != Stage::Deploy && inputs.skip_succeeded &&
      succeeded_at(recorded, planned.bundle_id)) {
    planned.has_work = false;
    planned.reason = "passed at " + planned.bundle_id.substr(0, 12);
    return planned;
  }
  if (inputs.retry_failed_only && (!recorded || !needs_retry(recorded->state))) {
    planned.has_work = false;
    planned.reason = recorded ? "not retried: " + std::string(host_state_name(recorded->state))
                              : "not retried: never ran";
    return planned;
  }
  if (!recorded) {
    planned.reason = "new host";
    return planned;
  }
  if (stage != Stage::Deploy) {
    planned.reason = "last " + std::string(host_state_name(recorded->state));
    return planned;
  }
  if (recorded->state == HostState::Succeeded) {
    planned.reason = "uninstalled since";  // a deployed host runs a bundle (handled above)
  } else if (recorded->state == HostState::Interrupted) {
    planned.reason = "interrupted: check and redo";
  } else {
    planned.reason = "last " + std::string(host_state_name(recorded->state));
  }
  return planned;
}

}  // namespace

std::string_view stage_name(Stage stage) {
  switch (stage) {
    case Stage::Preflight:
      return "preflight";
    case Stage::Deploy:
      return "deploy";
    case Stage::Postflight:
      return "postflight";
    case Stage::ClusterCheck:
      return "cluster-check";
    case Stage::Uninstall:
      return "uninstall";
    case Stage::Upgrade:
      return "upgrade";
    case Stage::Prune:
      return "prune";
  }
  return "?";
}

std::optional<Stage> stage_from_name(std::string_view name) {
  for (Stage stage : k_all_stages) {
    if (stage_name(stage) == name) return stage;
  }
  return std::nullopt;
}

int StagePlan::hosts_with_work() const {
  int count = 0;
  for (const auto& phase : phases) {
    for (const auto& host : phase.hosts) count += host.has_work ? 1 : 0;
  }
  return count;
}

int StagePlan::hosts_without_work() const {
  int count = 0;
  for (const auto& phase : phases) count += static_cast<int>(phase.hosts.size());
  return count - hosts_with_work();
}

StagePlan build_plan(Stage stage, const PlanInputs& inputs) {
  const RowsByHost recorded = by_host(inputs.recorded);

  StagePlan plan;
  plan.stage = stage;
  if (stage == Stage::Deploy) {
    plan.phases = {{"masters", {}}, {"agents", {}}};
  } else if (stage == Stage::ClusterCheck) {
    plan.phases = {{"cluster", {}}};
  } else {
    plan.phases = {{"all", {}}};
  }
  for (const ClusterHost& host : inputs.config->hosts) {
    if (stage == Stage::ClusterCheck &&
        (host.role != Role::Master || !plan.phases[0].hosts.empty())) {
      continue;
    }
    const std::string id = host.id();
    const auto row = recorded.find(id);
    PlanPhase& phase =
        (stage == Stage::Deploy && host.role != Role::Master) ? plan.phases[1] : plan.phases[0];
    phase.hosts.push_back(
        plan_host(stage, host, inputs, row == recorded.end() ? nullptr : row->second));
  }
  return plan;
}

}  // namespace dci
