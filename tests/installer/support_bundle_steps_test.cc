#include "installer/support_bundle_steps.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "state/run_selection.h"
#include "state/sqlite_state_store.h"
#include "test_support/temp_dir.h"

namespace dci {
namespace {

std::vector<int64_t> bundled_runs(const StateStore& store, const RunSelection& runs) {
  std::ostringstream out;
  EXPECT_TRUE(write_support_steps(store, select_runs(store, runs), Redactor(), out));
  std::vector<int64_t> ids;
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) {
    ids.push_back(nlohmann::json::parse(line)["run_id"].get<int64_t>());
  }
  return ids;
}

TEST(SupportBundleStepsTest, HoldsTheLastRunByDefaultAndOtherRunsWhenAsked) {
  TempDir dir("bundle-steps");
  auto store = SqliteStateStore::open((dir.path() / "state.db").string());
  ASSERT_TRUE(store);
  std::vector<int64_t> runs;
  for (int i = 0; i < 3; ++i) {
    runs.push_back(*store->begin_run("preflight"));
    for (int step = 0; step <= i; ++step) {
      store->add_step({runs.back(), "10.0.0.1:22", "preflight", "s" + std::to_string(step), "true",
                       1, 2, 0, "", "ok", false});
    }
    ASSERT_TRUE(store->finish_run(runs.back(), "succeeded"));
  }
  EXPECT_EQ(bundled_runs(*store, {}), (std::vector<int64_t>{runs[2], runs[2], runs[2]}));
  EXPECT_EQ(bundled_runs(*store, {runs[1], false}), (std::vector<int64_t>{runs[1], runs[1]}));
  EXPECT_EQ(bundled_runs(*store, {std::nullopt, true}).size(), 6u);
}

}  // namespace
}  // namespace dci
