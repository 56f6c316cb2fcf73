#include "cli/fanout_command.h"

#include <chrono>
#include <iostream>

#include "cli/commands.h"
#include "installer/config_loading.h"
#include "api/installer_parts.h"

namespace dci::cli {

void add_fanout_options(CLI::App& command, FanoutOptions& options) {
  command.add_option("-c,--config", options.config_path, "Config file")->capture_default_str();
  command.add_option("--role", options.role, "Hosts of this role: master, agent, public_agent, all")
      ->capture_default_str();
  command.add_option("--hosts", options.hosts,
                     "Only these hosts: a comma list of [user@]address[:port], or @FILE (one per "
                     "line); hosts not in the config use its ssh_user/ssh_port");
  command.add_flag("--group", options.group, "Group hosts with identical output (like clush -b)");
  command.add_flag("--json", options.json, "Print one JSON document: hosts[] and summary");
  command.add_option("--parallelism", options.parallelism,
                     "Hosts connecting or working at once (default: ssh_parallelism)");
  command.add_flag("--no-ssh-config", options.no_ssh_config,
                   "Ignore ~/.ssh/config and /etc/ssh/ssh_config");
}

int run_fanout(const FanoutOptions& options, const FanoutWork& work, bool retry_work) {
  auto loaded = load_config(options.config_path);
  if (!loaded) {
    std::cerr << "dcinstall: " << loaded.error().to_string() << "\n";
    return k_exit_usage;
  }
  if (!loaded->result.valid()) {
    for (const auto& error : loaded->result.errors) std::cerr << error.to_string() << "\n";
    return k_exit_usage;
  }
  const ClusterConfig cluster = loaded->cluster();
  auto hosts = select_hosts(cluster, options.role, options.hosts);
  if (!hosts) {
    std::cerr << "dcinstall: " << hosts.error().to_string() << "\n";
    return k_exit_usage;
  }
  if (hosts->empty()) {
    std::cerr << "dcinstall: no host selected\n";
    return k_exit_usage;
  }

  transport::asio::io_context io;
  const TransportFactory make_transport = api::ssh_transport_factory(
      io.get_executor(), !options.no_ssh_config,
      [](const std::string& line) { std::cerr << "dcinstall: " << line << "\n"; });
  auto transport = make_transport(cluster.ssh);
  if (!transport) {
    std::cerr << "dcinstall: " << transport.error().to_string() << "\n";
    return k_exit_usage;
  }
  transport::SteadyClock clock;
  transport::FanOutOptions fan_options;
  fan_options.parallelism = static_cast<size_t>(
      options.parallelism > 0 ? options.parallelism : cluster.ssh.parallelism);
  fan_options.retry.retries = cluster.ssh.retries;
  fan_options.retry_work = retry_work;
  transport::FanOut fan_out(**transport, clock, fan_options);

  const OutputMode mode = options.json    ? OutputMode::Json
                          : options.group ? OutputMode::Group
                                          : OutputMode::Prefix;
  FanoutPrinter printer(mode, *hosts, stdout, stderr);
  std::vector<transport::HostTarget> targets;
  for (const SelectedHost& host : *hosts) targets.push_back(host.target);
  transport::HostWork host_work = work(printer);
  std::vector<transport::HostReport> reports;
  const auto start = std::chrono::steady_clock::now();
  transport::asio::co_spawn(
      io,
      [&]() -> transport::Task<void> {
        reports = co_await fan_out.run(
            std::move(targets), host_work,
            [&printer](size_t index, const transport::HostReport& report) {
              printer.host_done(index, report);
            });
      },
      [](std::exception_ptr error) {
        if (error) std::rethrow_exception(error);
      });
  io.run();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const FanoutPrinter::Counts counts = printer.finish(reports, seconds);
  return counts.ok == reports.size() ? k_exit_ok : k_exit_failed;
}

}  // namespace dci::cli
