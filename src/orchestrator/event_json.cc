#include "orchestrator/event_json.h"

#include <nlohmann/json.hpp>

namespace dci {
namespace {

std::string role_text(Role role) {
  return std::string(role_name(role));
}

nlohmann::json counts_json(const std::map<Role, StageCounts>& counts) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [role, count] : counts) {
    out[role_text(role)] = {{"total", count.total},
                            {"succeeded", count.succeeded},
                            {"failed", count.failed},
                            {"skipped", count.skipped},
                            {"cancelled", count.cancelled}};
  }
  return out;
}

struct ToJson {
  nlohmann::json operator()(const StageStarted& e) const {
    nlohmann::json hosts = nlohmann::json::object();
    for (const auto& [role, count] : e.hosts_per_role) hosts[role_text(role)] = count;
    return {{"type", "stage_started"},
            {"stage", e.stage},
            {"run_id", e.run_id},
            {"hosts", hosts},
            {"phase", e.phase}};
  }
  nlohmann::json operator()(const HostStepStarted& e) const {
    return {{"type", "host_step_started"}, {"stage", e.stage}, {"host", e.host},
            {"role", role_text(e.role)},   {"step", e.step},   {"command", e.command}};
  }
  nlohmann::json operator()(const OutputChunk& e) const {
    return {{"type", "output"},
            {"stage", e.stage},
            {"host", e.host},
            {"step", e.step},
            {"stream", e.is_stderr ? "stderr" : "stdout"},
            {"data", e.data}};
  }
  nlohmann::json operator()(const HostStepFinished& e) const {
    return {{"type", "host_step_finished"},
            {"stage", e.stage},
            {"host", e.host},
            {"role", role_text(e.role)},
            {"step", e.step},
            {"ok", e.ok},
            {"exit_code", e.exit_code ? nlohmann::json(*e.exit_code) : nlohmann::json()},
            {"error", e.error},
            {"seconds", e.seconds}};
  }
  nlohmann::json operator()(const HostFinished& e) const {
    return {{"type", "host_finished"},
            {"stage", e.stage},
            {"host", e.host},
            {"role", role_text(e.role)},
            {"state", std::string(host_state_name(e.state))},
            {"error", e.error},
            {"bundle_id", e.bundle_id},
            {"cause", e.cause}};
  }
  nlohmann::json operator()(const HostChanged& e) const {
    return {{"type", "host_changed"},
            {"stage", e.stage},
            {"host", e.host},
            {"role", role_text(e.role)},
            {"from_bundle", e.from_bundle},
            {"to_bundle", e.to_bundle},
            {"kind", e.rollback ? "rollback" : "upgrade"},
            {"outcome", std::string(host_change_name(e.outcome))},
            {"step", e.step},
            {"error", e.error}};
  }
  nlohmann::json operator()(const StageFinished& e) const {
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& failure : e.failures) {
      failures.push_back({{"host", failure.host},
                          {"role", role_text(failure.role)},
                          {"error", failure.error},
                          {"cause", failure.cause}});
    }
    return {{"type", "stage_finished"},
            {"stage", e.stage},
            {"ok", e.ok},
            {"cancelled", e.cancelled},
            {"counts", counts_json(e.counts)},
            {"failures", failures},
            {"causes", failure_groups_json(e.causes)},
            {"summary", e.summary},
            {"seconds", e.seconds}};
  }
};

}  // namespace

nlohmann::json to_json(const Event& event) {
  return std::visit(ToJson{}, event);
}

nlohmann::json failure_groups_json(const std::vector<FailureGroup>& groups) {
  nlohmann::json out = nlohmann::json::array();
  for (const FailureGroup& group : groups) {
    out.push_back({{"cause", group.cause}, {"count", group.count}, {"hosts", group.examples}});
  }
  return out;
}

nlohmann::json host_bundle_json(const HostBundle& row) {
  return {{"host", row.host},
          {"role", row.role},
          {"running", row.running},
          {"previous", row.previous},
          {"change",
           {{"run_id", row.change_run_id},
            {"kind", row.change_kind},
            {"from_bundle", row.change_from},
            {"to_bundle", row.change_to},
            {"outcome", row.change_outcome},
            {"error", row.change_error},
            {"step", row.change_step}}},
          {"updated_ms", row.updated_ms}};
}

namespace {

nlohmann::json change_json(const RollingHost& change) {
  return {{"host", change.host->id()},
          {"role", role_text(change.host->role)},
          {"from_bundle", change.from_bundle},
          {"to_bundle", change.to_bundle},
          {"reason", change.reason}};
}

}  // namespace

nlohmann::json rolling_plan_json(const RollingPlan& plan) {
  nlohmann::json waves = nlohmann::json::array();
  for (const RollingWave& wave : plan.waves) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const RollingHost& change : wave.hosts) hosts.push_back(change_json(change));
    waves.push_back({{"label", wave.label}, {"role", role_text(wave.role)}, {"hosts", hosts}});
  }
  nlohmann::json unchanged = nlohmann::json::array();
  for (const RollingHost& host : plan.unchanged) unchanged.push_back(change_json(host));
  nlohmann::json membership = nlohmann::json::array();
  for (const MemberStep& step : plan.membership.steps) {
    nlohmann::json members = nlohmann::json::array();
    for (const QuorumMember& member : step.members) members.push_back(member.id);
    membership.push_back({{"action", step.kind == MemberStepKind::Add ? "add" : "remove"},
                          {"host", step.member.id},
                          {"alive", step.member.alive},
                          {"via", step.via},
                          {"after_change", step.after_change},
                          {"members_after", step.members_after},
                          {"quorum_after", step.quorum_after},
                          {"members", members}});
  }
  return {{"kind", plan.rollback ? "rollback" : "upgrade"},
          {"hosts_changing", plan.hosts_changing()},
          {"waves", waves},
          {"unchanged", unchanged},
          {"membership", membership},
          {"membership_refused", plan.membership.refused}};
}

nlohmann::json prune_plan_json(const PrunePlan& plan) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const RemovedHost& removed : plan.hosts) {
    hosts.push_back({{"host", removed.host.id()},
                     {"role", role_text(removed.host.role)},
                     {"has_work", removed.has_work},
                     {"bundle_id", removed.bundle_id},
                     {"reason", removed.reason},
                     {"action", removed.has_work ? "remove" : "keep"},
                     {"last_error", removed.last_error}});
  }
  const int with_work = plan.hosts_with_work();
  return {{"stage", "prune"},
          {"hosts_with_work", with_work},
          {"hosts_without_work", static_cast<int>(plan.hosts.size()) - with_work},
          {"refused", plan.refused},
          {"leave_on", plan.leave_on ? plan.leave_on->id() : ""},
          {"phases", nlohmann::json::array({{{"name", "removed hosts"}, {"hosts", hosts}}})}};
}

}  // namespace dci
