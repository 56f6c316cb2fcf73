#include "installer/stage_programs.h"

// g++ 12 reports Asio's awaitable frame allocator as mismatched new/delete at an inlined
// coroutine call (a false positive: both sides are Asio's own operators).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include "transport/remote_command.h"
#include "util/strings.h"

namespace dci {
namespace {

using transport::ExecRequest;
using transport::Outcome;
using transport::shell_quote;
using transport::Task;

const std::string k_script_name = "install.sh";

std::string remote_path(const std::string& name) {
  return std::string(k_remote_dir) + "/" + name;
}

std::string install_sh() {
  return "bash " + shell_quote(remote_path(k_script_name));
}

// install.sh's common options for this host: the pushed bundle and the host's own address.
std::string bundle_options(const HostRun& run, const StageFiles& files) {
  const ClusterHost& host = run.host();
  return " --bundle " + shell_quote(remote_path(files.bundle_file_names.at(host.role))) +
         " --address " + shell_quote(host.address) + " " + std::string(role_name(host.role));
}

// The checks install.sh printed as failed ("FAILED name: message"): each "name: message", once.
std::vector<std::string> failed_checks(const std::string& output) {
  std::vector<std::string> failed;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    // A polled check prints the same FAILED line on every attempt: keep each once.
    if (line.rfind("FAILED ", 0) == 0 &&
        std::find(failed.begin(), failed.end(), line.substr(7)) == failed.end()) {
      failed.push_back(line.substr(7));
    }
  }
  return failed;
}

// The lines of `output` that install.sh prints for failed checks, joined; else its last
// non-empty line.
std::string failure_reason(const std::string& output, const std::string& fallback) {
  const std::vector<std::string> failed = failed_checks(output);
  if (!failed.empty()) return join(failed, "; ");
  std::string last;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (!trim(line).empty()) last = line;
  }
  return last.empty() ? fallback : fallback + ": " + last;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Uploads install.sh and the host role's bundle unless the host holds them already.
Task<Outcome<bool>> put_files(HostRun& run, const StageFiles& files, bool with_bundle) {
  struct Wanted {
    std::string name;
    std::shared_ptr<const transport::UploadSource> source;
    unsigned mode;
  };
  std::vector<Wanted> wanted{{k_script_name, files.install_script, 0700}};
  if (with_bundle) {
    const Role role = run.host().role;
    wanted.push_back({files.bundle_file_names.at(role), files.bundles.at(role), 0600});
  }
  std::string names;
  for (const Wanted& file : wanted) names += " " + shell_quote(file.name);
  ExecRequest check{"mkdir -p -m 0700 " + std::string(k_remote_dir) + " && cd " +
                        std::string(k_remote_dir) + " && { sha256sum --" + names +
                        " 2>/dev/null; true; }",
                    std::nullopt, std::nullopt, std::nullopt};
  std::string present;
  auto checked = co_await run.exec("check files", check, &present);
  if (!checked) co_return checked.error();
  if (!checked->success()) {
    run.fail("cannot create " + std::string(k_remote_dir) + " (" + checked->describe() + ")");
    co_return false;
  }
  for (const Wanted& file : wanted) {
    if (present.find(file.source->sha256_hex() + "  " + file.name) != std::string::npos) continue;
    transport::UploadRequest upload{file.source, remote_path(file.name), file.mode, std::nullopt,
                                    std::nullopt};
    const std::string step = "upload " + file.name;
    auto uploaded = co_await run.upload(step, upload);
    if (!uploaded) co_return uploaded.error();
  }
  co_return true;
}

// Runs `command` as `step`; a non-zero exit fails the host with install.sh's reasons.
Task<Outcome<bool>> run_checked(HostRun& run, const std::string& step, ExecRequest request,
                                const std::string& what_failed) {
  std::string output;
  auto result = co_await run.exec(step, request, &output);
  if (!result) co_return result.error();
  if (!result->success()) {
    std::vector<std::string> checks = failed_checks(output);
    if (checks.empty()) {
      run.fail(failure_reason(output, what_failed + " (" + result->describe() + ")"));
    } else {
      run.fail_checks(std::move(checks));
    }
    co_return false;
  }
  co_return true;
}

// Clock offset and the tools install.sh needs, before anything else runs.
Task<Outcome<bool>> check_host_facts(HostRun& run, const StageSettings& settings) {
  ExecRequest facts{
      "date +%s.%N; uname -sr; for tool in bash tar zstd gzip sha256sum flock awk "
      "sed timeout; do command -v \"$tool\" >/dev/null || echo \"missing $tool\"; "
      "done",
      std::nullopt, std::nullopt, false};
  const double before = now_seconds();
  std::string output;
  auto result = co_await run.exec("host facts", facts, &output);
  if (!result) co_return result.error();
  const double after = now_seconds();
  std::vector<std::string> problems;
  std::istringstream lines(output);
  std::string clock_line;
  std::getline(lines, clock_line);
  char* end = nullptr;
  const double remote = std::strtod(clock_line.c_str(), &end);
  if (end == clock_line.c_str()) {
    problems.push_back("cannot read the host's clock ('date' printed '" + clock_line + "')");
  } else {
    const double offset = remote - (before + after) / 2;
    if (std::fabs(offset) > settings.max_clock_offset_s + (after - before) / 2) {
      char text[96];
      std::snprintf(text, sizeof text,
                    "clock is %+.1f s off the bootstrap machine (at most %.0f s)", offset,
                    settings.max_clock_offset_s);
      problems.push_back(text);
    }
  }
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("missing ", 0) == 0)
      problems.push_back("'" + line.substr(8) + "' is not installed");
  }
  if (!problems.empty()) {
    run.fail(join(problems, "; "));
    co_return false;
  }
  co_return true;
}

