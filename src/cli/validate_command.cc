// `dcinstall validate`: every error of config.yaml at once, or a summary of a valid config.

#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "installer/config_loading.h"
#include "config/cluster_config.h"

namespace dci::cli {
namespace {

struct ValidateOptions {
  std::string config_path = "config.yaml";
  bool json = false;
};

std::string plural(size_t count, const std::string& word) {
  return std::to_string(count) + " " + word + (count == 1 ? "" : "s");
}

int run_validate(const ValidateOptions& options) {
  auto loaded = load_config(options.config_path);
  if (!loaded) {
    if (options.json) {
      std::cout << nlohmann::json{{"valid", false}, {"io_error", loaded.error().to_string()}}
                << "\n";
    } else {
      std::cerr << "dcinstall: " << loaded.error().to_string() << "\n";
    }
    return k_exit_usage;
  }
  const ValidationResult& result = loaded->result;
  if (options.json) {
    nlohmann::json out{{"valid", result.valid()},
                       {"errors", nlohmann::json::array()},
                       {"warnings", nlohmann::json::array()}};
    for (const auto& error : result.errors) out["errors"].push_back(to_json(error));
    for (const auto& warning : result.warnings) out["warnings"].push_back(to_json(warning));
    std::cout << out.dump(2) << "\n";
    return result.valid() ? k_exit_ok : k_exit_failed;
  }
  for (const auto& error : result.errors) std::cout << error.to_string() << "\n";
  for (const auto& warning : result.warnings) std::cout << warning.to_string() << "\n";
  if (!result.valid()) {
    std::cout << options.config_path << ": invalid: " << plural(result.errors.size(), "error")
              << (result.warnings.empty() ? "" : ", " + plural(result.warnings.size(), "warning"))
              << "\n";
    return k_exit_failed;
  }
  const ClusterConfig cluster = loaded->cluster();
  std::cout << options.config_path << ": valid: cluster '" << cluster.cluster_name << "', "
            << plural(cluster.hosts_with_role(Role::Master).size(), "master") << ", "
            << plural(cluster.hosts_with_role(Role::Agent).size(), "agent") << ", "
            << plural(cluster.hosts_with_role(Role::PublicAgent).size(), "public agent")
            << (result.warnings.empty() ? "" : " (" + plural(result.warnings.size(), "warning") + ")")
            << "\n";
  return k_exit_ok;
}

}  // namespace

void add_validate_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ValidateOptions>();
  CLI::App* command = app.add_subcommand(
      "validate",
      "Check config.yaml and report every error as file:line:col: key: message.\n"
      "Exit status: 0 valid, 1 invalid, 2 usage or I/O error.");
  command->add_option("-c,--config", options->config_path, "Config file")
      ->capture_default_str();
  command->add_flag("--json", options->json,
                    "Print {\"valid\", \"errors\": [{file,line,column,key,message}], \"warnings\"}");
  command->callback([options, &exit_code] { exit_code = run_validate(*options); });
}

}  // namespace dci::cli
