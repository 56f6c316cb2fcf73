#include "installer/recorded_failures.h"

#include <gtest/gtest.h>

namespace dci {
namespace {

HostStageStatus row(const std::string& host, HostState state, const std::string& error,
                    const std::string& cause = "") {
  return {host, "agent", "preflight", state, "", error, 1, 1, cause};
}

TEST(RecordedFailuresTest, GroupsFailedAndInterruptedRowsAndDerivesOldRowsCauses) {
  const std::vector<HostStageStatus> rows{
      row("10.0.0.10:22", HostState::Failed, "x", "check ports: port 2379 in use"),
      row("10.0.0.9:22", HostState::Failed, "y", "check ports: port 2379 in use"),
      // A schema-2 row: no cause stored, derived from the error.
      row("10.0.0.3:22", HostState::Failed,
          "unreachable: host 10.0.0.3:22: connect-refused: TCP connect: refused"),
      row("10.0.0.4:22", HostState::Interrupted, "the installer stopped"),
      row("10.0.0.5:22", HostState::Succeeded, ""),
  };
  const auto groups = recorded_failure_groups(rows);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].cause, "check ports: port 2379 in use");
  EXPECT_EQ(groups[0].examples, (std::vector<std::string>{"10.0.0.9:22", "10.0.0.10:22"}));
  EXPECT_EQ(groups[2].cause, "unreachable: connection refused");
  EXPECT_EQ(select_cause(groups, "1"), "check ports: port 2379 in use");
  EXPECT_EQ(select_cause(groups, "unreachable: connection refused"),
            "unreachable: connection refused");
  EXPECT_EQ(select_cause(groups, "4"), std::nullopt);
  EXPECT_EQ(select_cause(groups, "0"), std::nullopt);
  EXPECT_EQ(select_cause(groups, "no such cause"), std::nullopt);
  const auto hosts = rows_with_cause(rows, "check ports: port 2379 in use");
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].host, "10.0.0.9:22");
}

}  // namespace
}  // namespace dci
