// M4: a host that prints without end keeps the installer's memory bounded, and every consumer of
// a step's output (the state row, the GUI's step log, the support bundle, a HostRun's copy)
// holds the same capped text.

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "api/step_log.h"
#include "installer/support_bundle_steps.h"
#include "orchestrator/stage_runner.h"
#include "orchestrator/state_recorder.h"
#include "state/sqlite_state_store.h"
#include "test_support/temp_dir.h"
#include "transport/fake/fake_clock.h"
#include "transport/fake/fake_transport.h"

namespace dci {
namespace {

namespace tr = transport;

// Passes each event to the recorder and the step log, then measures what they hold.
struct Consumers : EventSink {
  StateRecorder& recorder;
  api::StepLog& log;
  size_t peak_recorder_bytes = 0;
  size_t peak_log_bytes = 0;
  std::string log_output;  // the step log's text of the step when it finished

  Consumers(StateRecorder& r, api::StepLog& l) : recorder(r), log(l) {}
  void on_event(const Event& event) override {
    recorder.on_event(event);
    log.on_event(event);
    peak_recorder_bytes = std::max(peak_recorder_bytes, recorder.buffered_output_bytes());
    peak_log_bytes = std::max(peak_log_bytes, log.buffered_output_bytes());
    if (std::holds_alternative<HostStepFinished>(event)) {
      const nlohmann::json steps = log.steps_json(nullptr, {})["steps"];
      if (steps.size() == 1) log_output = steps[0]["output"].get<std::string>();
    }
  }
};

TEST(StepOutputCapTest, AHostPrinting100MiBKeepsMemoryBoundedAndEveryConsumerSeesTheSameText) {
  TempDir dir("output-cap");
  auto store = SqliteStateStore::open((dir.path() / "state.db").string());
  ASSERT_TRUE(store);
  const int64_t run_id = *store->begin_run("preflight");
  tr::asio::io_context io;
  tr::FakeClock clock;
  tr::FakeTransport transport{clock, SshSettings{}};
  const std::string block = "HEAD" + std::string(64 * 1024 - 8, 'x') + "TAIL";
  constexpr size_t k_blocks = 1600;  // 100 MiB
  tr::FakeHostBehavior behavior;
  behavior.on_exec = [&](const std::string&) {
    tr::FakeExecReply reply;
    reply.stdout_text = block;
    reply.stdout_repeat = k_blocks;
    return reply;
  };
  transport.set_default(behavior);

  const SystemWallClock wall;
  StateRecorder recorder(*store, store->host_bundles().value(), wall, clock);
  api::StepLog log;
  Consumers consumers(recorder, log);
  ClusterConfig config;
  config.hosts.push_back({Role::Master, "10.0.0.1", 22, "root", ""});
  const StagePlan plan = build_plan(Stage::Preflight, {&config, {}, {}, false, {}, false});
  StageRunner runner(transport, clock, consumers, StageRunnerOptions{});
  std::string stdout_copy;
  HostProgram program = [&](HostRun& run) -> tr::Task<tr::Outcome<bool>> {
    tr::ExecRequest request;
    request.command = "yes";
    const std::string step = "print";
    auto result = co_await run.exec(step, request, &stdout_copy);
    if (!result) co_return result.error();
    co_return true;
  };
  tr::asio::co_spawn(
      io, [&]() -> tr::Task<void> { (void)co_await runner.run(plan, run_id, program); },
      [](std::exception_ptr error) {
        if (error) std::rethrow_exception(error);
      });
  clock.run(io);
  ASSERT_TRUE(recorder.flush());

  const size_t cap = CappedOutput::k_head_bytes + CappedOutput::k_tail_bytes;
  EXPECT_LE(consumers.peak_recorder_bytes, cap);
  EXPECT_LE(consumers.peak_log_bytes, 2 * cap);  // the finished text, and the ring being freed
  EXPECT_GT(consumers.peak_recorder_bytes, 0u);

  const auto rows = store->steps({});
  ASSERT_EQ(rows.size(), 1u);
  const std::string& stored = rows[0].output;
  const uint64_t total = uint64_t{k_blocks} * block.size();
  EXPECT_TRUE(rows[0].output_truncated);
  EXPECT_EQ(stored.size(), cap + dropped_output_marker(total - cap).size());
  EXPECT_EQ(stored.substr(0, 4), "HEAD");
  EXPECT_EQ(stored.substr(stored.size() - 4), "TAIL");
  EXPECT_NE(stored.find(dropped_output_marker(total - cap)), std::string::npos);

  EXPECT_EQ(consumers.log_output, stored);
  EXPECT_EQ(stdout_copy, stored);
  std::ostringstream bundle;
  ASSERT_TRUE(write_support_steps(*store, {}, Redactor(), bundle));
  EXPECT_EQ(nlohmann::json::parse(bundle.str())["output"].get<std::string>(), stored);
}

}  // namespace
}  // namespace dci
