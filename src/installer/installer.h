#pragma once
// The installer as a service: one config, one work dir, one state store, and the stages run over
// a transport. The CLI commands and the HTTP API both drive this class, so they behave the same.
//
//   auto installer = Installer::open(io.get_executor(), options, seams);  // loads the config
//   co_await installer->run({"deploy", {Stage::Deploy}}, sink);  // genconf, then the stage
//
// Its side effects come in through InstallerSeams (installer_seams.h): the composition roots pass
// SSH, SQLite and the real clocks; tests pass fakes. Work dir (default "genconf"): serve/ and
// expanded-config.yaml from genconf (the state file lives there too, opened by the root).
// Every run is recorded in the state store; its events go to the StateRecorder and to the
// caller's sink. Connections are kept open across the stages of one run (one per host) and
// closed when the run ends.
//
// Threading: everything runs on the io_context thread of `executor`; cancel() too (post to it
// from a signal handler or another thread). One run at a time (running() says whether one is).

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "genconf/genconf.h"
#include "installer/config_loading.h"
#include "installer/installer_seams.h"
#include "orchestrator/events.h"
#include "orchestrator/host_run.h"
#include "orchestrator/plan.h"
#include "orchestrator/prune_plan.h"
#include "orchestrator/rolling_plan.h"
#include "transport/asio.h"
#include "util/result.h"

namespace dci {

class Redactor;
class RollingRunner;
class StageRunner;

struct InstallerOptions {
  std::string config_path = "config.yaml";
  std::string work_dir = "genconf";
  bool use_ssh_config = true;                    // honour ~/.ssh/config and /etc/ssh/ssh_config
  int parallelism = 0;                           // 0: the config's ssh_parallelism
  std::function<void(const std::string&)> warn;  // one-line warnings; default: none
};

// A run of stages, a rolling change on its own (`dcinstall upgrade`, `dcinstall rollback`), or
// the removal of the hosts no longer in the config (`dcinstall prune`).
enum class RunKind { Stages, Upgrade, Rollback, Prune };

struct RunRequest {
  std::string command;        // recorded as the run's command, e.g. "deploy --retry-failed"
  std::vector<Stage> stages;  // in order; the run stops after the first stage that fails
  bool retry_failed = false;  // only hosts whose recorded state is failed/cancelled/interrupted
  // Postflight and the cluster check skip hosts that passed at their current bundle (`install`
  // run again: nothing changed, nothing is touched). The cluster check still runs when any
  // host had postflight work.
  bool skip_succeeded = false;
  // Preflight installs the distribution's missing prerequisites before its checks (install.sh
  // --install-prereqs). Unset: the config's install_prereqs.
  std::optional<bool> install_prereqs;
  // Upgrade: every host that runs another bundle than this config's changes by a rolling change
  // (health gate, then masters one at a time and agents in batches), then the cluster check;
  // a changed master_list is applied around the waves, one member at a time (MembershipPlan).
  // Rollback: the same rules, taking the last upgrade's hosts back to the bundle they kept.
  // Both ignore `stages`. Stages: a deploy stage runs the upgrade's rolling change first (its
  // hosts never change by a plain deploy), then installs the hosts that run nothing.
  // Prune: the hosts of prune_plan() are drained and uninstalled, their role's leave steps run
  // on a remaining master, and the state forgets each host that is done (one not reachable
  // stays, with k_not_reachable); refused (nothing changed) when the plan is.
  RunKind kind = RunKind::Stages;
  // Not empty: only these hosts (ids) get work in the stages (the cluster check aside), e.g. the
  // hosts of one failure cause being retried; the others are skipped as "not selected".
  std::vector<std::string> only_hosts{};
};

// The command line a run is recorded as: `action` and its flags, e.g.
// "preflight --install-prereqs --retry-failed" (the CLI and the API record runs alike).
std::string recorded_command(std::string_view action, bool retry_failed,
                             std::optional<bool> install_prereqs);

struct RunOutcome {
  bool ok = false;
  bool cancelled = false;
  std::string error;  // a problem before any host was touched (invalid config, genconf, state)
  bool busy = false;  // with error: another run holds the work dir (refused, not a usage error)
  // Set when the state store failed to record the run (a flush or finish_run failed): the run
  // is not ok, whatever the hosts did.
  std::string state_error;
  // Why the run stopped with hosts failed, when more than the last stage says: a rolling
  // change's summary (which host halted it, how to resume). "" otherwise.
  std::string stopped;
  // What an ok run left for later: removed masters whose own cleanup waits until they are
  // reachable (then `dcinstall prune`), one "<id> (master): why" line each. "" when none.
  std::string pending;
  std::vector<StageFinished> stages;  // the stages that ran, in order
  int64_t run_id = 0;
};

class Installer {
 public:
  // Loads and validates the config and creates the work dir. The Error is for an unreadable
  // config file or work dir; an invalid config loads (config().result has the errors) and
  // every run refuses to start until reload_config() makes it valid.
  [[nodiscard]] static Result<std::unique_ptr<Installer>> open(transport::Executor executor,
                                                               InstallerOptions options,
                                                               InstallerSeams seams);
  ~Installer();

