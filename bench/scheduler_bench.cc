// The orchestrator's own cost per host, without SSH: build_plan + StageRunner::run for N hosts
// (5 masters, the rest agents: two phases) on the fake transport and fake clock, each host's
// program running 3 exec steps through HostRun (so every step becomes events, as in a real
// stage). The event sink only counts (a real run also records into SQLite: not measured here).
//
// Reported per run: wall time (the benchmark's time), and counters
//   heap_peak_per_host_B  peak growth of live heap bytes during build_plan + run, / hosts
//   allocs_per_host       operator new calls during build_plan + run, / hosts
//   rss_growth_per_host_B growth of the process's peak RSS (VmHWM) over the first run, / hosts
// Heap bytes are counted by replacing the global operator new/delete of this executable
// (malloc_usable_size of every block), so they include allocator rounding.
// Targets (issue #5 / the brief): 50,000 hosts in < 2 s and < 100 KB per host.

#include <benchmark/benchmark.h>
#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <new>
#include <string>

#include "orchestrator/stage_runner.h"
#include "transport/fake/fake_clock.h"
#include "transport/fake/fake_transport.h"

namespace {

std::atomic<size_t> g_live{0};
std::atomic<size_t> g_peak{0};
std::atomic<size_t> g_allocs{0};

void* counted_alloc(size_t size, size_t align) {
  void* block = align > alignof(std::max_align_t)
                    ? std::aligned_alloc(align, (size + align - 1) / align * align)
                    : std::malloc(size ? size : 1);
  if (!block) throw std::bad_alloc();
  const size_t live = g_live.fetch_add(malloc_usable_size(block)) + malloc_usable_size(block);
  size_t peak = g_peak.load();
  while (live > peak && !g_peak.compare_exchange_weak(peak, live)) {
  }
  g_allocs.fetch_add(1);
  return block;
}

void counted_free(void* block) {
  if (!block) return;
  g_live.fetch_sub(malloc_usable_size(block));
  std::free(block);
}

// VmHWM of this process in bytes (0 if unreadable).
size_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  size_t kb = 0;
  while (status >> key) {
    if (key == "VmHWM:") {
      status >> kb;
      return kb * 1024;
    }
    status.ignore(1 << 16, '\n');
  }
  return 0;
}

}  // namespace

void* operator new(size_t size) { return counted_alloc(size, 0); }
void* operator new[](size_t size) { return counted_alloc(size, 0); }
void* operator new(size_t size, std::align_val_t align) {
  return counted_alloc(size, static_cast<size_t>(align));
}
void* operator new[](size_t size, std::align_val_t align) {
  return counted_alloc(size, static_cast<size_t>(align));
}
void operator delete(void* block) noexcept { counted_free(block); }
void operator delete[](void* block) noexcept { counted_free(block); }
void operator delete(void* block, size_t) noexcept { counted_free(block); }
void operator delete[](void* block, size_t) noexcept { counted_free(block); }
void operator delete(void* block, std::align_val_t) noexcept { counted_free(block); }
void operator delete[](void* block, std::align_val_t) noexcept { counted_free(block); }
void operator delete(void* block, size_t, std::align_val_t) noexcept { counted_free(block); }
void operator delete[](void* block, size_t, std::align_val_t) noexcept { counted_free(block); }

namespace dci {
namespace {

namespace tr = transport;

struct CountingSink : EventSink {
  size_t events = 0;
  void on_event(const Event&) override { ++events; }
};

ClusterConfig cluster(size_t hosts) {
  ClusterConfig config;
  config.hosts.reserve(hosts);
  for (size_t i = 0; i < hosts; ++i) {
    const Role role = i < 5 ? Role::Master : Role::Agent;
    config.hosts.push_back({role,
                            "10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) +
                                "." + std::to_string(i % 256),
                            22, "root", ""});
  }
  return config;
}

void BM_StageRunnerFakeHosts(benchmark::State& state) {
  const size_t count = static_cast<size_t>(state.range(0));
  const ClusterConfig config = cluster(count);
  const size_t rss_before = peak_rss_bytes();
  size_t heap_peak = 0;
  size_t allocs = 0;
  bool first = true;
  size_t rss_growth = 0;
  for (auto _ : state) {
    const size_t live_before = g_live.load();
    g_peak.store(live_before);
    const size_t allocs_before = g_allocs.load();
    tr::asio::io_context io;
    tr::FakeClock clock;
    tr::FakeTransport transport(clock, SshSettings{});
    CountingSink sink;
    StageRunnerOptions options;
    options.parallelism = 200;
    StageFinished result;
    const StagePlan plan = build_plan(Stage::Deploy, {&config, {}, {}, false, {}, false});
    StageRunner runner(transport, clock, sink, options);
    HostProgram program = [](HostRun& run) -> tr::Task<tr::Outcome<bool>> {
      for (int step = 0; step < 3; ++step) {
        tr::ExecRequest request;
        request.command = "true";
        const std::string name = "step" + std::to_string(step);
        auto exec = co_await run.exec(name, request);
        if (!exec) co_return exec.error();
        if (!exec->success()) {
          run.fail("step failed");
          co_return false;
        }
      }
      co_return true;
    };
    tr::asio::co_spawn(
        io, [&]() -> tr::Task<void> { result = co_await runner.run(plan, 1, program); },
        [](std::exception_ptr error) {
          if (error) std::rethrow_exception(error);
        });
    clock.run(io);
    heap_peak = g_peak.load() - live_before;
    allocs = g_allocs.load() - allocs_before;
    if (first) rss_growth = peak_rss_bytes() - rss_before;
    first = false;
    if (!result.ok || transport.commands_run() != 3 * count) {
      state.SkipWithError(("not every host passed: " + result.summary).c_str());
    }
  }
  const double hosts = static_cast<double>(count);
  state.counters["heap_peak_per_host_B"] = static_cast<double>(heap_peak) / hosts;
  state.counters["allocs_per_host"] = static_cast<double>(allocs) / hosts;
  state.counters["rss_growth_per_host_B"] = static_cast<double>(rss_growth) / hosts;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * count));
}
BENCHMARK(BM_StageRunnerFakeHosts)->Arg(1000)->Arg(50000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dci

BENCHMARK_MAIN();
