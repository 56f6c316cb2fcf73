#pragma once
// serve/ansible/group_vars/all.yml: the cluster's values the plays read (bootstrap_url, the
// SHA-256 of install.sh, each role's bundle file and id, health polling, prerequisites). Secret
// parameters are named in a comment, never valued: their values are in the bundles.

#include <string>
#include <vector>

#include "config/cluster_config.h"
#include "config/schema.h"
#include "genconf/install_script.h"

namespace dci {

// `bundles` in role order; the same text for the same inputs.
std::string render_ansible_vars(const ClusterConfig& config, const Schema& schema,
                                const std::vector<RoleBundle>& bundles,
                                const std::string& install_sh_sha256);

}  // namespace dci
