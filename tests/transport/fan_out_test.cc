// FanOut with the fake transport and the fake clock: concurrency, retries, timeouts, scale.

#include "transport/fan_out.h"

#include <gtest/gtest.h>

#include <chrono>

#include "transport/fake/fake_clock.h"
#include "transport/fake/fake_transport.h"

namespace dci::transport {
namespace {

using namespace std::chrono_literals;

SshSettings fast_settings() {
  SshSettings settings;
  settings.connect_timeout_s = 10;
  settings.command_timeout_s = 60;
  return settings;
}

std::vector<HostTarget> make_hosts(size_t count) {
  std::vector<HostTarget> hosts;
  for (size_t i = 0; i < count; ++i) {
    hosts.push_back({"10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1), 22,
                     "root"});
  }
  return hosts;
}

// Runs `exec(command)` on every host and returns the reports.
struct Harness {
  asio::io_context io;
  FakeClock clock;
  FakeTransport transport{clock, fast_settings()};
  std::vector<HostReport> reports;
  size_t peak = 0;
  Duration elapsed{};

  void run(std::vector<HostTarget> hosts, FanOutOptions options, std::string command = "true") {
    FanOut fan_out(transport, clock, options);
    HostWork work = [command](Session& session, size_t) -> Task<Outcome<bool>> {
      ExecRequest request;
      request.command = command;
      auto result = co_await session.exec(std::move(request), OutputSink());
      if (!result) co_return result.error();
      co_return result->success();
    };
    asio::co_spawn(
        io,
        [&]() -> Task<void> { reports = co_await fan_out.run(std::move(hosts), work); },
        [](std::exception_ptr error) {
          if (error) std::rethrow_exception(error);
        });
    elapsed = clock.run(io);
    peak = fan_out.peak_in_flight();
  }

