#pragma once
// What each stage does on one host, as HostPrograms: steps over the host's one SSH connection,
// every step recorded. The distribution's install.sh does the work on the host
// (docs/bundle-format.md); these programs push it and the role's bundle and call it.
//
//   preflight:     host facts (clock offset, tools) · put files · [install.sh --install-prereqs]
//                  · install.sh --preflight-only
//   deploy:        put files · install.sh <role> · masters: wait until the quorum is healthy
//                  (a master joining a running quorum: install.sh --member-env <role> fed what
//                  its join printed, then also the quorum check fed quorum_hosts)
//   postflight:    install.sh --health, polled until it passes or postflight_timeout_s
//   cluster-check: install.sh --cluster-health on one master, fed every host that passed
//   uninstall:     put files · install.sh --uninstall, then the pushed files are removed
//   prune:         a host no longer in the config: put install.sh · install.sh --drain (when
//                  anything is installed) · install.sh --uninstall, then the pushed files removed
//   upgrade:       the health gate before a rolling change: install.sh --health once, and with
//                  gate_quorum also --cluster-health fed quorum_hosts (the waves of the change
//                  run rolling_step_program)
//
// "put files" uploads install.sh and the bundle to k_remote_dir only when the host does not
// already hold them with the same SHA-256.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/cluster_config.h"
#include "orchestrator/host_run.h"
#include "orchestrator/plan.h"
#include "orchestrator/rolling_runner.h"
#include "transport/upload_source.h"

namespace dci {

inline constexpr const char* k_remote_dir = "/var/lib/dcinstall/pushed";

struct StageFiles {
  std::shared_ptr<const transport::UploadSource> install_script;
  std::map<Role, std::shared_ptr<const transport::UploadSource>> bundles;
  std::map<Role, std::string> bundle_file_names;  // "<role>--<id>.tar.zst"
};

struct StageSettings {
  double postflight_timeout_s = 900;
  double max_clock_offset_s = 5;
  std::string cluster_hosts;  // cluster-check: one "<role> <address>" line per host to verify
  // Preflight runs `install.sh --install-prereqs` (step "install-prereqs") before the checks, on
  // hosts whose role has prerequisites; the value is that step's command timeout.
  bool install_prereqs = false;
  std::map<Role, double> prerequisites_timeout_s;  // roles with prerequisites only
  // Rolling changes: how long a switched (or rolled back) host has to become healthy, and the
  // "master <address>" lines a master's quorum check is fed after its switch.
  double upgrade_host_timeout_s = 600;
  std::string quorum_hosts;
  bool gate_quorum = true;  // the health gate also runs the quorum check on each master
  // Masters joining a running quorum: host id -> the NAME=VALUE lines their join printed.
  std::map<std::string, std::string> member_env;
};

// Preconditions: `files` and `settings` outlive every run of the returned program.
HostProgram stage_program(Stage stage, const StageFiles& files, const StageSettings& settings);

// A host joining or leaving the cluster, as the join or leave steps on a master see it.
struct MemberHost {
  std::string id;  // its state id, "address:port" (the step is "leave <id>", "join <id>")
  std::string address;
  Role role = Role::Agent;
};

// On a remaining master: put install.sh, then for each of `leaving` the step "leave <id>",
// install.sh --leave <role> --leaving-address <address> (the master bundle's leave steps for
// that role). Every host's steps run; `failed` gets id -> reason for those that failed (the
// host fails when any did). Preconditions: the arguments outlive every run of the program.
HostProgram leave_program(const StageFiles& files, const std::vector<MemberHost>& leaving,
                          std::map<std::string, std::string>& failed);

// A master joining or leaving the quorum, on a current member: put install.sh, then the step
// "join <id>" (install.sh --join master --joining-address <address>; `env` gets the NAME=VALUE
// lines it printed, for the joining host's deploy) or "leave <id>" (install.sh --leave master
// ..., then "quorum": --cluster-health polled, fed quorum_hosts: the members once it left).
// Preconditions: the arguments outlive every run of the program.
HostProgram member_change_program(const StageFiles& files, const StageSettings& settings,
                                  const MemberHost& member, bool join, std::string& env);

// The steps of a rolling change on a host (RollingRunner), as install.sh calls:
//   probe:  install.sh --running-bundle (ok: the host runs the change's target)
//   drain:  install.sh --drain          switch: put files · install.sh <role> (the target)
//   health, rollback-health: install.sh --health polled, then on a master --cluster-health fed
//           quorum_hosts (back in the quorum), within upgrade_host_timeout_s
//   rollback: install.sh --rollback     undrain: install.sh --undrain
// Same preconditions. The switch installs the role's bundle of `files` (the change's target);
// with `switch_back` (dcinstall rollback) it is install.sh --rollback: the bundle the host kept.
RollingStep rolling_step_program(const StageFiles& files, const StageSettings& settings,
                                 bool switch_back = false);

}  // namespace dci
