// The fan-out scheduler's own cost (no network): N fake hosts with the fake transport and clock,
// some refusing once (retry with backoff). Measures what dcinstall spends per host on top of SSH.

#include <benchmark/benchmark.h>

#include "transport/fake/fake_clock.h"
#include "transport/fake/fake_transport.h"
#include "transport/fan_out.h"

namespace dci::transport {
namespace {

void BM_FanOutFakeHosts(benchmark::State& state) {
  const size_t count = static_cast<size_t>(state.range(0));
  std::vector<HostTarget> hosts;
  for (size_t i = 0; i < count; ++i) {
    hosts.push_back({"10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "." +
                         std::to_string(i % 256),
                     22, "root"});
  }
  HostWork work = [](Session& session, size_t) -> Task<Outcome<bool>> {
    for (int step = 0; step < 3; ++step) {
      ExecRequest request;
      request.command = "true";
      auto result = co_await session.exec(std::move(request), OutputSink());
      if (!result) co_return result.error();
    }
    co_return true;
  };
  for (auto _ : state) {
    asio::io_context io;
    FakeClock clock;
    FakeTransport transport(clock, SshSettings{});
    for (size_t i = 0; i < count; i += 100) {
      FakeHostBehavior flaky;
      flaky.connect_failures = {ErrorCode::ConnectRefused};
      transport.set_host(hosts[i].address, flaky);
    }
    FanOutOptions options;
    options.parallelism = 200;
    options.seed = 1;
    FanOut fan_out(transport, clock, options);
    std::vector<HostReport> reports;
    asio::co_spawn(
        io, [&]() -> Task<void> { reports = co_await fan_out.run(hosts, work); }, asio::detached);
    clock.run(io);
    if (reports.size() != count) state.SkipWithError("lost hosts");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * count));
}
BENCHMARK(BM_FanOutFakeHosts)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dci::transport

BENCHMARK_MAIN();
