// SessionPool with the fake transport: one connection per host across fan-outs, broken
// connections redialled, the idle cap honoured.

#include "transport/session_pool.h"

#include <gtest/gtest.h>

#include "transport/fake/fake_clock.h"
#include "transport/fake/fake_transport.h"
#include "transport/fan_out.h"

namespace dci::transport {
namespace {

std::vector<HostTarget> make_hosts(size_t count) {
  std::vector<HostTarget> hosts;
  for (size_t i = 0; i < count; ++i)
    hosts.push_back({"10.0.0." + std::to_string(i + 1), 22, "root"});
  return hosts;
}

struct Harness {
  asio::io_context io;
  FakeClock clock;
  FakeTransport transport{clock, SshSettings{}};

  // One fan-out of `command` over `pool`, then (when `drain`) close_all().
  std::vector<HostReport> run(SessionPool& pool, size_t hosts, const std::string& command,
                              bool drain = false) {
    std::vector<HostReport> reports;
    FanOutOptions options;
    options.retry.retries = 1;
    options.retry_work = true;
    options.seed = 1;
    FanOut fan_out(pool, clock, options);
    HostWork work = [command](Session& session, size_t) -> Task<Outcome<bool>> {
      ExecRequest request;
      request.command = command;
      auto result = co_await session.exec(std::move(request), OutputSink());
      if (!result) co_return result.error();
      co_return result->success();
    };
    asio::co_spawn(
        io,
        [&]() -> Task<void> {
          reports = co_await fan_out.run(make_hosts(hosts), work);
          if (drain) co_await pool.close_all();
        },
        [](std::exception_ptr error) {
          if (error) std::rethrow_exception(error);
        });
    clock.run(io);
    io.restart();
    return reports;
  }
};

TEST(SessionPoolTest, ReusesOneConnectionPerHostAcrossStages) {
  Harness harness;
  SessionPool pool(harness.transport, 100);
  harness.run(pool, 5, "preflight");
  harness.run(pool, 5, "deploy");
  EXPECT_EQ(harness.transport.total_connect_attempts(), 5u);
  EXPECT_EQ(harness.transport.commands_run(), 10u);
  EXPECT_EQ(pool.idle(), 5u);
  harness.run(pool, 5, "postflight", true);
  EXPECT_EQ(pool.idle(), 0u);
  EXPECT_EQ(harness.transport.open_sessions(), 0u);
}

TEST(SessionPoolTest, ABrokenConnectionIsDialledAgain) {
  Harness harness;
  int calls = 0;
  FakeHostBehavior flaky;
  flaky.on_exec = [&calls](const std::string&) {
    FakeExecReply reply;
    if (++calls == 2) reply.error = ErrorCode::ConnectionLost;  // the second stage's first try
    return reply;
  };
  harness.transport.set_host("10.0.0.1", flaky);
  SessionPool pool(harness.transport, 100);
  harness.run(pool, 1, "one");
  const auto reports = harness.run(pool, 1, "two", true);
  EXPECT_EQ(reports[0].status, HostStatus::Ok);
  EXPECT_EQ(harness.transport.connect_attempts("10.0.0.1"), 2);
  EXPECT_EQ(harness.transport.open_sessions(), 0u);
}

TEST(SessionPoolTest, KeepsAtMostCapacityIdleConnections) {
  Harness harness;
  SessionPool pool(harness.transport, 3);
  harness.run(pool, 10, "true");
  EXPECT_EQ(pool.idle(), 3u);
  EXPECT_EQ(harness.transport.open_sessions(), 3u);
  harness.run(pool, 10, "true", true);
  EXPECT_EQ(harness.transport.total_connect_attempts(), 17u);  // 3 reused
  EXPECT_EQ(harness.transport.open_sessions(), 0u);
}

}  // namespace
}  // namespace dci::transport