// With install_prereqs, on a host whose role has prerequisites: install.sh --install-prereqs.
Task<Outcome<bool>> install_prerequisites(HostRun& run, const StageFiles& files,
                                          const StageSettings& settings) {
  const auto timeout = settings.prerequisites_timeout_s.find(run.host().role);
  if (!settings.install_prereqs || timeout == settings.prerequisites_timeout_s.end()) {
    co_return true;
  }
  ExecRequest install{install_sh() + " --install-prereqs" + bundle_options(run, files),
                      std::nullopt, timeout->second, std::nullopt};
  co_return co_await run_checked(run, "install-prereqs", install,
                                 "installing the prerequisites failed");
}

Task<Outcome<bool>> preflight(HostRun& run, const StageFiles& files,
                              const StageSettings& settings) {
  auto facts = co_await check_host_facts(run, settings);
  if (!facts || !*facts) co_return facts;
  auto put = co_await put_files(run, files, true);
  if (!put || !*put) co_return put;
  auto prerequisites = co_await install_prerequisites(run, files, settings);
  if (!prerequisites || !*prerequisites) co_return prerequisites;
  ExecRequest checks{install_sh() + " --preflight-only" + bundle_options(run, files), std::nullopt,
                     std::nullopt, std::nullopt};
  co_return co_await run_checked(run, "checks", checks, "preflight checks failed");
}

// Polls install.sh `mode` every 2 s until it passes or `timeout_s` passes, in one remote command
// whose output shows each attempt (what is still failing). `input` is fed to every attempt.
ExecRequest poll_request(const std::string& mode, double timeout_s,
                         std::optional<std::string> input) {
  const std::string seconds = transport::format_seconds(timeout_s);
  std::string command = "input=$(cat); end=$(( $(date +%s) + " +
                        std::to_string(static_cast<long>(timeout_s)) +
                        " )); until printf '%s\\n' \"$input\" | " + install_sh() + " " + mode +
                        "; do [ \"$(date +%s)\" -lt \"$end\" ] || { echo 'still failing after " +
                        seconds + " s'; exit 1; }; sleep 2; done";
  return {command, input ? std::move(input) : std::string(), timeout_s + 60, std::nullopt};
}

