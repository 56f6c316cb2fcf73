#include "installer/installer.h"

// g++ 12 reports Asio's awaitable frame allocator as mismatched new/delete at a detached
// co_spawn of a coroutine function (a false positive: both sides are Asio's own operators).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "genconf/bundle_inputs.h"
#include "installer/recorded_failures.h"
#include "installer/redacting_sink.h"
#include "installer/redactor.h"
#include "installer/rolling_state.h"
#include "installer/run_context.h"
#include "installer/stage_programs.h"
#include "installer/work_dir_lock.h"
#include "orchestrator/rolling_runner.h"
#include "orchestrator/stage_runner.h"
#include "orchestrator/state_recorder.h"
#include "transport/session_pool.h"

namespace dci {
namespace {

// Sends every event to the state recorder, then to the caller's sink.
class BothSinks final : public EventSink {
 public:
  BothSinks(EventSink& first, EventSink& second) : m_first(first), m_second(second) {}
  void on_event(const Event& event) override {
    m_first.on_event(event);
    m_second.on_event(event);
  }

 private:
  EventSink& m_first;
  EventSink& m_second;
};

// Flushes `recorder` every StateRecorder::k_flush_interval of `clock` while `*running`, so what a
// quiet step recorded is on disk without waiting for the next event (a kill loses at most one
// interval). Returns at the first wake after `*running` is cleared, without touching `recorder`
// (which may be gone by then): the clock must outlive the loop, the flag is shared.
transport::Task<void> flush_periodically(transport::Clock& clock, StateRecorder& recorder,
                                         std::shared_ptr<const bool> running) {
  while (*running) {
    co_await clock.sleep_for(StateRecorder::k_flush_interval);
    if (!*running) break;
    (void)recorder.flush();  // a failure is kept in recorder.failure()
  }
}

// Runs `program` on `run`'s host and notes the host in `done` when it passed.
transport::Task<transport::Outcome<bool>> run_noting_success(HostRun& run,
                                                             const HostProgram& program,
                                                             std::set<std::string>& done) {
  auto outcome = co_await program(run);
  if (outcome && *outcome) done.insert(run.host().id());
  co_return outcome;
}

std::string run_outcome_name(const RunOutcome& outcome) {
  if (outcome.cancelled) return "cancelled";
  return outcome.ok ? "succeeded" : "failed";
}

// The "<role> <address>" lines the cluster check verifies: every host whose postflight passed.
Result<std::string> passed_postflight(const ClusterConfig& config, const StateStore& state) {
  const auto rows = state.host_stages(std::string(stage_name(Stage::Postflight)));
  if (!rows) return rows.error();
  std::set<std::string> passed;
  for (const HostStageStatus& row : *rows) {
    if (row.state == HostState::Succeeded) passed.insert(row.host);
  }
  std::string lines;
  for (const ClusterHost& host : config.hosts) {
    if (passed.count(host.id()))
      lines += std::string(role_name(host.role)) + " " + host.address + "\n";
  }
  return lines;
}

// The command timeout of `install.sh --install-prereqs` per role that has prerequisites: every
// check twice and every install, at their timeouts, plus a minute for fetching and unpacking;
// at least `command_timeout_s`.
std::map<Role, double> prerequisites_timeouts(const Distribution& distribution,
                                              double command_timeout_s) {
  std::map<Role, double> timeouts;
  for (Role role : k_all_roles) {
    const auto& prerequisites = distribution.role(role).prerequisites;
    if (prerequisites.empty()) continue;
    double total = 60;
    for (const PrerequisiteSpec& prerequisite : prerequisites) {
      total += 2 * k_prerequisite_check_timeout_s + prerequisite.timeout_s;
    }
    timeouts[role] = std::max(total, command_timeout_s);
  }
  return timeouts;
}

}  // namespace

std::string recorded_command(std::string_view action, bool retry_failed,
                             std::optional<bool> install_prereqs) {
  std::string command(action);
  if (install_prereqs) command += *install_prereqs ? " --install-prereqs" : " --no-install-prereqs";
  if (retry_failed) command += " --retry-failed";
  return command;
}

Installer::Installer(transport::Executor executor, InstallerOptions options, InstallerSeams seams)
    : m_executor(std::move(executor)), m_options(std::move(options)), m_seams(std::move(seams)) {}

Installer::~Installer() = default;

Result<std::unique_ptr<Installer>> Installer::open(transport::Executor executor,
                                                   InstallerOptions options, InstallerSeams seams) {
  std::unique_ptr<Installer> installer(
      new Installer(std::move(executor), std::move(options), std::move(seams)));
  if (auto loaded = installer->reload_config(); !loaded) return loaded.error();
  // The work dir is owner-only (0700, an existing one too): it holds the state file, the
  // bundles with the rendered secrets and the uploaded key.
  std::error_code error;
  std::filesystem::create_directories(installer->m_options.work_dir, error);
  if (error) {
    return Error{"cannot create the work dir " + installer->m_options.work_dir + ": " +
                 error.message()};
  }
  std::filesystem::permissions(installer->m_options.work_dir, std::filesystem::perms::owner_all,
                               error);
  if (error) {
    return Error{"cannot make the work dir " + installer->m_options.work_dir +
                 " owner-only (0700): " + error.message()};
  }
  return installer;
}

Status Installer::reload_config() {
  if (m_running) return Error{"a run is going; the config is reloaded when it ends"};
  auto loaded = load_config(m_options.config_path);
  if (!loaded) return loaded.error();
  m_config = std::move(*loaded);
  return Ok{};
}

Result<GenconfResult> Installer::generate() const {
  if (!m_config.result.valid() || !m_config.distribution) {
    return Error{"the config " + m_config.path + " has " +
                 std::to_string(m_config.result.errors.size()) +
                 " error(s); run 'dcinstall validate -c " + m_config.path + "'"};
  }
  GenconfOptions options;
  options.output_dir = m_options.work_dir;
  return run_genconf(m_config.cluster(), m_config.schema, *m_config.distribution, m_config.path,
                     options);
}

Result<StagePlan> Installer::plan(Stage stage, bool retry_failed, bool skip_succeeded) {
  if (m_running) return Error{"a run is going; plan when it ends"};
  auto generated = generate();
  if (!generated) return generated.error();
  m_cluster = m_config.cluster();
  return plan_stage(stage, retry_failed, skip_succeeded, *generated);
}

RollingInputs Installer::rolling_inputs(bool rollback, const GenconfResult& generated,
                                        const std::vector<HostBundle>& rows) const {
  std::map<Role, std::string> targets;
  for (const RoleBundle& bundle : generated.bundles) targets[bundle.role] = bundle.bundle.id;
  RollingInputs inputs = rollback ? rollback_inputs(m_cluster, rows)
                                  : upgrade_inputs(m_cluster, targets, rows);
  // Why each role changes: what differs between the inputs of the bundle its first changing
  // host runs and of its target (this config's, or one the state kept).
  const BundleInputs current = bundle_inputs(m_cluster, m_config.schema, *m_config.distribution);
  auto inputs_of = [&](const std::string& id) {
    for (const auto& [role, target] : targets) {
      if (target == id) return current;
    }
    const auto text = m_seams.state.bundle_inputs(id);
    return bundle_inputs_from_text(text ? *text : "");  // unreadable: the reason says less
  };
  for (const ClusterHost& host : m_cluster.hosts) {
    if (inputs.change_reasons.count(host.role)) continue;
    const auto running = inputs.running_bundles.find(host.id());
    const auto own = inputs.host_targets.find(host.id());
    const std::string target = own != inputs.host_targets.end() ? own->second
                               : targets.count(host.role) ? targets.at(host.role)
                                                          : "";
    if (running == inputs.running_bundles.end() || target.empty() || running->second == target) {
      continue;
    }
    inputs.change_reasons[host.role] = describe_change(inputs_of(running->second), inputs_of(target));
  }
  return inputs;
}

Result<RollingPlan> Installer::rolling_plan(bool rollback) {
  if (m_running) return Error{"a run is going; plan when it ends"};
  auto generated = generate();
  if (!generated) return generated.error();
  m_cluster = m_config.cluster();
  const auto rows = m_seams.state.host_bundles();
  if (!rows) return rows.error();
  RollingPlan plan = plan_rolling_change(rolling_inputs(rollback, *generated, *rows), rollback);
  if (!rollback) {
    const auto members = recorded_members(m_cluster, *rows, m_seams.state);
    if (!members) return members.error();
    plan.membership = plan_membership(*members, wanted_members(m_cluster));
  }
  return plan;
}

Result<PrunePlan> Installer::plan_removed_hosts() const {
  auto bundles = m_seams.state.host_bundles();
  if (!bundles) return bundles.error();
  auto deploy = m_seams.state.host_stages(std::string(stage_name(Stage::Deploy)));
  if (!deploy) return deploy.error();
  auto pruned = m_seams.state.host_stages(std::string(stage_name(Stage::Prune)));
  if (!pruned) return pruned.error();
  PruneInputs inputs;
  inputs.config = &m_cluster;
  inputs.bundles = std::move(*bundles);
  inputs.deploy = std::move(*deploy);
  inputs.pruned = std::move(*pruned);
  for (Role role : k_all_roles) {
    if (!m_config.distribution->role(role).leave.empty()) inputs.roles_with_leave.insert(role);
  }
  return plan_prune(inputs);
}

Result<PrunePlan> Installer::prune_plan() {
  if (m_running) return Error{"a run is going; plan when it ends"};
  if (!m_config.result.valid() || !m_config.distribution) {
    return Error{"the config " + m_config.path + " has " +
                 std::to_string(m_config.result.errors.size()) +
                 " error(s); run 'dcinstall validate -c " + m_config.path + "'"};
  }
  m_cluster = m_config.cluster();
  return plan_removed_hosts();
}

void Installer::forget_host(const std::string& id) {
  for (Stage stage : k_all_stages)
    m_seams.state.clear_host_stage(id, std::string(stage_name(stage)));
  m_seams.state.clear_host_bundle(id);
}

Result<StagePlan> Installer::plan_stage(Stage stage, bool retry_failed, bool skip_succeeded,
                                        const GenconfResult& generated) const {
  auto recorded = m_seams.state.host_stages(std::string(stage_name(stage)));
  if (!recorded) return recorded.error();
  const auto bundles = m_seams.state.host_bundles();
  if (!bundles) return bundles.error();
  PlanInputs inputs;
  inputs.config = &m_cluster;
  for (const RoleBundle& bundle : generated.bundles)
    inputs.bundle_ids[bundle.role] = bundle.bundle.id;
  inputs.recorded = std::move(*recorded);
  for (const HostBundle& row : *bundles) {
    inputs.running[row.host] = row.running.empty() ? row.change_from : row.running;
  }
  inputs.retry_failed_only = retry_failed;
  inputs.skip_succeeded = skip_succeeded;
  return build_plan(stage, inputs);
}

void Installer::cancel() {
  if (!m_running) return;
  m_cancel_requested = true;
  if (m_current_runner) m_current_runner->cancel();
  if (m_current_rolling) m_current_rolling->pause();
}

transport::Task<RunOutcome> Installer::run(RunRequest request, EventSink& sink) {
  RunOutcome outcome;
  if (m_running) {
    outcome.error = "a run is already going";
    co_return outcome;
  }
  // Another process (a second CLI, `dcinstall web`) may be running on this work dir.
  auto lock = WorkDirLock::acquire(m_options.work_dir);
  if (!lock) {
    outcome.busy = true;
    outcome.error = lock.error().to_string();
    co_return outcome;
  }
  m_running = true;
  m_cancel_requested = false;
  const Redactor redactor(m_config);
  outcome = co_await run_stages(request, sink, redactor);
  outcome.error = redactor.redact(std::move(outcome.error));
  m_running = false;
  m_current_runner = nullptr;
  co_return outcome;
}

transport::Task<StageFinished> Installer::run_plan(const StagePlan& plan,
                                                   const HostProgram& program,
                                                   RunContext& context) {
  StageRunner runner(context.pool, m_seams.clock, context.events, context.runner_options);
  m_current_runner = &runner;
  if (m_cancel_requested) runner.cancel();
  StageFinished finished = co_await runner.run(plan, context.outcome.run_id, program);
  m_current_runner = nullptr;
  redact_stage_finished(finished, context.redactor);
  context.outcome.stages.push_back(finished);
  co_return finished;
}

transport::Task<bool> Installer::run_prune(RunContext& context) {
  const auto planned = plan_removed_hosts();
  if (!planned) {
    context.state_unreadable(planned.error());
    co_return false;
  }
  const PrunePlan& plan = *planned;
  if (!plan.refused.empty()) {
    context.outcome.stopped = plan.refused;
    co_return false;
  }
  if (plan.hosts_with_work() == 0) co_return true;

  // The removed hosts, in parallel: drain, stop, remove every file.
  std::set<std::string> done;  // the hosts whose files are gone
  const HostProgram prune = stage_program(Stage::Prune, context.files, context.settings);
  const StageFinished cleaned = co_await run_plan(
      plan.cleanup_plan(),
      [&prune, &done](HostRun& run) { return run_noting_success(run, prune, done); }, context);
  std::map<std::string, std::string> failed;  // host id -> why it stays (redacted)
  std::set<std::string> unreachable;
  for (const HostFailure& failure : cleaned.failures) {
    failed[failure.host] = failure.error;
    if (failure.error.rfind(k_unreachable_prefix, 0) == 0) unreachable.insert(failure.host);
  }

  // Their leave steps on a remaining master: for the cleaned hosts and the unreachable ones
  // (the cluster forgets those now; their own cleanup waits until they are back).
  std::vector<MemberHost> leaving;
  for (const RemovedHost& removed : plan.hosts) {
    const std::string id = removed.host.id();
    if (!removed.has_work || (!done.count(id) && !unreachable.count(id))) continue;
    if (m_config.distribution->role(removed.host.role).leave.empty()) continue;
    leaving.push_back({id, removed.host.address, removed.host.role});
  }
  std::map<std::string, std::string> leave_failed;
  if (!leaving.empty() && !m_cancel_requested) {
    StagePlan leave{Stage::Prune,
                    {{"leave", {{plan.leave_on, true, "", "the leave steps of removed hosts"}}}},
                    "leave"};
    const StageFinished left =
        co_await run_plan(leave, leave_program(context.files, leaving, leave_failed), context);
    // The master failed before its steps ran (unreachable, cancelled): every leave is undone.
    if (!left.ok && leave_failed.empty()) {
      const std::string why = left.failures.empty() ? "cancelled" : left.failures[0].error;
      for (const MemberHost& host : leaving) leave_failed[host.id] = why;
    }
  } else if (!leaving.empty()) {
    for (const MemberHost& host : leaving) leave_failed[host.id] = "cancelled";
  }

  // The state forgets each host that is done; the others stay listed, saying why.
  std::string remaining;
  int stays = 0;
  for (const RemovedHost& removed : plan.hosts) {
    const std::string id = removed.host.id();
    if (!removed.has_work) continue;
    const auto left = leave_failed.find(id);
    if (done.count(id) && left == leave_failed.end()) {
      forget_host(id);
      continue;
    }
    std::string why;
    HostState state = HostState::Failed;
    if (unreachable.count(id)) {
      why = std::string(k_not_reachable) + " (" + failed[id] + ")";
    } else if (failed.count(id)) {
      why = failed[id];
    } else if (!done.count(id)) {
      why = "cancelled before it started; run prune again";
      state = HostState::Cancelled;
    } else {
      why = "its files are removed, but its leave steps failed on " + plan.leave_on->id() + ": " +
            left->second + "; run prune again";
    }
    why = context.redactor.redact(std::move(why));
    m_seams.state.set_host_stage({id, std::string(role_name(removed.host.role)),
                                  std::string(stage_name(Stage::Prune)), state, removed.bundle_id,
                                  why, context.outcome.run_id, m_seams.wall_clock.now_ms()});
    ++stays;
    remaining += "\n  " + id + " (" + std::string(role_name(removed.host.role)) + "): " + why;
  }
  if (stays == 0) co_return true;
  if (!m_cancel_requested) {
    context.outcome.stopped =
        "prune: " + std::to_string(stays) + " of " + std::to_string(plan.hosts_with_work()) +
        " removed hosts remain (still listed by `dcinstall plan install`):" + remaining;
  }
  co_return false;
}

transport::Task<RunOutcome> Installer::run_stages(const RunRequest& request, EventSink& sink,
                                                  const Redactor& redactor) {
  RunOutcome outcome;
  auto generated = generate();
  if (!generated) {
    outcome.error = generated.error().to_string();
    co_return outcome;
  }
  m_cluster = m_config.cluster();
  // Read before the run begins: a store that cannot be read records nothing and touches no host.
  auto recorded = m_seams.state.host_bundles();
  if (!recorded) {
    outcome.error = state_unreadable_error(recorded.error());
    co_return outcome;
  }
  auto run_id = m_seams.state.begin_run(request.command);
  if (!run_id) {
    outcome.error = run_id.error().to_string();
    co_return outcome;
  }
  outcome.run_id = *run_id;
  // What this run's bundles are rendered from, for the reasons of a later change's plan.
  const std::string inputs =
      bundle_inputs_text(bundle_inputs(m_cluster, m_config.schema, *m_config.distribution));
  for (const RoleBundle& bundle : generated->bundles) {
    m_seams.state.set_bundle_inputs(bundle.bundle.id, inputs);
  }

  StageFiles files;
  auto script = transport::UploadSource::from_file(generated->serve_dir + "/install.sh");
  if (!script) {
    outcome.error = script.error().to_string();
    co_return outcome;
  }
  files.install_script = *script;
  for (const RoleBundle& bundle : generated->bundles) {
    auto source = transport::UploadSource::from_file(bundle.bundle.path);
    if (!source) {
      outcome.error = source.error().to_string();
      co_return outcome;
    }
    files.bundles[bundle.role] = *source;
    files.bundle_file_names[bundle.role] = bundle.bundle.file_name;
  }

  auto made = m_seams.transport(m_cluster.ssh);
  if (!made) {
    outcome.error = made.error().to_string();
    co_return outcome;
  }
  const std::unique_ptr<transport::Transport> transport = std::move(*made);
  transport::SessionPool pool(*transport, m_seams.pool_capacity);
  StateRecorder recorder(m_seams.state, std::move(*recorded), m_seams.wall_clock, m_seams.clock);
  auto flushing = std::make_shared<bool>(true);
  transport::asio::co_spawn(m_executor, flush_periodically(m_seams.clock, recorder, flushing),
                            transport::asio::detached);
  BothSinks both(recorder, sink);
  RedactingSink events(both, redactor);

  StageRunnerOptions runner_options;
  runner_options.parallelism = static_cast<size_t>(
      m_options.parallelism > 0 ? m_options.parallelism : m_cluster.ssh.parallelism);
  runner_options.retry.retries = m_cluster.ssh.retries;
  runner_options.agent_failure_budget = m_cluster.agent_failure_budget;

  StageSettings settings;
  settings.postflight_timeout_s = m_cluster.postflight_timeout_s;
  settings.install_prereqs = request.install_prereqs.value_or(m_cluster.install_prereqs);
  settings.prerequisites_timeout_s =
      prerequisites_timeouts(*m_config.distribution, m_cluster.ssh.command_timeout_s);
  settings.upgrade_host_timeout_s = m_cluster.upgrade_host_timeout_s;
  for (const ClusterHost& host : m_cluster.hosts) {
    if (host.role == Role::Master) settings.quorum_hosts += "master " + host.address + "\n";
  }
  RunContext context{outcome, *generated, files,  settings,
                     runner_options, pool, events, redactor};

  std::vector<Stage> stages = request.stages;
  if (request.kind == RunKind::Upgrade || request.kind == RunKind::Rollback) {
    stages = {Stage::Upgrade, Stage::ClusterCheck};
  }
  if (request.kind == RunKind::Prune) stages = {Stage::Prune};
  outcome.ok = true;
  bool postflight_had_work = false;
  for (Stage stage : stages) {
    if (m_cancel_requested) break;
    // Hosts that run another bundle switch by a rolling change, before new hosts are deployed.
    if (stage == Stage::Upgrade || stage == Stage::Deploy) {
      if (!co_await run_rolling(request.kind, context)) {
        outcome.ok = false;
        break;
      }
      if (stage == Stage::Upgrade) continue;
    }
    if (stage == Stage::Prune) {
      if (!co_await run_prune(context)) outcome.ok = false;
      break;
    }
    bool skip_succeeded = request.skip_succeeded;
    if (stage == Stage::ClusterCheck) {
      const auto passed = passed_postflight(m_cluster, m_seams.state);
      if (!passed) {
        context.state_unreadable(passed.error());
        outcome.ok = false;
        break;
      }
      settings.cluster_hosts = *passed;
      skip_succeeded = skip_succeeded && !postflight_had_work;
    }
    auto planned = plan_stage(stage, request.retry_failed, skip_succeeded, *generated);
    if (!planned) {
      context.state_unreadable(planned.error());
      outcome.ok = false;
      break;
    }
    StagePlan& plan = *planned;
    if (!request.only_hosts.empty() && stage != Stage::ClusterCheck) {
      keep_only_hosts(plan, request.only_hosts);
    }
    if (stage == Stage::Postflight) postflight_had_work = plan.hosts_with_work() > 0;
    const StageFinished finished =
        co_await run_plan(plan, stage_program(stage, files, settings), context);
    if (!finished.ok) {
      outcome.ok = false;
      break;
    }
  }
  co_await pool.close_all();
  *flushing = false;
  outcome.cancelled = m_cancel_requested;
  if (outcome.cancelled) outcome.ok = false;
  (void)recorder.flush();  // kept in recorder.failure()
  Status finished = m_seams.state.finish_run(outcome.run_id, run_outcome_name(outcome));
  if (!finished) (void)recorder.flush();
  if (const auto& failure = recorder.failure(); failure || !finished) {
    outcome.ok = false;
    outcome.state_error = "the run's progress could not be recorded in the state store (" +
                          (failure ? failure->to_string() : finished.error().to_string()) +
                          "); a re-run redoes the hosts whose results were lost";
  }
  co_return outcome;
}

}  // namespace dci
