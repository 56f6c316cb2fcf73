// `dcinstall prune`: decommissions the hosts the state records as installed that the config no
// longer lists (drain, stop, remove every file, the distribution's leave steps on a remaining
// master), then the state forgets them. The plan first, a confirmation on a terminal unless
// --yes. Exit codes: 0 done (or nothing to remove), 1 refused or hosts remain (one not reachable
// stays listed), 2 config or usage error, 130 cancelled.

#include "cli/prune_command.h"

#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/installer_options.h"
#include "cli/run_loop.h"
#include "orchestrator/event_json.h"

namespace dci::cli {
namespace {

namespace asio = transport::asio;

struct PruneOptions : InstallerCommandOptions {
  bool yes = false;
  bool dry_run = false;
};

int run_prune_command(const PruneOptions& options) {
  if (options.dry_run) return print_prune_plan(options);
  asio::io_context io;
  auto parts = open_installer(io.get_executor(), options, true);
  if (!parts) return k_exit_usage;
  Installer& installer = parts->installer();
  auto plan = installer.prune_plan();
  if (!plan) {
    std::cerr << "dcinstall: " << plan.error().to_string() << "\n";
    return k_exit_usage;
  }
  if (!plan->refused.empty()) {
    if (!options.json) print_removed_hosts(*plan, std::cerr);
    std::cerr << "dcinstall: " << plan->refused << "\n";
    return k_exit_failed;
  }
  if (plan->hosts_with_work() == 0) {
    if (!options.json) std::cout << "prune: nothing to remove\n";
    return k_exit_ok;
  }
  if (!options.json && ::isatty(STDIN_FILENO) && !options.yes) {
    print_removed_hosts(*plan, std::cout);
  }
  const std::string hosts = std::to_string(plan->hosts_with_work());
  if (!confirmed("Remove the cluster from " + hosts +
                     " hosts no longer in the config (stop its services, delete its files and "
                     "data)?",
                 "prune removes the cluster from " + hosts + " hosts", options.yes)) {
    return k_exit_usage;
  }
  RunRequest request;
  request.command = "prune";
  request.kind = RunKind::Prune;
  return run_with_progress(io, installer, request, options.json, "prune");
}

}  // namespace

int print_prune_plan(const InstallerCommandOptions& options) {
  asio::io_context io;
  auto parts = open_installer(io.get_executor(), options, true);
  if (!parts) return k_exit_usage;
  auto plan = parts->installer().prune_plan();
  if (!plan) {
    std::cerr << "dcinstall: " << plan.error().to_string() << "\n";
    return k_exit_usage;
  }
  if (options.json) {
    std::cout << prune_plan_json(*plan).dump(2) << "\n";
  } else if (plan->hosts.empty()) {
    std::cout << "prune: nothing to remove (every installed host is in the config)\n";
  } else {
    print_removed_hosts(*plan, std::cout);
  }
  return plan->refused.empty() ? k_exit_ok : k_exit_failed;
}

void print_removed_hosts(const PrunePlan& plan, std::ostream& out) {
  if (plan.hosts.empty()) return;
  out << "remove: " << plan.hosts_with_work() << " hosts not in the config (`dcinstall prune`"
      << (plan.leave_on ? "; leave steps on " + plan.leave_on->id() : std::string()) << ")\n";
  for (const RemovedHost& removed : plan.hosts) {
    char line[512];
    std::snprintf(line, sizeof line, "    %s %-24s %-12s %-14s %s\n",
                  removed.has_work ? "remove" : "keep  ", removed.host.id().c_str(),
                  std::string(role_name(removed.host.role)).c_str(),
                  removed.bundle_id.substr(0, 12).c_str(), removed.reason.c_str());
    out << line;
    if (!removed.last_error.empty()) out << "        last prune: " << removed.last_error << "\n";
  }
  if (!plan.refused.empty()) out << "  " << plan.refused << "\n";
}

void add_prune_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PruneOptions>();
  CLI::App* sub = app.add_subcommand(
      "prune",
      "Remove the cluster from the hosts that are recorded as installed but no longer in the "
      "config: drain each, stop its services, delete every file install.sh made, run the "
      "distribution's leave steps on a remaining master; then the state forgets it. A host "
      "that is not reachable stays listed: run prune again when it is back. Masters are not "
      "removed (not supported yet). `install` never prunes.\nExit status: 0 done or nothing to "
      "remove, 1 refused or hosts remain, 2 config or usage error, 130 cancelled.");
  add_installer_options(*sub, *options, true);
  sub->add_flag("-y,--yes", options->yes, "Do not ask for confirmation");
  sub->add_flag("--dry-run", options->dry_run, "Print the hosts it would remove; run nothing");
  sub->callback([options, &exit_code] { exit_code = run_prune_command(*options); });
}

}  // namespace dci::cli
