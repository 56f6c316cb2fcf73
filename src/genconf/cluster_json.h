#pragma once
// genconf/serve/cluster.json (docs/bundle-format.md, "cluster.json"): the cluster id, each role's
// bundle, and the hosts of each role, for the orchestrator, postflight and pull-install sites.

#include <string>
#include <vector>

#include "config/cluster_config.h"
#include "distribution/distribution.h"
#include "genconf/install_script.h"

namespace dci {

constexpr int k_cluster_json_format_version = 1;

// Pretty-printed JSON with sorted keys and a final newline: the same inputs give the same text.
std::string render_cluster_json(const ClusterConfig& config, const Distribution& distribution,
                                const std::string& cluster_id,
                                const std::vector<RoleBundle>& bundles);

}  // namespace dci
