#include "config/installer_rules.h"

#include <filesystem>
#include <unordered_map>

#include "config/host_address.h"
#include "config/key_file.h"
#include "util/strings.h"

namespace dci {
namespace {

class InstallerRules {
 public:
  InstallerRules(ValidationResult& result, const std::string& file, const std::string& base_dir,
                 const Environment& environment)
      : m_result(result),
        m_values(result.values),
        m_file(file),
        m_base_dir(base_dir),
        m_environment(environment) {}

  void apply() {
    check_quorum();
    check_unique_hosts();
    default_use_agent();
    check_key_file();
    check_passphrase_env();
    warn_about_host_keys();
    warn_about_plain_http_bootstrap();
  }

 private:
  void report(Severity severity, SourcePosition position, const std::string& key,
              std::string message) {
    if (position.line == 0) position = {m_file, 1, 1};
    auto& list = severity == Severity::Error ? m_result.errors : m_result.warnings;
    list.push_back({severity, std::move(position), key, std::move(message)});
  }

  void check_quorum() {
    const ConfigValue* masters = m_values.find("master_list");
    if (!masters) return;
    const size_t count = masters->items.size();
    if (count == 1 || count == 3 || count == 5 || count == 7 || count == 9) return;
    std::string message;
    if (count == 0) {
      message = "no masters given; quorum needs an odd count: 1, 3, 5, 7 or 9";
    } else if (count > 9) {
      message = std::to_string(count) + " masters given; at most 9 are supported (1, 3, 5, 7 or 9)";
    } else {
      message =
          std::to_string(count) + " masters given; quorum needs an odd count: 1, 3, 5, 7 or 9";
    }
    report(Severity::Error, masters->position, "master_list", message);
  }

  struct FirstSeen {
    std::string list;
    SourcePosition position;
  };

  // Same address and port (the entry's, else ssh_port) is the same host, whatever the user.
  void check_unique_hosts() {
    // An invalid ssh_port is reported on its own; compare with sshd's usual port meanwhile.
    const std::string default_port =
        m_values.has("ssh_port") ? m_values.get_string("ssh_port") : "22";
    std::unordered_map<std::string, FirstSeen> seen;
    for (const char* list : {"master_list", "agent_list", "public_agent_list"}) {
      const ConfigValue* hosts = m_values.find(list);
      if (!hosts) continue;
      seen.reserve(seen.size() + hosts->items.size());
      for (size_t i = 0; i < hosts->items.size(); ++i) {
        auto host = parse_host_address(hosts->items[i]);
        if (!host) continue;  // reported by the key's own check
        const std::string port = host->port ? std::to_string(host->port) : default_port;
        const SourcePosition& position = hosts->item_positions.at(i);
        const auto [it, inserted] =
            seen.emplace(host->address + "\n" + port, FirstSeen{list, position});
        if (inserted) continue;
        const std::string where =
            it->second.list == list ? "earlier in " + std::string(list) : "in " + it->second.list;
        const SourcePosition& first = it->second.position;
        report(Severity::Error, position, list,
               "host '" + hosts->items[i] + "' (port " + port + ") is already listed " + where +
                   " at " + std::to_string(first.line) + ":" + std::to_string(first.column) +
                   "; each host may appear once across all host lists");
      }
    }
  }

  void default_use_agent() {
    const bool have_agent = m_environment.get("SSH_AUTH_SOCK").has_value();
    if (const ConfigValue* use_agent = m_values.find("ssh_use_agent")) {
      if (m_values.get_bool("ssh_use_agent") && !have_agent) {
        report(Severity::Warning, use_agent->position, "ssh_use_agent",
               "SSH_AUTH_SOCK is not set, so no ssh-agent will be asked for keys");
      }
      return;
    }
    ConfigValue value;
    value.items = {have_agent ? "true" : "false"};
    value.from_default = true;
    m_values.set("ssh_use_agent", value);
  }

  void check_key_file() {
    const ConfigValue* key_path = m_values.find("ssh_key_path");
    if (!key_path) return;
    const std::string path = m_environment.expand_path(key_path->items.front(), m_base_dir);
    auto key = inspect_key_file(path);
    if (!key) {
      report(Severity::Error, key_path->position, "ssh_key_path", key.error().message);
      return;
    }
    if (key->encrypted && !m_values.has("ssh_key_passphrase_env") &&
        !m_values.get_bool("ssh_use_agent")) {
      report(Severity::Error, key_path->position, "ssh_key_path",
             "key '" + path +
                 "' is encrypted; set ssh_key_passphrase_env to the name of an "
                 "environment variable holding its passphrase, or load it into ssh-agent and set "
                 "ssh_use_agent: true");
    }
  }

  void check_passphrase_env() {
    const ConfigValue* name = m_values.find("ssh_key_passphrase_env");
    if (!name) return;
    if (!m_environment.get(name->items.front())) {
      report(Severity::Error, name->position, "ssh_key_passphrase_env",
             "environment variable '" + name->items.front() +
                 "' is not set; export it with the key's passphrase before running dcinstall");
    }
  }

  void warn_about_host_keys() {
    const ConfigValue* policy = m_values.find("ssh_host_key_policy");
    const std::string mode = m_values.get_string("ssh_host_key_policy");
    if (mode == "off") {
      report(Severity::Warning, policy->position, "ssh_host_key_policy",
             "host keys will not be verified, so anyone on the network path can impersonate a "
             "host; use strict or accept-new");
    }
    const ConfigValue* known_hosts = m_values.find("ssh_known_hosts_path");
    if (mode == "strict" && known_hosts) {
      const std::string path = m_environment.expand_path(known_hosts->items.front(), m_base_dir);
      std::error_code ec;
      if (!std::filesystem::exists(path, ec)) {
        report(Severity::Warning, known_hosts->position, "ssh_known_hosts_path",
               "'" + path +
                   "' does not exist; with ssh_host_key_policy: strict every host "
                   "will be refused (use accept-new to record keys on first contact)");
      }
    }
  }

  // A pull install runs the install.sh it fetched as root, and the bundles hold the rendered
  // secret parameters: over http:// anyone on the path can change or read them.
  void warn_about_plain_http_bootstrap() {
    const ConfigValue* url = m_values.find("bootstrap_url");
    if (!url || url->items.empty() || !starts_with(to_lower(url->items.front()), "http://")) return;
    report(Severity::Warning, url->position, "bootstrap_url",
           "plain http:// lets anyone on the network path change install.sh and the bundles or "
           "read the secrets in them; use https:// (and check install.sh's SHA-256, "
           "docs/bundle-format.md)");
  }

  ValidationResult& m_result;
  ConfigValues& m_values;
  const std::string& m_file;
  const std::string& m_base_dir;
  const Environment& m_environment;
};

}  // namespace

void apply_installer_rules(ValidationResult& result, const std::string& file,
                           const std::string& base_dir, const Environment& environment) {
  InstallerRules(result, file, base_dir, environment).apply();
}

}  // namespace dci
