#include "genconf/install_script.h"

#include "genconf/embedded_scripts.h"

namespace dci {

std::string single_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string render_install_script(const ClusterConfig& config, const std::string& cluster_id,
                                  const std::vector<RoleBundle>& bundles) {
  std::string masters;
  for (const ClusterHost* master : config.hosts_with_role(Role::Master)) {
    masters += (masters.empty() ? "" : " ") + master->address;
  }
  std::string table;
  for (const RoleBundle& entry : bundles) {
    table += (table.empty() ? "" : "\n") + std::string(role_name(entry.role)) + " " +
             entry.bundle.file_name + " " + entry.bundle.id;
  }
  const std::string values = "DCI_CLUSTER_NAME=" + single_quoted(config.cluster_name) + "\n" +
                             "DCI_CLUSTER_ID=" + single_quoted(cluster_id) + "\n" +
                             "DCI_BOOTSTRAP_URL=" + single_quoted(config.bootstrap_url) + "\n" +
                             "DCI_MASTERS=" + single_quoted(masters) + "\n" +
                             "DCI_BUNDLES=" + single_quoted(table) + "\n";
  std::string script(embedded_install_script());
  const std::string marker = "# @DCINSTALL_GENERATED@\n";
  const size_t at = script.find(marker);
  if (at != std::string::npos) script.replace(at, marker.size(), values);
  return script;
}

}  // namespace dci
