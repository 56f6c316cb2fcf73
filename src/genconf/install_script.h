#pragma once
// genconf/serve/install.sh: the embedded scripts/install.sh with the cluster's values in place of
// its marker line.

#include <string>
#include <vector>

#include "config/cluster_config.h"
#include "genconf/bundle_writer.h"

namespace dci {

struct RoleBundle {
  Role role = Role::Master;
  WrittenBundle bundle;
};

// `bundles` in role order. The text is the same for the same inputs (no dates, no paths).
std::string render_install_script(const ClusterConfig& config, const std::string& cluster_id,
                                  const std::vector<RoleBundle>& bundles);

// `text` as a bash single-quoted word.
std::string single_quoted(const std::string& text);

}  // namespace dci
