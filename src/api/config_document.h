#pragma once
// Writing config.yaml from the form's values, and validating a config text exactly as
// `dcinstall validate` validates a file (same schema choice, same messages).

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "config/raw_config.h"
#include "config/schema.h"
#include "config/validator.h"
#include "util/result.h"

namespace dci::api {

struct CheckedConfig {
  Schema schema;  // installer keys plus the parameters of the distribution the text chooses
  ValidationResult result;
};

// Validates `text` as the content of `path` (relative paths in it resolve against path's
// directory), like load_config() does for a file.
CheckedConfig check_config_text(const std::string& text, const std::string& path);

// The raw entries of `text` (diagnostics dropped): what the file says, for values and secrets.
RawConfig raw_entries(const std::string& text, const std::string& path);

// config.yaml text for `values` (a JSON object: key -> string|number|bool|[string|number|bool]|
// null). A key that is null or absent is not written, except secret keys of `schema` (or keys
// that look like one), which keep their value in `current` when absent. The leading comment
// block of `current_text` is kept. The Error is for a body that is not such an object.
Result<std::string> render_config(const nlohmann::json& values, const Schema& schema,
                                  const RawConfig& current, const std::string& current_text);

// Writes `text` to `path` through a temporary file in the same directory and a rename, keeping
// the file's mode (0600 for a new file: it may hold secrets).
Status write_file_atomically(const std::string& path, const std::string& text);

}  // namespace dci::api
