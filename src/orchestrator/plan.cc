#include "orchestrator/plan.h"

#include <unordered_map>

namespace dci {
namespace {

bool needs_retry(HostState state) {
  return state == HostState::Failed || state == HostState::Cancelled ||
         state == HostState::Interrupted || state == HostState::Running;
}

PlannedHost plan_host(Stage stage, const ClusterHost& host, const PlanInputs& inputs,
                      const HostStageStatus* recorded) {
  PlannedHost planned{&host, true, "", ""};
  if (stage == Stage::Deploy) {
    const auto bundle = inputs.bundle_ids.find(host.role);
    planned.bundle_id = bundle == inputs.bundle_ids.end() ? "" : bundle->second;
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
  if (recorded->state == HostState::Succeeded && recorded->bundle_id == planned.bundle_id) {
    planned.has_work = false;
    planned.reason = "already at " + planned.bundle_id.substr(0, 12);
  } else if (recorded->state == HostState::Succeeded) {
    planned.reason = "bundle changed from " + recorded->bundle_id.substr(0, 12);
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
    case Stage::Uninstall:
      return "uninstall";
  }
  return "?";
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
  std::unordered_map<std::string, const HostStageStatus*> recorded;
  recorded.reserve(inputs.recorded.size());
  for (const auto& row : inputs.recorded) recorded.emplace(row.host, &row);

  StagePlan plan;
  plan.stage = stage;
  if (stage == Stage::Deploy) {
    plan.phases = {{"masters", {}}, {"agents", {}}};
  } else {
    plan.phases = {{"all", {}}};
  }
  for (const ClusterHost& host : inputs.config->hosts) {
    const auto it = recorded.find(host.id());
    PlanPhase& phase =
        (stage == Stage::Deploy && host.role != Role::Master) ? plan.phases[1] : plan.phases[0];
    phase.hosts.push_back(
        plan_host(stage, host, inputs, it == recorded.end() ? nullptr : it->second));
  }
  return plan;
}

}  // namespace dci
