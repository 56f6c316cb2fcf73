#include "genconf/cluster_json.h"

#include <nlohmann/json.hpp>

namespace dci {

std::string render_cluster_json(const ClusterConfig& config, const Distribution& distribution,
                                const std::string& cluster_id,
                                const std::vector<RoleBundle>& bundles) {
  nlohmann::json json;
  json["format_version"] = k_cluster_json_format_version;
  json["cluster_name"] = config.cluster_name;
  json["cluster_id"] = cluster_id;
  json["distribution"] = {{"name", distribution.name}, {"version", distribution.version}};
  json["bootstrap_url"] = config.bootstrap_url;
  json["bundles"] = nlohmann::json::object();
  json["hosts"] = nlohmann::json::object();
  for (const RoleBundle& entry : bundles) {
    json["bundles"][std::string(role_name(entry.role))] = {
        {"id", entry.bundle.id},
        {"file", "bundles/" + entry.bundle.file_name},
        {"size", entry.bundle.size}};
  }
  for (Role role : k_all_roles) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const ClusterHost* host : config.hosts_with_role(role)) hosts.push_back(host->address);
    json["hosts"][std::string(role_name(role))] = std::move(hosts);
  }
  return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace dci
