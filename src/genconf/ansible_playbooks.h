#pragma once
// The plays of serve/ansible/: site.yml installs the cluster with dcinstall's order and
// install.sh modes (preflight, deploy, postflight, cluster check), uninstall.yml removes it; the
// tasks they share are in tasks/. They read their values from group_vars/all.yml
// (ansible_vars.h) and the inventory (ansible_inventory.h).

#include <vector>

#include "config/cluster_config.h"
#include "genconf/ansible_export.h"

namespace dci {

// site.yml, uninstall.yml and tasks/*.yml. Only the play keywords come from `config`: serial
// (upgrade_max_unavailable) and max_fail_percentage (agent_failure_budget).
std::vector<AnsibleFile> render_ansible_playbooks(const ClusterConfig& config);

// agent_failure_budget as Ansible's max_fail_percentage of the agents (public and private): a
// percentage as it is, a count as that share of the config's agents, rounded down.
long long agent_max_fail_percentage(const ClusterConfig& config);

// upgrade_max_unavailable as Ansible's serial: "N%" or "N" (Ansible rounds a percentage down, to
// at least 1 host, as dcinstall does).
std::string agent_serial(const ClusterConfig& config);

}  // namespace dci