  const LoadedConfig& config() const { return m_config; }
  const InstallerOptions& options() const { return m_options; }
  StateStore& state() { return m_seams.state; }

  // Re-reads the config file (after an edit); refused while a run is going.
  Status reload_config();

  // What a stage would do now: this config's bundle ids (genconf writes the work dir; no host
  // is touched) and the recorded state decide which hosts have work. Errors: invalid config,
  // genconf failure. The plan points into the installer's config: it is valid until the next
  // plan(), run() or reload_config().
  Result<StagePlan> plan(Stage stage, bool retry_failed, bool skip_succeeded = false);
  // What `upgrade` (or, with `rollback`, `rollback`) would change now, in waves; nothing runs.
  // Same errors and lifetime as plan().
  Result<RollingPlan> rolling_plan(bool rollback);
  // The hosts the state records as installed that the config no longer lists (what `prune`
  // removes, and whether it refuses). Errors: invalid config. Same lifetime as plan().
  Result<PrunePlan> prune_plan();

  // Runs genconf, then the stages. Never throws; problems before any host is touched are in
  // RunOutcome::error. The host text of every event `sink` and the state store get, and of the
  // outcome, is redacted first with the loaded config's Redactor (RedactingSink). Precondition:
  // !running().
  transport::Task<RunOutcome> run(RunRequest request, EventSink& sink);

  bool running() const { return m_running; }
  // Stops starting hosts; running steps end. No-op when nothing runs.
  void cancel();

 private:
  Installer(transport::Executor executor, InstallerOptions options, InstallerSeams seams);
  Result<GenconfResult> generate() const;
  // The plans from the state: the Error is the store's (a failed read).
  Result<StagePlan> plan_stage(Stage stage, bool retry_failed, bool skip_succeeded,
                               const GenconfResult& generated) const;
  struct RunContext;
  // The inputs of an upgrade (targets: this genconf's bundles) or a rollback, from the state.
  RollingInputs rolling_inputs(bool rollback, const GenconfResult& generated,
                               const std::vector<HostBundle>& rows) const;
  transport::Task<RunOutcome> run_stages(const RunRequest& request, EventSink& sink,
                                         const Redactor& redactor);
  // Runs `plan` with `program` (cancel() stops it), redacts what it finished with and appends
  // that to the outcome; returns it.
  transport::Task<StageFinished> run_plan(const StagePlan& plan, const HostProgram& program,
                                          RunContext& context);
  // The health gate, then an upgrade's master-list change around the waves (installer_rolling.cc).
  // False when the change refused to start or stopped early (RunOutcome::stopped says why); the
  // stages that ran are appended to the outcome. A run of stages (`kind` Stages) refuses a
  // master-list change: `dcinstall upgrade` makes it.
  transport::Task<bool> run_rolling(RunKind kind, RunContext& context);
  // One step of the master-list change; `hosts`: every member and joining master by id.
  transport::Task<bool> run_member_step(const MemberStep& step,
                                        const std::map<std::string, const ClusterHost*>& hosts,
                                        RunContext& context);
  Result<PrunePlan> plan_removed_hosts() const;
  // The prune: false when it was refused or a host stays (RunOutcome::stopped says which, why).
  transport::Task<bool> run_prune(RunContext& context);
  // The state forgets `id` (every stage row and what it runs), buffered.
  void forget_host(const std::string& id);

  transport::Executor m_executor;
  InstallerOptions m_options;
  LoadedConfig m_config;
  ClusterConfig m_cluster;  // m_config's, as of the last plan() or run()
  InstallerSeams m_seams;
  bool m_running = false;
  bool m_cancel_requested = false;
  StageRunner* m_current_runner = nullptr;  // the running stage's runner, for cancel()
  RollingRunner* m_current_rolling = nullptr;  // the running rolling change, for cancel()
};

}  // namespace dci
