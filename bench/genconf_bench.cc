// genconf for a 50,000-host config: 3 masters, 45,000 agents, 4,997 public agents, with the
// reference distribution (etcd 21 MB + etcdctl 17 MB in the master bundle, etcdctl in each agent
// bundle). Target (issue 4): under 2 s, bundle compression of the large artifacts excluded.
//
//   BM_Genconf50k/none     the whole path, config text to written tree: load the distribution,
//                          validate, render, pack (uncompressed tar; the artifacts are still read,
//                          packed and hashed), install.sh, cluster.json, expanded-config.yaml.
//                          This is the figure the target applies to.
//   BM_Genconf50k/zstd     the same with zstd level 3, as `dcinstall genconf` does by default:
//   BM_Genconf50k/gzip     the difference to /none is the compression of the artifacts.
//   BM_Genconf50kTinyDistribution  the same config with a distribution without artifacts (zstd):
//                          the part of genconf that grows with the host count.
// Run from the build tree (the reference distribution is found next to the binary).

#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include "config/validator.h"
#include "distribution/distribution_loader.h"
#include "genconf/genconf.h"

namespace {

namespace fs = std::filesystem;

std::string host_list(const char* key, int first, int count) {
  std::string out = std::string(key) + ":\n";
  for (int i = first; i < first + count; ++i) {
    out += "  - 10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) + "." +
           std::to_string(i & 255) + "\n";
  }
  return out;
}

std::string large_config(const std::string& extra) {
  return "cluster_name: large\n" + host_list("master_list", 1, 3) +
         host_list("agent_list", 1000, 45000) + host_list("public_agent_list", 100000, 4997) +
         "ssh_parallelism: 1000\nssh_host_key_policy: accept-new\n"
         "bootstrap_url: http://10.0.0.250:8080\n" + extra;
}

const dci::Environment k_environment([](const std::string&) { return std::nullopt; });

// Config text to written tree, as `dcinstall genconf` does it.
void genconf_once(benchmark::State& state, const std::string& text, const fs::path& output,
                  dci::Compression compression) {
  const std::string file = (output.parent_path() / "config.yaml").string();
  const dci::LoadedDistribution distribution = dci::load_distribution(
      dci::read_distribution_choice(text, file), file, k_environment);
  if (!distribution.distribution) {
    state.SkipWithError(distribution.errors.at(1).to_string().c_str());
    return;
  }
  const dci::ValidationResult result =
      dci::validate_config(text, file, distribution.schema, k_environment);
  if (!result.valid()) {
    state.SkipWithError(result.errors.front().to_string().c_str());
    return;
  }
  const dci::ClusterConfig cluster =
      dci::ClusterConfig::from_values(result.values, k_environment, output.parent_path().string());
  dci::GenconfOptions options;
  options.output_dir = output.string();
  options.compression = compression;
  options.compression_level = compression == dci::Compression::Gzip ? 6 : 3;
  auto written = dci::run_genconf(cluster, distribution.schema, *distribution.distribution, file,
                                  options);
  if (!written) state.SkipWithError(written.error().to_string().c_str());
  benchmark::DoNotOptimize(written);
}

fs::path scratch_dir() {
  const fs::path dir = fs::temp_directory_path() / "dcinstall-genconf-bench";
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void BM_Genconf50k(benchmark::State& state) {
  const auto compression = static_cast<dci::Compression>(state.range(0));
  const std::string text = large_config("");
  const fs::path dir = scratch_dir();
  for (auto _ : state) genconf_once(state, text, dir / "genconf", compression);
  state.SetLabel(std::string(dci::compression_name(compression)));
  state.counters["hosts"] = 50000;
  fs::remove_all(dir);
}
BENCHMARK(BM_Genconf50k)
    ->ArgName("compression")
    ->Arg(static_cast<int>(dci::Compression::None))
    ->Arg(static_cast<int>(dci::Compression::Zstd))
    ->Arg(static_cast<int>(dci::Compression::Gzip))
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

void BM_Genconf50kTinyDistribution(benchmark::State& state) {
  // CMake compiles this file by its absolute path: the test distribution is beside it.
  const fs::path tiny = fs::path(__FILE__).parent_path().parent_path() / "tests/genconf/testdata/tiny";
  const std::string text = large_config("distribution: " + tiny.string() + "\n");
  const fs::path dir = scratch_dir();
  for (auto _ : state) genconf_once(state, text, dir / "genconf", dci::Compression::Zstd);
  state.counters["hosts"] = 50000;
  fs::remove_all(dir);
}
BENCHMARK(BM_Genconf50kTinyDistribution)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
