#include "cli/host_selection.h"

#include <fstream>
#include <set>

#include "config/host_address.h"
#include "util/strings.h"

namespace dci::cli {
namespace {

bool from_default(const ClusterConfig& cluster, const std::string& key) {
  const ConfigValue* value = cluster.values.find(key);
  return !value || value->from_default;
}

SelectedHost make_host(const ClusterConfig& cluster, const std::string& role,
                       const HostAddress& entry, const std::string& address, int port,
                       const std::string& user) {
  SelectedHost host;
  host.role = role;
  host.target.address = address;
  host.target.port = port;
  host.target.user = user;
  host.target.user_explicit = !entry.user.empty() || !from_default(cluster, "ssh_user");
  host.target.port_explicit = entry.port != 0 || !from_default(cluster, "ssh_port");
  host.label = port == 22 ? address : host.target.id();
  return host;
}

Result<std::vector<std::string>> host_entries(const std::string& hosts) {
  if (!starts_with(hosts, "@")) return split(hosts, ',');
  std::ifstream in(hosts.substr(1));
  if (!in) return Error("cannot read the host list " + hosts.substr(1));
  std::vector<std::string> entries;
  std::string line;
  while (std::getline(in, line)) {
    const std::string entry(trim(line));
    if (!entry.empty() && entry[0] != '#') entries.push_back(entry);
  }
  return entries;
}

}  // namespace

Result<std::vector<SelectedHost>> select_hosts(const ClusterConfig& cluster,
                                               const std::string& role, const std::string& hosts) {
  std::optional<Role> wanted;
  if (role != "all") {
    wanted = role_from_name(role);
    if (!wanted) {
      return Error("--role '" + role + "' is not a role; expected master, agent, public_agent or all");
    }
  }
  std::vector<SelectedHost> out;
  if (hosts.empty()) {
    for (const ClusterHost& host : cluster.hosts) {
      if (wanted && host.role != *wanted) continue;
      auto entry = parse_host_address(host.entry);
      out.push_back(make_host(cluster, std::string(role_name(host.role)),
                              entry ? *entry : HostAddress{}, host.address, host.port, host.user));
    }
    return out;
  }
  auto entries = host_entries(hosts);
  if (!entries) return entries.error();
  std::set<std::string> seen;
  for (const std::string& text : *entries) {
    auto entry = parse_host_address(trim(text));
    if (!entry) return Error("--hosts: " + entry.error().to_string());
    const std::string user = entry->user.empty() ? cluster.ssh.user : entry->user;
    const int port = entry->port ? entry->port : cluster.ssh.port;
    std::string host_role = "extra";
    for (const ClusterHost& host : cluster.hosts) {
      if (host.address == entry->address && host.port == port) host_role = role_name(host.role);
    }
    if (wanted && host_role != role_name(*wanted)) continue;
    SelectedHost selected = make_host(cluster, host_role, *entry, entry->address, port, user);
    if (seen.insert(selected.target.id()).second) out.push_back(std::move(selected));
  }
  return out;
}

}  // namespace dci::cli
