// `dcinstall support-bundle -o FILE`: one .tar.gz for support, with no secret in it.

#include <iostream>

#include "cli/commands.h"
#include "cli/installer_options.h"
#include "installer/support_bundle.h"

namespace dci::cli {

void add_support_bundle_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<InstallerCommandOptions>();
  auto output = std::make_shared<std::string>("dcinstall-support.tar.gz");
  auto runs = std::make_shared<RunSelection>();
  CLI::App* command = app.add_subcommand(
      "support-bundle",
      "Write a .tar.gz for support: the config with secrets masked, the expanded config, "
      "cluster.json, host states, the last run's step logs (--run N, --all-runs), versions. No "
      "private key or secret "
      "value is ever included. Exit status: 0, or 2 when it cannot be written.");
  add_installer_options(*command, *options, false);
  command->add_option("-o,--output", *output, "The file to write")->capture_default_str();
  auto* run = command->add_option("--run", runs->run_id, "The steps of this run (its number)");
  command->add_flag("--all-runs", runs->all_runs, "The steps of every recorded run")->excludes(run);
  command->callback([options, output, runs, &exit_code] {
    transport::asio::io_context io;
    auto parts = open_installer(io.get_executor(), *options, false);
    if (!parts) {
      exit_code = k_exit_usage;
      return;
    }
    if (auto written = write_support_bundle(parts->installer(), *output, *runs); !written) {
      std::cerr << "dcinstall: " << written.error().to_string() << "\n";
      exit_code = k_exit_usage;
      return;
    }
    std::cout << "wrote " << *output << "\n";
    exit_code = k_exit_ok;
  });
}

}  // namespace dci::cli
