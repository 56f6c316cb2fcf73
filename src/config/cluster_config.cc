#include "config/cluster_config.h"

namespace dci {
namespace {

constexpr std::pair<Role, std::string_view> k_role_names[] = {
    {Role::Master, "master"}, {Role::Agent, "agent"}, {Role::PublicAgent, "public_agent"}};

}  // namespace

std::string_view role_name(Role role) {
  for (const auto& [value, name] : k_role_names) {
    if (value == role) return name;
  }
  return "?";
}

std::optional<Role> role_from_name(std::string_view name) {
  for (const auto& [value, role_text] : k_role_names) {
    if (role_text == name) return value;
  }
  return std::nullopt;
}

std::string ClusterHost::id() const {
  const bool ipv6 = address.find(':') != std::string::npos;
  return (ipv6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

ClusterConfig ClusterConfig::from_values(const ConfigValues& values, const Environment& environment,
                                         const std::string& base_dir) {
  ClusterConfig config;
  config.values = values;
  config.cluster_name = values.get_string("cluster_name");

  SshSettings& ssh = config.ssh;
  ssh.user = values.get_string("ssh_user");
  ssh.port = static_cast<int>(values.get_int("ssh_port"));
  if (values.has("ssh_key_path")) {
    ssh.key_path = environment.expand_path(values.get_string("ssh_key_path"), base_dir);
  }
  ssh.passphrase_env = values.get_string("ssh_key_passphrase_env");
  ssh.use_agent = values.get_bool("ssh_use_agent");
  const std::string policy = values.get_string("ssh_host_key_policy");
  ssh.host_key_policy = policy == "off"          ? HostKeyPolicy::Off
                        : policy == "accept-new" ? HostKeyPolicy::AcceptNew
                                                 : HostKeyPolicy::Strict;
  ssh.known_hosts_path =
      environment.expand_path(values.get_string("ssh_known_hosts_path"), base_dir);
  if (values.has("ssh_jump_host")) {
    auto jump = parse_host_address(values.get_string("ssh_jump_host"));
    if (jump) ssh.jump_host = *jump;
  }
  const std::string sudo = values.get_string("ssh_sudo");
  ssh.sudo = sudo == "always"  ? SudoMode::Always
             : sudo == "never" ? SudoMode::Never
                               : SudoMode::Auto;
  ssh.parallelism = static_cast<int>(values.get_int("ssh_parallelism"));
  ssh.connect_timeout_s = values.get_number("connect_timeout_s");
  ssh.command_timeout_s = values.get_number("command_timeout_s");
  ssh.retries = static_cast<int>(values.get_int("retries"));

  std::string budget = values.get_string("agent_failure_budget");
  config.agent_failure_budget.percent = !budget.empty() && budget.back() == '%';
  if (config.agent_failure_budget.percent) budget.pop_back();
  config.agent_failure_budget.value = std::stoll(budget.empty() ? "0" : budget);

  std::string batch = values.get_string("upgrade_max_unavailable");
  config.upgrade_max_unavailable.percent = !batch.empty() && batch.back() == '%';
  if (config.upgrade_max_unavailable.percent) batch.pop_back();
  config.upgrade_max_unavailable.value = std::stoll(batch.empty() ? "1" : batch);
  config.upgrade_host_timeout_s = values.get_number("upgrade_host_timeout_s");

  config.install_prereqs = values.get_bool("install_prereqs");
  config.postflight_timeout_s = values.get_number("postflight_timeout_s");
  config.bootstrap_url = values.get_string("bootstrap_url");
  config.resolvers = values.get_list("resolvers");
  const std::string distribution = values.get_string("distribution");
  config.distribution =
      distribution == "reference" ? distribution : environment.expand_path(distribution, base_dir);

  for (const auto& [role, list] :
       {std::pair{Role::Master, "master_list"}, std::pair{Role::Agent, "agent_list"},
        std::pair{Role::PublicAgent, "public_agent_list"}}) {
    for (const std::string& entry : values.get_list(list)) {
      auto address = parse_host_address(entry);
      if (!address) continue;  // precondition: validated
      config.hosts.push_back({role, address->address, address->port ? address->port : ssh.port,
                              address->user.empty() ? ssh.user : address->user, entry});
    }
  }
  return config;
}

std::vector<const ClusterHost*> ClusterConfig::hosts_with_role(Role role) const {
  std::vector<const ClusterHost*> out;
  for (const auto& host : hosts) {
    if (host.role == role) out.push_back(&host);
  }
  return out;
}

}  // namespace dci
