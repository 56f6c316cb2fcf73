#pragma once
// What a bundle was rendered from, as a person compares it: the distribution's name and version
// and every effective config value (a secret only as a short hash: "secret sha256:1a2b3c4d").
// The state keeps it per bundle id, so an upgrade's plan says which parameter changed a host's
// bundle ("etcd_heartbeat_interval_ms 100 -> 150") instead of only that it changed.

#include <map>
#include <string>

#include "config/cluster_config.h"
#include "config/schema.h"
#include "distribution/distribution.h"

namespace dci {

using BundleInputs = std::map<std::string, std::string>;  // name -> value as shown

BundleInputs bundle_inputs(const ClusterConfig& config, const Schema& schema,
                           const Distribution& distribution);

// A stored form (JSON) and back; an unreadable text reads as no inputs.
std::string bundle_inputs_text(const BundleInputs& inputs);
BundleInputs bundle_inputs_from_text(const std::string& text);

// "etcd_heartbeat_interval_ms 100 -> 150; distribution version reference 1.0.0 -> reference 1.1.0", at most three
// changes and "and N more"; "" when `from` is empty (unknown) or nothing differs.
std::string describe_change(const BundleInputs& from, const BundleInputs& to);

}  // namespace dci
