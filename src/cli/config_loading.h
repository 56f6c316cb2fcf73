#pragma once
// How commands turn a config path into a validated config: one place, so every command (and the
// HTTP API later) validates with the same schema and the same messages.

#include <string>

#include "config/cluster_config.h"
#include "config/environment.h"
#include "config/schema.h"
#include "config/validator.h"
#include "util/result.h"

namespace dci::cli {

struct LoadedConfig {
  std::string path;
  Schema schema;  // installer keys plus the distribution's parameters
  ValidationResult result;
  Environment environment = Environment::from_process();

  // Precondition: result.valid().
  ClusterConfig cluster() const;
};

// The schema every command validates against.
Schema command_schema();

// Reads and validates `path`. The Error is only for a file that cannot be read.
Result<LoadedConfig> load_config(const std::string& path);

}  // namespace dci::cli
