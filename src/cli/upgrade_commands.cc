// `dcinstall upgrade | rollback`: a rolling change of an installed cluster. The plan first
// (masters one at a time, then agent batches, each host's bundle from → to and why), a
// confirmation on a terminal unless --yes, the health gate, then the waves with live progress.
// Exit codes: 0 done (or nothing to change), 1 refused, halted or hosts failed, 2 config or
// usage error, 130 paused by Ctrl-C (run it again to resume).

#include "cli/upgrade_commands.h"

#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/run_loop.h"
#include "orchestrator/event_json.h"

namespace dci::cli {
namespace {

namespace asio = transport::asio;

struct UpgradeOptions : InstallerCommandOptions {
  bool yes = false;
  bool dry_run = false;
};

std::string short_id(const std::string& bundle) {
  return bundle.empty() ? "(unknown)" : bundle.substr(0, 12);
}

// The master-list change: its refusal, or its steps (those after the waves say so).
void print_membership_text(const MembershipPlan& membership, const char* verb) {
  if (!membership.refused.empty()) {
    std::cout << verb << " refused: " << membership.refused << "\n";
    return;
  }
  if (!membership.changes()) return;
  std::cout << "  masters, one member at a time (each healthy before the next):\n";
  for (const std::string& line : membership.describe()) std::cout << "    " << line << "\n";
}

void print_plan_text(const RollingPlan& plan, bool rollback) {
  const char* verb = rollback ? "rollback" : "upgrade";
  print_membership_text(plan.membership, verb);
  if (!plan.membership.refused.empty()) return;
  if (plan.hosts_changing() == 0 && !plan.membership.changes()) {
    std::cout << verb << ": nothing to change ("
              << (rollback ? "no upgraded host is recorded to take back"
                           : "every installed host runs its bundle")
              << ")\n";
    return;
  }
  std::cout << verb << ": " << plan.hosts_changing() << " hosts change in " << plan.waves.size()
            << " waves; each waits for the one before to be healthy\n";
  for (const RollingWave& wave : plan.waves) {
    std::cout << "  " << wave.label << "\n";
    for (const RollingHost& change : wave.hosts) {
      char line[512];
      std::snprintf(line, sizeof line, "    %-24s %-12s %s -> %s  %s\n",
                    change.host->id().c_str(), std::string(role_name(change.host->role)).c_str(),
                    short_id(change.from_bundle).c_str(), short_id(change.to_bundle).c_str(),
                    change.reason.c_str());
      std::cout << line;
    }
  }
  if (!plan.unchanged.empty()) std::cout << "  unchanged: " << plan.unchanged.size() << " hosts\n";
}

// What the confirmation asks about: "1 master(s) joining, 3 master one at a time, 40 agent in 4
// batches".
std::string plan_outline(const RollingPlan& plan) {
  std::map<Role, std::pair<long long, long long>> per_role;  // hosts, waves
  for (const RollingWave& wave : plan.waves) {
    per_role[wave.role].first += static_cast<long long>(wave.hosts.size());
    per_role[wave.role].second += 1;
  }
  std::string text;
  int joins = 0, leaves = 0;
  for (const MemberStep& step : plan.membership.steps) {
    (step.kind == MemberStepKind::Add ? joins : leaves) += 1;
  }
  if (joins) text += std::to_string(joins) + " master(s) joining";
  if (leaves) text += std::string(text.empty() ? "" : ", ") + std::to_string(leaves) + " leaving";
  for (const auto& [role, counts] : per_role) {
    if (!text.empty()) text += ", ";
    text += std::to_string(counts.first) + " " + std::string(role_name(role)) +
            (role == Role::Master ? " one at a time"
                                  : " in " + std::to_string(counts.second) + " batches");
  }
  return text;
}

int run_rolling_command(const UpgradeOptions& options, bool rollback) {
  if (options.dry_run) return print_rolling_plan(options, rollback);
  asio::io_context io;
  auto parts = open_installer(io.get_executor(), options, true);
  if (!parts) return k_exit_usage;
  Installer& installer = parts->installer();
  auto plan = installer.rolling_plan(rollback);
  if (!plan) {
    std::cerr << "dcinstall: " << plan.error().to_string() << "\n";
    return k_exit_usage;
  }
  const char* verb = rollback ? "rollback" : "upgrade";
  if (!plan->membership.refused.empty()) {
    if (!options.json) print_plan_text(*plan, rollback);
    return k_exit_failed;
  }
  if (!plan->has_work()) {
    if (!options.json) print_plan_text(*plan, rollback);
    return k_exit_ok;
  }
  if (!options.json && ::isatty(STDIN_FILENO) && !options.yes) print_plan_text(*plan, rollback);
  const std::string outline = plan_outline(*plan);
  if (!confirmed(std::string(rollback ? "Roll back " : "Upgrade ") + outline + "?",
                 std::string(verb) + " changes " + outline, options.yes)) {
    return k_exit_usage;
  }
  RunRequest request;
  request.command = verb;
  request.kind = rollback ? RunKind::Rollback : RunKind::Upgrade;
  return run_with_progress(io, installer, request, options.json, verb);
}

void add_rolling_command(CLI::App& app, int& exit_code, bool rollback) {
  auto options = std::make_shared<UpgradeOptions>();
  CLI::App* sub = app.add_subcommand(
      rollback ? "rollback" : "upgrade",
      std::string(rollback
                      ? "Take the hosts of the last upgrade back to the bundle they ran before "
                        "(install.sh --rollback), with the upgrade's rules."
                      : "Change every installed host whose bundle differs from this config's: "
                        "a health gate, then masters one at a time (each back in the quorum "
                        "before the next), then agents in batches of upgrade_max_unavailable; a "
                        "host that does not become healthy is rolled back.") +
          " Ctrl-C pauses (hosts in flight finish); run it again to resume.\nExit status: 0 "
          "done, 1 refused, halted or hosts failed, 2 config or usage error, 130 paused.");
  add_installer_options(*sub, *options, true);
  sub->add_flag("-y,--yes", options->yes, "Do not ask for confirmation");
  sub->add_flag("--dry-run", options->dry_run, "Print the plan (waves, bundles, why); run nothing");
  sub->callback([options, &exit_code, rollback] {
    exit_code = run_rolling_command(*options, rollback);
  });
}

}  // namespace

int print_rolling_plan(const InstallerCommandOptions& options, bool rollback) {
  asio::io_context io;
  auto parts = open_installer(io.get_executor(), options, true);
  if (!parts) return k_exit_usage;
  auto plan = parts->installer().rolling_plan(rollback);
  if (!plan) {
    std::cerr << "dcinstall: " << plan.error().to_string() << "\n";
    return k_exit_usage;
  }
  if (!options.json) {
    print_plan_text(*plan, rollback);
    return k_exit_ok;
  }
  const nlohmann::json out = rolling_plan_json(*plan);
  std::cout << out.dump(2) << "\n";
  return k_exit_ok;
}

void add_upgrade_commands(CLI::App& app, int& exit_code) {
  add_rolling_command(app, exit_code, false);
  add_rolling_command(app, exit_code, true);
}

}  // namespace dci::cli
