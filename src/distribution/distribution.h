#pragma once
// A distribution as its manifest (distribution.yaml, docs/distribution-format.md) declares it:
// parameters merged into the config schema, and per role the files of its bundle, its services,
// prerequisites, checks and requirements. Built only by parse_manifest(), which has already checked
// every rule of the format, so later layers read it without re-checking.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/cluster_config.h"
#include "config/diagnostic.h"
#include "config/schema.h"

namespace dci {

// The manifest format this build reads (`format_version` in distribution.yaml).
constexpr int k_manifest_format_version = 1;

// A file of a role's bundle: `source` is relative to the distribution directory, `target` is the
// path inside the bundle (relative, normalized, never under dcinstall/).
struct BundleFileSpec {
  std::string source;
  std::string target;
  unsigned mode = 0644;
  SourcePosition position;  // of the entry in the manifest
};

enum class RestartPolicy { Always, OnFailure, Never };
std::string_view restart_policy_name(RestartPolicy policy);  // "always", "on-failure", "never"

// A long-running process of a role. `command` items and `environment` values are Mustache
// templates (rendered at genconf) whose result is expanded by the shell at start time inside
// double quotes, so ${DCINSTALL_*} runtime variables work.
struct ServiceSpec {
  std::string name;
  std::vector<std::string> command;
  std::vector<std::pair<std::string, std::string>> environment;  // in manifest order
  RestartPolicy restart = RestartPolicy::Always;
  int restart_delay_s = 1;  // first delay; doubles up to 30 s while the service keeps failing
  SourcePosition position;
};

// A check: `run` is a bundle path (a target of the same role) run with bash; exit 0 passes,
// anything else fails and `message` is printed.
struct CheckSpec {
  std::string name;
  std::string run;
  std::string message;
  double timeout_s = 30;
  SourcePosition position;
};

// Something a host must have before the role installs (a package, a tool), declared by the
// distribution: `check` (a bundle path run with bash; exit 0 = present) and `install` (a bundle
// path run as root by `install.sh --install-prereqs` when the check fails; it may use the host's
// package manager). `message` says in one line what is missing.
struct PrerequisiteSpec {
  std::string name;
  std::string check;
  std::string install;
  std::string message;
  double timeout_s = 300;  // of the install; the check has k_prerequisite_check_timeout_s
  SourcePosition position;
};

constexpr double k_prerequisite_check_timeout_s = 30;

// A port that must be free before installing: a number, or the name of an integer parameter.
struct PortRequirement {
  int number = 0;
  std::string parameter;  // "" when `number` applies
};

struct Requirements {
  int cpus = 0;              // 0: no minimum
  long long memory_mb = 0;
  long long disk_mb = 0;     // free space under the install root
  std::vector<PortRequirement> ports;
};

struct RoleSpec {
  Requirements requirements;
  std::vector<BundleFileSpec> templates;  // Mustache, rendered per role
  std::vector<BundleFileSpec> files;      // copied as they are
  std::vector<BundleFileSpec> artifacts;  // copied as they are (large binaries)
  std::vector<ServiceSpec> services;      // started in this order, stopped in reverse
  std::vector<PrerequisiteSpec> prerequisites;  // checked (and installed) in this order
  std::vector<CheckSpec> preflight;
  std::vector<CheckSpec> health;          // this host, after install
  std::vector<CheckSpec> cluster_health;  // the whole cluster, run on one host of this role
  // Rolling changes (optional): run in this order before the bundle is switched (`drain`: the
  // host stops taking work, e.g. gives away leadership) and after it is healthy again
  // (`undrain`). Same shape and rules as checks; a failure fails the host's change.
  std::vector<CheckSpec> drain;
  std::vector<CheckSpec> undrain;
  // Membership (optional), run on a master from the master's bundle (so `run` names a target
  // of the master role); same shape as checks. `join`: before a new host of this role starts
  // (a master joining the quorum), with DCINSTALL_JOINING_ADDRESS and DCINSTALL_JOINING_ROLE;
  // its `NAME=VALUE` output lines become the joining host's etc/dcinstall/member.env. `leave`:
  // when a host of this role leaves the cluster (`dcinstall prune`, a master leaving
  // master_list), with DCINSTALL_LEAVING_ADDRESS and DCINSTALL_LEAVING_ROLE.
  std::vector<CheckSpec> join;
  std::vector<CheckSpec> leave;
};

struct Distribution {
  int format_version = k_manifest_format_version;
  std::string name;
  std::string version;
  std::string description;
  std::string directory;      // absolute
  std::string manifest_path;  // as named in diagnostics
  std::vector<KeySpec> parameters;  // source = name
  RoleSpec master;
  RoleSpec agent;
  RoleSpec public_agent;

  const RoleSpec& role(Role which) const;
  RoleSpec& role(Role which);
};

// The three roles in bundle order.
constexpr Role k_all_roles[] = {Role::Master, Role::Agent, Role::PublicAgent};

}  // namespace dci
