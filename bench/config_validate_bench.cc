// Validating a 50,000-host config: 3 masters, 45,000 agents, 4,997 public agents.
// Target (issue 2): under 1 second on the 2-core reference machine.

#include <benchmark/benchmark.h>

#include <string>

#include "config/installer_schema.h"
#include "config/validator.h"

namespace {

std::string host_list(const char* key, int first, int count) {
  std::string out = std::string(key) + ":\n";
  for (int i = first; i < first + count; ++i) {
    out += "  - 10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) + "." +
           std::to_string(i & 255) + "\n";
  }
  return out;
}

std::string large_config() {
  return "cluster_name: large\n" + host_list("master_list", 1, 3) +
         host_list("agent_list", 1000, 45000) + host_list("public_agent_list", 100000, 4997) +
         "ssh_parallelism: 1000\n";
}

void BM_Validate50kHosts(benchmark::State& state) {
  const std::string text = large_config();
  const dci::Schema schema = dci::installer_schema();
  const dci::Environment environment([](const std::string&) { return std::nullopt; });
  for (auto _ : state) {
    auto result = dci::validate_config(text, "config.yaml", schema, environment);
    if (!result.valid()) state.SkipWithError(result.errors.front().to_string().c_str());
    benchmark::DoNotOptimize(result);
  }
  state.counters["hosts"] = 50000;
  state.counters["bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_Validate50kHosts)->Unit(benchmark::kMillisecond)->MinTime(3);

}  // namespace

BENCHMARK_MAIN();