  size_t count(HostStatus status) const {
    size_t n = 0;
    for (const auto& report : reports) n += report.status == status;
    return n;
  }
};

FanOutOptions options(size_t parallelism, int retries = 2) {
  FanOutOptions out;
  out.parallelism = parallelism;
  out.retry.retries = retries;
  out.seed = 42;
  return out;
}

TEST(FanOutTest, RunsEveryHostAndReportsOk) {
  Harness harness;
  harness.run(make_hosts(50), options(10));
  ASSERT_EQ(harness.reports.size(), 50u);
  EXPECT_EQ(harness.count(HostStatus::Ok), 50u);
  EXPECT_EQ(harness.transport.commands_run(), 50u);
  EXPECT_EQ(harness.transport.open_sessions(), 0u);
}

TEST(FanOutTest, NeverHasMoreThanParallelismHostsInFlight) {
  Harness harness;
  harness.transport.set_default({{}, 0.5, false, {}, 0.001});
  harness.run(make_hosts(100), options(7));
  EXPECT_EQ(harness.count(HostStatus::Ok), 100u);
  EXPECT_EQ(harness.transport.peak_open_sessions(), 7u);
  EXPECT_EQ(harness.peak, 7u);
  // 100 hosts, 7 at a time, 0.5 s connect each: 15 waves.
  EXPECT_NEAR(std::chrono::duration<double>(harness.elapsed).count(), 15 * 0.501, 0.1);
}

TEST(FanOutTest, RetriesTransientConnectFailuresWithBackoff) {
  Harness harness;
  FakeHostBehavior flaky;
  flaky.connect_failures = {ErrorCode::ConnectRefused, ErrorCode::ConnectionLost};
  harness.transport.set_host("10.0.0.1", flaky);
  harness.run(make_hosts(3), options(10, 2));
  EXPECT_EQ(harness.count(HostStatus::Ok), 3u);
  EXPECT_EQ(harness.transport.connect_attempts("10.0.0.1"), 3);
  EXPECT_EQ(harness.reports[0].attempts, 3);
  // Backoff 0.25-0.5 s, then 0.5-1 s.
  EXPECT_GE(harness.reports[0].seconds, 0.75);
  EXPECT_LE(harness.reports[0].seconds, 1.6);
}

TEST(FanOutTest, GivesUpAfterTheConfiguredRetries) {
  Harness harness;
  FakeHostBehavior down;
  down.connect_failures = std::vector<ErrorCode>(10, ErrorCode::ConnectRefused);
  harness.transport.set_host("10.0.0.2", down);
  harness.run(make_hosts(3), options(10, 2));
  EXPECT_EQ(harness.reports[1].status, HostStatus::Unreachable);
  EXPECT_EQ(harness.reports[1].error->code, ErrorCode::ConnectRefused);
  EXPECT_EQ(harness.transport.connect_attempts("10.0.0.2"), 3);
  EXPECT_EQ(harness.count(HostStatus::Ok), 2u);
}

TEST(FanOutTest, NeverRetriesPermanentFailures) {
  Harness harness;
  FakeHostBehavior wrong_key;
  wrong_key.connect_failures = std::vector<ErrorCode>(5, ErrorCode::AuthFailed);
  harness.transport.set_host("10.0.0.1", wrong_key);
  FakeHostBehavior changed;
  changed.connect_failures = {ErrorCode::HostKeyChanged};
  harness.transport.set_host("10.0.0.2", changed);
  harness.run(make_hosts(4), options(10, 5));
  EXPECT_EQ(harness.transport.connect_attempts("10.0.0.1"), 1);
  EXPECT_EQ(harness.transport.connect_attempts("10.0.0.2"), 1);
  EXPECT_EQ(harness.reports[0].status, HostStatus::Failed);
  EXPECT_EQ(harness.reports[0].error->code, ErrorCode::AuthFailed);
  EXPECT_EQ(harness.reports[1].error->code, ErrorCode::HostKeyChanged);
  EXPECT_EQ(harness.count(HostStatus::Ok), 2u);
}

TEST(FanOutTest, HostThatNeverAnswersTimesOutAtConnectTimeout) {
  Harness harness;
  FakeHostBehavior silent;
  silent.never_answers = true;
  harness.transport.set_host("10.0.0.1", silent);
  harness.run(make_hosts(2), options(10, 0));
  EXPECT_EQ(harness.reports[0].status, HostStatus::Unreachable);
  EXPECT_EQ(harness.reports[0].error->code, ErrorCode::ConnectTimeout);
  EXPECT_DOUBLE_EQ(harness.reports[0].seconds, 10.0);
  EXPECT_EQ(harness.reports[1].status, HostStatus::Ok);
}

TEST(FanOutTest, HangingCommandFailsAtCommandTimeoutAndIsNotRetried) {
  Harness harness;
  FakeHostBehavior hangs;
  hangs.on_exec = [](const std::string&) {
    FakeExecReply reply;
    reply.hang = true;
    return reply;
  };
  harness.transport.set_host("10.0.0.1", hangs);
  harness.run(make_hosts(2), options(10, 3));
  EXPECT_EQ(harness.reports[0].status, HostStatus::Failed);
  EXPECT_EQ(harness.reports[0].error->code, ErrorCode::CommandTimeout);
  EXPECT_EQ(harness.transport.connect_attempts("10.0.0.1"), 1);
  EXPECT_NEAR(harness.reports[0].seconds, 60.005, 0.01);
}

TEST(FanOutTest, NonZeroExitIsFailedWithoutError) {
  Harness harness;
  FakeHostBehavior fails;
  fails.on_exec = [](const std::string&) {
    FakeExecReply reply;
    reply.exit_status = 3;
    return reply;
  };
  harness.transport.set_host("10.0.0.1", fails);
  harness.run(make_hosts(2), options(10));
  EXPECT_EQ(harness.reports[0].status, HostStatus::Failed);
  EXPECT_FALSE(harness.reports[0].error);
}

TEST(FanOutTest, BackoffReleasesTheSlotForOtherHosts) {
  Harness harness;
  FakeHostBehavior flaky;
  flaky.connect_failures = {ErrorCode::ConnectRefused};
  harness.transport.set_host("10.0.0.1", flaky);
  harness.run(make_hosts(5), options(1, 1));
  EXPECT_EQ(harness.count(HostStatus::Ok), 5u);
  EXPECT_EQ(harness.peak, 1u);
}

TEST(FanOutTest, TenThousandHostsWithFailuresRunInWellUnderASecond) {
  Harness harness;
  FakeHostBehavior behavior;
  behavior.connect_seconds = 0.02;
  harness.transport.set_default(behavior);
  for (int i = 0; i < 100; ++i) {
    FakeHostBehavior flaky;
    flaky.connect_failures = {ErrorCode::ConnectRefused};
    harness.transport.set_host("10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1),
                               flaky);
  }
  const auto start = std::chrono::steady_clock::now();
  harness.run(make_hosts(10000), options(200));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(harness.count(HostStatus::Ok), 10000u);
  EXPECT_EQ(harness.peak, 200u);
  EXPECT_EQ(harness.transport.total_connect_attempts(), 10100u);
  EXPECT_LT(wall, 1.0);
}

}  // namespace
}  // namespace dci::transport
