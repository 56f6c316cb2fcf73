#pragma once
// Which distribution a config chooses, where it is, and the schema it makes: the installer keys
// plus the distribution's parameters. Every command validates a config this way (the CLI's
// load_config), so `validate` and `config reference` cover the parameters.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.h"
#include "config/environment.h"
#include "config/schema.h"
#include "distribution/distribution.h"

namespace dci {

// The built-in distribution's name (the default of the `distribution` key).
constexpr std::string_view k_reference_distribution = "reference";

// The `distribution` value of a config, read before the config is validated (the schema depends
// on it). "reference" when the key is absent or not a single value (validation reports that).
struct DistributionChoice {
  std::string value = std::string(k_reference_distribution);
  SourcePosition position;  // line 0 when the key is absent
};
DistributionChoice read_distribution_choice(std::string_view config_text,
                                            const std::string& config_file);

// Directories searched for built-in distributions, in order: $DCINSTALL_DISTRIBUTIONS_DIR when
// set; else <dir of the running executable>/share/dcinstall/distributions (the build tree) and
// <dir of the executable>/../share/dcinstall/distributions (an installed tree).
std::vector<std::string> builtin_distribution_dirs(const Environment& environment);

// The directory of `choice`: "reference" is built in; anything else is a directory path,
// relative to `base_dir` (the config file's directory), ~ expanded.
std::string locate_distribution(const std::string& choice, const std::string& base_dir,
                                const Environment& environment);

struct LoadedDistribution {
  std::optional<Distribution> distribution;  // set when the manifest is valid
  Schema schema;                   // installer keys, plus the parameters when valid
  std::vector<Diagnostic> errors;  // the manifest's, and one at the config's `distribution` key
};

// Loads the distribution `choice` names (see locate_distribution) and builds the schema.
LoadedDistribution load_distribution(const DistributionChoice& choice, const std::string& config_file,
                                     const Environment& environment);

// installer_schema() plus `distribution`'s parameters (under their own source heading).
Schema schema_with_parameters(const Distribution& distribution);

}  // namespace dci
