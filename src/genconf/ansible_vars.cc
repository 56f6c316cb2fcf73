#include "genconf/ansible_vars.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace dci {
namespace {

// A YAML double-quoted scalar (JSON's string syntax is YAML's).
std::string yaml_string(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string render_ansible_vars(const ClusterConfig& config, const Schema& schema,
                                const std::vector<RoleBundle>& bundles,
                                const std::string& install_sh_sha256) {
  // install.sh --health is polled every 2 s for postflight_timeout_s, as dcinstall does.
  const long long retries =
      std::max(1LL, static_cast<long long>(std::ceil(config.postflight_timeout_s / 2)));
  std::string text =
      "---\n"
      "# Written by `dcinstall genconf` for cluster " +
      config.cluster_name +
      "; regenerate rather than edit.\n"
      "# Read by site.yml and uninstall.yml (group_vars next to the playbooks).\n"
      "dcinstall_url: " +
      yaml_string(config.bootstrap_url) + "  # bootstrap_url\n" +
      "dcinstall_install_sh_sha256: " + yaml_string(install_sh_sha256) + "\n" +
      "# Where dcinstall's own push puts install.sh and the bundle, so both ways share it.\n"
      "dcinstall_pushed_dir: /var/lib/dcinstall/pushed\n"
      "dcinstall_install_prereqs: " +
      (config.install_prereqs ? "true" : "false") +
      "  # install_prereqs\n"
      "dcinstall_health_retries: " +
      std::to_string(retries) +
      "  # every 2 s for postflight_timeout_s\n"
      "# What the tasks use of the values below, for this host.\n"
      "dcinstall_bundle: \"{{ dcinstall_bundles[dcinstall_role] }}\"\n"
      "dcinstall_install_sh: [bash, \"{{ dcinstall_pushed_dir }}/install.sh\"]\n"
      "dcinstall_bundle_options: [--bundle, \"{{ dcinstall_pushed_dir }}/{{ dcinstall_bundle.file "
      "}}\",\n"
      "  --address, \"{{ dcinstall_address }}\", \"{{ dcinstall_role }}\"]\n"
      "# Each role's bundle: the file under <bootstrap_url>/bundles/ and its SHA-256 (its id).\n"
      "dcinstall_bundles:\n";
  for (const RoleBundle& entry : bundles) {
    text += "  " + std::string(role_name(entry.role)) +
            ":\n    file: " + yaml_string(entry.bundle.file_name) +
            "\n    id: " + yaml_string(entry.bundle.id) + "\n";
  }
  std::string secrets;
  for (const KeySpec& spec : schema.keys()) {
    if (spec.secret) secrets += (secrets.empty() ? "" : ", ") + spec.key;
  }
  text += "# Secret parameters: " + (secrets.empty() ? std::string("none") : secrets) +
          ". genconf renders their values into the\n"
          "# bundles; nothing under ansible/ holds one, and the plays need none. A sudo password,\n"
          "# if the hosts need one, is Ansible's own ansible_become_password (keep it in Vault).\n";
  return text;
}

}  // namespace dci
