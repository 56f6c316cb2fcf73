#include "orchestrator/rolling_plan.h"

#include <algorithm>

namespace dci {
namespace {

std::string short_id(const std::string& bundle) {
  return bundle.empty() ? "(none)" : bundle.substr(0, 12);
}

std::string target_of(const ClusterHost& host, const RollingInputs& inputs) {
  const auto own = inputs.host_targets.find(host.id());
  if (own != inputs.host_targets.end()) return own->second;
  const auto role = inputs.target_bundles.find(host.role);
  return role == inputs.target_bundles.end() ? "" : role->second;
}

std::string change_reason(const RollingHost& change, bool in_flight, const RollingInputs& inputs) {
  if (in_flight) return "left mid-change by an interrupted run: check, then finish or roll back";
  if (change.from_bundle.empty()) return "no bundle recorded for this host";
  const auto reason = inputs.change_reasons.find(change.host->role);
  if (reason != inputs.change_reasons.end() && !reason->second.empty()) return reason->second;
  return "bundle changed";
}

void add_batches(Role role, std::vector<RollingHost>& hosts, long long role_hosts,
                 const RollingInputs& inputs, RollingPlan& plan) {
  if (hosts.empty()) return;
  const long long per_wave =
      role == Role::Master ? 1 : inputs.config->upgrade_max_unavailable.of(role_hosts);
  const long long waves = (static_cast<long long>(hosts.size()) + per_wave - 1) / per_wave;
  const std::string name(role_name(role));
  for (long long wave = 0; wave < waves; ++wave) {
    RollingWave next;
    next.index = static_cast<int>(plan.waves.size());
    next.role = role;
    next.label = name + (role == Role::Master ? " " : " batch ") + std::to_string(wave + 1) + "/" +
                 std::to_string(waves);
    const auto begin = hosts.begin() + wave * per_wave;
    const auto end = hosts.begin() + std::min<long long>((wave + 1) * per_wave, hosts.size());
    next.hosts.assign(std::make_move_iterator(begin), std::make_move_iterator(end));
    plan.waves.push_back(std::move(next));
  }
}

}  // namespace

long long RollingPlan::hosts_changing() const {
  long long count = 0;
  for (const auto& wave : waves) count += static_cast<long long>(wave.hosts.size());
  return count;
}

RollingPlan build_rolling_plan(const RollingInputs& inputs) {
  RollingPlan plan;
  for (Role role : {Role::Master, Role::Agent, Role::PublicAgent}) {
    std::vector<RollingHost> first;  // in flight
    std::vector<RollingHost> rest;
    long long role_hosts = 0;
    for (const ClusterHost& host : inputs.config->hosts) {
      if (host.role != role) continue;
      ++role_hosts;
      const std::string id = host.id();
      const auto running = inputs.running_bundles.find(id);
      RollingHost change{
          .host = &host,
          .from_bundle = running == inputs.running_bundles.end() ? "" : running->second,
          .to_bundle = target_of(host, inputs),
          .reason = ""};
      const bool in_flight = inputs.in_flight.count(id) > 0;
      if (change.to_bundle.empty()) {
        change.reason = "no target bundle";
        plan.unchanged.push_back(std::move(change));
      } else if (inputs.installed_only && change.from_bundle.empty() && !in_flight) {
        change.reason = "runs nothing yet: deploy installs it";
        plan.unchanged.push_back(std::move(change));
      } else if (!in_flight && change.from_bundle == change.to_bundle) {
        change.reason = "already at " + short_id(change.to_bundle);
        plan.unchanged.push_back(std::move(change));
      } else {
        change.reason = change_reason(change, in_flight, inputs);
        (in_flight ? first : rest).push_back(std::move(change));
      }
    }
    first.insert(first.end(), std::make_move_iterator(rest.begin()),
                 std::make_move_iterator(rest.end()));
    add_batches(role, first, role_hosts, inputs, plan);
  }
  return plan;
}

}  // namespace dci
