#include "installer/config_loading.h"

#include <filesystem>

#include "config/raw_config.h"
#include "distribution/distribution_loader.h"

namespace dci {

Schema command_schema() {
  return load_distribution(DistributionChoice{}, "config.yaml", Environment::from_process()).schema;
}

ClusterConfig LoadedConfig::cluster() const {
  return ClusterConfig::from_values(result.values, environment,
                                    std::filesystem::path(path).parent_path().string());
}

LoadedConfig load_config_text(const std::string& text, const std::string& path) {
  LoadedConfig loaded;
  loaded.path = path;
  // The schema depends on the distribution, so its key is read before the config is validated.
  LoadedDistribution distribution =
      load_distribution(read_distribution_choice(text, path), path, loaded.environment);
  loaded.schema = std::move(distribution.schema);
  loaded.distribution = std::move(distribution.distribution);
  loaded.result = validate_config(text, path, loaded.schema, loaded.environment);
  for (Diagnostic& error : distribution.errors) loaded.result.errors.push_back(std::move(error));
  return loaded;
}

Result<LoadedConfig> load_config(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return load_config_text(*text, path);
}

}  // namespace dci
