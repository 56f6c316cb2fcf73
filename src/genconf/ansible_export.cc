#include "genconf/ansible_export.h"

#include "genconf/ansible_inventory.h"
#include "genconf/ansible_playbooks.h"
#include "genconf/ansible_vars.h"

namespace dci {

std::vector<AnsibleFile> ansible_files(const ClusterConfig& config, const Schema& schema,
                                       const std::vector<RoleBundle>& bundles,
                                       const std::string& install_sh_sha256) {
  std::vector<AnsibleFile> files{
      {"inventory.ini", render_ansible_inventory(config)},
      {"group_vars/all.yml", render_ansible_vars(config, schema, bundles, install_sh_sha256)}};
  for (AnsibleFile& file : render_ansible_playbooks(config)) files.push_back(std::move(file));
  return files;
}

}  // namespace dci