Task<Outcome<bool>> deploy(HostRun& run, const StageFiles& files, const StageSettings& settings) {
  auto put = co_await put_files(run, files, true);
  if (!put || !*put) co_return put;
  const auto joining = settings.member_env.find(run.host().id());
  const bool joins = joining != settings.member_env.end();
  ExecRequest install{install_sh() + (joins ? " --member-env" : "") + bundle_options(run, files),
                      joins ? std::optional<std::string>(joining->second) : std::nullopt,
                      std::nullopt, std::nullopt};
  auto installed = co_await run_checked(run, "install", install, "install.sh failed");
  if (!installed || !*installed || run.host().role != Role::Master) co_return installed;
  // Agents start only once the masters answer: wait for this master's member to be healthy,
  // which needs a quorum of the others.
  ExecRequest healthy = poll_request("--health", settings.postflight_timeout_s, std::nullopt);
  auto up =
      co_await run_checked(run, "wait for quorum", healthy, "the master did not become healthy");
  if (!up || !*up || !joins) co_return up;
  ExecRequest quorum =
      poll_request("--cluster-health", settings.upgrade_host_timeout_s, settings.quorum_hosts);
  co_return co_await run_checked(run, "quorum", quorum, "it did not join the quorum");
}

Task<Outcome<bool>> postflight(HostRun& run, const StageSettings& settings) {
  ExecRequest healthy = poll_request("--health", settings.postflight_timeout_s, std::nullopt);
  co_return co_await run_checked(run, "health", healthy, "health checks failed");
}

Task<Outcome<bool>> cluster_check(HostRun& run, const StageSettings& settings) {
  ExecRequest check =
      poll_request("--cluster-health", settings.postflight_timeout_s, settings.cluster_hosts);
  co_return co_await run_checked(run, "cluster health", check, "the cluster check failed");
}

// Before a rolling change: this host's health checks pass now (one attempt), and from a master
// with gate_quorum, the quorum check of every master.
Task<Outcome<bool>> health_gate(HostRun& run, const StageSettings& settings) {
  const ExecRequest healthy{install_sh() + " --health", std::nullopt, std::nullopt, std::nullopt};
  auto host = co_await run_checked(run, "gate health", healthy, "health checks failed");
  if (!host || !*host || !settings.gate_quorum) co_return host;
  const ExecRequest quorum{install_sh() + " --cluster-health", settings.quorum_hosts,
                           std::nullopt, std::nullopt};
  co_return co_await run_checked(run, "gate quorum", quorum, "the quorum check failed");
}

Task<Outcome<bool>> uninstall(HostRun& run, const StageFiles& files) {
  auto put = co_await put_files(run, files, false);
  if (!put || !*put) co_return put;
  ExecRequest remove{install_sh() + " --uninstall && rm -rf -- " + std::string(k_remote_dir),
                     std::nullopt, std::nullopt, std::nullopt};
  co_return co_await run_checked(run, "uninstall", remove, "install.sh --uninstall failed");
}

// A host that left the config: drain it if anything is installed, then stop its services and
// remove every file (install.sh --uninstall), the pushed files too.
Task<Outcome<bool>> prune(HostRun& run, const StageFiles& files) {
  auto put = co_await put_files(run, files, false);
  if (!put || !*put) co_return put;
  ExecRequest drain{"if " + install_sh() + " --running-bundle >/dev/null 2>&1; then " +
                        install_sh() +
                        " --drain; else echo 'nothing installed: nothing to drain'; fi",
                    std::nullopt, std::nullopt, std::nullopt};
  auto drained = co_await run_checked(run, "drain", drain, "drain failed");
  if (!drained || !*drained) co_return drained;
  ExecRequest remove{install_sh() + " --uninstall && rm -rf -- " + std::string(k_remote_dir),
                     std::nullopt, std::nullopt, std::nullopt};
  co_return co_await run_checked(run, "uninstall", remove, "install.sh --uninstall failed");
}

