#include "genconf/cluster_identity.h"

#include "genconf/sha256.h"

namespace dci {

std::string cluster_id(const ClusterConfig& config) {
  Sha256 hash;
  hash.update("dcinstall-cluster-id/1\n");
  hash.update(config.cluster_name);
  hash.update("\n");
  for (const ClusterHost* master : config.hosts_with_role(Role::Master)) {
    hash.update(master->address);
    hash.update("\n");
  }
  return hash.hex_digest().substr(0, 32);
}

}  // namespace dci
