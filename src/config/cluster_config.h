#pragma once
// The validated config as typed settings: what every later layer (genconf, transport,
// orchestrator) reads. Built only from a config that passed validation.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_values.h"
#include "config/environment.h"
#include "config/host_address.h"

namespace dci {

enum class Role { Master, Agent, PublicAgent };
std::string_view role_name(Role role);  // "master", "agent", "public_agent"
std::optional<Role> role_from_name(std::string_view name);

enum class HostKeyPolicy { Strict, AcceptNew, Off };
enum class SudoMode { Auto, Always, Never };

// One host of the cluster with its effective login (entry's user/port, else ssh_user/ssh_port).
struct ClusterHost {
  Role role = Role::Agent;
  std::string address;  // IP or DNS name, no brackets
  int port = 22;
  std::string user;
  std::string entry;  // as written in the config

  // "address:port" ("[v6]:port" for IPv6): the identity of a host in state and output.
  std::string id() const;
};

struct SshSettings {
  std::string user;
  int port = 22;
  std::string key_path;        // expanded; "" when not set
  std::string passphrase_env;  // "" when not set
  bool use_agent = false;
  HostKeyPolicy host_key_policy = HostKeyPolicy::Strict;
  std::string known_hosts_path;  // expanded
  std::optional<HostAddress> jump_host;
  SudoMode sudo = SudoMode::Auto;
  int parallelism = 200;
  double connect_timeout_s = 10;
  double command_timeout_s = 600;
  int retries = 2;
};

// `agent_failure_budget`: a count, or a percentage of all agents (public and private).
struct FailureBudget {
  long long value = 0;
  bool percent = false;

  // How many of `agents` may fail (percentages round down).
  long long allowed(long long agents) const { return percent ? agents * value / 100 : value; }
};

// `upgrade_max_unavailable`: a count, or a percentage of one role's agents; never below 1.
struct BatchSize {
  long long value = 10;
  bool percent = true;

  // How many of `hosts` one batch switches (percentages round down; at least 1).
  long long of(long long hosts) const {
    const long long size = percent ? hosts * value / 100 : value;
    return size < 1 ? 1 : size;
  }
};

struct ClusterConfig {
  std::string cluster_name;
  std::vector<ClusterHost> hosts;  // masters, then agents, then public agents, in config order
  SshSettings ssh;
  FailureBudget agent_failure_budget;
  bool install_prereqs = false;
  double postflight_timeout_s = 900;
  BatchSize upgrade_max_unavailable;
  double upgrade_host_timeout_s = 600;
  std::string bootstrap_url;
  std::vector<std::string> resolvers;
  std::string distribution;  // "reference" or an expanded directory path
  ConfigValues values;       // every effective value, distribution parameters included

  // Precondition: `values` passed validation. `base_dir` is the config file's directory.
  static ClusterConfig from_values(const ConfigValues& values, const Environment& environment,
                                   const std::string& base_dir);

  std::vector<const ClusterHost*> hosts_with_role(Role role) const;
};

}  // namespace dci
