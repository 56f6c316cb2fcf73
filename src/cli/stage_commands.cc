// `dcinstall install | preflight | deploy | postflight | uninstall | plan`: the stages, with live
// progress (bars on a TTY, JSON lines otherwise), Ctrl-C to stop, and exit codes 0 (success),
// 1 (hosts failed), 2 (config or usage error), 130 (cancelled).

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/installer_options.h"
#include "cli/prune_command.h"
#include "cli/run_loop.h"
#include "cli/upgrade_commands.h"
#include "installer/recorded_failures.h"
#include "orchestrator/event_json.h"

namespace dci::cli {
namespace {

namespace asio = transport::asio;

struct StageCommandOptions : InstallerCommandOptions {
  bool retry_failed = false;
  bool dry_run = false;
  bool yes = false;
  bool install_prereqs = false;     // --install-prereqs
  bool no_install_prereqs = false;  // --no-install-prereqs
  std::string cause;                // --cause: only the hosts failed with it (number or text)
};

struct StageCommand {
  const char* name;
  const char* description;
  std::vector<Stage> stages;
};

const std::vector<StageCommand>& stage_commands() {
  static const std::vector<StageCommand> commands{
      {"install",
       "genconf, preflight, deploy, postflight and the cluster check, stopping at the first stage "
       "that fails. Run it again after adding hosts: only new hosts get work.",
       {Stage::Preflight, Stage::Deploy, Stage::Postflight, Stage::ClusterCheck}},
      {"preflight",
       "Run every host's role checks (prerequisites, requirements, ports, clock, tools) over "
       "SSH. With --install-prereqs, install the missing prerequisites first.",
       {Stage::Preflight}},
      {"deploy",
       "Push each host its role bundle and install it: masters first, agents once the quorum is "
       "healthy. Hosts already at their bundle are skipped.",
       {Stage::Deploy}},
      {"postflight",
       "Poll every host's health checks until they pass (postflight_timeout_s), then check the "
       "cluster: one quorum of masters, every agent registered.",
       {Stage::Postflight, Stage::ClusterCheck}},
      {"uninstall",
       "Stop the services and remove every file the install created, on every host.",
       {Stage::Uninstall}},
  };
  return commands;
}

bool runs_preflight(const StageCommand& command) {
  return std::find(command.stages.begin(), command.stages.end(), Stage::Preflight) !=
         command.stages.end();
}

// --install-prereqs / --no-install-prereqs; unset: the config's install_prereqs.
std::optional<bool> install_prereqs_choice(const StageCommandOptions& options) {
  if (options.install_prereqs) return true;
  if (options.no_install_prereqs) return false;
  return std::nullopt;
}

void add_install_prereqs_flags(CLI::App& command, StageCommandOptions& options) {
  CLI::Option* install = command.add_flag(
      "--install-prereqs", options.install_prereqs,
      "Preflight first installs what the distribution's prerequisites lack on each host "
      "(install.sh --install-prereqs, as root), then checks (default: the config's "
      "install_prereqs)");
  command
      .add_flag("--no-install-prereqs", options.no_install_prereqs,
                "Only check the prerequisites, even when the config sets install_prereqs")
      ->excludes(install);
}

// `dcinstall plan` and `--dry-run`: what each stage would do per host; nothing runs.
int print_plans(Installer& installer, const std::vector<Stage>& stages, bool retry_failed,
                bool skip_succeeded, bool install_prereqs, bool json) {
  nlohmann::json out = nlohmann::json::array();
  for (Stage stage : stages) {
    auto plan = installer.plan(stage, retry_failed, skip_succeeded);
    if (!plan) {
      std::cerr << "dcinstall: " << plan.error().to_string() << "\n";
      return k_exit_usage;
    }
    nlohmann::json stage_json{{"stage", stage_name(stage)},
                              {"hosts_with_work", plan->hosts_with_work()},
                              {"hosts_without_work", plan->hosts_without_work()},
                              {"phases", nlohmann::json::array()}};
    if (stage == Stage::Preflight) stage_json["install_prereqs"] = install_prereqs;
    if (!json) {
      std::cout << stage_name(stage) << ": " << plan->hosts_with_work() << " with work, "
                << plan->hosts_without_work() << " without";
      if (stage == Stage::Preflight) {
        std::cout << "; prerequisites "
                  << (install_prereqs ? "installed where missing" : "checked only");
      }
      std::cout << "\n";
    }
    for (const PlanPhase& phase : plan->phases) {
      nlohmann::json hosts = nlohmann::json::array();
      if (!json && plan->phases.size() > 1) std::cout << "  phase " << phase.name << "\n";
      for (const PlannedHost& host : phase.hosts) {
        hosts.push_back({{"host", host.host->id()},
                         {"role", role_name(host.host->role)},
                         {"has_work", host.has_work},
                         {"bundle_id", host.bundle_id},
                         {"reason", host.reason}});
        if (json) continue;
        char line[256];
        std::snprintf(line, sizeof line, "    %s %-24s %-12s %-14s %s\n",
                      host.has_work ? "run " : "skip", host.host->id().c_str(),
                      std::string(role_name(host.host->role)).c_str(),
                      host.bundle_id.substr(0, 12).c_str(), host.reason.c_str());
        std::cout << line;
      }
      stage_json["phases"].push_back({{"name", phase.name}, {"hosts", hosts}});
    }
    out.push_back(stage_json);
  }
  // Hosts that left the config: listed, never touched by install (`dcinstall prune` removes them).
  if (std::find(stages.begin(), stages.end(), Stage::ClusterCheck) != stages.end() &&
      std::find(stages.begin(), stages.end(), Stage::Preflight) != stages.end()) {
    auto removed = installer.prune_plan();
    if (removed && !removed->hosts.empty()) {
      if (json) out.push_back(prune_plan_json(*removed));
      if (!json) print_removed_hosts(*removed, std::cout);
    }
  }
  if (json) std::cout << out.dump(2) << "\n";
  return k_exit_ok;
}

bool confirm_uninstall(const Installer& installer, const StageCommandOptions& options) {
  const std::string hosts = std::to_string(installer.config().cluster().hosts.size());
  return confirmed("Uninstall the cluster from " + hosts +
                       " hosts (stop its services, delete its files and data)?",
                   "uninstall removes the cluster from " + hosts + " hosts", options.yes);
}

int run_stage_command(const StageCommand& command, const StageCommandOptions& options) {
  asio::io_context io;
  auto parts = open_installer(io.get_executor(), options, true);
  if (!parts) return k_exit_usage;
  Installer* installer = &parts->installer();
  const bool skip_succeeded = std::string(command.name) == "install";
  const std::optional<bool> install_prereqs = install_prereqs_choice(options);
  if (options.dry_run) {
    return print_plans(*installer, command.stages, options.retry_failed, skip_succeeded,
                       install_prereqs.value_or(installer->config().cluster().install_prereqs),
                       options.json);
  }
  if (command.stages == std::vector<Stage>{Stage::Uninstall} &&
      !confirm_uninstall(*installer, options)) {
    return k_exit_usage;
  }

  RunRequest request{recorded_command(command.name, options.retry_failed, install_prereqs),
                     command.stages, options.retry_failed, skip_succeeded, install_prereqs};
  if (!options.cause.empty()) {
    // The hosts of one cause of the first stage, as `dcinstall status` numbers them.
    const std::string stage(stage_name(command.stages.front()));
    const auto rows = installer->state().host_stages(stage);
    if (!rows) {
      std::cerr << "dcinstall: " << rows.error().to_string() << "\n";
      return k_exit_usage;
    }
    const auto cause = select_cause(recorded_failure_groups(*rows), options.cause);
    if (!cause) {
      std::cerr << "dcinstall: " << command.name << ": no cause '" << options.cause << "' in "
                << stage << " (see `dcinstall status --stage " << stage << "`)\n";
      return k_exit_usage;
    }
    for (const HostStageStatus& row : rows_with_cause(*rows, *cause)) {
      request.only_hosts.push_back(row.host);
    }
    request.retry_failed = true;
    request.command += " --cause '" + *cause + "'";
  }
  return run_with_progress(io, *installer, request, options.json, command.name);
}

}  // namespace

void add_stage_commands(CLI::App& app, int& exit_code) {
  for (const StageCommand& command : stage_commands()) {
    auto options = std::make_shared<StageCommandOptions>();
    CLI::App* sub = app.add_subcommand(
        command.name, std::string(command.description) +
                          "\nExit status: 0 success, 1 hosts failed, 2 config or usage error, "
                          "130 cancelled.");
    add_installer_options(*sub, *options, true);
    sub->add_flag("--retry-failed", options->retry_failed,
                  "Only the hosts whose last attempt failed, was cancelled or interrupted");
    sub->add_flag("--dry-run", options->dry_run, "Print the plan per host; run nothing");
    if (command.stages != std::vector<Stage>{Stage::Uninstall}) {
      sub->add_option("--cause", options->cause,
                      "Only the hosts that failed the first stage with this cause (its number "
                      "as `dcinstall status` lists it, or its text); implies --retry-failed");
    }
    if (runs_preflight(command)) add_install_prereqs_flags(*sub, *options);
    if (command.stages == std::vector<Stage>{Stage::Uninstall}) {
      sub->add_flag("-y,--yes", options->yes, "Do not ask for confirmation");
    }
    sub->callback(
        [&command, options, &exit_code] { exit_code = run_stage_command(command, *options); });
  }

  auto options = std::make_shared<StageCommandOptions>();
  auto stage = std::make_shared<std::string>("install");
  CLI::App* plan = app.add_subcommand(
      "plan",
      "Print what a command would do on each host (run or skip, bundle id, why); run "
      "nothing. Exit status: 0, or 2 for a config error.");
  add_installer_options(*plan, *options, false);
  plan->add_option("stage", *stage,
                   "install, preflight, deploy, postflight, uninstall, upgrade, rollback or prune")
      ->capture_default_str();
  plan->add_flag("--retry-failed", options->retry_failed, "As with --retry-failed");
  add_install_prereqs_flags(*plan, *options);
  plan->callback([options, stage, &exit_code] {
    if (*stage == "prune") {
      exit_code = print_prune_plan(*options);
      return;
    }
    if (*stage == "upgrade" || *stage == "rollback") {
      exit_code = print_rolling_plan(*options, *stage == "rollback");
      return;
    }
    for (const StageCommand& command : stage_commands()) {
      if (*stage != command.name) continue;
      options->dry_run = true;
      exit_code = run_stage_command(command, *options);
      return;
    }
    std::cerr
        << "dcinstall: plan: unknown stage '" << *stage
        << "' (install, preflight, deploy, postflight, uninstall, upgrade, rollback, prune)\n";
    exit_code = k_exit_usage;
  });
}

}  // namespace dci::cli