// On a remaining master: each leaving host's leave steps, all of them even when one fails.
Task<Outcome<bool>> leave(HostRun& run, const StageFiles& files,
                          const std::vector<MemberHost>& leaving,
                          std::map<std::string, std::string>& failed) {
  auto put = co_await put_files(run, files, false);
  if (!put || !*put) co_return put;
  for (const MemberHost& host : leaving) {
    std::string output;
    ExecRequest request{install_sh() + " --leave " + std::string(role_name(host.role)) +
                            " --leaving-address " + shell_quote(host.address),
                        std::nullopt, std::nullopt, std::nullopt};
    auto result = co_await run.exec("leave " + host.id, request, &output);
    if (!result) co_return result.error();
    if (!result->success()) {
      failed[host.id] = failure_reason(output, "leave failed (" + result->describe() + ")");
    }
  }
  if (failed.empty()) co_return true;
  std::string hosts;
  for (const auto& [id, reason] : failed) hosts += (hosts.empty() ? "" : "; ") + id + ": " + reason;
  run.fail("leave steps failed for " + std::to_string(failed.size()) + " host(s): " + hosts);
  co_return false;
}

// On a current member: the join or leave steps of one master; a leave then waits until the
// members are quorum_hosts.
Task<Outcome<bool>> change_member(HostRun& run, const StageFiles& files,
                                  const StageSettings& settings, const MemberHost& member,
                                  bool join, std::string& env) {
  auto put = co_await put_files(run, files, false);
  if (!put || !*put) co_return put;
  const std::string mode = join ? "join" : "leave";
  const ExecRequest request{
      install_sh() + " --" + mode + " " + std::string(role_name(member.role)) +
          (join ? " --joining-address " : " --leaving-address ") + shell_quote(member.address),
      std::nullopt, std::nullopt, std::nullopt};
  std::string output;
  auto changed = co_await run.exec(mode + " " + member.id, request, &output);
  if (!changed) co_return changed.error();
  if (!changed->success()) {
    run.fail(failure_reason(output,
                            mode + " of " + member.id + " failed (" + changed->describe() + ")"));
    co_return false;
  }
  env.clear();
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("member.env ", 0) == 0) env += line.substr(11) + "\n";
  }
  if (join) co_return true;
  ExecRequest quorum =
      poll_request("--cluster-health", settings.upgrade_host_timeout_s, settings.quorum_hosts);
  co_return co_await run_checked(run, "quorum", quorum, "the quorum did not settle");
}

ExecRequest plain_request(std::string command) {
  return ExecRequest{std::move(command), std::nullopt, std::nullopt, std::nullopt};
}

// Runs `request` as step `step` of a rolling change: ok, or why not (install.sh's FAILED lines,
// else its last line). `output`, when given, receives the step's stdout.
Task<Outcome<RollingStepResult>> rolling_exec(HostRun& run, const std::string& step,
                                              const ExecRequest& request,
                                              const std::string& what_failed,
                                              std::string* output = nullptr) {
  std::string printed;
  auto result = co_await run.exec(step, request, &printed);
  if (!result) co_return result.error();
  if (output) *output = printed;
  if (result->success()) co_return RollingStepResult{true, ""};
  // No step name in the reason: HostUpgrade prefixes the step it failed in.
  co_return RollingStepResult{
      false, failure_reason(printed, what_failed + " (" + result->describe() + ")")};
}

// Health after a switch or a rollback: the host's checks, and for a master also the cluster
// checks of the masters run on it (it is back in the quorum), within upgrade_host_timeout_s.
Task<Outcome<RollingStepResult>> rolling_health(HostRun& run, const std::string& step,
                                                const StageSettings& settings) {
  const ExecRequest healthy =
      poll_request("--health", settings.upgrade_host_timeout_s, std::nullopt);
  auto host = co_await rolling_exec(run, step, healthy, "health checks failed");
  if (!host || !host->ok || run.host().role != Role::Master) co_return host;
  const ExecRequest quorum =
      poll_request("--cluster-health", settings.upgrade_host_timeout_s, settings.quorum_hosts);
  auto in_quorum = co_await rolling_exec(run, step + " (quorum)", quorum, "the quorum check failed");
  if (in_quorum && !in_quorum->ok) in_quorum->error = "quorum: " + in_quorum->error;
  co_return in_quorum;
}

