#include "genconf/genconf.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>

#include "genconf/ansible_export.h"
#include "genconf/cluster_identity.h"
#include "genconf/cluster_json.h"
#include "genconf/expanded_config.h"
#include "genconf/role_bundle.h"
#include "genconf/sha256.h"

namespace dci {
namespace {

namespace fs = std::filesystem;

// Writes `content` to `path` through a temporary file and a rename.
Status write_file(const std::string& path, const std::string& content, fs::perms mode) {
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) return Error{std::string("cannot create: ") + std::strerror(errno), partial};
    out << content;
    out.close();
    if (!out) return Error{std::string("cannot write: ") + std::strerror(errno), partial};
  }
  std::error_code ec;
  fs::permissions(partial, mode, ec);
  if (!ec) fs::rename(partial, path, ec);
  if (ec) {
    fs::remove(partial, ec);
    return Error{"cannot write: " + ec.message(), path};
  }
  return Ok{};
}

// serve/ansible/ and its subdirectories, each file through write_file.
Status write_ansible_files(const std::string& serve_dir, const std::vector<AnsibleFile>& files,
                           fs::perms mode) {
  for (const AnsibleFile& file : files) {
    const fs::path path = fs::path(serve_dir) / "ansible" / file.path;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return Error{"cannot create: " + ec.message(), path.parent_path().string()};
    if (auto status = write_file(path.string(), file.content, mode); !status) return status;
  }
  return Ok{};
}

// Bundles of earlier runs: <role>--<64 hex>.tar[.zst|.gz].
std::vector<std::string> remove_stale_bundles(const std::string& dir,
                                              const std::vector<RoleBundle>& current) {
  static const std::regex bundle_name(
      "(master|agent|public_agent)--[0-9a-f]{64}\\.tar(\\.zst|\\.gz)?");
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!std::regex_match(name, bundle_name)) continue;
    bool keep = false;
    for (const RoleBundle& bundle : current) keep = keep || bundle.bundle.file_name == name;
    if (keep) continue;
    std::error_code remove_error;
    if (fs::remove(entry.path(), remove_error)) removed.push_back(name);
  }
  return removed;
}

}  // namespace

Result<GenconfResult> run_genconf(const ClusterConfig& config, const Schema& schema,
                                  const Distribution& distribution,
                                  const std::string& config_file, const GenconfOptions& options) {
  GenconfResult result;
  result.cluster_id = cluster_id(config);
  result.serve_dir = (fs::path(options.output_dir) / "serve").string();
  const std::string bundles_dir = (fs::path(result.serve_dir) / "bundles").string();
  std::error_code ec;
  fs::create_directories(bundles_dir, ec);
  if (ec) return Error{"cannot create: " + ec.message(), bundles_dir};

  for (Role role : k_all_roles) {
    auto entries = role_bundle_entries(config, schema, distribution, result.cluster_id, role);
    if (!entries) return entries.error();
    auto bundle = write_bundle(std::move(*entries), bundles_dir, std::string(role_name(role)),
                               options.compression, options.compression_level);
    if (!bundle) return bundle.error();
    result.bundles.push_back({role, std::move(*bundle)});
  }

  const fs::perms readable = fs::perms::owner_read | fs::perms::owner_write |
                             fs::perms::group_read | fs::perms::others_read;
  const fs::perms executable = readable | fs::perms::owner_exec | fs::perms::group_exec |
                               fs::perms::others_exec;
  const std::string install_script =
      render_install_script(config, result.cluster_id, result.bundles);
  result.install_script_sha256 = Sha256::hex_of(install_script);
  if (auto status = write_file((fs::path(result.serve_dir) / "install.sh").string(),
                               install_script, executable);
      !status) {
    return status.error();
  }
  if (auto status = write_ansible_files(
          result.serve_dir,
          ansible_files(config, schema, result.bundles, result.install_script_sha256), readable);
      !status) {
    return status.error();
  }
  if (auto status = write_file((fs::path(result.serve_dir) / "cluster.json").string(),
                               render_cluster_json(config, distribution, result.cluster_id,
                                                   result.bundles),
                               readable);
      !status) {
    return status.error();
  }
  result.expanded_config_path = (fs::path(options.output_dir) / "expanded-config.yaml").string();
  // Holds no secret, but is the operator's own view of the config: owner-only like the config.
  if (auto status = write_file(result.expanded_config_path,
                               render_expanded_config(schema, config.values, config_file),
                               fs::perms::owner_read | fs::perms::owner_write);
      !status) {
    return status.error();
  }
  result.removed = remove_stale_bundles(bundles_dir, result.bundles);
  return result;
}

}  // namespace dci
