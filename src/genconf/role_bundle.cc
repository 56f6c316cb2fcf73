#include "genconf/role_bundle.h"

#include <cstdio>
#include <filesystem>

#include "config/raw_config.h"
#include "genconf/embedded_scripts.h"
#include "genconf/template_renderer.h"

namespace dci {
namespace {

namespace fs = std::filesystem;

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", seconds);
  return text;
}

std::string checks_list(const std::vector<CheckSpec>& checks) {
  std::string out;
  for (const CheckSpec& check : checks) {
    out += check.name + "\t" + seconds_text(check.timeout_s) + "\t" + check.run + "\t" +
           check.message + "\n";
  }
  return out;
}

// One line per prerequisite: name, check timeout, check path, install timeout, install path,
// message (tab-separated).
std::string prerequisites_list(const std::vector<PrerequisiteSpec>& prerequisites) {
  std::string out;
  for (const PrerequisiteSpec& prerequisite : prerequisites) {
    out += prerequisite.name + "\t" + seconds_text(k_prerequisite_check_timeout_s) + "\t" +
           prerequisite.check + "\t" + seconds_text(prerequisite.timeout_s) + "\t" +
           prerequisite.install + "\t" + prerequisite.message + "\n";
  }
  return out;
}

// `mode` without any access for the group or other users (0644 → 0600, 0755 → 0700).
unsigned owner_only(unsigned mode) {
  return mode & ~077u;
}

class RoleBundleBuilder {
 public:
  RoleBundleBuilder(const ClusterConfig& config, const Schema& schema,
                    const Distribution& distribution, const std::string& cluster_id, Role role)
      : m_config(config), m_distribution(distribution), m_cluster_id(cluster_id), m_role(role),
        m_spec(distribution.role(role)),
        m_renderer(config, schema, distribution, cluster_id, role) {}

  Result<std::vector<BundleEntry>> build() {
    for (const BundleFileSpec& file : m_spec.templates) {
      const std::string source = (fs::path(m_distribution.directory) / file.source).string();
      auto text = read_text_file(source);
      if (!text) return text.error();
      auto rendered = m_renderer.render(*text, source);
      if (!rendered) return rendered.error();
      const bool secret = m_renderer.uses_secret(*text);
      m_entries.push_back({file.target, secret ? owner_only(file.mode) : file.mode,
                           std::move(*rendered), "", secret});
    }
    for (const auto* files : {&m_spec.files, &m_spec.artifacts}) {
      for (const BundleFileSpec& file : *files) {
        const std::string source = (fs::path(m_distribution.directory) / file.source).string();
        std::error_code ec;
        if (!fs::is_regular_file(source, ec)) return Error{"file not found", source};
        m_entries.push_back({file.target, file.mode, "", source});
      }
    }
    if (auto status = add_services(); !status) return status.error();
    add("dcinstall/bundle.info", 0644, bundle_info());
    add("dcinstall/requirements", 0644, requirements());
    // Only when there are some: a role without prerequisites keeps the bundle (and id) it had
    // before the format knew them.
    if (!m_spec.prerequisites.empty()) {
      add("dcinstall/prerequisites.list", 0644, prerequisites_list(m_spec.prerequisites));
    }
    add("dcinstall/preflight.list", 0644, checks_list(m_spec.preflight));
    add("dcinstall/health.list", 0644, checks_list(m_spec.health));
    add("dcinstall/cluster-health.list", 0644, checks_list(m_spec.cluster_health));
    // Rolling-change steps, only when the role has some (the bundle id stays otherwise).
    if (!m_spec.drain.empty()) add("dcinstall/drain.list", 0644, checks_list(m_spec.drain));
    if (!m_spec.undrain.empty()) add("dcinstall/undrain.list", 0644, checks_list(m_spec.undrain));
    // Membership: a master runs the join and leave steps of every role (when it has some).
    for (Role other : k_all_roles) {
      const RoleSpec& spec = m_distribution.role(other);
      if (m_role != Role::Master) break;
      const std::string name(role_name(other));
      if (!spec.join.empty()) add("dcinstall/join-" + name + ".list", 0644, checks_list(spec.join));
      if (!spec.leave.empty())
        add("dcinstall/leave-" + name + ".list", 0644, checks_list(spec.leave));
    }
    add("dcinstall/supervise", 0755, std::string(embedded_supervise_script()));
    return std::move(m_entries);
  }

