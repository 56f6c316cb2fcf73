#include "installer/rolling_state.h"

#include <algorithm>
#include <set>

#include "config/host_address.h"
#include "orchestrator/plan.h"

namespace dci {
namespace {

const std::string k_quorum_suffix = " (quorum)";

std::map<std::string, const HostBundle*> rows_in(const ClusterConfig& config,
                                                 const std::vector<HostBundle>& rows) {
  std::map<std::string, const HostBundle*> by_host;
  for (const HostBundle& row : rows) by_host[row.host] = &row;
  std::map<std::string, const HostBundle*> in_config;
  for (const ClusterHost& host : config.hosts) {
    if (const auto it = by_host.find(host.id()); it != by_host.end()) in_config.insert(*it);
  }
  return in_config;
}

// Records `row` as what its host runs now, in flight when its last change did not end.
void add_running(const HostBundle& row, RollingInputs& inputs) {
  inputs.running_bundles[row.host] = row.running.empty() ? row.change_from : row.running;
  if (row.in_flight()) inputs.in_flight.insert(row.host);
}

// One recorded step as HostUpgrade reads it, or nothing for steps that are not the machine's
// (file checks, uploads, the health gate). A master's health step is finished only once its
// quorum check is (`pending_quorum`).
void add_recorded(const StepRecord& step, bool master, std::vector<RecordedStep>& steps) {
  std::string name = step.step;
  const bool quorum = name.size() > k_quorum_suffix.size() &&
                      name.compare(name.size() - k_quorum_suffix.size(), std::string::npos,
                                   k_quorum_suffix) == 0;
  if (quorum) name.resize(name.size() - k_quorum_suffix.size());
  const auto parsed = upgrade_step_from_name(name);
  if (!parsed) return;
  const bool finished = step.finished_ms.has_value();
  const bool ok = finished && step.exit_code == 0 && step.error.empty();
  const bool health = *parsed == UpgradeStep::Health || *parsed == UpgradeStep::RollbackHealth;
  if (quorum && !steps.empty() && steps.back().step == *parsed) {
    steps.back() = {*parsed, finished, ok, step.error};
    return;
  }
  // A master's health that passed still waits for its quorum check.
  const bool complete = finished && !(master && health && ok);
  steps.push_back({*parsed, complete, ok, step.error});
}

}  // namespace

RollingInputs upgrade_inputs(const ClusterConfig& config, std::map<Role, std::string> targets,
                             const std::vector<HostBundle>& rows) {
  RollingInputs inputs;
  inputs.config = &config;
  inputs.installed_only = true;
  inputs.target_bundles = std::move(targets);
  for (const auto& [host, row] : rows_in(config, rows)) add_running(*row, inputs);
  return inputs;
}

RollingInputs rollback_inputs(const ClusterConfig& config, const std::vector<HostBundle>& rows) {
  RollingInputs inputs;
  inputs.config = &config;
  inputs.installed_only = true;
  const auto in_config = rows_in(config, rows);
  int64_t last_upgrade = 0;
  for (const auto& [host, row] : in_config) {
    if (row->change_kind == "upgrade" && row->change_outcome == "upgraded")
      last_upgrade = std::max(last_upgrade, row->change_run_id);
  }
  if (last_upgrade == 0) return inputs;
  // The bundles that upgrade went to: an earlier run that took hosts to the same bundle of
  // their role is the same upgrade (a run killed or halted, then resumed by the last one).
  std::set<std::pair<std::string, std::string>> upgraded_to;  // role, bundle
  for (const auto& [host, row] : in_config) {
    if (row->change_run_id == last_upgrade) upgraded_to.insert({row->role, row->change_to});
  }
  for (const auto& [host, row] : in_config) {
    if (row->change_kind == "upgrade" && row->change_outcome == "upgraded" &&
        (row->change_run_id == last_upgrade ||
         upgraded_to.count({row->role, row->change_to}) > 0)) {
      add_running(*row, inputs);
      inputs.host_targets[host] = row->change_from;
    } else if (row->change_kind == "rollback" && row->change_run_id > last_upgrade &&
               row->change_outcome != "upgraded") {
      add_running(*row, inputs);  // a rollback that did not end: take it up again
      inputs.host_targets[host] = row->change_to;
    }
  }
  return inputs;
}

RollingPlan plan_rolling_change(const RollingInputs& inputs, bool rollback) {
  RollingPlan plan = build_rolling_plan(inputs);
  plan.rollback = rollback;
  return plan;
}

std::map<std::string, std::vector<RecordedStep>> interrupted_steps(
    const StateStore& state, const RollingInputs& inputs, const std::vector<HostBundle>& rows) {
  std::map<std::string, std::vector<RecordedStep>> recorded;
  for (const HostBundle& row : rows) {
    if (!inputs.in_flight.count(row.host)) continue;
    std::vector<RecordedStep>& steps = recorded[row.host];
    if (row.change_outcome == "changing") {
      StepFilter filter;
      filter.host = row.host;
      filter.stage = "upgrade";
      filter.run_id = row.change_run_id;
      const bool master = row.role == role_name(Role::Master);
      (void)state.for_each_step(filter, [&](const StepRecord& step) {
        add_recorded(step, master, steps);
        return true;
      });
      // The step that was starting when the run died has no finished record: it may have run.
      const auto starting = upgrade_step_from_name(row.change_step);
      if (starting && (steps.empty() || steps.back().step != *starting)) {
        steps.push_back({*starting, false, false, ""});
      }
      continue;  // none recorded: the change starts from its beginning
    }
    // What it runs is unknown (its rollback failed): ask the host first.
    steps.push_back({UpgradeStep::Switch, false, false, ""});
  }
  return recorded;
}

Result<std::vector<QuorumMember>> recorded_members(const ClusterConfig& config,
                                                   const std::vector<HostBundle>& rows,
                                                   const StateStore& state) {
  std::vector<QuorumMember> members;
  const auto checked = state.host_stages(std::string(stage_name(Stage::ClusterCheck)));
  if (!checked) return checked.error();
  if (std::none_of(checked->begin(), checked->end(),
                   [](const HostStageStatus& row) { return row.state == HostState::Succeeded; })) {
    return members;
  }
  const auto pruned = state.host_stages(std::string(stage_name(Stage::Prune)));
  if (!pruned) return pruned.error();
  std::set<std::string> listed;
  for (const QuorumMember& member : wanted_members(config)) listed.insert(member.id);
  std::set<std::string> left;
  for (const HostStageStatus& row : *pruned) {
    if (!listed.count(row.host)) left.insert(row.host);
  }
  for (const HostBundle& row : rows) {
    if (row.role != role_name(Role::Master) || left.count(row.host)) continue;
    auto address = parse_host_address(row.host);
    if (address) members.push_back({row.host, address->address, true});
  }
  return members;
}

std::vector<QuorumMember> wanted_members(const ClusterConfig& config) {
  std::vector<QuorumMember> members;
  for (const ClusterHost& host : config.hosts) {
    if (host.role == Role::Master) members.push_back({host.id(), host.address, true});
  }
  return members;
}

}  // namespace dci
