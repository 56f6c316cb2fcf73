#pragma once
// Validation of config.yaml: every error at once, each at the offending value, sorted by
// position; warnings apart. The entry point every command and the HTTP API use.

#include <string>
#include <string_view>
#include <vector>

#include "config/config_values.h"
#include "config/diagnostic.h"
#include "config/environment.h"
#include "config/schema.h"
#include "util/result.h"

namespace dci {

struct ValidationResult {
  std::vector<Diagnostic> errors;    // sorted by position
  std::vector<Diagnostic> warnings;  // sorted by position; never make the config invalid
  ConfigValues values;               // every schema key that is set or has a default; complete
                                     // only when valid()
  bool valid() const { return errors.empty(); }
};

// Validates `text`, the content of `file_name` (relative paths in the config are resolved
// against the file's directory), against `schema` and the installer's cross-key rules.
ValidationResult validate_config(std::string_view text, const std::string& file_name,
                                 const Schema& schema, const Environment& environment);

// Reads `path` and validates it. The Error is only for a file that cannot be read at all.
Result<ValidationResult> validate_config_file(const std::string& path, const Schema& schema,
                                              const Environment& environment);

}  // namespace dci