// The install.sh call of a step that is one command (probe, switch and the health steps are not).
std::string step_command(UpgradeStep step) {
  switch (step) {
    case UpgradeStep::Drain:
      return install_sh() + " --drain";
    case UpgradeStep::Rollback:
      return install_sh() + " --rollback";
    case UpgradeStep::Undrain:
      return install_sh() + " --undrain";
    default:
      return "";
  }
}

Task<Outcome<RollingStepResult>> rolling_step(HostRun& run, const RollingHost& change,
                                              UpgradeStep step, const StageFiles& files,
                                              const StageSettings& settings, bool switch_back) {
  const std::string name(upgrade_step_name(step));
  if (step == UpgradeStep::Health || step == UpgradeStep::RollbackHealth) {
    co_return co_await rolling_health(run, name, settings);
  }
  if (step == UpgradeStep::Probe) {
    const ExecRequest probe = plain_request(install_sh() + " --running-bundle");
    std::string output;
    auto probed = co_await rolling_exec(run, name, probe, "nothing is installed", &output);
    if (!probed || !probed->ok) co_return probed;
    const bool at_target = output.find("active " + change.to_bundle + "\n") != std::string::npos;
    co_return RollingStepResult{at_target, at_target ? "" : "runs another bundle"};
  }
  std::string command = step_command(step);
  if (step == UpgradeStep::Switch && switch_back) {
    command = step_command(UpgradeStep::Rollback);  // the host keeps the bundle it ran before
  } else if (step == UpgradeStep::Switch) {
    auto put = co_await put_files(run, files, true);
    if (!put) co_return put.error();
    if (!*put) co_return RollingStepResult{false, run.failure()};
    command = install_sh() + bundle_options(run, files);
  }
  const ExecRequest request = plain_request(command);
  co_return co_await rolling_exec(run, name, request, name + " failed");
}

}  // namespace

RollingStep rolling_step_program(const StageFiles& files, const StageSettings& settings,
                                 bool switch_back) {
  return [&files, &settings, switch_back](HostRun& run, const RollingHost& change,
                                          UpgradeStep step) {
    return rolling_step(run, change, step, files, settings, switch_back);
  };
}

HostProgram stage_program(Stage stage, const StageFiles& files, const StageSettings& settings) {
  switch (stage) {
    case Stage::Preflight:
      return [&files, &settings](HostRun& run) { return preflight(run, files, settings); };
    case Stage::Deploy:
      return [&files, &settings](HostRun& run) { return deploy(run, files, settings); };
    case Stage::Postflight:
      return [&settings](HostRun& run) { return postflight(run, settings); };
    case Stage::ClusterCheck:
      return [&settings](HostRun& run) { return cluster_check(run, settings); };
    case Stage::Uninstall:
      return [&files](HostRun& run) { return uninstall(run, files); };
    case Stage::Upgrade:
      return [&settings](HostRun& run) { return health_gate(run, settings); };
    case Stage::Prune:
      return [&files](HostRun& run) { return prune(run, files); };
  }
  return {};
}

HostProgram leave_program(const StageFiles& files, const std::vector<MemberHost>& leaving,
                          std::map<std::string, std::string>& failed) {
  return [&files, &leaving, &failed](HostRun& run) {
    failed.clear();  // a retried attempt runs every step again
    return leave(run, files, leaving, failed);
  };
}

HostProgram member_change_program(const StageFiles& files, const StageSettings& settings,
                                  const MemberHost& member, bool join, std::string& env) {
  return [&files, &settings, &member, join, &env](HostRun& run) {
    return change_member(run, files, settings, member, join, env);
  };
}

}  // namespace dci
