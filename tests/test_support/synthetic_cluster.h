#pragma once
// A ClusterConfig of made-up hosts for unit tests of the core: masters at 10.0.0.x, agents at
// 10.1.y.z (250 per /24), public agents at 10.2.0.x, all port 22, user root.

#include <string>

#include "config/cluster_config.h"

namespace dci {

inline ClusterConfig synthetic_cluster(int masters, int agents, int public_agents = 0) {
  ClusterConfig config;
  for (int i = 0; i < masters; ++i) {
    config.hosts.push_back({Role::Master, "10.0.0." + std::to_string(i + 1), 22, "root", ""});
  }
  for (int i = 0; i < agents; ++i) {
    config.hosts.push_back({Role::Agent,
                            "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1),
                            22, "root", ""});
  }
  for (int i = 0; i < public_agents; ++i) {
    config.hosts.push_back({Role::PublicAgent, "10.2.0." + std::to_string(i + 1), 22, "root", ""});
  }
  return config;
}

}  // namespace dci
