// `dcinstall genconf`: validate the config, then write the per-role bundles, install.sh,
// cluster.json and expanded-config.yaml (src/genconf/genconf.h). Nothing is written for an
// invalid config.

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "installer/config_loading.h"
#include "genconf/genconf.h"

namespace dci::cli {
namespace {

struct GenconfCommandOptions {
  std::string config_path = "config.yaml";
  std::string output_dir = "genconf";
  std::string compression = "zstd";
  int level = 0;  // 0: the compression's default
  bool json = false;
};

std::string megabytes(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

int run_genconf_command(const GenconfCommandOptions& options) {
  const auto compression = compression_from_name(options.compression);
  if (!compression) {
    std::cerr << "dcinstall: --compression must be zstd, gzip or none\n";
    return k_exit_usage;
  }
  auto loaded = load_config(options.config_path);
  if (!loaded) {
    std::cerr << "dcinstall: " << loaded.error().to_string() << "\n";
    return k_exit_usage;
  }
  const ValidationResult& result = loaded->result;
  for (const auto& error : result.errors) std::cerr << error.to_string() << "\n";
  for (const auto& warning : result.warnings) std::cerr << warning.to_string() << "\n";
  if (!result.valid() || !loaded->distribution) {
    std::cerr << options.config_path << ": invalid; nothing written\n";
    return k_exit_failed;
  }

  GenconfOptions genconf;
  genconf.output_dir = options.output_dir;
  genconf.compression = *compression;
  genconf.compression_level = options.level > 0 ? options.level
                              : *compression == Compression::Gzip ? 6
                                                                  : 3;
  const ClusterConfig cluster = loaded->cluster();
  auto written = run_genconf(cluster, loaded->schema, *loaded->distribution, options.config_path,
                             genconf);
  if (!written) {
    std::cerr << "dcinstall: genconf: " << written.error().to_string() << "\n";
    return k_exit_usage;
  }
  const Distribution& distribution = *loaded->distribution;
  if (options.json) {
    nlohmann::json out{{"cluster_id", written->cluster_id},
                       {"serve_dir", written->serve_dir},
                       {"install_sh_sha256", written->install_script_sha256},
                       {"expanded_config", written->expanded_config_path},
                       {"bundles", nlohmann::json::object()}};
    for (const RoleBundle& bundle : written->bundles) {
      out["bundles"][std::string(role_name(bundle.role))] = {
          {"id", bundle.bundle.id},
          {"path", bundle.bundle.path},
          {"size", bundle.bundle.size},
          {"holds_secret", bundle.bundle.holds_secret}};
    }
    std::cout << out.dump(2) << "\n";
    return k_exit_ok;
  }
  std::cout << "genconf: cluster '" << cluster.cluster_name << "' (id " << written->cluster_id
            << "), distribution " << distribution.name << " " << distribution.version << "\n";
  for (const RoleBundle& bundle : written->bundles) {
    std::string role(role_name(bundle.role));
    role.resize(14, ' ');
    std::cout << "  " << role << bundle.bundle.path << "  (" << megabytes(bundle.bundle.size)
              << ")\n";
  }
  std::cout << "  install.sh    " << written->serve_dir << "/install.sh  (SHA-256 "
            << written->install_script_sha256 << ")\n"
            << "  cluster.json  " << written->serve_dir << "/cluster.json\n"
            << "  expanded      " << written->expanded_config_path << "\n";
  for (const std::string& name : written->removed) {
    std::cout << "  removed stale bundle " << name << "\n";
  }
  const std::string url = cluster.bootstrap_url.empty() ? "<bootstrap_url>" : cluster.bootstrap_url;
  bool holds_secret = false;
  for (const RoleBundle& bundle : written->bundles) holds_secret |= bundle.bundle.holds_secret;
  std::cout << "pull install: serve " << written->serve_dir << "/ at " << url
            << (holds_secret ? " to the cluster's hosts only (the bundles hold secrets)" : "")
            << ", then on each host:\n"
            << "  curl -fsSL -o install.sh " << url << "/install.sh && echo \""
            << written->install_script_sha256
            << "  install.sh\" | sha256sum -c && bash install.sh <role>\n";
  return k_exit_ok;
}

}  // namespace

void add_genconf_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<GenconfCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "genconf",
      "Validate config.yaml, then write one reproducible bundle per role, install.sh and\n"
      "cluster.json under <output>/serve/, and <output>/expanded-config.yaml.\n"
      "Exit status: 0 written, 1 invalid config (nothing written), 2 usage or I/O error.");
  command->add_option("-c,--config", options->config_path, "Config file")->capture_default_str();
  command->add_option("-o,--output", options->output_dir, "Output directory")
      ->capture_default_str();
  command->add_option("--compression", options->compression, "Bundle compression: zstd, gzip, none")
      ->capture_default_str();
  command->add_option("--level", options->level,
                      "Compression level (zstd 1-19, default 3; gzip 1-9, default 6)")
      ->check(CLI::Range(1, 19));
  command->add_flag("--json", options->json, "Print the result as JSON");
  command->callback([options, &exit_code] { exit_code = run_genconf_command(*options); });
}

}  // namespace dci::cli
