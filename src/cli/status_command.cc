// `dcinstall status` and `dcinstall logs`: what the state file recorded (runs, host × stage
// states, every step's output). They read <work-dir>/state.db only; no host is contacted.
// `logs` streams steps from the store row by row (never every step in memory) and
// `logs --prune-before RUN` deletes older runs.

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cli/cause_summary.h"
#include "cli/commands.h"
#include "cli/installer_options.h"
#include "installer/recorded_failures.h"
#include "installer/work_dir_lock.h"
#include "orchestrator/event_json.h"
#include "orchestrator/plan.h"
#include "state/run_selection.h"
#include "state/sqlite_state_store.h"
#include "util/terminal_text.h"

namespace dci::cli {
namespace {


// Host output may be invalid or cut UTF-8 (the store's cap can split a character).
std::string lenient_dump(const nlohmann::json& json, int indent) {
  return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<SqliteStateStore> open_state(const std::string& work_dir) {
  auto state = api::open_existing_state_file(work_dir);
  if (!state) {
    std::cerr << "dcinstall: " << state.error().to_string() << "\n";
    return std::nullopt;
  }
  return std::move(*state);
}

// The hosts' last rolling changes: outcomes per role, and every host whose change did not end
// upgraded (rolled back, failed, or left mid-change) with why and how to go on. True when there
// is such a host. The JSON goes to out["changes"].
bool print_changes(const std::vector<HostBundle>& rows, size_t shown, bool json, bool in_flight,
                   nlohmann::json& out) {
  std::map<std::string, std::map<std::string, int>> counts;  // role -> outcome -> hosts
  nlohmann::json not_upgraded = nlohmann::json::array();
  for (const HostBundle& row : rows) {
    if (row.change_outcome.empty()) continue;
    ++counts[row.role][row.change_outcome];
    if (row.change_outcome != "upgraded") not_upgraded.push_back(host_bundle_json(row));
  }
  if (counts.empty()) return false;
  out["changes"] = {{"roles", counts}, {"not_upgraded", not_upgraded}};
  if (json) return !not_upgraded.empty();
  std::cout << "rolling changes (each host's last):\n";
  for (const auto& [role, outcomes] : counts) {
    std::cout << "  " << role << ":";
    for (const auto& [name, count] : outcomes) std::cout << " " << count << " " << name;
    std::cout << "\n";
  }
  for (size_t i = 0; i < not_upgraded.size() && i < shown; ++i) {
    const nlohmann::json& host = not_upgraded[i];
    const nlohmann::json& change = host["change"];
    const std::string outcome = change["outcome"];
    std::string running = host["running"];
    std::cout << "  ✘ " << host["host"].get<std::string>() << " ("
              << host["role"].get<std::string>() << "): " << outcome;
    if (outcome == "rolled-back") std::cout << " to " << running.substr(0, 12);
    if (outcome == "changing") {
      std::cout << (in_flight ? " (now: " : " (the run stopped during ")
                << change["step"].get<std::string>() << ")";
    }
    if (!change["error"].get<std::string>().empty()) {
      std::cout << ": " << terminal_safe(change["error"].get<std::string>());
    }
    std::cout << "\n";
  }
  if (not_upgraded.size() > shown) {
    std::cout << "  ... and " << not_upgraded.size() - shown << " more (--all)\n";
  }
  if (!not_upgraded.empty() && !in_flight) {
    std::cout << "  fix them, then run `dcinstall upgrade` again: it resumes (hosts at their "
                 "bundle are skipped, hosts mid-change are checked first)\n";
  }
  return !not_upgraded.empty();
}

struct StatusOptions {
  bool all = false;   // every failed host, not the causes only
  std::string stage;  // only this stage
  std::string cause;  // with stage: every host of this cause (its number or its text)
};

// `status --stage S --cause N`: every host of one cause, from the state.
int run_cause_hosts(const SqliteStateStore& state, const InstallerCommandOptions& options,
                    const StatusOptions& status) {
  const auto rows = state.host_stages(status.stage);
  if (!rows) {
    std::cerr << "dcinstall: " << rows.error().to_string() << "\n";
    return k_exit_usage;
  }
  const std::vector<FailureGroup> groups = recorded_failure_groups(*rows);
  const std::optional<std::string> cause = select_cause(groups, status.cause);
  if (!cause) {
    std::cerr << "dcinstall: status: no cause '" << terminal_safe(status.cause) << "' in stage "
              << status.stage << " (it has " << groups.size()
              << " causes, numbered from 1 as `dcinstall status` lists them)\n";
    return k_exit_usage;
  }
  const std::vector<HostStageStatus> hosts = rows_with_cause(*rows, *cause);
  if (options.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const HostStageStatus& row : hosts) {
      list.push_back({{"host", row.host}, {"role", row.role}, {"error", row.error}});
    }
    std::cout << lenient_dump({{"stage", status.stage},
                               {"cause", *cause},
                               {"count", hosts.size()},
                               {"hosts", list}},
                              2)
              << "\n";
  } else {
    std::cout << status.stage << ": " << hosts.size()
              << " hosts failed with: " << terminal_safe(*cause) << "\n";
    for (const HostStageStatus& row : hosts) {
      std::cout << "  ✘ " << row.host << " (" << row.role << "): " << terminal_safe(row.error)
                << "\n";
    }
  }
  return hosts.empty() ? k_exit_ok : k_exit_failed;
}

int run_status(const InstallerCommandOptions& options, const StatusOptions& status) {
  auto state = open_state(options.work_dir);
  if (!state) return k_exit_usage;
  if (!status.stage.empty() && !stage_from_name(status.stage)) {
    std::cerr << "dcinstall: status: unknown stage '" << terminal_safe(status.stage)
              << "' (preflight, deploy, postflight, cluster-check, upgrade, uninstall)\n";
    return k_exit_usage;
  }
  if (!status.cause.empty()) {
    if (status.stage.empty()) {
      std::cerr << "dcinstall: status: --cause needs --stage (the stage the cause is numbered "
                   "in)\n";
      return k_exit_usage;
    }
    return run_cause_hosts(*state, options, status);
  }
  const size_t failed_shown = status.all ? SIZE_MAX : 0;
  const std::string status_command = status_command_for(options.work_dir);
  nlohmann::json out{{"run", nullptr}, {"stages", nlohmann::json::object()}};
  bool any_failed = false;
  // A run without an outcome is running while a process holds the work dir, else it was killed.
  const std::optional<std::string> holder = WorkDirLock::holder(options.work_dir);
  bool in_flight = false;
  if (auto run = state->last_run()) {
    in_flight = run->outcome.empty() && holder.has_value();
    out["run"] = {{"id", run->id},
                  {"command", run->command},
                  {"started_ms", run->started_ms},
                  {"finished_ms", run->finished_ms ? nlohmann::json(*run->finished_ms) : nullptr},
                  {"outcome", run->outcome.empty() ? "running" : run->outcome},
                  {"holder_pid", in_flight ? nlohmann::json(*holder) : nullptr}};
    if (!options.json) {
      std::cout << "last run #" << run->id << ": " << run->command << ": ";
      if (!run->outcome.empty()) {
        std::cout << run->outcome << "\n";
      } else if (in_flight) {
        std::cout << "running (pid " << *holder << ")\n";
      } else {
        std::cout << "killed (it ended without an outcome; a re-run resumes)\n";
      }
    }
  }
  for (Stage each : k_all_stages) {
    const std::string stage(stage_name(each));
    if (!status.stage.empty() && status.stage != stage) continue;
    const auto read = state->host_stages(stage);
    if (!read) {
      std::cerr << "dcinstall: " << read.error().to_string() << "\n";
      return k_exit_usage;
    }
    const std::vector<HostStageStatus>& rows = *read;
    if (rows.empty()) continue;
    std::map<std::string, std::map<std::string, int>> counts;  // role -> state -> hosts
    nlohmann::json failed = nlohmann::json::array();
    for (const HostStageStatus& row : rows) {
      ++counts[row.role][std::string(host_state_name(row.state))];
      if (recorded_as_failed(row)) {
        failed.push_back({{"host", row.host},
                          {"role", row.role},
                          {"error", row.error},
                          {"cause", recorded_cause(row)}});
      }
    }
    any_failed = any_failed || !failed.empty();
    const std::vector<FailureGroup> groups = recorded_failure_groups(rows);
    out["stages"][stage] = {
        {"roles", counts}, {"failed", failed}, {"causes", failure_groups_json(groups)}};
    if (options.json) continue;
    std::cout << stage << ":\n";
    for (const auto& [role, states] : counts) {
      std::cout << "  " << role << ":";
      for (const auto& [name, count] : states) std::cout << " " << count << " " << name;
      std::cout << "\n";
    }
    for (size_t i = 0; i < failed.size() && i < failed_shown; ++i) {
      std::cout << "  ✘ " << failed[i]["host"].get<std::string>() << " ("
                << failed[i]["role"].get<std::string>()
                << "): " << terminal_safe(failed[i]["error"].get<std::string>()) << "\n";
    }
    // The causes under the stage's counts, one level in (the stage's name is the header).
    const std::string causes = cause_summary(stage, groups, status_command);
    std::istringstream lines(causes);
    for (std::string line; std::getline(lines, line);) std::cout << "  " << line << "\n";
  }
  const auto bundles = state->host_bundles();
  if (!bundles) {
    std::cerr << "dcinstall: " << bundles.error().to_string() << "\n";
    return k_exit_usage;
  }
  any_failed = print_changes(*bundles, status.all ? SIZE_MAX : 20, options.json, in_flight, out) ||
               any_failed;
  if (options.json) std::cout << lenient_dump(out, 2) << "\n";
  return any_failed ? k_exit_failed : k_exit_ok;
}

struct LogsOptions {
  std::string host;
  std::string stage;
  bool follow = false;
  RunSelection runs;
  std::optional<int64_t> prune_before;
};

void print_step(const StepRecord& step) {
  std::cout << "== " << step.host << " " << step.stage << " / " << step.step;
  if (step.exit_code) std::cout << " (exit " << *step.exit_code << ")";
  if (!step.error.empty()) std::cout << ": " << terminal_safe(step.error);
  std::cout << "\n$ " << terminal_safe(step.command) << "\n" << terminal_safe(step.output);
  if (!step.output.empty() && step.output.back() != '\n') std::cout << "\n";
}

void print_step_json(const StepRecord& step) {
  std::cout << lenient_dump(
                   {{"run_id", step.run_id},
                    {"host", step.host},
                    {"stage", step.stage},
                    {"step", step.step},
                    {"command", step.command},
                    {"started_ms", step.started_ms},
                    {"finished_ms", step.finished_ms ? nlohmann::json(*step.finished_ms) : nullptr},
                    {"exit_code", step.exit_code ? nlohmann::json(*step.exit_code) : nullptr},
                    {"error", step.error},
                    {"output", step.output},
                    {"output_truncated", step.output_truncated}},
                   -1)
            << "\n";
}

int run_prune(SqliteStateStore& state, int64_t before, bool json) {
  auto pruned = state.prune_runs_before(before);
  if (!pruned) {
    std::cerr << "dcinstall: " << pruned.error().to_string() << "\n";
    return k_exit_failed;
  }
  if (json) {
    std::cout << nlohmann::json{{"removed_runs", pruned->runs},
                                {"removed_steps", pruned->steps},
                                {"removed_output_bytes", pruned->output_bytes}}
                     .dump(2)
              << "\n";
  } else if (pruned->runs.empty()) {
    std::cout << "no finished run before run #" << before << ": nothing removed\n";
  } else {
    std::cout << "removed " << pruned->runs.size() << " runs (#" << pruned->runs.front() << "–#"
              << pruned->runs.back() << "), " << pruned->steps << " steps, " << pruned->output_bytes
              << " bytes of output\n";
  }
  return k_exit_ok;
}

int run_logs(const InstallerCommandOptions& options, const LogsOptions& logs) {
  auto state = open_state(options.work_dir);
  if (!state) return k_exit_usage;
  if (logs.prune_before) return run_prune(*state, *logs.prune_before, options.json);
  StepFilter filter = select_runs(*state, logs.runs, {logs.host, logs.stage, std::nullopt});
  for (;;) {
    Status visited = state->for_each_step(filter, [&](const StepRecord& step) {
      if (options.json) {
        print_step_json(step);
      } else {
        print_step(step);
      }
      filter.after_id = step.id;
      return true;
    });
    std::cout << std::flush;
    if (!visited) {
      std::cerr << "dcinstall: " << visited.error().to_string() << "\n";
      return k_exit_failed;
    }
    if (!logs.follow) break;
    // Steps land in the state file when they finish (flushed at least every 250 ms).
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return k_exit_ok;
}

}  // namespace

void add_status_commands(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<InstallerCommandOptions>();
  auto selection = std::make_shared<StatusOptions>();
  CLI::App* status = app.add_subcommand(
      "status",
      "The last run and, per stage, host counts by state and the failures grouped by cause "
      "(largest first, with example hosts). Exit status: 0, 1 when hosts failed, 2 when nothing "
      "ran yet.");
  add_installer_options(*status, *options, false);
  status->add_flag("--all", selection->all,
                   "List every failed host with its reason, after the causes");
  status->add_option("--stage", selection->stage,
                     "Only this stage: preflight, deploy, postflight, cluster-check, upgrade, "
                     "uninstall");
  status->add_option("--cause", selection->cause,
                     "With --stage: every host failed with this cause (its number as status "
                     "lists it, or its text)");
  status->callback(
      [options, selection, &exit_code] { exit_code = run_status(*options, *selection); });

  auto log_options = std::make_shared<InstallerCommandOptions>();
  auto logs = std::make_shared<LogsOptions>();
  CLI::App* logs_command = app.add_subcommand(
      "logs",
      "The recorded output of the last run's steps (the latest run with a matching step), "
      "oldest first: command, exit code, output. --prune-before RUN deletes older runs.");
  add_installer_options(*logs_command, *log_options, false);
  logs_command->add_option("--host", logs->host, "Only this host (address:port, as in status)");
  logs_command->add_option(
      "--stage", logs->stage,
      "Only this stage: preflight, deploy, postflight, cluster-check, upgrade, uninstall");
  logs_command->add_flag("-f,--follow", logs->follow, "Keep printing steps as they finish");
  auto* run = logs_command->add_option("--run", logs->runs.run_id, "Only this run (its number)");
  logs_command->add_flag("--all-runs", logs->runs.all_runs, "Every recorded run")->excludes(run);
  logs_command
      ->add_option("--prune-before", logs->prune_before,
                   "Delete the finished runs before run RUN and their steps and output (host "
                   "states are kept); prints what was removed")
      ->check(CLI::PositiveNumber);
  logs_command->callback(
      [log_options, logs, &exit_code] { exit_code = run_logs(*log_options, *logs); });
}

}  // namespace dci::cli
