#include "cli/config_loading.h"

#include <filesystem>

#include "config/installer_schema.h"

namespace dci::cli {

Schema command_schema() { return installer_schema(); }

ClusterConfig LoadedConfig::cluster() const {
  return ClusterConfig::from_values(result.values, environment,
                                    std::filesystem::path(path).parent_path().string());
}

Result<LoadedConfig> load_config(const std::string& path) {
  LoadedConfig loaded;
  loaded.path = path;
  loaded.schema = command_schema();
  auto result = validate_config_file(path, loaded.schema, loaded.environment);
  if (!result) return result.error();
  loaded.result = std::move(*result);
  return loaded;
}

}  // namespace dci::cli
