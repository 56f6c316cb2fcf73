#include "test_support/fake_cluster.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace dci {

namespace tr = transport;

namespace {

// A transport made per run that forwards to the cluster's FakeTransport, so what hosts did is
// kept across runs.
class ForwardingTransport final : public tr::Transport {
 public:
  explicit ForwardingTransport(tr::FakeTransport& inner) : m_inner(inner) {}
  tr::Task<tr::Outcome<std::unique_ptr<tr::Session>>> connect(tr::HostTarget host) override {
    co_return co_await m_inner.connect(std::move(host));
  }

 private:
  tr::FakeTransport& m_inner;
};

// What `date +%s.%N; uname -sr; ...` prints on a host whose clock is right and has every tool.
std::string host_facts_reply() {
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  char line[64];
  std::snprintf(line, sizeof line, "%.9f\nLinux 6.1\n", now);
  return line;
}

// Events are dropped: tests read the state and the outcome.
class DroppingSink final : public EventSink {
 public:
  void on_event(const Event&) override {}
};

// Advances by one millisecond per reading, so stamps are distinct and ordered.
class SteppingWallClock final : public WallClock {
 public:
  int64_t now_ms() const override { return ++m_now; }

 private:
  mutable int64_t m_now = 1'700'000'000'000;
};

}  // namespace

RunRequest run_request(std::string command, std::vector<Stage> stages, bool retry_failed) {
  RunRequest request;
  request.command = std::move(command);
  request.stages = std::move(stages);
  request.retry_failed = retry_failed;
  return request;
}

RunRequest install_request() {
  RunRequest install = run_request(
      "install", {Stage::Preflight, Stage::Deploy, Stage::Postflight, Stage::ClusterCheck});
  install.skip_succeeded = true;
  return install;
}

tr::FakeExecReply failed_reply(std::string output) {
  tr::FakeExecReply reply;
  reply.exit_status = 1;
  reply.stdout_text = std::move(output);
  return reply;
}

FakeCluster::FakeCluster(int masters, int agents, std::string extra_config,
                         std::string distribution)
    : m_dir("installer"),
      m_wall_clock(std::make_unique<SteppingWallClock>()),
      m_transport(m_clock, SshSettings{}),
      m_sink(std::make_unique<DroppingSink>()) {
  std::string config =
      "cluster_name: fake\nssh_host_key_policy: accept-new\ndistribution: " + distribution +
      "\nmaster_list:\n";
  for (int i = 0; i < masters; ++i) config += "  - " + master(i) + "\n";
  if (agents > 0) config += "agent_list:\n";
  for (int i = 0; i < agents; ++i) config += "  - " + agent(i) + "\n";
  std::ofstream(m_dir.path() / "config.yaml") << config << extra_config;
  auto state = SqliteStateStore::open((m_dir.path() / "state.db").string());
  if (!state) throw std::runtime_error(state.error().to_string());
  m_state.emplace(std::move(*state));
  m_store.emplace(*m_state);
  m_io.emplace();
  for (int i = 0; i < masters; ++i) script(master(i));
  for (int i = 0; i < agents; ++i) script(agent(i));
}

FakeCluster::~FakeCluster() = default;

void FakeCluster::rule(std::string contains, tr::FakeExecReply reply, std::set<std::string> hosts) {
  m_rules.push_back({std::move(contains), std::move(reply), std::move(hosts)});
}

void FakeCluster::append_config(const std::string& lines) {
  std::ofstream(m_dir.path() / "config.yaml", std::ios::app) << lines;
}

void FakeCluster::edit_config(const std::string& from, const std::string& to) {
  const auto path = m_dir.path() / "config.yaml";
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("the config has no '" + from + "'");
  text.replace(at, from.size(), to);
  std::ofstream(path, std::ios::trunc) << text;
}

void FakeCluster::set_reachable(const std::string& address, bool reachable) {
  script(address);
  if (reachable) return;
  tr::FakeHostBehavior behavior;
  behavior.never_answers = true;
  m_transport.set_host(address, behavior);
}

std::unique_ptr<Installer> FakeCluster::open() {
  InstallerOptions options;
  options.config_path = (m_dir.path() / "config.yaml").string();
  options.work_dir = (m_dir.path() / "genconf").string();
  options.use_ssh_config = false;
  InstallerSeams seams{
      .transport = [this](const SshSettings&) -> Result<std::unique_ptr<tr::Transport>> {
        return std::unique_ptr<tr::Transport>(std::make_unique<ForwardingTransport>(m_transport));
      },
      .state = *m_store,
      .clock = m_clock,
      .wall_clock = *m_wall_clock,
  };
  auto installer = Installer::open(m_io->get_executor(), options, seams);
  if (!installer) throw std::runtime_error(installer.error().to_string());
  return std::move(*installer);
}

