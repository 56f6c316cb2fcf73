#pragma once
// The content of one role's bundle (docs/bundle-format.md): the distribution's rendered
// templates, files and artifacts, plus what genconf writes under dcinstall/ (bundle.info, the
// service run scripts, the check lists, the requirements, the supervisor).

#include <string>
#include <vector>

#include "config/cluster_config.h"
#include "config/schema.h"
#include "distribution/distribution.h"
#include "genconf/bundle_writer.h"
#include "util/result.h"

namespace dci {

// The bundle layout version written to dcinstall/bundle.info.
constexpr int k_bundle_format_version = 1;

// Every entry of `role`'s bundle, unsorted. Artifacts and files are referenced by path (streamed
// when the bundle is written); everything else is in memory. The Error names the template or
// file that failed.
Result<std::vector<BundleEntry>> role_bundle_entries(const ClusterConfig& config,
                                                     const Schema& schema,
                                                     const Distribution& distribution,
                                                     const std::string& cluster_id, Role role);

// `text` as a bash double-quoted word in which only ${DCINSTALL_...} references expand when the
// script runs; every other character (other $, \, ", `) stands for itself.
std::string double_quoted(const std::string& text);

}  // namespace dci
