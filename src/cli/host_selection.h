#pragma once
// Which hosts `dcinstall exec/copy` act on: the config's hosts of a role, narrowed (or extended)
// by --hosts.

#include <string>
#include <vector>

#include "config/cluster_config.h"
#include "transport/transport.h"
#include "util/result.h"

namespace dci::cli {

struct SelectedHost {
  transport::HostTarget target;
  std::string role;   // "master", "agent", "public_agent", or "extra" for --hosts not in the config
  std::string label;  // how output names the host: the address, or address:port off port 22
};

// `role`: master, agent, public_agent or all. `hosts`: "" (every host of the role), or a comma
// list of [user@]address[:port] entries, or "@FILE" with one entry per line; an entry that is
// not in the config is used with the config's ssh_user/ssh_port. Errors name the bad entry.
Result<std::vector<SelectedHost>> select_hosts(const ClusterConfig& cluster,
                                               const std::string& role, const std::string& hosts);

}  // namespace dci::cli
