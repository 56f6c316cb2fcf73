// GET /api/v1/status and a filtered GET /api/v1/hosts page at 50,000 hosts, as the server
// answers them: the in-memory StatusModel, mid-run (every host has run a step, some failed), to
// JSON text. The contract (docs/http-api.md) is < 100 ms.

#include <benchmark/benchmark.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "api/status_model.h"

namespace {

using dci::ClusterConfig;
using dci::HostState;
using dci::Role;

constexpr int k_hosts = 50'000;

std::string address(int i) {
  return "10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "." +
         std::to_string(i % 256);
}

// 5 masters, the rest agents and public agents; preflight done (1% failed), deploy half-way.
dci::api::StatusModel& model() {
  static dci::api::StatusModel built;
  static const bool ready = [] {
    ClusterConfig config;
    config.cluster_name = "bench";
    for (int i = 0; i < k_hosts; ++i) {
      const Role role = i < 5 ? Role::Master : i % 10 == 0 ? Role::PublicAgent : Role::Agent;
      config.hosts.push_back({role, address(i), 22, "root", address(i)});
    }
    dci::api::StatusModel* m = &built;
    if (!m->reset(&config, nullptr)) std::abort();
    m->on_event(dci::StageStarted{"preflight", 1, {}, ""});
    for (const auto& host : config.hosts) {
      const std::string id = host.id();
      m->on_event(dci::HostStepStarted{"preflight", id, host.role, "check-os", "uname -a"});
      m->on_event(dci::OutputChunk{"preflight", id, "check-os", false, "Linux 6.1 x86_64\n"});
      const bool fail = std::hash<std::string>{}(id) % 100 == 0;
      m->on_event(dci::HostFinished{"preflight", id, host.role,
                                    fail ? HostState::Failed : HostState::Succeeded,
                                    fail ? "port 2379 is in use" : "", ""});
    }
    dci::StageFinished done;
    done.stage = "preflight";
    m->on_event(done);
    m->on_event(dci::StageStarted{"deploy", 2, {}, "agents"});
    for (int i = 0; i < k_hosts / 2; ++i) {
      const auto& host = config.hosts[i];
      m->on_event(dci::HostStepStarted{"deploy", host.id(), host.role, "unpack", "tar x"});
    }
    return true;
  }();
  (void)ready;
  return built;
}

void BM_StatusAt50kHosts(benchmark::State& state) {
  auto& m = model();
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string body = m.status_json().dump();
    bytes = body.size();
    benchmark::DoNotOptimize(body.data());
  }
  state.counters["response_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_StatusAt50kHosts)->Unit(benchmark::kMillisecond);

void BM_FilteredHostsPageAt50kHosts(benchmark::State& state) {
  auto& m = model();
  dci::api::HostQuery query;
  query.stage = "preflight";
  query.role = "agent";
  query.state = "succeeded,failed";
  query.text = "10.0.1";
  query.offset = 100;
  query.limit = 100;
  size_t total = 0;
  for (auto _ : state) {
    const nlohmann::json page = m.hosts_json(query);
    total = page["total"].get<size_t>();
    const std::string body = page.dump();
    benchmark::DoNotOptimize(body.data());
  }
  state.counters["matching"] = static_cast<double>(total);
}
BENCHMARK(BM_FilteredHostsPageAt50kHosts)->Unit(benchmark::kMillisecond);

void BM_UnfilteredLastHostsPageAt50kHosts(benchmark::State& state) {
  auto& m = model();
  dci::api::HostQuery query;
  query.stage = "deploy";
  query.offset = k_hosts - 100;
  query.limit = 100;
  for (auto _ : state) {
    const std::string body = m.hosts_json(query).dump();
    benchmark::DoNotOptimize(body.data());
  }
}
BENCHMARK(BM_UnfilteredLastHostsPageAt50kHosts)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
