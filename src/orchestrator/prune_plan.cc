#include "orchestrator/prune_plan.h"

#include <map>

#include "config/host_address.h"

namespace dci {
namespace {

std::string joined_ids(const std::vector<const RemovedHost*>& hosts) {
  std::string text;
  for (const RemovedHost* removed : hosts) text += (text.empty() ? "" : ", ") + removed->host.id();
  return text;
}

bool touched_by_deploy(HostState state) {
  return state == HostState::Running || state == HostState::Failed ||
         state == HostState::Interrupted;
}

}  // namespace

int PrunePlan::hosts_with_work() const {
  int count = 0;
  for (const RemovedHost& removed : hosts) count += removed.has_work ? 1 : 0;
  return count;
}

StagePlan PrunePlan::cleanup_plan() const {
  StagePlan plan{Stage::Prune, {{"removed hosts", {}}}, "removed hosts"};
  for (const RemovedHost& removed : hosts) {
    plan.phases[0].hosts.push_back(
        {&removed.host, removed.has_work, removed.bundle_id, removed.reason});
  }
  return plan;
}

std::optional<ClusterHost> host_from_state(const std::string& id, Role role,
                                           const ClusterConfig& config) {
  auto address = parse_host_address(id);
  if (!address) return std::nullopt;
  ClusterHost host;
  host.role = role;
  host.address = address->address;
  host.port = address->port > 0 ? address->port : config.ssh.port;
  host.user = config.ssh.user;
  host.entry = id;
  return host;
}

PrunePlan plan_prune(const PruneInputs& inputs) {
  const ClusterConfig& config = *inputs.config;
  std::set<std::string> configured;
  std::map<std::string, std::string> configured_addresses;  // address -> id
  for (const ClusterHost& host : config.hosts) {
    configured.insert(host.id());
    configured_addresses.emplace(host.address, host.id());
  }

  // Installed hosts by id: role and running bundle.
  std::map<std::string, std::pair<std::string, std::string>> installed;
  std::set<std::string> running_masters;
  for (const HostBundle& row : inputs.bundles) {
    installed[row.host] = {row.role, row.running.empty() ? row.change_from : row.running};
    if (row.role == role_name(Role::Master) && !row.running.empty())
      running_masters.insert(row.host);
  }
  for (const HostStageStatus& row : inputs.deploy) {
    if (touched_by_deploy(row.state))
      installed.emplace(row.host, std::make_pair(row.role, row.bundle_id));
  }
  std::map<std::string, std::string> last_errors;
  std::set<std::string> with_prune_row;  // a removed master with one has left the quorum
  for (const HostStageStatus& row : inputs.pruned) {
    with_prune_row.insert(row.host);
    if (row.state != HostState::Succeeded) last_errors[row.host] = row.error;
  }

  PrunePlan plan;
  for (const auto& [id, what] : installed) {
    if (configured.count(id)) continue;
    const auto role = role_from_name(what.first);
    std::optional<ClusterHost> host = role ? host_from_state(id, *role, config) : std::nullopt;
    if (!host) continue;  // not a row dcinstall writes
    RemovedHost removed;
    removed.host = std::move(*host);
    removed.bundle_id = what.second;
    removed.reason = k_remove_reason;
    if (const auto clash = configured_addresses.find(removed.host.address);
        clash != configured_addresses.end()) {
      removed.has_work = false;
      removed.reason =
          "not pruned: its address is in the config as " + clash->second + " (the same machine)";
    }
    if (const auto error = last_errors.find(id); error != last_errors.end()) {
      removed.last_error = error->second;
    }
    plan.hosts.push_back(std::move(removed));
  }

  for (const ClusterHost& host : config.hosts) {
    if (host.role == Role::Master && running_masters.count(host.id())) {
      plan.leave_on = &host;
      break;
    }
  }

  std::vector<const RemovedHost*> masters;
  bool needs_leave = false;
  for (const RemovedHost& removed : plan.hosts) {
    if (!removed.has_work) continue;
    if (removed.host.role == Role::Master && !with_prune_row.count(removed.host.id()))
      masters.push_back(&removed);
    needs_leave = needs_leave || inputs.roles_with_leave.count(removed.host.role) > 0;
  }
  if (!masters.empty() && !plan.leave_on) {
    plan.refused = "prune refused: it would remove every master (" + joined_ids(masters) +
                   "); a cluster keeps at least one. Nothing was changed";
  } else if (!masters.empty()) {
    plan.refused = "prune refused: " + joined_ids(masters) +
                   " left master_list but are still members of the quorum; run `dcinstall "
                   "upgrade`: it removes them one member at a time. Nothing was changed";
  } else if (needs_leave && !plan.leave_on) {
    plan.refused =
        "prune refused: no master of the config is installed to run the distribution's leave "
        "steps on; run `dcinstall install` first. Nothing was changed";
  }
  return plan;
}

}  // namespace dci
