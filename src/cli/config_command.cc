// `dcinstall config reference|show`: the schema as Markdown, and a config's effective values.

#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "installer/config_loading.h"
#include "config/reference.h"

namespace dci::cli {
namespace {

struct ShowOptions {
  std::string config_path = "config.yaml";
  bool json = false;
};

std::string shown_value(const KeySpec* spec, const ConfigValue& value) {
  if (spec && spec->secret) return value.items.empty() ? "(not set)" : "(set, hidden)";
  if (!value.is_list) return value.items.empty() ? "" : value.items.front();
  if (value.items.size() > 6) {
    return std::to_string(value.items.size()) + " items: " + value.items.front() + ", " +
           value.items[1] + ", ... " + value.items.back();
  }
  std::string out = "[";
  for (size_t i = 0; i < value.items.size(); ++i) out += (i ? ", " : "") + value.items[i];
  return out + "]";
}

int run_show(const ShowOptions& options) {
  auto loaded = load_config(options.config_path);
  if (!loaded) {
    std::cerr << "dcinstall: " << loaded.error().to_string() << "\n";
    return k_exit_usage;
  }
  if (!loaded->result.valid()) {
    for (const auto& error : loaded->result.errors) std::cerr << error.to_string() << "\n";
    return k_exit_failed;
  }
  nlohmann::json json = nlohmann::json::object();
  for (const KeySpec& spec : loaded->schema.keys()) {
    const ConfigValue* value = loaded->result.values.find(spec.key);
    if (!value) continue;
    const std::string origin =
        value->from_default ? "default"
                            : options.config_path + ":" + std::to_string(value->position.line);
    if (options.json) {
      json[spec.key] = {{"value", spec.secret ? nlohmann::json("(hidden)")
                                              : value->is_list ? nlohmann::json(value->items)
                                                               : nlohmann::json(value->items.at(0))},
                        {"origin", origin}};
    } else {
      std::cout << spec.key << " = " << shown_value(&spec, *value) << "    (" << origin << ")\n";
    }
  }
  if (options.json) std::cout << json.dump(2) << "\n";
  return k_exit_ok;
}

}  // namespace

void add_config_command(CLI::App& app, int& exit_code) {
  CLI::App* config = app.add_subcommand("config", "Inspect the config schema and values");
  config->require_subcommand(1);

  CLI::App* reference = config->add_subcommand(
      "reference", "Print the Markdown reference of every config key (docs/config-reference.md)");
  reference->callback([&exit_code] {
    std::cout << render_reference(command_schema());
    exit_code = k_exit_ok;
  });

  auto options = std::make_shared<ShowOptions>();
  CLI::App* show = config->add_subcommand(
      "show", "Print every key's effective value and where it comes from (file line or default)");
  show->add_option("-c,--config", options->config_path, "Config file")->capture_default_str();
  show->add_flag("--json", options->json, "Print JSON");
  show->callback([options, &exit_code] { exit_code = run_show(*options); });
}

}  // namespace dci::cli
