#pragma once
// The cluster id: a name for the cluster that every bundle and install.sh carry. Derived, not
// random, so genconf stays deterministic: it depends on cluster_name and the master addresses
// only, so adding or removing agents never changes it (nor, therefore, the master bundle).

#include <string>

#include "config/cluster_config.h"

namespace dci {

// 32 hex digits: the first half of SHA-256("dcinstall-cluster-id/1\n" cluster_name "\n" then
// each master address and "\n", in config order).
std::string cluster_id(const ClusterConfig& config);

}  // namespace dci
