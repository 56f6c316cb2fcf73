#include "genconf/ansible_inventory.h"

#include <map>
#include <set>

#include "distribution/distribution.h"
#include "genconf/install_script.h"

namespace dci {
namespace {

std::string dashed(std::string text) {
  for (char& c : text) {
    if (c == ':') c = '-';
  }
  return text;
}

// An INI value in double quotes: Ansible reads it as a plain string.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// ssh(1) options for the config's known_hosts policy and jump host (Ansible splits them like a
// shell, so the path is single-quoted).
std::string ssh_common_args(const SshSettings& ssh) {
  const char* strict = ssh.host_key_policy == HostKeyPolicy::Strict      ? "yes"
                       : ssh.host_key_policy == HostKeyPolicy::AcceptNew ? "accept-new"
                                                                         : "no";
  std::string args = "-o StrictHostKeyChecking=" + std::string(strict);
  if (!ssh.known_hosts_path.empty())
    args += " -o UserKnownHostsFile=" + single_quoted(ssh.known_hosts_path);
  if (ssh.jump_host) {
    HostAddress jump = *ssh.jump_host;
    if (jump.user.empty()) jump.user = ssh.user;
    args += " -o ProxyJump=" + jump.to_string();
  }
  return args;
}

bool becomes_root(const SshSettings& ssh, const ClusterHost& host) {
  switch (ssh.sudo) {
    case SudoMode::Always:
      return true;
    case SudoMode::Never:
      return false;
    case SudoMode::Auto:
      return host.user != "root";
  }
  return false;
}

}  // namespace

std::vector<std::string> ansible_host_aliases(const ClusterConfig& config) {
  std::map<std::string, int> per_address;
  for (const ClusterHost& host : config.hosts) ++per_address[host.address];
  std::vector<std::string> aliases;
  std::set<std::string> taken;
  for (const ClusterHost& host : config.hosts) {
    std::string alias = dashed(host.address);
    if (per_address[host.address] > 1) alias += "-" + std::to_string(host.port);
    // The same address and port twice (the validator refuses it): still one name per entry.
    const std::string base = alias;
    for (int n = 2; taken.count(alias); ++n) alias = base + "-" + std::to_string(n);
    taken.insert(alias);
    aliases.push_back(alias);
  }
  return aliases;
}

std::string render_ansible_inventory(const ClusterConfig& config) {
  const std::vector<std::string> aliases = ansible_host_aliases(config);
  std::string text =
      "# Written by `dcinstall genconf` for cluster " + config.cluster_name +
      "; regenerate rather than edit.\n"
      "# Groups are the config's host lists; each host's login is its entry's, else ssh_user and\n"
      "# ssh_port. Host keys are checked as ssh_host_key_policy says.\n";
  for (Role role : k_all_roles) {
    text += "\n[" + std::string(role_name(role)) + "]\n";
    for (size_t i = 0; i < config.hosts.size(); ++i) {
      const ClusterHost& host = config.hosts[i];
      if (host.role != role) continue;
      text += aliases[i] + " ansible_host=" + host.address +
              " ansible_port=" + std::to_string(host.port) + " ansible_user=" + host.user +
              " dcinstall_address=" + host.address +
              (becomes_root(config.ssh, host) ? " ansible_become=true" : "") + "\n";
    }
    text += "\n[" + std::string(role_name(role)) +
            ":vars]\ndcinstall_role=" + std::string(role_name(role)) + "\n";
  }
  // Filled at run time by site.yml (group_by): dcinstall_<new|switch|none>_<role>.
  text += "\n# The hosts site.yml finds to have work (filled as it runs).\n";
  for (const char* work : {"new", "switch"}) {
    for (Role role : k_all_roles) {
      text += "[dcinstall_" + std::string(work) + "_" + std::string(role_name(role)) + "]\n";
    }
  }
  // Pipelining: one SSH command per task instead of copying each module first.
  text += "\n[all:vars]\nansible_python_interpreter=auto_silent\nansible_pipelining=true\n";
  text += "ansible_ssh_common_args=" + quoted(ssh_common_args(config.ssh)) + "\n";
  if (!config.ssh.key_path.empty()) {
    text += "ansible_ssh_private_key_file=" + quoted(config.ssh.key_path) + "\n";
  }
  return text;
}

}  // namespace dci
