#include "config/installer_schema.h"

#include <regex>

#include "config/host_address.h"
#include "util/strings.h"

namespace dci {
namespace {

std::optional<std::string> check_failure_budget(std::string_view value) {
  std::string_view number = value;
  const bool percent = !number.empty() && number.back() == '%';
  if (percent) number.remove_suffix(1);
  long long count = 0;
  if (!parse_int(number, count) || count < 0 || (percent && count > 100)) {
    return "'" + std::string(value) +
           "' is not a budget; expected a count of agents (e.g. 3) or a percentage 0–100% "
           "(e.g. 5%)";
  }
  return std::nullopt;
}

std::optional<std::string> check_max_unavailable(std::string_view value) {
  std::string_view number = value;
  const bool percent = !number.empty() && number.back() == '%';
  if (percent) number.remove_suffix(1);
  long long count = 0;
  if (!parse_int(number, count) || count < 1 || (percent && count > 100)) {
    return "'" + std::string(value) +
           "' is not a batch size; expected a count of hosts of at least 1 (e.g. 2) or a "
           "percentage 1–100% (e.g. 10%)";
  }
  return std::nullopt;
}

std::optional<std::string> check_url(std::string_view value) {
  static const std::regex url(R"(https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[^\s]*)?)",
                              std::regex::icase);
  static const std::regex url_ipv6(R"(https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?(/[^\s]*)?)",
                                   std::regex::icase);
  constexpr size_t k_max_url = 4096;  // std::regex recurses per character
  if (value.size() > k_max_url) {
    return "the URL is " + std::to_string(value.size()) + " characters long; at most " +
           std::to_string(k_max_url);
  }
  const std::string text(value);
  if (!std::regex_match(text, url) && !std::regex_match(text, url_ipv6)) {
    return "'" + text + "' is not an http(s) URL; expected e.g. http://10.0.0.2:8080";
  }
  return std::nullopt;
}

std::optional<std::string> check_positive(std::string_view value) {
  double seconds = 0;
  if (parse_number(value, seconds) && seconds > 0) return std::nullopt;
  return "'" + std::string(value) + "' is not positive; expected a number of seconds above 0";
}

std::optional<std::string> check_ip(std::string_view value) {
  if (is_ip_address(value)) return std::nullopt;
  return "'" + std::string(value) + "' is not an IP address; expected e.g. 8.8.8.8 or fd00::53";
}

KeySpec key(std::string name, ValueType type, std::string doc) {
  KeySpec spec;
  spec.key = std::move(name);
  spec.type = type;
  spec.doc = std::move(doc);
  return spec;
}

KeySpec with_default(KeySpec spec, std::string value) {
  spec.default_value = std::move(value);
  return spec;
}

KeySpec with_range(KeySpec spec, double min, double max) {
  spec.min = min;
  spec.max = max;
  return spec;
}

// Timeouts are positive and at most k_max_timeout_s (about 115 days): a larger value would
// overflow the integer conversions of the stages and their messages (review L10).
constexpr double k_max_timeout_s = 1e7;

KeySpec timeout_key(std::string name, std::string doc, std::string default_value) {
  KeySpec spec = with_default(key(std::move(name), ValueType::Number, std::move(doc)),
                              std::move(default_value));
  spec.check = check_positive;
  spec.rule_doc = "above 0";
  spec.max = k_max_timeout_s;
  return spec;
}

}  // namespace

Schema installer_schema() {
  std::vector<KeySpec> keys;

  KeySpec cluster_name = key("cluster_name", ValueType::String,
                             "Name of the cluster; part of the cluster id and of every bundle.");
  cluster_name.required = true;
  cluster_name.pattern = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
  cluster_name.pattern_doc = "1–63 characters of a-z, 0-9 and '-', not starting or ending with '-'";
  keys.push_back(cluster_name);

  KeySpec masters = key("master_list", ValueType::HostList,
                        "Hosts that run the quorum store. Entries are [user@]address[:port].");
  masters.required = true;
  masters.rule_doc = "1, 3, 5, 7 or 9 hosts (an odd quorum); no host twice in any list";
  keys.push_back(masters);

  KeySpec agents = with_default(
      key("agent_list", ValueType::HostList, "Hosts that run workloads (private agents)."), "");
  agents.rule_doc = "may be empty; no host twice in any list";
  keys.push_back(agents);

  KeySpec public_agents =
      with_default(key("public_agent_list", ValueType::HostList,
                       "Hosts that run public-facing workloads (public agents)."),
                   "");
  public_agents.rule_doc = "may be empty; no host twice in any list";
  keys.push_back(public_agents);

  KeySpec user = with_default(
      key("ssh_user", ValueType::String, "User to log in as, unless a host entry gives user@."),
      "root");
  user.pattern = "[A-Za-z_][A-Za-z0-9_.-]{0,31}";
  user.pattern_doc = "a user name (letters, digits, '_', '-', '.')";
  keys.push_back(user);

  keys.push_back(
      with_range(with_default(key("ssh_port", ValueType::Integer,
                                  "sshd port on every host, unless a host entry gives :port."),
                              "22"),
                 1, 65535));

  KeySpec key_path = key("ssh_key_path", ValueType::String,
                         "Private key to log in with. Relative paths are relative to the config "
                         "file; ~ is the home directory.");
  key_path.rule_doc =
      "an existing private key file with mode 0600 or narrower; an encrypted key needs "
      "ssh_key_passphrase_env or ssh-agent";
  keys.push_back(key_path);

  KeySpec passphrase_env = key("ssh_key_passphrase_env", ValueType::String,
                               "Name of the environment variable that holds the passphrase of "
                               "an encrypted ssh_key_path (the passphrase itself never goes in "
                               "the config).");
  passphrase_env.pattern = "[A-Za-z_][A-Za-z0-9_]*";
  passphrase_env.pattern_doc = "an environment variable name; the variable must be set";
  keys.push_back(passphrase_env);

  KeySpec use_agent = key("ssh_use_agent", ValueType::Boolean,
                          "Try keys held by ssh-agent (SSH_AUTH_SOCK), after ssh_key_path.");
  use_agent.default_doc = "true when SSH_AUTH_SOCK is set, else false";
  keys.push_back(use_agent);

  KeySpec policy = with_default(
      key("ssh_host_key_policy", ValueType::String,
          "How host keys are checked: strict refuses unknown and changed keys; accept-new "
          "records unknown keys and refuses changed ones; off checks nothing (warns)."),
      "strict");
  policy.choices = {"strict", "accept-new", "off"};
  keys.push_back(policy);

  keys.push_back(with_default(key("ssh_known_hosts_path", ValueType::String,
                                  "known_hosts file used to verify (and, with accept-new, "
                                  "record) host keys."),
                              "~/.ssh/known_hosts"));

  KeySpec jump = key("ssh_jump_host", ValueType::Host,
                     "Bastion to reach the hosts through (like ssh -J), as [user@]host[:port].");
  keys.push_back(jump);

  KeySpec sudo =
      with_default(key("ssh_sudo", ValueType::String,
                       "Run commands with sudo: auto = when the login user is not root."),
                   "auto");
  sudo.choices = {"auto", "always", "never"};
  keys.push_back(sudo);

  keys.push_back(
      with_range(with_default(key("ssh_parallelism", ValueType::Integer,
                                  "At most this many hosts are connecting or working at once."),
                              "200"),
                 1, 10000));

  keys.push_back(timeout_key("connect_timeout_s",
                             "Seconds to establish an SSH connection (TCP, key exchange, auth).",
                             "10"));
  keys.push_back(timeout_key("command_timeout_s",
                             "Seconds one remote command may run before it is killed on the host.",
                             "600"));
  keys.push_back(timeout_key(
      "postflight_timeout_s",
      "Seconds postflight keeps polling the health checks before it reports the hosts still "
      "failing; also how long deploy waits for the masters' quorum before the agents start.",
      "900"));

  keys.push_back(with_range(
      with_default(key("retries", ValueType::Integer,
                       "Retries of a step after a transient SSH failure (refused, reset, "
                       "timeout); permanent failures are never retried."),
                   "2"),
      0, 10));

  KeySpec budget = with_default(
      key("agent_failure_budget", ValueType::String,
          "How many agents (public or private) may fail without failing a stage; masters "
          "must always succeed."),
      "0");
  budget.check = check_failure_budget;
  budget.rule_doc = "a count N or a percentage N% of the agents";
  keys.push_back(budget);

  KeySpec max_unavailable = with_default(
      key("upgrade_max_unavailable", ValueType::String,
          "How many agents of one role a rolling change (upgrade, rollback, a changed config "
          "on an installed cluster) switches at once; masters always go one at a time."),
      "10%");
  max_unavailable.check = check_max_unavailable;
  max_unavailable.rule_doc = "a count N ≥ 1 or a percentage N% of the role's agents (at least 1)";
  keys.push_back(max_unavailable);

  keys.push_back(timeout_key(
      "upgrade_host_timeout_s",
      "Seconds a host switched by a rolling change has to pass its health checks (and, for "
      "a master, to be back in the quorum) before it is rolled back.",
      "600"));

  keys.push_back(with_default(
      key("install_prereqs", ValueType::Boolean,
          "Preflight installs what the distribution's prerequisites lack on each host before "
          "checking (`--install-prereqs` / `--no-install-prereqs` override it for one run)."),
      "false"));

  KeySpec bootstrap_url = key("bootstrap_url", ValueType::String,
                              "Where hosts pull bundles from for pull installs (serve "
                              "genconf/serve/ there).");
  bootstrap_url.check = check_url;
  bootstrap_url.rule_doc = "an http:// or https:// URL";
  keys.push_back(bootstrap_url);

  KeySpec resolvers = with_default(
      key("resolvers", ValueType::StringList, "DNS servers the cluster's hosts use."), "");
  resolvers.check = check_ip;
  resolvers.rule_doc = "IPv4 or IPv6 addresses";
  keys.push_back(resolvers);

  keys.push_back(with_default(key("distribution", ValueType::String,
                                  "Directory of the distribution to install, or 'reference' "
                                  "for the one built into dcinstall."),
                              "reference"));

  Schema schema;
  for (auto& spec : keys) (void)schema.add(std::move(spec));  // the built-in keys are distinct
  return schema;
}

}  // namespace dci
