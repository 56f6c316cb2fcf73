#include "cli/cause_summary.h"

#include <gtest/gtest.h>

namespace dci::cli {
namespace {

TEST(CauseSummaryTest, ListsCausesWithCountsExamplesAndTheCommandForAll) {
  const std::vector<FailureGroup> groups{
      {"check requirements-port-2379: port 2379 is in use",
       170,
       {"10.0.0.1:22", "10.0.0.2:22", "10.0.0.3:22"}},
      {"unreachable: connect timeout", 1, {"10.0.9.1:22"}},
  };
  EXPECT_EQ(cause_summary("preflight", groups, "dcinstall status"),
            "preflight: 171 hosts failed, 2 causes:\n"
            "  1) 170 hosts: check requirements-port-2379: port 2379 is in use\n"
            "     10.0.0.1:22, 10.0.0.2:22, 10.0.0.3:22 and 167 more; all: dcinstall status "
            "--stage preflight --cause 1\n"
            "  2) 1 host: unreachable: connect timeout\n"
            "     10.0.9.1:22; all: dcinstall status --stage preflight --cause 2\n");
  EXPECT_EQ(cause_summary("deploy", {}, "dcinstall status"), "");
  const std::string one = cause_summary("deploy", groups, "dcinstall status", 1);
  EXPECT_NE(one.find("  ... and 1 more cause: dcinstall status --stage deploy\n"),
            std::string::npos)
      << one;
}

TEST(CauseSummaryTest, TheCommandNamesAWorkDirThatIsNotTheDefault) {
  EXPECT_EQ(status_command_for("genconf"), "dcinstall status");
  EXPECT_EQ(status_command_for("/tmp/w"), "dcinstall status --work-dir /tmp/w");
  EXPECT_EQ(status_command_for("my dir"), "dcinstall status --work-dir 'my dir'");
}

}  // namespace
}  // namespace dci::cli
