// The rolling change of a run (Installer::run_rolling): the health gate, an upgrade's master-list
// change one member at a time (MembershipPlan), and the waves of hosts that change bundle.
//
//   gate:    masters leaving master_list, health only (one that fails is dead: it is removed
//            first); then the members that stay (health, and the quorum check unless a member
//            is dead or one was left mid-change)
//   steps:   dead members removed, new ones added (join on a member, then preflight, deploy
//            with what the join printed, postflight on the new one), one at a time
//   waves:   every host whose bundle changed (the new master list is in the masters' and the
//            agents' files), masters one at a time
//   steps:   live members that leave master_list removed (leave on a member, then the host
//            drained and cleaned as prune does; one not reachable is left for `prune`)

#include "installer/installer.h"

// g++ 12 reports Asio's awaitable frame allocator as mismatched new/delete at a detached
// co_spawn of a coroutine function (a false positive: both sides are Asio's own operators).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <deque>
#include <set>

#include "installer/redacting_sink.h"
#include "installer/rolling_state.h"
#include "installer/run_context.h"
#include "orchestrator/rolling_runner.h"
#include "util/strings.h"

namespace dci {
namespace {

// The "master <address>" lines the quorum check of `members` is fed.
std::string quorum_lines(const std::vector<QuorumMember>& members) {
  std::string lines;
  for (const QuorumMember& member : members) lines += "master " + member.address + "\n";
  return lines;
}

std::string first_error(const StageFinished& finished) {
  return finished.failures.empty() ? (finished.cancelled ? "cancelled" : finished.summary)
                                   : finished.failures[0].error;
}

// A one-host plan of `stage`.
StagePlan one_host_plan(Stage stage, const std::string& label, const ClusterHost& host,
                        const std::string& bundle_id, const std::string& reason) {
  return StagePlan{stage, {{label, {{&host, true, bundle_id, reason}}}}, label};
}

}  // namespace

transport::Task<bool> Installer::run_rolling(RunKind kind, RunContext& context) {
  const bool rollback = kind == RunKind::Rollback;
  const auto read = m_seams.state.host_bundles();
  if (!read) {
    context.state_unreadable(read.error());
    co_return false;
  }
  const std::vector<HostBundle>& rows = *read;
  const RollingInputs inputs = rolling_inputs(rollback, context.generated, rows);
  const RollingPlan plan = plan_rolling_change(inputs, rollback);
  std::vector<QuorumMember> members;
  if (!rollback) {
    auto recorded = recorded_members(m_cluster, rows, m_seams.state);
    if (!recorded) {
      context.state_unreadable(recorded.error());
      co_return false;
    }
    members = std::move(*recorded);
  }
  const std::vector<QuorumMember> wanted = wanted_members(m_cluster);
  const MembershipPlan planned = plan_membership(members, wanted);
  if (plan.hosts_changing() == 0 && !planned.changes() && planned.refused.empty()) co_return true;
  const std::string verb = rollback ? "rollback" : "upgrade";
  if (kind == RunKind::Stages && (planned.changes() || !planned.refused.empty())) {
    context.outcome.stopped =
        "refused: master_list changed (" +
        (planned.refused.empty() ? join(planned.describe(), "; ") : planned.refused) +
        "); `dcinstall upgrade` makes the change, one member at a time. Nothing was changed";
    co_return false;
  }

  // Every member and joining master by id; members that left the config are built from the state.
  std::map<std::string, const ClusterHost*> hosts;
  for (const ClusterHost& host : m_cluster.hosts) {
    if (host.role == Role::Master) hosts[host.id()] = &host;
  }
  std::deque<ClusterHost> leaving;
  for (const QuorumMember& member : members) {
    std::optional<ClusterHost> host = host_from_state(member.id, Role::Master, m_cluster);
    if (hosts.count(member.id) || !host) continue;  // recorded_members parsed the id already
    leaving.push_back(std::move(*host));
    hosts[member.id] = &leaving.back();
  }

  // The gate. Leaving members first, health only: one that fails counts as dead.
  const HostProgram gate_program = stage_program(Stage::Upgrade, context.files, context.settings);
  std::set<std::string> dead;
  if (!leaving.empty()) {
    StagePlan gate{Stage::Upgrade, {{"health gate (leaving masters)", {}}}, "health gate"};
    for (const ClusterHost& host : leaving) {
      gate.phases[0].hosts.push_back({&host, true, "", "leaves master_list"});
    }
    context.settings.gate_quorum = false;
    const StageFinished gated = co_await run_plan(gate, gate_program, context);
    for (const HostFailure& failure : gated.failures) dead.insert(failure.host);
    if (m_cancel_requested) co_return false;
  }
  std::set<std::string> member_ids;
  for (QuorumMember& member : members) {
    member.alive = !dead.count(member.id);
    member_ids.insert(member.id);
  }
  // The master-list change, refused as a whole before anything changes (a quorum the dead
  // leaving members lost is refused here, before its survivors fail their health).
  const MembershipPlan membership = plan_membership(members, wanted);
  if (!membership.refused.empty()) {
    context.outcome.stopped = verb + " refused: " + membership.refused + "; nothing was changed";
    co_return false;
  }
  // Then every member that stays, with the quorum check unless one member is expected down.
  context.settings.quorum_hosts = quorum_lines(members);
  context.settings.gate_quorum = dead.empty();
  StagePlan gate{Stage::Upgrade, {{"health gate", {}}}, "health gate"};
  for (const ClusterHost& host : m_cluster.hosts) {
    if (host.role != Role::Master || (!member_ids.empty() && !member_ids.count(host.id())))
      continue;
    if (inputs.in_flight.count(host.id())) {
      context.settings.gate_quorum = false;
      continue;
    }
    gate.phases[0].hosts.push_back({&host, true, "", "checked before the change"});
  }
  const StageFinished gated = co_await run_plan(gate, gate_program, context);
  context.settings.gate_quorum = true;
  if (!gated.ok) {
    if (!m_cancel_requested) {
      std::string failed;
      for (const HostFailure& failure : gated.failures) {
        failed += (failed.empty() ? "" : "; ") + failure.host + ": " + failure.error;
      }
      context.outcome.stopped = context.redactor.redact(
          verb + " refused: not every master is healthy (" + failed +
          "); nothing was changed. Fix them (see `dcinstall status`), then run it again");
    }
    co_return false;
  }

  std::vector<QuorumMember> now = members;
  for (const MemberStep& step : membership.steps) {
    if (step.after_change) break;
    if (!co_await run_member_step(step, hosts, context)) co_return false;
    now = step.members;
  }

  context.settings.quorum_hosts = quorum_lines(now);
  if (plan.hosts_changing() > 0) {
    RollingRunner rolling_runner(context.pool, m_seams.clock, context.events,
                                 {context.runner_options.parallelism, context.runner_options.retry,
                                  context.runner_options.agent_failure_budget});
    m_current_rolling = &rolling_runner;
    if (m_cancel_requested) rolling_runner.pause();
    long long agents = 0;
    for (const ClusterHost& host : m_cluster.hosts) agents += host.role != Role::Master;
    const RollingStep step = rolling_step_program(context.files, context.settings, rollback);
    RollingOutcome changed = co_await rolling_runner.run(
        plan, agents, context.outcome.run_id, step, interrupted_steps(m_seams.state, inputs, rows));
    m_current_rolling = nullptr;
    for (StageFinished& wave : changed.waves) {
      redact_stage_finished(wave, context.redactor);
      context.outcome.stages.push_back(std::move(wave));
    }
    if (!changed.ok()) {
      if (changed.status != RollingStatus::Paused || !m_cancel_requested) {
        context.outcome.stopped = context.redactor.redact(verb + ": " + changed.summary);
      }
      co_return false;
    }
  }

  for (const MemberStep& step : membership.steps) {
    if (!step.after_change) continue;
    if (m_cancel_requested || !co_await run_member_step(step, hosts, context)) co_return false;
  }
  context.settings.quorum_hosts = quorum_lines(wanted);
  co_return true;
}

transport::Task<bool> Installer::run_member_step(
    const MemberStep& step, const std::map<std::string, const ClusterHost*>& hosts,
    RunContext& context) {
  if (m_cancel_requested) co_return false;
  const ClusterHost& host = *hosts.at(step.member.id);
  const ClusterHost& via = *hosts.at(step.via);
  const MemberHost member{host.id(), host.address, Role::Master};
  const bool join = step.kind == MemberStepKind::Add;
  const std::string quorum =
      std::to_string(step.members_after) + " members, quorum " + std::to_string(step.quorum_after);
  context.settings.quorum_hosts = quorum_lines(step.members);
  std::string env;
  const StageFinished changed = co_await run_plan(
      one_host_plan(Stage::Upgrade, (join ? "join " : "leave ") + member.id, via, "",
                    (join ? "adds " : "removes ") + member.address + ": " + quorum),
      member_change_program(context.files, context.settings, member, join, env), context);
  if (!changed.ok) {
    if (!m_cancel_requested) {
      context.outcome.stopped = context.redactor.redact(
          std::string("upgrade: ") + (join ? "adding " : "removing ") + member.id +
          (join ? " to" : " from") + " the quorum through " + via.id() + " failed (" +
          first_error(changed) + "); run `dcinstall upgrade` again");
    }
    co_return false;
  }

  if (join) {
    // The new master installs with what its join printed, then must be healthy in the quorum.
    std::string bundle_id;
    for (const RoleBundle& bundle : context.generated.bundles) {
      if (bundle.role == Role::Master) bundle_id = bundle.bundle.id;
    }
    context.settings.member_env[member.id] = env;
    for (Stage stage : {Stage::Preflight, Stage::Deploy, Stage::Postflight}) {
      const StageFinished ran = co_await run_plan(
          one_host_plan(stage, "joining master", host, bundle_id, "joins the quorum: " + quorum),
          stage_program(stage, context.files, context.settings), context);
      if (ran.ok) continue;
      context.settings.member_env.erase(member.id);
      if (!m_cancel_requested) {
        context.outcome.stopped = context.redactor.redact(
            "upgrade: " + member.id + " is a member of the quorum now (" + quorum + "), but its " +
            ran.stage + " failed (" + first_error(ran) +
            "). Fix it and run `dcinstall upgrade` again (it resumes), or take it out of "
            "master_list to remove it");
      }
      co_return false;
    }
    context.settings.member_env.erase(member.id);
    co_return true;
  }

  // Out of the quorum: the host itself is drained and cleaned as prune does; the state forgets
  // it, or (not reachable, or its cleanup failed) keeps a prune row saying why, for `prune`.
  const StageFinished cleaned =
      co_await run_plan(one_host_plan(Stage::Prune, "removed master", host, "", k_remove_reason),
                        stage_program(Stage::Prune, context.files, context.settings), context);
  if (cleaned.ok) {
    forget_host(member.id);
    co_return true;
  }
  std::string why = first_error(cleaned);
  why = why.rfind(k_unreachable_prefix, 0) == 0 ? std::string(k_not_reachable) + " (" + why + ")"
                                                : why + "; run prune again";
  why = "left the quorum; " + context.redactor.redact(std::move(why));
  m_seams.state.set_host_stage({member.id, std::string(role_name(Role::Master)),
                                std::string(stage_name(Stage::Prune)), HostState::Failed, "", why,
                                context.outcome.run_id, m_seams.wall_clock.now_ms()});
  context.outcome.pending += member.id + " (master): " + why + "\n";
  co_return true;
}

}  // namespace dci
