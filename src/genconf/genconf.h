#pragma once
// genconf: a validated config and its distribution to the tree hosts install from
// (docs/bundle-format.md):
//
//   <output>/expanded-config.yaml
//   <output>/serve/install.sh
//   <output>/serve/cluster.json
//   <output>/serve/ansible/...                      (inventory and playbooks: ansible_export.h)
//   <output>/serve/bundles/<role>--<id>.tar.zst     (one per role; .tar.gz / .tar by option;
//                                                    0600 when it holds a secret, else 0644)
//
// Deterministic: the same config and distribution give byte-identical files.

#include <string>
#include <vector>

#include "config/cluster_config.h"
#include "config/schema.h"
#include "distribution/distribution.h"
#include "genconf/bundle_writer.h"
#include "genconf/install_script.h"
#include "util/result.h"

namespace dci {

struct GenconfOptions {
  std::string output_dir = "genconf";
  Compression compression = Compression::Zstd;
  int compression_level = 3;  // zstd 1–19, gzip 1–9
};

struct GenconfResult {
  std::string cluster_id;
  std::vector<RoleBundle> bundles;  // master, agent, public_agent
  std::string serve_dir;
  // SHA-256 of serve/install.sh (64 hex digits): what a host checks before running a downloaded
  // install.sh, whose DCI_BUNDLES table in turn pins every bundle.
  std::string install_script_sha256;
  std::string expanded_config_path;
  std::vector<std::string> removed;  // stale bundles of earlier runs that were deleted
};

// Writes the tree. Preconditions: `config` was built from values that passed validation against
// `schema`, and `schema` holds `distribution`'s parameters. `config_file` is named in
// expanded-config.yaml. Files are written to a temporary name and renamed into place; bundles in
// serve/bundles/ that are not this run's are removed. The Error names the file that failed.
Result<GenconfResult> run_genconf(const ClusterConfig& config, const Schema& schema,
                                  const Distribution& distribution,
                                  const std::string& config_file, const GenconfOptions& options);

}  // namespace dci
