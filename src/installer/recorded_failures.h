#pragma once
// Failures by cause as the state has them: a stage's hosts that are failed (or interrupted) now,
// as each one's last run left them, grouped by their cause key (orchestrator/failure_cause.h).
// `dcinstall status`, the support bundle and `--cause` selections read them through here.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/failure_cause.h"
#include "orchestrator/plan.h"
#include "state/records.h"

namespace dci {

// Failed or interrupted: a host `status` lists as failed and --retry-failed takes again.
bool recorded_as_failed(const HostStageStatus& row);

// The row's stored cause; for a failed row of a schema-2 file (no cause stored), derived from
// its error (failure_cause without the step).
std::string recorded_cause(const HostStageStatus& row);

// The failed rows of one stage grouped by cause, largest first.
std::vector<FailureGroup> recorded_failure_groups(const std::vector<HostStageStatus>& rows);

// A cause picked by `selector`: its number in `groups` (1 = the largest, as status lists them)
// or the cause text itself. nullopt when it picks none.
std::optional<std::string> select_cause(const std::vector<FailureGroup>& groups,
                                        std::string_view selector);

// The failed rows of `rows` whose cause is `cause`, in natural host order.
std::vector<HostStageStatus> rows_with_cause(const std::vector<HostStageStatus>& rows,
                                             std::string_view cause);

// Leaves work in `plan` only to the hosts in `hosts`; the others are skipped, "not selected".
void keep_only_hosts(StagePlan& plan, const std::vector<std::string>& hosts);

}  // namespace dci
