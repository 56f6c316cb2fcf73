#include "installer/recorded_failures.h"

#include <algorithm>
#include <unordered_set>

namespace dci {

bool recorded_as_failed(const HostStageStatus& row) {
  return row.state == HostState::Failed || row.state == HostState::Interrupted;
}

std::string recorded_cause(const HostStageStatus& row) {
  if (!row.cause.empty() || !recorded_as_failed(row)) return row.cause;
  return failure_cause("", row.error);
}

std::vector<FailureGroup> recorded_failure_groups(const std::vector<HostStageStatus>& rows) {
  FailureGrouper grouper;
  for (const HostStageStatus& row : rows) {
    if (recorded_as_failed(row)) grouper.add(row.host, recorded_cause(row));
  }
  return grouper.groups();
}

std::optional<std::string> select_cause(const std::vector<FailureGroup>& groups,
                                        std::string_view selector) {
  if (!selector.empty() &&
      std::all_of(selector.begin(), selector.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      selector.size() < 9) {
    const size_t number = std::stoul(std::string(selector));
    if (number >= 1 && number <= groups.size()) return groups[number - 1].cause;
    return std::nullopt;
  }
  for (const FailureGroup& group : groups) {
    if (group.cause == selector) return group.cause;
  }
  return std::nullopt;
}

std::vector<HostStageStatus> rows_with_cause(const std::vector<HostStageStatus>& rows,
                                             std::string_view cause) {
  std::vector<HostStageStatus> out;
  for (const HostStageStatus& row : rows) {
    if (recorded_as_failed(row) && recorded_cause(row) == cause) out.push_back(row);
  }
  std::sort(out.begin(), out.end(), [](const HostStageStatus& a, const HostStageStatus& b) {
    return host_natural_less(a.host, b.host);
  });
  return out;
}

void keep_only_hosts(StagePlan& plan, const std::vector<std::string>& hosts) {
  const std::unordered_set<std::string> wanted(hosts.begin(), hosts.end());
  for (PlanPhase& phase : plan.phases) {
    for (PlannedHost& planned : phase.hosts) {
      if (!planned.has_work || wanted.count(planned.host->id())) continue;
      planned.has_work = false;
      planned.reason = "not selected";
    }
  }
}

}  // namespace dci
