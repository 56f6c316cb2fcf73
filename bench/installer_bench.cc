// A whole `dcinstall install` (genconf, preflight, deploy, postflight, cluster check) of N fake
// hosts (3 masters, the rest agents) through the Installer: plan, StageRunner, HostRun, the
// stage programs, the StateRecorder and a real SQLite state file, on the fake transport and the
// fake clock (hosts answer at once, so this is dcinstall's own cost per host). Each iteration
// is a fresh cluster (temporary directory, empty state).
//
// Reported: wall time per install, and the counter
//   us_per_host   wall time / hosts

#include <benchmark/benchmark.h>

#include <chrono>

#include "test_support/fake_cluster.h"

namespace {

void BM_InstallFakeHosts(benchmark::State& bench) {
  const int hosts = static_cast<int>(bench.range(0));
  std::chrono::steady_clock::duration wall{};
  for (auto _ : bench) {
    bench.PauseTiming();
    dci::FakeCluster cluster(3, hosts - 3);
    auto installer = cluster.open();
    bench.ResumeTiming();
    const auto started = std::chrono::steady_clock::now();
    const dci::RunOutcome outcome = cluster.run(*installer, dci::install_request());
    wall += std::chrono::steady_clock::now() - started;
    if (!outcome.ok) {
      bench.SkipWithError(("the install failed: " + outcome.error + outcome.state_error).c_str());
      return;
    }
    bench.PauseTiming();
    installer.reset();
    bench.ResumeTiming();
  }
  const double wall_us = std::chrono::duration<double, std::micro>(wall).count();
  bench.counters["us_per_host"] =
      wall_us / static_cast<double>(hosts) / static_cast<double>(bench.iterations());
}
BENCHMARK(BM_InstallFakeHosts)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