RunOutcome FakeCluster::run(Installer& installer, RunRequest request) {
  std::optional<RunOutcome> outcome;
  tr::asio::co_spawn(
      *m_io,
      [&]() -> tr::Task<void> { outcome = co_await installer.run(std::move(request), *m_sink); },
      [](std::exception_ptr error) {
        if (error) std::rethrow_exception(error);
      });
  m_clock.run(*m_io);
  m_io->restart();
  if (!outcome) throw std::runtime_error("the run did not finish");
  return *outcome;
}

void FakeCluster::kill_at(std::string contains, tr::Duration after) {
  m_kill_at = std::move(contains);
  m_kill_after = after;
}

void FakeCluster::run_until_killed(std::unique_ptr<Installer> installer, RunRequest request) {
  tr::asio::co_spawn(
      *m_io, [&]() -> tr::Task<void> { co_await installer->run(std::move(request), *m_sink); },
      tr::asio::detached);
  // FakeClock::run, stopping at the kill point.
  while (!m_killed || m_clock.now() < m_kill_time) {
    m_io->restart();
    if (m_io->poll() > 0) continue;
    if (!m_clock.advance()) break;
  }
  if (!m_killed) throw std::runtime_error("the run ended before '" + m_kill_at + "'");
  m_store->kill();
  m_kill_at.clear();
  m_killed = false;
  // A fresh loop for the next installer: the killed run's suspended frames go with the old one,
  // before the installer they point into.
  m_io.emplace();
  installer.reset();
  m_store->revive();
}

std::set<std::string> FakeCluster::hosts_that_ran(const std::string& contains) const {
  std::set<std::string> hosts;
  for (const auto& [host, commands] : m_commands) {
    for (const std::string& command : commands) {
      if (command.find(contains) != std::string::npos) hosts.insert(host);
    }
  }
  return hosts;
}

void FakeCluster::script(const std::string& address) {
  tr::FakeHostBehavior behavior;
  behavior.on_exec = [this, address](const std::string& command) {
    return answer(address, command);
  };
  m_transport.set_host(address, behavior);
}

std::string FakeCluster::active_bundle(const std::string& address) const {
  const auto it = m_kept.find(address);
  return it == m_kept.end() ? "" : it->second.active;
}

size_t FakeCluster::times_ran(const std::string& address, const std::string& contains) const {
  const auto it = m_commands.find(address);
  if (it == m_commands.end()) return 0;
  return static_cast<size_t>(std::count_if(
      it->second.begin(), it->second.end(),
      [&](const std::string& command) { return command.find(contains) != std::string::npos; }));
}

void FakeCluster::keep_bundles(const std::string& address, const std::string& command,
                               tr::FakeExecReply& reply) {
  KeptBundles& kept = m_kept[address];
  if (command.find(" --running-bundle") != std::string::npos) {
    if (reply.stdout_text.empty() && reply.exit_status == 0 && !reply.error) {
      reply.stdout_text = "active " + kept.active + "\nprevious " + kept.previous + "\n";
    }
    return;
  }
  if (reply.exit_status != 0 || reply.error) return;
  if (command.find(" --rollback") != std::string::npos) {
    std::swap(kept.active, kept.previous);
    return;
  }
  // An install: "--bundle '<dir>/<role>--<id>.tar.zst' --address ... <role>", no other mode.
  const size_t bundle = command.find(" --bundle '");
  if (bundle == std::string::npos || command.find(" --preflight-only") != std::string::npos ||
      command.find(" --install-prereqs") != std::string::npos) {
    return;
  }
  const size_t path_end = command.find('\'', bundle + 11);
  const std::string path = command.substr(bundle + 11, path_end - bundle - 11);
  const size_t id_start = path.rfind("--") + 2;
  const std::string id = path.substr(id_start, path.find('.', id_start) - id_start);
  if (id != kept.active) {
    kept.previous = kept.active;
    kept.active = id;
  }
}

tr::FakeExecReply FakeCluster::answer(const std::string& address, const std::string& command) {
  m_commands[address].push_back(command);
  if (!m_kill_at.empty() && command.find(m_kill_at) != std::string::npos) {
    m_killed = true;
    m_kill_time = m_clock.now() + m_kill_after;
    tr::FakeExecReply hang;
    keep_bundles(address, command, hang);
    hang.hang = true;
    return hang;
  }
  tr::FakeExecReply reply;
  if (command.rfind("date +%s.%N", 0) == 0) reply.stdout_text = host_facts_reply();
  for (const Rule& rule : m_rules) {
    if (command.find(rule.contains) == std::string::npos) continue;
    if (!rule.hosts.empty() && !rule.hosts.count(address)) continue;
    reply = rule.reply;
  }
  keep_bundles(address, command, reply);
  return reply;
}

}  // namespace dci
