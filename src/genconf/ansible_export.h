#pragma once
// serve/ansible/: what a site with its own Ansible runs instead of `dcinstall install`
// (docs/bundle-format.md, "serve/ansible/"):
//
//   inventory.ini          the config's hosts and SSH login (ansible_inventory.h)
//   group_vars/all.yml     the cluster's values: bootstrap_url, checksums, bundles (ansible_vars.h)
//   site.yml, uninstall.yml, tasks/*.yml                         the plays (ansible_playbooks.h)
//
// Nothing in it holds a private key or a secret value.

#include <string>
#include <vector>

#include "config/cluster_config.h"
#include "config/schema.h"
#include "genconf/install_script.h"

namespace dci {

struct AnsibleFile {
  std::string path;  // relative to serve/ansible/
  std::string content;
};

// Every file of serve/ansible/ in a fixed order; the same text for the same inputs.
// `install_sh_sha256` is the SHA-256 of serve/install.sh; `bundles` in role order.
std::vector<AnsibleFile> ansible_files(const ClusterConfig& config, const Schema& schema,
                                       const std::vector<RoleBundle>& bundles,
                                       const std::string& install_sh_sha256);

}  // namespace dci
