#pragma once
// serve/ansible/inventory.ini: the config's hosts as an Ansible inventory (groups master, agent,
// public_agent) with the config's SSH login (user, port, key, known_hosts policy, jump host,
// sudo). It holds no private key and no secret value: ssh_key_path is a path.

#include <string>
#include <vector>

#include "config/cluster_config.h"

namespace dci {

// The inventory name of each host of `config.hosts`, in that order: the address, or
// "<address>-<port>" when two hosts share the address; ':' of IPv6 becomes '-'. Unique.
std::vector<std::string> ansible_host_aliases(const ClusterConfig& config);

// The same text for the same config.
std::string render_ansible_inventory(const ClusterConfig& config);

}  // namespace dci