 private:
  void add(std::string path, unsigned mode, std::string content) {
    m_entries.push_back({std::move(path), mode, std::move(content), ""});
  }

  std::string bundle_info() const {
    return "format_version=" + std::to_string(k_bundle_format_version) + "\n" +
           "role=" + std::string(role_name(m_role)) + "\n" +
           "cluster_name=" + m_config.cluster_name + "\n" +
           "cluster_id=" + m_cluster_id + "\n" +
           "distribution=" + m_distribution.name + "\n" +
           "distribution_version=" + m_distribution.version + "\n";
  }

  std::string requirements() const {
    const Requirements& wanted = m_spec.requirements;
    std::string out;
    if (wanted.cpus > 0) out += "cpus " + std::to_string(wanted.cpus) + "\n";
    if (wanted.memory_mb > 0) out += "memory_mb " + std::to_string(wanted.memory_mb) + "\n";
    if (wanted.disk_mb > 0) out += "disk_mb " + std::to_string(wanted.disk_mb) + "\n";
    for (const PortRequirement& port : wanted.ports) {
      const long long number =
          port.parameter.empty() ? port.number : m_config.values.get_int(port.parameter);
      out += "port " + std::to_string(number) + "\n";
    }
    return out;
  }

  Status add_services() {
    std::string list;
    for (const ServiceSpec& service : m_spec.services) {
      const std::string what = m_distribution.manifest_path + ": service " + service.name;
      std::string script =
          "#!/bin/bash\n"
          "# Generated by dcinstall genconf: service '" + service.name + "' of the " +
          std::string(role_name(m_role)) + " role (" + m_distribution.name + " " +
          m_distribution.version + ").\n"
          "# Started by dcinstall/supervise or systemd with the DCINSTALL_* environment of\n"
          "# etc/dcinstall/host.env (docs/bundle-format.md).\n"
          "set -u\n";
      bool secret = false;
      for (const auto& [name, value] : service.environment) {
        auto rendered = m_renderer.render(value, what + " environment " + name);
        if (!rendered) return rendered.error();
        secret = secret || m_renderer.uses_secret(value);
        script += "export " + name + "=" + double_quoted(*rendered) + "\n";
      }
      // A role that joins a running cluster: what its join printed for this host (install.sh
      // --member-env) overrides the environment above.
      if (!m_spec.join.empty()) {
        script +=
            "if [ -f \"$DCINSTALL_ETC/member.env\" ]; then\n"
            "  set -a; . \"$DCINSTALL_ETC/member.env\"; set +a\n"
            "fi\n";
      }
      script += "exec";
      for (const std::string& part : service.command) {
        auto rendered = m_renderer.render(part, what + " command");
        if (!rendered) return rendered.error();
        // Every user of the host sees a process's arguments (ps, /proc/PID/cmdline).
        if (m_renderer.uses_secret(part)) {
          return Error{"command item '" + part +
                           "' uses a secret parameter, which would show in every user's ps; "
                           "pass it in the service's environment instead",
                       what};
        }
        script += " \\\n  " + double_quoted(*rendered);
      }
      script += "\n";
      m_entries.push_back({"dcinstall/services/" + service.name + ".run",
                           secret ? owner_only(0755) : 0755, std::move(script), "", secret});
      list += service.name + "\t" + std::string(restart_policy_name(service.restart)) + "\t" +
              std::to_string(service.restart_delay_s) + "\n";
    }
    add("dcinstall/services.list", 0644, std::move(list));
    return Ok{};
  }

  const ClusterConfig& m_config;
  const Distribution& m_distribution;
  const std::string& m_cluster_id;
  Role m_role;
  const RoleSpec& m_spec;
  TemplateRenderer m_renderer;
  std::vector<BundleEntry> m_entries;
};

}  // namespace

std::string double_quoted(const std::string& text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool runtime_variable = c == '$' && text.compare(i, 12, "${DCINSTALL_") == 0;
    if (c == '\\' || c == '"' || c == '`' || (c == '$' && !runtime_variable)) out += '\\';
    out += c;
  }
  return out + "\"";
}

Result<std::vector<BundleEntry>> role_bundle_entries(const ClusterConfig& config,
                                                     const Schema& schema,
                                                     const Distribution& distribution,
                                                     const std::string& cluster_id, Role role) {
  return RoleBundleBuilder(config, schema, distribution, cluster_id, role).build();
}

}  // namespace dci
