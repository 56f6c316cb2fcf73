#pragma once
// How commands turn a config path into a validated config: one place, so every command (and the
// HTTP API later) validates with the same schema and the same messages.

#include <optional>
#include <string>

#include "config/cluster_config.h"
#include "config/environment.h"
#include "config/schema.h"
#include "config/validator.h"
#include "distribution/distribution.h"
#include "util/result.h"

namespace dci {

struct LoadedConfig {
  std::string path;
  Schema schema;            // installer keys plus the distribution's parameters
  ValidationResult result;  // config errors, then the distribution's (its manifest's) errors
  std::optional<Distribution> distribution;  // the one the config chooses, when it loaded
  Environment environment = Environment::from_process();

  // Precondition: result.valid().
  ClusterConfig cluster() const;
};

// The installer keys plus the built-in reference distribution's parameters (installer keys only
// when the reference distribution cannot be loaded): what `config reference` documents.
Schema command_schema();

// Reads `path`, loads the distribution its `distribution` key names (default: reference) and
// validates the config against the installer keys plus that distribution's parameters. The Error
// is only for a file that cannot be read.
Result<LoadedConfig> load_config(const std::string& path);

// The same for text not (yet) in a file, e.g. a config proposed in the web GUI; `path` names it
// in diagnostics and anchors relative paths.
LoadedConfig load_config_text(const std::string& text, const std::string& path);

}  // namespace dci
